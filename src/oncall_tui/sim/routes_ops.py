"""JSM Ops (on-call) endpoints: schedules, who is on call, team escalations; Cloud only.

Real Cloud serves these from `https://api.atlassian.com/jsm/ops/api/{cloudId}/v1/...` with the same basic
e-mail + API token auth as the site, and the site answers `/_edge/tenant_info` with its cloud id. The
simulator serves both from the site's own host. Data Center has no JSM Ops API: every route here answers
404 there, as a Data Center server does for paths it does not know.

Error bodies are `{"message": ...}` (the Opsgenie heritage of this API), not Jira's `errorMessages`.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from oncall_tui.sim.http import Handler, base_url, endpoint, int_param, json_response, sim_state
from oncall_tui.sim.model import Escalation, Schedule, Team
from oncall_tui.sim.oncall import next_handover, next_on_call, on_call_at
from oncall_tui.sim.state import SimError, SimState

PREFIX = "/jsm/ops/api/{cloudId}/v1"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


class OpsError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _ops_error(status: int, message: str) -> Response:
    return json_response({"message": message}, status=status)


def _cloud_only(handler: Handler) -> Handler:
    """Answer 404 on Data Center before authenticating (DC would not know the path at all)."""

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        if sim_state(request).flavour != "cloud":
            return json_response({"errorMessages": ["Not found"], "errors": {}}, status=404)
        return await handler(request)

    return wrapper


def _ops(handler: Handler) -> Handler:
    """Wrap an Ops handler: Cloud only, authenticated, cloud id checked, `OpsError` rendered as JSON."""

    @functools.wraps(handler)
    async def checked(request: Request) -> Response:
        state = sim_state(request)
        cloud_id = request.path_params.get("cloudId", "")
        try:
            if cloud_id != state.cloud_id:
                raise OpsError(404, f"Could not find a site with cloud id '{cloud_id}'.")
            return await handler(request)
        except OpsError as exc:
            return _ops_error(exc.status, exc.message)
        except SimError as exc:
            return _ops_error(exc.status, "; ".join(exc.messages) or str(exc.errors))

    return _cloud_only(endpoint()(checked))


# ---- lookups and JSON shapes ------------------------------------------------------------------------------


def _team(state: SimState, team_id: str) -> Team:
    team = state.teams.get(team_id)
    if team is None:
        raise OpsError(404, f"Team with id [{team_id}] could not be found.")
    return team


def _schedule(state: SimState, schedule_id: str) -> Schedule:
    schedule = state.schedules.get(schedule_id)
    if schedule is None:
        # A team id is a common mistake here: it is not a schedule id, and real JSM Ops answers 404 too.
        raise OpsError(404, f"Schedule with id [{schedule_id}] could not be found.")
    return schedule


def _owner_team(state: SimState, team_id: str) -> dict[str, Any] | None:
    team = state.teams.get(team_id)
    return {"id": team.id, "name": team.name} if team else None


def schedule_json(state: SimState, schedule: Schedule) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": schedule.id,
        "name": schedule.name,
        "description": schedule.description,
        "timezone": schedule.time_zone,
        "enabled": schedule.enabled,
    }
    owner = _owner_team(state, schedule.team_id)
    if owner is not None:
        data["ownerTeam"] = owner
    return data


def escalation_json(state: SimState, escalation: Escalation) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": escalation.id,
        "name": escalation.name,
        "description": escalation.description,
    }
    owner = _owner_team(state, escalation.team_id)
    if owner is not None:
        data["ownerTeam"] = owner
    data["rules"] = [
        {
            "condition": rule.condition,
            "notifyType": rule.notify_type,
            "delay": {"timeAmount": rule.delay_minutes, "timeUnit": "minutes"},
            "recipient": {"type": rule.recipient_type, "id": rule.recipient_id},
        }
        for rule in escalation.rules
    ]
    data["enabled"] = escalation.enabled
    return data


def team_json(team: Team) -> dict[str, Any]:
    return {"id": team.id, "name": team.name, "memberIds": list(team.member_ids), "leadId": team.lead}


def _page(request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    """JSM Ops paging: `offset`/`size`, and `links.next` only while more remain."""
    offset = int_param(request, "offset", 0)
    size = int_param(request, "size", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
    body: dict[str, Any] = {"values": items[offset : offset + size], "links": {}}
    if offset + size < len(items):
        body["links"]["next"] = f"{base_url(request)}{request.url.path}?offset={offset + size}&size={size}"
    return body


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "false").strip().lower()
    if raw not in ("true", "false", ""):
        raise OpsError(400, f"Parameter '{name}' must be true or false, got '{raw}'.")
    return raw == "true"


def _instant(request: Request, state: SimState) -> datetime:
    """The `date` parameter (ISO-8601; an unescaped '+' arrives as a space), or the simulated now."""
    raw = request.query_params.get("date")
    if raw is None or not raw.strip():
        return state.now()
    text = raw.strip().replace(" ", "+")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise OpsError(
            400, f"Parameter 'date' must be an ISO-8601 date-time such as 2026-03-02T09:00:00Z, got '{raw}'."
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _participants(account_ids: list[str]) -> list[dict[str, Any]]:
    return [{"id": account_id, "type": "user"} for account_id in account_ids]


# ---- handlers -----------------------------------------------------------------------------------------------


async def _tenant_info(request: Request) -> Response:
    return json_response({"cloudId": sim_state(request).cloud_id})


tenant_info = _cloud_only(endpoint(auth=False)(_tenant_info))


@_ops
async def list_schedules(request: Request) -> Response:
    state = sim_state(request)
    return json_response(_page(request, [schedule_json(state, s) for s in state.schedules.values()]))


@_ops
async def get_schedule(request: Request) -> Response:
    state = sim_state(request)
    return json_response(schedule_json(state, _schedule(state, request.path_params["scheduleId"])))


@_ops
async def on_calls(request: Request) -> Response:
    state = sim_state(request)
    schedule = _schedule(state, request.path_params["scheduleId"])
    flat = _flag(request, "flat")
    who = on_call_at(schedule, _instant(request, state))
    if flat:
        return json_response({"onCallUsers": who})
    return json_response({"onCallParticipants": _participants(who)})


@_ops
async def next_on_calls(request: Request) -> Response:
    """Who takes over next.

    `nextOnCall*` is the next set of people different from the current one; `exactNextOnCall*` is whoever
    is on call right after the very next shift boundary (the same people when a rotation has one member).
    `handoverTime` (ISO-8601, UTC) is a simulator extension: the real endpoint lists only participants, so
    clients must treat it as optional.
    """
    state = sim_state(request)
    schedule = _schedule(state, request.path_params["scheduleId"])
    flat = _flag(request, "flat")
    at = _instant(request, state)
    boundary = next_handover(schedule, at)
    exact = on_call_at(schedule, boundary) if boundary is not None else []
    change = next_on_call(schedule, at)
    following = change[1] if change else []
    if flat:
        body: dict[str, Any] = {"nextOnCallUsers": following, "exactNextOnCallUsers": exact}
    else:
        body = {
            "nextOnCallParticipants": _participants(following),
            "exactNextOnCallParticipants": _participants(exact),
        }
    if change is not None:
        body["handoverTime"] = change[0].astimezone(UTC).isoformat().replace("+00:00", "Z")
    return json_response(body)


@_ops
async def team_escalations(request: Request) -> Response:
    state = sim_state(request)
    team = _team(state, request.path_params["teamId"])
    mine = [escalation_json(state, e) for e in state.escalations.values() if e.team_id == team.id]
    return json_response(_page(request, mine))


@_ops
async def team_escalation(request: Request) -> Response:
    state = sim_state(request)
    team = _team(state, request.path_params["teamId"])
    escalation_id = request.path_params["escalationId"]
    escalation = state.escalations.get(escalation_id)
    if escalation is None or escalation.team_id != team.id:
        raise OpsError(404, f"Escalation with id [{escalation_id}] could not be found.")
    return json_response(escalation_json(state, escalation))


@_ops
async def list_teams(request: Request) -> Response:
    """Simulator convenience, not a JSM Ops endpoint: the teams with their members and lead.

    Real clients find teams through the Teams API of the Atlassian platform; the simulator offers this so
    drills and tests can map schedules and escalations to people without it.
    """
    state = sim_state(request)
    return json_response(_page(request, [team_json(t) for t in state.teams.values()]))


def routes() -> list[BaseRoute]:
    return [
        Route("/_edge/tenant_info", tenant_info, methods=["GET"]),
        Route(f"{PREFIX}/schedules", list_schedules, methods=["GET"]),
        Route(f"{PREFIX}/schedules/{{scheduleId}}", get_schedule, methods=["GET"]),
        Route(f"{PREFIX}/schedules/{{scheduleId}}/on-calls", on_calls, methods=["GET"]),
        Route(f"{PREFIX}/schedules/{{scheduleId}}/next-on-calls", next_on_calls, methods=["GET"]),
        Route(f"{PREFIX}/teams", list_teams, methods=["GET"]),
        Route(f"{PREFIX}/teams/{{teamId}}/escalations", team_escalations, methods=["GET"]),
        Route(f"{PREFIX}/teams/{{teamId}}/escalations/{{escalationId}}", team_escalation, methods=["GET"]),
    ]
