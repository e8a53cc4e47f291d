"""JSM Ops alerts in the simulator: checking a create-alert body, creating (or de-duplicating) the alert.

As in JSM Ops, creating an alert is asynchronous: the request is accepted (202) with a request id, and its
outcome (which alert, or why none) is read from the request later. A body that is malformed is refused at
once (422, like JSM Ops' validation errors); a responder that does not exist is a failed request outcome,
because JSM Ops only finds that out while processing. An open alert with the same alias is not created a
second time: its `count` goes up, which is what makes the alias an idempotency key for clients.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from oncall_tui.sim.model import Alert, AlertRequest, AlertResponder
from oncall_tui.sim.state import SimState

MAX_MESSAGE = 130
MAX_ALIAS = 512
MAX_DESCRIPTION = 15000
MAX_NOTE = 25000
MAX_TAGS = 20
MAX_RESPONDERS = 50
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
RESPONDER_TYPES = ("team", "user", "escalation", "schedule")

ResponderType = Literal["team", "user", "escalation", "schedule"]


class AlertInvalid(Exception):
    """The body is not a valid create-alert request (JSM Ops answers 422 with the reason)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ResponderRef:
    type: ResponderType
    id: str | None
    name: str | None


@dataclass(frozen=True)
class AlertBody:
    message: str
    alias: str | None
    description: str
    responders: tuple[ResponderRef, ...]
    tags: tuple[str, ...]
    details: dict[str, str]
    entity: str
    source: str
    priority: str
    note: str | None
    user: str | None


def _text(body: dict[str, Any], name: str, limit: int, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise AlertInvalid(f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise AlertInvalid(f"{name} must be a string.")
    if required and not value.strip():
        raise AlertInvalid(f"{name} can not be empty.")
    if len(value) > limit:
        raise AlertInvalid(f"{name} can not be longer than {limit} characters.")
    return value


def _responders(raw: Any) -> tuple[ResponderRef, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise AlertInvalid("responders must be a list.")
    if len(raw) > MAX_RESPONDERS:
        raise AlertInvalid(f"responders can not have more than {MAX_RESPONDERS} items.")
    out: list[ResponderRef] = []
    for item in raw:
        if not isinstance(item, dict):
            raise AlertInvalid("Each responder must be an object with type and id, name or username.")
        kind = item.get("type")
        if kind not in RESPONDER_TYPES:
            raise AlertInvalid(f"Responder type must be one of {', '.join(RESPONDER_TYPES)}, got '{kind}'.")
        ident = item.get("id")
        name = item.get("username") if kind == "user" else item.get("name")
        if not (isinstance(ident, str) and ident) and not (isinstance(name, str) and name):
            key = "username" if kind == "user" else "name"
            raise AlertInvalid(f"Responder of type {kind} needs an id or a {key}.")
        out.append(
            ResponderRef(
                cast(ResponderType, kind),
                ident if isinstance(ident, str) and ident else None,
                name if isinstance(name, str) and name else None,
            )
        )
    return tuple(out)


def _tags(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(t, str) and t for t in raw):
        raise AlertInvalid("tags must be a list of non-empty strings.")
    if len(raw) > MAX_TAGS:
        raise AlertInvalid(f"tags can not have more than {MAX_TAGS} items.")
    return tuple(dict.fromkeys(raw))


def _details(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise AlertInvalid("details must be a map of strings to strings.")
    return dict(raw)


def parse_alert_body(body: dict[str, Any]) -> AlertBody:
    message = _text(body, "message", MAX_MESSAGE, required=True)
    assert message is not None
    priority = body.get("priority", "P3")
    if priority not in PRIORITIES:
        raise AlertInvalid(f"priority must be one of {', '.join(PRIORITIES)}, got '{priority}'.")
    return AlertBody(
        message=message,
        alias=_text(body, "alias", MAX_ALIAS) or None,
        description=_text(body, "description", MAX_DESCRIPTION) or "",
        responders=_responders(body.get("responders")),
        tags=_tags(body.get("tags")),
        details=_details(body.get("details")),
        entity=_text(body, "entity", 512) or "",
        source=_text(body, "source", 100) or "",
        priority=str(priority),
        note=_text(body, "note", MAX_NOTE),
        user=_text(body, "user", 100),
    )


def _resolve(state: SimState, ref: ResponderRef) -> AlertResponder | None:
    """The responder the reference names, or None when the site has no such one."""
    if ref.type == "user":
        user = state.users.get(ref.id) if ref.id else state.user_by_username(ref.name or "")
        return AlertResponder(user.account_id, "user", user.display_name) if user else None
    pool: dict[str, Any] = {"team": state.teams, "schedule": state.schedules, "escalation": state.escalations}[ref.type]
    if ref.id is not None:
        found = pool.get(ref.id)
    else:
        found = next((x for x in pool.values() if x.name.casefold() == (ref.name or "").casefold()), None)
    return AlertResponder(found.id, ref.type, found.name) if found else None


def _new_id(state: SimState, kind: str, number: int) -> str:
    # Deterministic per site (reruns of a scenario give the same ids), distinct across sites and kinds.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{state.cloud_id}/{kind}/{number}"))


def create_alert(state: SimState, body: AlertBody, requested_by: str, at: datetime | None = None) -> AlertRequest:
    """Process a create-alert request at once (the simulator has no queue) and record its outcome."""
    at = at or state.now()
    request_id = _new_id(state, "request", len(state.alert_requests) + 1)
    responders: list[AlertResponder] = []
    for ref in body.responders:
        found = _resolve(state, ref)
        if found is None:
            what = ref.id or ref.name
            outcome = AlertRequest(request_id, "Create", at, False, f"{ref.type.capitalize()} [{what}] not found.")
            state.alert_requests[request_id] = outcome
            return outcome
        if found not in responders:
            responders.append(found)
    existing = next(
        (a for a in state.alerts.values() if body.alias and a.alias == body.alias and a.status == "open"), None
    )
    if existing is not None:
        existing.count += 1
        existing.updated = at
        outcome = AlertRequest(request_id, "Create", at, True, "Alert already exists", existing.id, existing.alias)
    else:
        alert = Alert(
            id=_new_id(state, "alert", len(state.alerts) + 1),
            tiny_id=str(len(state.alerts) + 1),
            message=body.message,
            created=at,
            updated=at,
            requested_by=requested_by,
            alias=body.alias,
            description=body.description,
            responders=responders,
            tags=list(body.tags),
            details=dict(body.details),
            entity=body.entity,
            source=body.source,
            priority=body.priority,
            note=body.note,
            user=body.user,
        )
        state.alerts[alert.id] = alert
        outcome = AlertRequest(request_id, "Create", at, True, "Created alert", alert.id, alert.alias)
    state.alert_requests[request_id] = outcome
    return outcome
