"""JSM Ops alert endpoints (Cloud only): create an alert (a page), read a request's outcome, read alerts.

Shapes follow JSM Ops' Alert API (its Opsgenie heritage): create answers 202 with a request id, the request's
outcome names the alert, and the alert carries `count` (how often the same open alias was raised).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from oncall_tui.sim.alerts import AlertInvalid, create_alert, parse_alert_body
from oncall_tui.sim.http import current_user, json_response, read_json_object, sim_state
from oncall_tui.sim.model import Alert, AlertRequest
from oncall_tui.sim.routes_ops import PREFIX, OpsError, _ops, _page
from oncall_tui.sim.state import SimState


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def alert_json(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "tinyId": alert.tiny_id,
        "alias": alert.alias or "",
        "message": alert.message,
        "status": alert.status,
        "acknowledged": alert.acknowledged,
        "isSeen": False,
        "tags": list(alert.tags),
        "snoozed": False,
        "count": alert.count,
        "lastOccurredAt": _iso(alert.updated),
        "createdAt": _iso(alert.created),
        "updatedAt": _iso(alert.updated),
        "source": alert.source,
        "owner": "",
        "priority": alert.priority,
        "responders": [{"id": r.id, "type": r.type} for r in alert.responders],
        "entity": alert.entity,
        "description": alert.description,
        "details": dict(alert.details),
    }


def request_json(outcome: AlertRequest) -> dict[str, Any]:
    data: dict[str, Any] = {
        "action": outcome.action,
        "processedAt": _iso(outcome.processed_at),
        "integrationId": "",
        "isSuccess": outcome.success,
        "success": outcome.success,
        "status": outcome.status,
    }
    if outcome.alert_id is not None:
        data["alertId"] = outcome.alert_id
    if outcome.alias is not None:
        data["alias"] = outcome.alias
    return data


def _find(state: SimState, identifier: str, kind: str) -> Alert:
    if kind not in ("id", "tiny", "alias"):
        raise OpsError(422, f"identifierType must be one of id, tiny, alias, got '{kind}'.")
    matching = [
        a for a in state.alerts.values() if {"id": a.id, "tiny": a.tiny_id, "alias": a.alias}[kind] == identifier
    ]
    # By alias the open alert wins (a closed one with that alias is history), else the latest.
    matching.sort(key=lambda a: (a.status == "open", a.created))
    if matching:
        return matching[-1]
    raise OpsError(404, f"Alert with {kind} [{identifier}] could not be found.")


@_ops
async def post_alert(request: Request) -> Response:
    started = time.perf_counter()
    state = sim_state(request)
    body = await read_json_object(request)
    try:
        parsed = parse_alert_body(body)
    except AlertInvalid as exc:
        raise OpsError(422, exc.message) from None
    outcome = create_alert(state, parsed, current_user(request).account_id)
    took = round(time.perf_counter() - started, 3)
    return json_response({"result": "Request will be processed", "took": took, "requestId": outcome.id}, status=202)


@_ops
async def get_request(request: Request) -> Response:
    outcome = sim_state(request).alert_requests.get(request.path_params["requestId"])
    if outcome is None:
        raise OpsError(404, "Request not found. It might not be processed, yet.")
    return json_response(request_json(outcome))


@_ops
async def get_alert(request: Request) -> Response:
    kind = request.query_params.get("identifierType", "id")
    return json_response(alert_json(_find(sim_state(request), request.path_params["identifier"], kind)))


@_ops
async def list_alerts(request: Request) -> Response:
    """Newest first, as JSM Ops lists them by default; no query language beyond paging."""
    alerts = sorted(sim_state(request).alerts.values(), key=lambda a: a.created, reverse=True)
    return json_response(_page(request, [alert_json(a) for a in alerts]))


def routes() -> list[BaseRoute]:
    return [
        Route(f"{PREFIX}/alerts", post_alert, methods=["POST"]),
        Route(f"{PREFIX}/alerts", list_alerts, methods=["GET"]),
        Route(f"{PREFIX}/alerts/requests/{{requestId}}", get_request, methods=["GET"]),
        Route(f"{PREFIX}/alerts/{{identifier}}", get_alert, methods=["GET"]),
    ]
