"""Which escalation policy an incident falls under, its levels resolved now, and escalate commands made from
the user's choice: the one place the UI goes to escalate, so the dialog does no I/O and no rule lives in it.

Without any policy in the config the Jira leads still make two levels (the component leads, then the project
lead): escalating works on a site nobody configured, and says where its contacts came from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from oncall_tui.domain.escalation import current_level
from oncall_tui.domain.incident import FieldChoice, Incident
from oncall_tui.domain.oncall import (
    Contact,
    Effects,
    FixedContacts,
    IncidentFacts,
    Level,
    OnCallShift,
    Policy,
    ResolvedLevel,
    ResolvedPolicy,
    Source,
    match_policy,
)
from oncall_tui.sync import commands as cmds
from oncall_tui.sync import escalate as esc
from oncall_tui.sync.commands import Command
from oncall_tui.sync.leads import Leads
from oncall_tui.sync.oncall import OnCallBook
from oncall_tui.sync.pipeline import CommandPipeline

__all__ = ["LEADS_POLICY", "EscalationDesk", "Texts", "Toggles", "leads_resolved"]

_NOBODY = Contact(account_id="-")
# The policy every incident falls under when the config has none: Jira's own idea of who is responsible.
LEADS_POLICY = Policy(
    name="Jira leads",
    levels=(
        Level("Component lead", FixedContacts((_NOBODY,))),
        Level("Project lead", FixedContacts((_NOBODY,)), effects=Effects(mention=True)),
    ),
    default=True,
)


# The built-in policy's names are the app's words (message ids), not a config's: the UI translates them.
BUILT_IN_NAMES = frozenset({LEADS_POLICY.name, *(level.name for level in LEADS_POLICY.levels)})


@dataclass(frozen=True, slots=True)
class Toggles:
    """Which of the target level's effects the user left switched on (all of them, by default)."""

    reassign: bool = True
    priority: bool = True
    transition: bool = True
    mention: bool = True
    page: bool = True
    comment: bool = True


@dataclass(frozen=True, slots=True)
class Texts:
    """What is written to Jira and JSM Ops, worded by the UI in the user's language."""

    comment: str
    page_message: str
    page_description: str


def leads_resolved(
    incident: Incident, leads: Leads | None, now: datetime, *, unreadable: bool = False
) -> ResolvedPolicy:
    """The Jira-leads policy for `incident`: component leads, then the project lead (empty while unknown)."""
    project_lead, component_leads = leads if leads is not None else (None, {})
    first = [component_leads[c] for c in incident.components if c in component_leads]
    unique = list({p.id: p for p in first}.values())
    levels = []
    for index, (level, people) in enumerate(zip(LEADS_POLICY.levels, (unique, [project_lead]), strict=True)):
        shifts = tuple(OnCallShift(Contact.of(p), Source.JIRA_LEADS) for p in people if p is not None)
        problem: tuple[str, dict[str, object]] | None = None
        if unreadable:
            problem = ("The leads could not be read from Jira; trying again shortly", {})
        elif leads is None:
            problem = ("Asking Jira for the leads…", {})
        elif not shifts:
            problem = ("Jira names nobody for this level", {})
        levels.append(
            ResolvedLevel(index, level.name, Source.JIRA_LEADS, shifts, effects=level.effects, problem=problem)
        )
    return ResolvedPolicy(LEADS_POLICY, tuple(levels), now)


def facts_of(incident: Incident, queues: frozenset[str]) -> IncidentFacts:
    return IncidentFacts(
        project=incident.key.rsplit("-", 1)[0],
        components=frozenset(incident.components),
        labels=frozenset(incident.labels),
        issue_type=incident.issue_type,
        queues=queues,
    )


