"""The simulator's own control API under `/_sim/`: for tests, drills and demos, never part of Jira's API.

Unauthenticated (the server only listens on loopback) and never subject to injected faults.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from oncall_tui.sim import adf
from oncall_tui.sim.clock import check_speed
from oncall_tui.sim.faults import FaultSpecError, parse_faults
from oncall_tui.sim.http import endpoint, json_response, no_content, read_json_object, sim_state
from oncall_tui.sim.state import ALL_PERMISSIONS, SimError, SimState


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _summary(request: Request) -> dict[str, Any]:
    state = sim_state(request)
    open_count = sum(1 for i in state.issues.values() if state.statuses[i.status_id].category != "done")
    return {
        "scenario": state.scenario,
        "flavour": state.flavour,
        "baseUrl": state.base_url,
        "now": _iso(state.now()),
        "speed": state.clock.speed,
        "faults": request.app.state.faults.describe(),
        "issues": len(state.issues),
        "openIssues": open_count,
        "pendingEvents": state.pending_events(),
        "deniedPermissions": sorted(state.denied_permissions),
        "cloudId": state.cloud_id,
    }


@endpoint(auth=False)
async def get_state(request: Request) -> Response:
    return json_response(_summary(request))


@endpoint(auth=False)
async def set_faults(request: Request) -> Response:
    body = await read_json_object(request)
    spec = body.get("spec") or ""
    if not isinstance(spec, str):
        raise SimError(400, ["'spec' must be a string like 'rate=0.5,retry-after=2'"])
    try:
        request.app.state.faults = parse_faults(spec)
    except FaultSpecError as exc:
        raise SimError(400, [str(exc)]) from None
    return json_response(_summary(request))


def _clock_number(body: dict[str, Any], name: str) -> float | None:
    if name not in body:
        return None
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SimError(400, [f"clock: '{name}' must be a number"])
    try:
        return float(value)
    except (ValueError, OverflowError):
        raise SimError(400, [f"clock: '{name}' must be a number, got '{value}'"]) from None


@endpoint(auth=False)
async def clock(request: Request) -> Response:
    state = sim_state(request)
    body = await read_json_object(request)
    speed, advance = _clock_number(body, "speed"), _clock_number(body, "advance")
    try:
        # Both are checked before either applies: a refused request leaves the clock as it was.
        if speed is not None:
            check_speed(speed)
        if advance is not None:
            state.clock.advance(advance)
        if speed is not None:
            state.clock.set_speed(speed)
    except ValueError as exc:
        raise SimError(400, [f"clock: {exc}"]) from None
    state.run_due_events()
    return json_response(_summary(request))


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise SimError(400, [f"'{name}' must be a string"])
    return value


def _actor(state: SimState, body: dict[str, Any], default: str | None = None) -> str:
    ref = _optional_text(body, "actor") or default
    if ref is None:
        agents = [u for u in state.users.values() if u.agent and u.active]
        return agents[-1].account_id
    if ref in state.users:
        return ref
    user = state.user_by_username(ref)
    if user is None:
        raise SimError(400, [f"unknown user '{ref}'"])
    return user.account_id


def _issue_view(state: SimState, key: str) -> dict[str, Any]:
    issue = state.issue(key)
    parent = state.issue_by_id(issue.parent_id) if issue.parent_id is not None else None
    return {
        "key": issue.key,
        "id": issue.id,
        "summary": issue.summary,
        "status": state.statuses[issue.status_id].name,
        "statusCategory": state.statuses[issue.status_id].category,
        "priority": state.priorities[issue.priority_id].name,
        "assignee": issue.assignee,
        "assigneeName": state.users[issue.assignee].display_name if issue.assignee else None,
        "resolution": state.resolutions[issue.resolution_id].name if issue.resolution_id else None,
        "labels": list(issue.labels),
        "components": list(issue.component_ids),
        "parent": parent.key if parent else None,
        "updated": _iso(issue.updated),
        "properties": issue.properties,
        "comments": [
            {
                "id": c.id,
                "author": c.author,
                "text": adf.to_text(c.body),
                "public": c.public,
                "created": _iso(c.created),
            }
            for c in issue.comments
        ],
    }


@endpoint(auth=False)
async def issue_view(request: Request) -> Response:
    return json_response(_issue_view(sim_state(request), request.path_params["key"]))


@endpoint(auth=False)
async def delete_issue_route(request: Request) -> Response:
    sim_state(request).delete_issue(request.path_params["key"])
    return no_content()


@endpoint(auth=False)
async def new_incident(request: Request) -> Response:
    from oncall_tui.sim.scenarios import create_incident

    state = sim_state(request)
    body = await read_json_object(request)
    summary = _optional_text(body, "summary")
    if summary is None or not summary.strip():
        raise SimError(400, ["'summary' is required"])
    priority_ref = _optional_text(body, "priority") or "High"
    priority = state.priority_by_name(priority_ref) or state.priorities.get(priority_ref)
    if priority is None:
        raise SimError(400, [f"unknown priority '{priority_ref}'"])
    component_ids: list[str] = []
    service = _optional_text(body, "service")
    if service:
        for proj in state.projects.values():
            component_ids += [c.id for c in proj.components if c.name.lower() == service.lower()]
        if not component_ids:
            raise SimError(400, [f"unknown service '{service}'"])
    description = _optional_text(body, "description")
    labels = body.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise SimError(400, ["'labels' must be a list of strings"])
    issue = create_incident(
        state,
        at=state.now(),
        summary=summary,
        priority_id=priority.id,
        component_ids=component_ids,
        description=adf.from_text(description) if description else None,
        labels=labels,
        parent_key=_optional_text(body, "parent"),
    )
    return json_response(_issue_view(state, issue.key), status=201)


@endpoint(auth=False)
async def customer_comment_route(request: Request) -> Response:
    from oncall_tui.sim.scenarios import customer_comment

    state = sim_state(request)
    body = await read_json_object(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise SimError(400, ["'text' is required"])
    issue = state.issue(request.path_params["key"])
    customer_comment(state, at=state.now(), key=issue.key, text=text)
    return json_response(_issue_view(state, issue.key), status=201)


@endpoint(auth=False)
async def reassign_route(request: Request) -> Response:
    from oncall_tui.sim.scenarios import reassign

    state = sim_state(request)
    body = await read_json_object(request)
    issue = state.issue(request.path_params["key"])
    target = _optional_text(body, "accountId")
    username = _optional_text(body, "username")
    if target is None and username:
        user = state.user_by_username(username)
        if user is None:
            raise SimError(400, [f"unknown user '{username}'"])
        target = user.account_id
    reassign(state, at=state.now(), key=issue.key, account_id=target, actor=_actor(state, body))
    return json_response(_issue_view(state, issue.key))


@endpoint(auth=False)
async def set_status_route(request: Request) -> Response:
    state = sim_state(request)
    body = await read_json_object(request)
    issue = state.issue(request.path_params["key"])
    name = _optional_text(body, "status") or ""
    status = state.status_by_name(name)
    if status is None:
        raise SimError(400, [f"unknown status '{name}'"])
    state.set_status(issue, status.id, _actor(state, body))
    return json_response(_issue_view(state, issue.key))


@endpoint(auth=False)
async def permissions(request: Request) -> Response:
    state = sim_state(request)
    body = await read_json_object(request)
    deny = body.get("deny", [])
    if not isinstance(deny, list) or any(p not in ALL_PERMISSIONS for p in deny):
        raise SimError(400, [f"'deny' must list permissions among {', '.join(ALL_PERMISSIONS)}"])
    state.denied_permissions = set(deny)
    return json_response(_summary(request))


@endpoint(auth=False)
async def alerts(request: Request) -> Response:
    """Every JSM Ops alert (page) the site recorded, oldest first, with who asked for it: tests check pages here."""
    state = sim_state(request)
    return json_response(
        {
            "alerts": [
                {
                    "id": a.id,
                    "tinyId": a.tiny_id,
                    "alias": a.alias,
                    "message": a.message,
                    "description": a.description,
                    "responders": [{"id": r.id, "type": r.type, "name": r.name} for r in a.responders],
                    "priority": a.priority,
                    "tags": list(a.tags),
                    "details": dict(a.details),
                    "note": a.note,
                    "count": a.count,
                    "status": a.status,
                    "created": _iso(a.created),
                    "requestedBy": a.requested_by,
                    "user": a.user,
                }
                for a in state.alerts.values()
            ]
        }
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/_sim/state", get_state, methods=["GET"]),
        Route("/_sim/faults", set_faults, methods=["POST"]),
        Route("/_sim/clock", clock, methods=["POST"]),
        Route("/_sim/permissions", permissions, methods=["POST"]),
        Route("/_sim/alerts", alerts, methods=["GET"]),
        Route("/_sim/incidents", new_incident, methods=["POST"]),
        Route("/_sim/issues/{key}", issue_view, methods=["GET"]),
        Route("/_sim/issues/{key}", delete_issue_route, methods=["DELETE"]),
        Route("/_sim/issues/{key}/customer-comment", customer_comment_route, methods=["POST"]),
        Route("/_sim/issues/{key}/assign", reassign_route, methods=["POST"]),
        Route("/_sim/issues/{key}/status", set_status_route, methods=["POST"]),
    ]
