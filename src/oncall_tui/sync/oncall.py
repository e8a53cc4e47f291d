"""Who is on call at each level of an escalation policy: the one place the UI and the escalate command ask.

A level's contacts come from a JSM Ops schedule, a JSM Ops team's escalation (each rule becomes a level), a
rota in the config or fixed people. A level that cannot be resolved is never empty: it shows the Jira leads
(the incident's component leads, else the project lead), labelled JIRA_LEADS with the reason as `problem`,
and the other levels still resolve. Every contact is enriched with the name and time zone Jira knows and the
phone, e-mail and chat handle of the config's directory.

What is cached is the policy's answer without the leads (that answer does not depend on the incident); the
leads of the incident at hand are filled in on every `get`, which costs no request. The answer is fresh for
`ttl` seconds but never past the earliest hand-over in it; an answer with a failed level only for `retry`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from oncall_tui.domain.incident import Incident
from oncall_tui.domain.oncall import (
    Contact,
    FixedContacts,
    Level,
    OnCallShift,
    Policy,
    ResolvedLevel,
    ResolvedPolicy,
    RotaRef,
    ScheduleRef,
    Source,
    TeamEscalationRef,
)
from oncall_tui.domain.people import Person
from oncall_tui.domain.rota import Rota, RotaNotStarted
from oncall_tui.domain.rota import on_call as rota_on_call
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import JiraError, NotFound
from oncall_tui.jira.ops import (
    OpsClient,
    OpsNotAvailable,
    OpsNotEnabled,
    OpsPermissionDenied,
    ScheduleNotFound,
    TeamNotFound,
)
from oncall_tui.jira.parse_ops import EscalationLevel, OnCall, OpsTeam, OpsUser
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.leads import Leads
from oncall_tui.sync.oncall_problems import Reason, problem

__all__ = ["ONCALL_RETRY_SECONDS", "ONCALL_TTL_SECONDS", "OnCallBook", "OnCallLoaded"]

log = logging.getLogger(__name__)

ONCALL_TTL_SECONDS = 60.0
ONCALL_RETRY_SECONDS = 30.0
# Parallel Jira user look-ups: a handful, so a big policy does not trip Jira's burst limit.
_USER_LOOKUPS = 4


@dataclass(frozen=True, slots=True)
class OnCallLoaded:
    """A policy's on-call answer arrived (or changed): views showing it should ask `OnCallBook.get` again."""

    policy_name: str


class _Unresolved(Exception):
    """A level could not be resolved as configured; carries the reason and its parameters."""

    def __init__(self, reason: Reason, **params: object) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.params = params


@dataclass(slots=True)
class _Entry:
    policy: Policy
    answer: ResolvedPolicy  # failed levels: no shifts, problem = (reason, params) still to be worded
    failed: dict[int, _Unresolved]
    expires: float  # monotonic
    until: datetime | None  # the earliest hand-over in the answer