class EscalationDesk:
    def __init__(
        self,
        *,
        policies: Sequence[Policy],
        pipeline: CommandPipeline,
        leads: Callable[[str], Leads | None],
        queues_of: Callable[[str], frozenset[str]],
        clock: Callable[[], datetime],
        book: OnCallBook | None = None,
        pages: Callable[[], bool] = lambda: False,
        leads_failed: Callable[[str], bool] = lambda project: False,
    ) -> None:
        self.policies = tuple(policies)
        self.pipeline = pipeline
        self._leads = leads
        self._leads_failed = leads_failed
        self._queues_of = queues_of
        self._clock = clock
        self.book = book
        # Whether paging can work here (JSM Ops on Cloud); the dialog says so instead of offering it.
        self.can_page = pages
        # Jira's priorities, highest first, as (id, name); set once read (None: not known, sent by name as given).
        self.priorities: Sequence[tuple[str, str]] | None = None

    def raise_to(self, incident: Incident, level: ResolvedLevel) -> FieldChoice | None:
        """The priority escalating to `level` sets: its configured one (by id or name) if that is above the
        incident's now; None when the level sets none or the incident is already as high."""
        wanted = level.effects.raise_priority_to
        if not wanted:
            return None
        known = list(self.priorities or ())
        target = next(
            (i for i, (pid, name) in enumerate(known) if wanted in (pid, name) or wanted.casefold() == name.casefold()),
            None,
        )
        if target is None:
            return FieldChoice(wanted)
        current = next(
            (i for i, (pid, name) in enumerate(known) if pid == incident.priority_id or name == incident.priority),
            None,
        )
        if current is not None and current <= target:
            return None  # never lowered by an escalation
        pid, name = known[target]
        return FieldChoice(name=name, id=pid)

    def policy_for(self, incident: Incident) -> Policy:
        found = self.configured_policy(incident)
        return found if found is not None else LEADS_POLICY

    def configured_policy(self, incident: Incident) -> Policy | None:
        """The config's policy for `incident`; None when none matches (escalation due needs one: the Jira
        leads have no response times)."""
        return match_policy(self.policies, facts_of(incident, self._queues_of(incident.key)))

    def leads_of(self, incident: Incident) -> Leads | None:
        return self._leads(incident.key.rsplit("-", 1)[0])

    def view(self, incident: Incident) -> tuple[ResolvedPolicy | None, str | None]:
        """What the escalation pane shows, without waiting: the resolved policy (None while it is looked up) and
        its name. The same levels the escalate dialog offers, from the same place."""
        policy = self.policy_for(incident)
        leads = self.leads_of(incident)
        if policy is LEADS_POLICY or self.book is None:
            project = incident.key.rsplit("-", 1)[0]
            if leads is None and not self._leads_failed(project):
                return None, policy.name
            return leads_resolved(incident, leads, self._clock(), unreadable=leads is None), policy.name
        return self.book.get(policy, incident, leads), policy.name

    def levels_for(self, policy: Policy) -> tuple[ResolvedLevel, ...] | None:
        """The policy's levels as last resolved (for escalation due); None before the first answer."""
        if policy is LEADS_POLICY:
            return None
        known = self.book.known(policy) if self.book is not None else None
        # Before JSM Ops has answered, the configured timeouts (a team escalation's rules add theirs later).
        return (
            known
            if known is not None
            else tuple(
                ResolvedLevel(
                    i, level.name, level.source, response_timeout=level.response_timeout, effects=level.effects
                )
                for i, level in enumerate(policy.levels)
            )
        )

    async def resolved(self, incident: Incident) -> ResolvedPolicy:
        policy = self.policy_for(incident)
        if policy is LEADS_POLICY or self.book is None:
            return leads_resolved(incident, self.leads_of(incident), self._clock())
        return await self.book.resolve(policy, incident, self.leads_of(incident))

    def escalate(
        self,
        incident: Incident,
        resolved: ResolvedPolicy,
        target: int,
        toggles: Toggles,
        reason: str,
        texts: Callable[[ResolvedLevel, Incident], Texts],
    ) -> Command | None:
        """Submit the escalation of `incident` to level `target` (lower than now: a de-escalation); None when
        that level does not exist or the incident is on it already."""
        me = self.pipeline.me
        level = resolved.level(target)
        current = current_level(incident.escalation, [lv.name for lv in resolved.levels])
        if level is None or target == current:
            return None
        if me is None:
            return self.pipeline.take(incident.key)  # refused as "not connected", the same way a take is
        up = target > current
        effects = level.effects if up else Effects()
        functional = resolved.policy.mode.value == "functional"
        choice = esc.EscalationChoice(
            reassign=up and functional and effects.reassign and toggles.reassign,
            priority=self.raise_to(incident, level) if up and toggles.priority else None,
            transition=effects.transition if up and toggles.transition else None,
            mention=up and effects.mention and toggles.mention,
            page=up and effects.page and toggles.page and self.can_page(),
            comment=toggles.comment,
        )
        words = texts(level, incident)
        from_level = resolved.level(current)
        command_id = cmds.new_id()
        params = esc.escalation_params(
            command_id=command_id,
            incident=incident,
            policy=resolved.policy.name,
            from_level=current,
            seen_level=esc.level_of(incident),
            from_name=from_level.name if from_level is not None else str(current + 1),
            target=level,
            choice=choice,
            reason=reason,
            me=me,
            comment_text=words.comment,
            page_message=words.page_message,
            page_description=words.page_description,
        )
        shown = self.pipeline.store.get(incident.key) or incident
        return self.pipeline.submit(cmds.escalate(command_id, incident.key, params, shown, now=self._clock()))
