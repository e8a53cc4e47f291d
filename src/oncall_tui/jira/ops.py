"""The JSM Ops on-call API (Cloud only): schedules, who is on call, teams and their escalation policies.

It rides on a `JiraClient`: the same credentials, retries, deadlines and redaction (`JiraClient._call`).
Real Cloud serves JSM Ops from `https://api.atlassian.com/jsm/ops/api/{cloudId}/v1`, the site answers
`/_edge/tenant_info` with the cloud id; a site that is not on atlassian.net (the simulator, a test
gateway) is taken to serve both itself, unless `ops_url` says otherwise.

Failures are errors, never an empty answer: Data Center has no JSM Ops (`OpsNotAvailable`, raised before
any request), a site without JSM Ops answers 404 on the Ops base (`OpsNotEnabled`), a missing permission
is a 403 (`OpsPermissionDenied`), and a schedule name that does not exist lists the names that do
(`ScheduleNotFound`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import BadRequest, JiraError, NotFound, PermissionDenied, msgid
from oncall_tui.jira.parse import parse_user
from oncall_tui.jira.parse_alerts import (
    AlertRequest,
    OpsAlert,
    Responder,
    parse_alert,
    parse_alert_request,
    parse_request_id,
)
from oncall_tui.jira.parse_ops import (
    EscalationPolicy,
    NextOnCall,
    OnCall,
    OpsSchedule,
    OpsTeam,
    OpsUser,
    parse_cloud_id,
    parse_escalation,
    parse_next_on_call_ids,
    parse_on_call_ids,
    parse_page,
    parse_schedule,
    parse_team,
)
from oncall_tui.jira.urls import display_url

__all__ = [
    "CLOUD_OPS_URL",
    "AlertRefused",
    "AlertRequest",
    "OpsAlert",
    "OpsClient",
    "OpsNotAvailable",
    "OpsNotEnabled",
    "OpsPermissionDenied",
    "Responder",
    "ScheduleNotFound",
    "TeamNotFound",
]

CLOUD_OPS_URL = "https://api.atlassian.com"
_PAGE_SIZE = 100
# A paging loop that has not ended by then is being fed garbage.
_MAX_PAGES = 100
# Names listed in a "no such schedule" message; a site with hundreds would drown the message.
_MAX_NAMES = 20
# JSM Ops' limits for an alert: a longer message or description is refused, so they are cut to fit here.
MAX_ALERT_MESSAGE = 130
MAX_ALERT_DESCRIPTION = 15000
MAX_ALERT_ALIAS = 512
# Parallel user look-ups: a handful, so a big escalation does not trip Jira's burst limit.
_USER_LOOKUPS = 4


class OpsNotAvailable(JiraError):
    """Data Center (and Server) have no JSM Ops API: on-call data must come from the config there."""

    default_message = msgid("Jira Data Center has no JSM Ops: on-call schedules and escalations need Jira Cloud.")
    default_hint = msgid("Define the on-call rota or fixed contacts in the config instead")


class OpsNotEnabled(NotFound):
    default_message = msgid("This Jira site has no JSM Ops (Operations): its on-call API answered 404.")
    default_hint = msgid("Ask a Jira admin whether Jira Service Management Operations is set up on this site")


class OpsPermissionDenied(PermissionDenied):
    default_message = msgid("JSM Ops says you may not see on-call schedules or escalations.")
    default_hint = msgid("Ask a Jira admin for access to JSM Operations (a team membership or the Operations role)")


# Defaults without placeholders (an error built bare must still render); the raisers pass the full text.
_NO_SCHEDULE = msgid("JSM Ops has no schedule {name}. Schedules: {names}")
_NO_TEAM = msgid("JSM Ops has no team {team}.")


class ScheduleNotFound(NotFound):
    default_message = msgid("JSM Ops has no such schedule.")


class TeamNotFound(NotFound):
    default_message = msgid("JSM Ops has no such team.")


class AlertRefused(BadRequest):
    """JSM Ops refused an alert (a 400/422 on create), or processed the request and created none."""

    default_message = msgid("JSM Ops refused the alert.")


_ALERT_REFUSED = msgid("JSM Ops refused the alert: {detail}")


# How long the schedule list is kept (schedules are created or renamed rarely; who is on call is not cached here).
SCHEDULES_TTL = 600.0


def _pick_schedule(known: list[OpsSchedule], wanted: str) -> OpsSchedule | None:
    for match in (
        lambda s: s.id == wanted,
        lambda s: s.name == wanted,
        lambda s: s.name.casefold() == wanted.casefold(),
    ):
        found = [s for s in known if match(s)]
        if found:
            return found[0]
    return None


class OpsClient:
    """JSM Ops through an open `JiraClient`: `OpsClient(jira)`; close the JiraClient, not this.

    The cloud id and resolved users are cached for the life of this object; the schedule list for
    `SCHEDULES_TTL` seconds (looked up by name on every resolve of every level, it is what on-call polling would
    otherwise spend most of its requests on), and read again at once when a name is not in it (a schedule created
    since). Who is on call is never cached here: the caller decides how briefly that may be."""

    def __init__(self, jira: JiraClient, *, ops_url: str | None = None) -> None:
        self._jira = jira
        self._ops_url = (ops_url or _default_ops_url(jira.config.url)).rstrip("/")
        self._cloud_id: str | None = None
        self._users: dict[str, OpsUser] = {}
        self._cloud_lock = asyncio.Lock()
        self._schedules: tuple[float, list[OpsSchedule]] | None = None
        self.monotonic = time.monotonic

    def __repr__(self) -> str:
        return f"OpsClient(ops_url={self._ops_url!r}, jira={self._jira!r})"

    async def _check_cloud(self) -> None:
        if await self._jira.detect() != "cloud":
            raise OpsNotAvailable()

    async def cloud_id(self) -> str:
        """The site's cloud id, from `/_edge/tenant_info` (unauthenticated there, so none is sent)."""
        await self._check_cloud()
        async with self._cloud_lock:
            if self._cloud_id is None:
                try:
                    data = await self._jira._call("GET", "/_edge/tenant_info")
                except NotFound as exc:
                    raise OpsNotEnabled(status=404, detail=exc.detail) from None
                self._cloud_id = parse_cloud_id(data)
        return self._cloud_id

    async def _get(self, path: str, params: Mapping[str, str | int | bool] | None = None) -> Any:
        """GET an Ops path (below `/v1`); a 403 becomes OpsPermissionDenied, other errors pass unchanged."""
        url = await self._ops_url_for(path)
        try:
            return await self._jira._call("GET", url, params=params)
        except PermissionDenied as exc:
            raise OpsPermissionDenied(status=exc.status, detail=exc.detail) from None

    async def _ops_url_for(self, path: str) -> str:
        return f"{self._ops_url}/jsm/ops/api/{quote(await self.cloud_id(), safe='')}/v1{path}"

    async def _list(self, path: str, what: str) -> list[Any]:
        """Every value of a paged Ops list; a 404 on the list itself means the site has no JSM Ops."""
        out: list[Any] = []
        for _ in range(_MAX_PAGES):
            try:
                data = await self._get(path, {"offset": len(out), "size": _PAGE_SIZE})
            except OpsNotEnabled:
                raise
            except NotFound as exc:
                raise OpsNotEnabled(status=404, detail=exc.detail) from None
            values, more = parse_page(data, what)
            out.extend(values)
            if not more or not values:
                break
        return out

    # Schedules and on-call -------------------------------------------------------------------------------

    async def schedules(self) -> list[OpsSchedule]:
        return [parse_schedule(item) for item in await self._list("/schedules", "schedule list")]

    async def schedule(self, name_or_id: str) -> OpsSchedule:
        """A schedule by id, else by name (exact, then ignoring case); ScheduleNotFound lists the names."""
        wanted = name_or_id.strip()
        cached = self._schedules
        stale = cached is None or self.monotonic() - cached[0] >= SCHEDULES_TTL
        known = await self._schedule_list() if stale or cached is None else cached[1]
        found = _pick_schedule(known, wanted)
        if found is None and not stale:
            known = await self._schedule_list()
            found = _pick_schedule(known, wanted)
        if found is not None:
            return found
        names = sorted(s.name for s in known)
        shown = ", ".join(names[:_MAX_NAMES]) + (" …" if len(names) > _MAX_NAMES else "")
        raise ScheduleNotFound(_NO_SCHEDULE, params={"name": repr(wanted), "names": shown or "-"})

    async def _schedule_list(self) -> list[OpsSchedule]:
        known = await self.schedules()
        self._schedules = (self.monotonic(), known)
        return known

    async def on_call_ids(self, schedule_id: str, at: datetime | None = None) -> tuple[str, ...]:
        """Account ids on call for a schedule id now, or at `at`."""
        data = await self._schedule_get(schedule_id, "on-calls", at)
        return parse_on_call_ids(data)

    async def next_on_call_ids(self, schedule_id: str, at: datetime | None = None) -> NextOnCall:
        """Who takes over after now (or `at`), and when, where JSM Ops says so."""
        return parse_next_on_call_ids(await self._schedule_get(schedule_id, "next-on-calls", at))

    async def _schedule_get(self, schedule_id: str, what: str, at: datetime | None) -> Any:
        params: dict[str, str | int | bool] = {"flat": "false"}
        if at is not None:
            if at.tzinfo is None:
                raise ValueError("an on-call instant needs a time zone")
            params["date"] = at.isoformat()
        try:
            return await self._get(f"/schedules/{quote(schedule_id, safe='')}/{what}", params)
        except OpsPermissionDenied:
            raise
        except NotFound as exc:
            # The schedule list worked or was skipped; a 404 here is this id (a team id, say), not the site.
            raise ScheduleNotFound(
                params={"name": repr(schedule_id), "names": "-"}, status=404, detail=exc.detail
            ) from None

    async def on_call(self, schedule: OpsSchedule | str, at: datetime | None = None) -> OnCall:
        """Who is on call (with names and time zones), until when, and who is next, for a schedule given as
        an OpsSchedule or by name or id. `at` (aware) asks about another instant than now."""
        if not isinstance(schedule, OpsSchedule):
            schedule = await self.schedule(schedule)
        current = await self.on_call_ids(schedule.id, at)
        following = await self.next_on_call_ids(schedule.id, at)
        people = await self.users([*current, *following.account_ids])
        return OnCall(
            schedule=schedule,
            at=at or self._jira._now(),
            people=tuple(people[i] for i in current),
            until=following.handover,
            next_people=tuple(people[i] for i in following.account_ids),
        )

    # Teams and escalations -------------------------------------------------------------------------------

    async def teams(self) -> list[OpsTeam]:
        """JSM Ops teams with members and lead (`/v1/teams`)."""
        return [parse_team(item) for item in await self._list("/teams", "team list")]

    async def escalations(self, team_id: str) -> list[EscalationPolicy]:
        """A team's escalation policies, each with its rules as ordered levels (level 1 first)."""
        path = f"/teams/{quote(team_id, safe='')}/escalations"
        try:
            data = await self._get(path, {"offset": 0, "size": _PAGE_SIZE})
        except OpsPermissionDenied:
            raise
        except NotFound as exc:
            raise TeamNotFound(_NO_TEAM, params={"team": team_id}, status=404, detail=exc.detail) from None
        values, _more = parse_page(data, "escalation list")
        return [parse_escalation(item, team_id) for item in values]

    # Alerts (paging) ---------------------------------------------------------------------------------------

    async def create_alert(
        self,
        *,
        message: str,
        alias: str,
        responders: Iterable[Responder],
        description: str = "",
        priority: str | None = None,
        tags: Iterable[str] = (),
        details: Mapping[str, str] | None = None,
        note: str | None = None,
    ) -> str:
        """Ask JSM Ops to create an alert (page the responders); returns the request id.

        JSM Ops does not create a second open alert with the same `alias` (it counts it instead), so the alias
        is the idempotency key: sending again after a lost answer pages nobody twice, and the request is
        retried like a read. The outcome comes later: `alert_request(request_id)`, or `alert(alias)`.
        A message longer than JSM Ops takes is cut (with "…"), as is the description."""
        if not alias or len(alias) > MAX_ALERT_ALIAS:
            raise ValueError(f"an alert alias must have 1 to {MAX_ALERT_ALIAS} characters")
        body: dict[str, Any] = {
            "message": _cut(message.strip() or alias, MAX_ALERT_MESSAGE),
            "alias": alias,
            "responders": [{"id": r.id, "type": r.type} for r in responders],
        }
        if description:
            body["description"] = _cut(description, MAX_ALERT_DESCRIPTION)
        if priority is not None:
            body["priority"] = priority
        if tags:
            body["tags"] = list(dict.fromkeys(tags))
        if details:
            body["details"] = dict(details)
        if note:
            body["note"] = note
        url = await self._ops_url_for("/alerts")
        try:
            data = await self._jira._call("POST", url, body=body, idempotent=True)
        except PermissionDenied as exc:
            raise OpsPermissionDenied(status=exc.status, detail=exc.detail) from None
        except NotFound as exc:
            raise OpsNotEnabled(status=404, detail=exc.detail) from None
        except BadRequest as exc:
            raise _refused(exc.detail, exc.status) from None
        return parse_request_id(data)

    async def alert_request(self, request_id: str) -> AlertRequest | None:
        """The outcome of a create-alert request; None while JSM Ops has not processed it (it answers 404)."""
        try:
            data = await self._get(f"/alerts/requests/{quote(request_id, safe='')}")
        except OpsPermissionDenied:
            raise
        except NotFound:
            return None
        return parse_alert_request(data, request_id)

    async def alert(self, alias: str) -> OpsAlert | None:
        """The alert with this alias (the open one, if any), or None when JSM Ops has none."""
        try:
            data = await self._get(f"/alerts/{quote(alias, safe='')}", {"identifierType": "alias"})
        except OpsPermissionDenied:
            raise
        except NotFound:
            return None
        return parse_alert(data)

    # People ----------------------------------------------------------------------------------------------

    async def users(self, account_ids: Iterable[str]) -> dict[str, OpsUser]:
        """Account id -> name and time zone from `/rest/api/3/user`, each id asked once per OpsClient.

        An id Jira does not know (deleted, or hidden from this user) comes back with `known=False` rather
        than disappearing: the on-call person still exists for JSM Ops."""
        wanted = list(dict.fromkeys(account_ids))
        missing = [i for i in wanted if i not in self._users]
        gate = asyncio.Semaphore(_USER_LOOKUPS)

        async def look_up(account_id: str) -> None:
            async with gate:
                self._users[account_id] = await self._user(account_id)

        await asyncio.gather(*(look_up(i) for i in missing))
        return {i: self._users[i] for i in wanted}

    async def _user(self, account_id: str) -> OpsUser:
        try:
            data = await self._jira._call("GET", "/rest/api/3/user", params={"accountId": account_id})
        except NotFound:
            return OpsUser(account_id=account_id, display_name=account_id, known=False)
        person = parse_user(data)
        if person is None:
            return OpsUser(account_id=account_id, display_name=account_id, known=False)
        return OpsUser(
            account_id=account_id,
            display_name=person.display_name,
            time_zone=person.time_zone,
            email=person.email,
        )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _refused(detail: str | None, status: int | None) -> AlertRefused:
    if detail:
        return AlertRefused(_ALERT_REFUSED, params={"detail": detail}, status=status, detail=detail)
    return AlertRefused(status=status)


def _default_ops_url(site_url: str) -> str:
    host = (urlsplit(site_url).hostname or "").lower()
    if host.endswith((".atlassian.net", ".jira.com", ".jira-dev.com")):
        return CLOUD_OPS_URL
    return display_url(site_url)