class OnCallBook:
    def __init__(
        self,
        *,
        client: Callable[[], JiraClient | None],
        ops: Callable[[], OpsClient | None],
        rotas: Mapping[str, Rota],
        directory: Mapping[str, Contact],
        bus: EventBus,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float],
        spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]],
        ttl: float = ONCALL_TTL_SECONDS,
        retry: float = ONCALL_RETRY_SECONDS,
    ) -> None:
        self._client = client
        self._ops = ops
        self._rotas = rotas
        self._directory = directory
        self._bus = bus
        self._clock = clock
        self._monotonic = monotonic
        self._spawn = spawn
        self.ttl = ttl
        self.retry = retry
        self._entries: dict[str, _Entry] = {}
        self._flights: dict[str, asyncio.Task[_Entry]] = {}
        # Jira's people by contact id; None: Jira does not know them (kept, people rarely change).
        self._people: dict[str, Person | None] = {}

    # ---- the public questions ------------------------------------------------------------------------------

    def get(self, policy: Policy, incident: Incident, leads: Leads | None) -> ResolvedPolicy | None:
        """The answer now without waiting: the cached one if fresh; else a resolve starts (one per policy) and
        the stale answer, or None, comes back. `OnCallLoaded(policy.name)` is published when it arrives."""
        entry = self._entries.get(policy.name)
        if entry is not None and entry.policy != policy:
            entry = None  # the config changed under the same name
        if entry is None or not self._fresh(entry):
            self._start(policy)
        return self._with_leads(entry, incident, leads) if entry is not None else None

    async def resolve(self, policy: Policy, incident: Incident, leads: Leads | None) -> ResolvedPolicy:
        """The answer, waiting for it if the cached one is not fresh (joins a resolve already under way)."""
        entry = self._entries.get(policy.name)
        if entry is None or entry.policy != policy or not self._fresh(entry):
            entry = await asyncio.shield(self._start(policy))
        return self._with_leads(entry, incident, leads)

    def known(self, policy: Policy) -> tuple[ResolvedLevel, ...] | None:
        """The levels last resolved for `policy` (fresh or not), without waiting or asking anyone; None before
        the first answer. Their timeouts are what escalation due is measured with."""
        entry = self._entries.get(policy.name)
        return entry.answer.levels if entry is not None and entry.policy == policy else None

    def forget(self) -> None:
        """Drop every cached answer (the connection or the config changed)."""
        self._entries.clear()

    # ---- cache -----------------------------------------------------------------------------------------------

    def _fresh(self, entry: _Entry) -> bool:
        return self._monotonic() < entry.expires and (entry.until is None or self._clock() < entry.until)

    def _start(self, policy: Policy) -> asyncio.Task[_Entry]:
        flight = self._flights.get(policy.name)
        if flight is not None and not flight.done():
            return flight
        task = self._spawn(self._run(policy))
        self._flights[policy.name] = task
        return task

    async def _run(self, policy: Policy) -> _Entry:
        try:
            entry = await self._resolve(policy)
        finally:
            self._flights.pop(policy.name, None)
        self._entries[policy.name] = entry
        self._bus.publish(OnCallLoaded(policy.name))
        return entry

    async def _resolve(self, policy: Policy) -> _Entry:
        now = self._clock()
        levels: list[ResolvedLevel] = []
        failed: dict[int, _Unresolved] = {}
        for level in policy.levels:
            try:
                resolved = await self._level(level, len(levels))
            except _Unresolved as why:
                failed[len(levels)] = why
                resolved = [
                    ResolvedLevel(len(levels), level.name, level.source, (), level.response_timeout, level.effects)
                ]
            levels.extend(resolved)
            for sub in resolved:
                # A rule of a team escalation that failed on its own (its schedule is gone) is marked by _level.
                if sub.problem is not None and sub.index not in failed:
                    failed[sub.index] = _Unresolved(Reason(sub.problem[0]), **sub.problem[1])
        levels = [replace(level, problem=None) if level.index in failed else level for level in levels]
        ends = [s.until for level in levels for s in level.shifts if s.until is not None]
        ttl = min(self.ttl, self.retry) if failed else self.ttl
        answer = ResolvedPolicy(policy, tuple(levels), now)
        return _Entry(policy, answer, failed, self._monotonic() + ttl, min(ends) if ends else None)

    # ---- one configured level --------------------------------------------------------------------------------

    async def _level(self, level: Level, index: int) -> list[ResolvedLevel]:
        source = level.contacts
        if isinstance(source, FixedContacts):
            contacts = await self._enrich(source.contacts)
            shifts = tuple(OnCallShift(who=c, source=Source.FIXED) for c in contacts)
            return [ResolvedLevel(index, level.name, Source.FIXED, shifts, level.response_timeout, level.effects)]
        if isinstance(source, RotaRef):
            return [await self._rota_level(level, source, index)]
        if isinstance(source, ScheduleRef):
            ops = self._ops_client()
            on_call = await self._guard(ops.on_call(source.schedule), source.schedule, Reason.NO_SCHEDULE)
            return [self._schedule_level(level, index, level.name, on_call, level.response_timeout)]
        assert isinstance(source, TeamEscalationRef)
        return await self._team_levels(level, source, index)

    def _ops_client(self) -> OpsClient:
        ops = self._ops()
        if ops is None:
            raise _Unresolved(Reason.NO_OPS)
        return ops

    async def _guard(self, call: Coroutine[Any, Any, Any], what: str, not_found: Reason) -> Any:
        """Await a JSM Ops call; its failures become the reason the level shows the leads."""
        try:
            return await call
        except OpsNotAvailable:
            raise _Unresolved(Reason.DATA_CENTER) from None
        except OpsNotEnabled:
            raise _Unresolved(Reason.OPS_OFF) from None
        except OpsPermissionDenied:
            raise _Unresolved(Reason.OPS_DENIED, what=what) from None
        except (ScheduleNotFound, TeamNotFound):
            raise _Unresolved(not_found, what=what) from None
        except JiraError as error:
            log.info("JSM Ops could not be read for %s: %s", what, error.message)
            raise _Unresolved(Reason.OPS_FAILED, what=what) from None

    async def _rota_level(self, level: Level, ref: RotaRef, index: int) -> ResolvedLevel:
        rota = self._rotas.get(ref.rota)
        if rota is None:
            raise _Unresolved(Reason.NO_ROTA, what=ref.rota)
        try:
            shift = rota_on_call(rota, self._clock())
        except RotaNotStarted:
            raise _Unresolved(Reason.ROTA_NOT_STARTED, what=rota.name, start=rota.starts_at.isoformat()) from None
        people = await self._enrich([shift.who, *([shift.next] if shift.next else [])])
        shift = replace(shift, who=people[0], next=people[1] if shift.next else None)
        return ResolvedLevel(index, level.name, Source.CONFIG_ROTA, (shift,), level.response_timeout, level.effects)

    def _schedule_level(
        self, level: Level, index: int, name: str, on_call: OnCall, timeout: timedelta | None
    ) -> ResolvedLevel:
        following = [self._from_ops(p) for p in on_call.next_people]
        shifts = tuple(
            OnCallShift(
                who=self._from_ops(person),
                source=Source.JSM_OPS_SCHEDULE,
                until=on_call.until,
                next=following[0] if following else None,
                next_from=on_call.until if following else None,
            )
            for person in on_call.people
        )
        schedule = on_call.schedule
        return ResolvedLevel(
            index,
            name,
            Source.JSM_OPS_SCHEDULE,
            shifts,
            timeout,
            level.effects,
            team_id=schedule.team_id,
            team_name=schedule.team_name,
        )

    async def _team_levels(self, level: Level, ref: TeamEscalationRef, index: int) -> list[ResolvedLevel]:
        """Each rule of the team's escalation is a level named "<level> <n>": a schedule rule shows who it has
        on call, a user rule that person, a team or escalation rule the team's lead (else its members, all of
        them: JSM Ops would notify them all). The delay to the next rule is the response timeout; the last
        rule takes the configured level's."""
        ops = self._ops_client()
        teams: list[OpsTeam] = await self._guard(ops.teams(), ref.team, Reason.NO_TEAM)
        wanted = ref.team.strip()
        team = next((t for t in teams if t.id == wanted), None) or next(
            (t for t in teams if t.name.casefold() == wanted.casefold()), None
        )
        if team is None:
            raise _Unresolved(Reason.NO_TEAM, what=ref.team)
        policies = await self._guard(ops.escalations(team.id), team.name, Reason.NO_TEAM)
        chosen = (
            next((p for p in policies if p.name.casefold() == ref.escalation.casefold()), None)
            if ref.escalation is not None
            else (policies[0] if policies else None)
        )
        if chosen is None or not chosen.levels:
            raise _Unresolved(Reason.NO_ESCALATION, what=team.name, name=ref.escalation or "")
        out: list[ResolvedLevel] = []
        rules = chosen.levels
        for n, rule in enumerate(rules):
            delay = rules[n + 1].delay_minutes - rule.delay_minutes if n + 1 < len(rules) else None
            timeout = timedelta(minutes=delay) if delay else (level.response_timeout if delay is None else None)
            name = f"{level.name} {rule.level}"
            try:
                resolved = await self._rule_level(ops, level, index + n, name, rule, team, teams, timeout)
            except _Unresolved as why:
                resolved = ResolvedLevel(
                    index + n,
                    name,
                    Source.JSM_OPS_TEAM,
                    (),
                    timeout,
                    level.effects,
                    problem=(why.reason.value, why.params),
                    team_id=team.id,
                    team_name=team.name,
                )
            out.append(resolved)
        return out

    async def _rule_level(
        self,
        ops: OpsClient,
        level: Level,
        index: int,
        name: str,
        rule: EscalationLevel,
        team: OpsTeam,
        teams: list[OpsTeam],
        response_timeout: timedelta | None,
    ) -> ResolvedLevel:
        if rule.recipient_type == "schedule":
            on_call = await self._guard(ops.on_call(rule.recipient_id), rule.recipient_id, Reason.NO_SCHEDULE)
            resolved = self._schedule_level(level, index, name, on_call, response_timeout)
            return replace(resolved, team_id=resolved.team_id or team.id, team_name=resolved.team_name or team.name)
        if rule.recipient_type == "user":
            ids: Iterable[str] = (rule.recipient_id,)
        else:
            target = next((t for t in teams if t.id == rule.recipient_id), team)
            ids = (target.lead_id,) if target.lead_id else target.member_ids
        people = await self._guard(ops.users(ids), team.name, Reason.NO_TEAM)
        shifts = tuple(OnCallShift(who=self._from_ops(people[i]), source=Source.JSM_OPS_TEAM) for i in people)
        return ResolvedLevel(
            index,
            name,
            Source.JSM_OPS_TEAM,
            shifts,
            response_timeout,
            level.effects,
            team_id=team.id,
            team_name=team.name,
        )

    # ---- the leads fallback ------------------------------------------------------------------------------------

    def _with_leads(self, entry: _Entry, incident: Incident, leads: Leads | None) -> ResolvedPolicy:
        if not entry.failed:
            return entry.answer
        people = self._leads_for(incident, leads)
        shifts = tuple(OnCallShift(who=p, source=Source.JIRA_LEADS) for p in people)
        levels = tuple(
            replace(
                level,
                source=Source.JIRA_LEADS,
                shifts=shifts,
                problem=problem(entry.failed[level.index].reason, entry.failed[level.index].params, leads=bool(people)),
            )
            if level.index in entry.failed
            else level
            for level in entry.answer.levels
        )
        return replace(entry.answer, levels=levels)

    def _leads_for(self, incident: Incident, leads: Leads | None) -> list[Contact]:
        if leads is None:
            return []
        project_lead, component_leads = leads
        chosen = [component_leads[c] for c in incident.components if c in component_leads]
        if not chosen and project_lead is not None:
            chosen = [project_lead]
        unique = list({p.id: p for p in chosen}.values())
        return [self._directory_merge(Contact.of(p)) for p in unique]

    # ---- people ----------------------------------------------------------------------------------------------

    def _from_ops(self, user: OpsUser) -> Contact:
        return self._directory_merge(
            Contact(
                account_id=user.account_id, display_name=user.display_name, email=user.email, time_zone=user.time_zone
            )
        )

    def _directory_merge(self, contact: Contact) -> Contact:
        entry = self._directory.get(contact.id)
        if entry is None and contact.username:
            entry = self._directory.get(contact.username)
        if entry is None:
            return contact
        return replace(
            contact,
            account_id=contact.account_id or entry.account_id,
            username=contact.username or entry.username,
            display_name=contact.display_name or entry.display_name,
            phone=entry.phone or contact.phone,
            email=entry.email or contact.email,
            chat=entry.chat or contact.chat,
            time_zone=contact.time_zone or entry.time_zone,
        )

    async def _enrich(self, contacts: Iterable[Contact]) -> list[Contact]:
        """Contacts with Jira's name and time zone (each person asked once per book) and the directory's ways
        to reach them. A person Jira cannot tell about stays as configured."""
        wanted = list(contacts)
        jira = self._client()
        missing = list({c.id: c for c in wanted if c.id not in self._people}.values())
        if jira is not None and missing:
            gate = asyncio.Semaphore(_USER_LOOKUPS)

            async def look_up(contact: Contact) -> None:
                async with gate:
                    try:
                        if contact.account_id:
                            self._people[contact.id] = await jira.user(account_id=contact.account_id)
                        else:
                            self._people[contact.id] = await jira.user(username=contact.username)
                    except NotFound:
                        self._people[contact.id] = None
                    except JiraError as error:
                        # Not remembered: the next resolve asks again.
                        log.info("Jira could not tell about %s: %s", contact.id, error.message)

            await asyncio.gather(*(look_up(c) for c in missing))
        out = []
        for contact in wanted:
            person = self._people.get(contact.id)
            if person is not None:
                contact = replace(
                    contact,
                    display_name=person.display_name or contact.display_name,
                    time_zone=person.time_zone or contact.time_zone,
                    email=contact.email or person.email,
                )
            out.append(self._directory_merge(contact))
        return out
