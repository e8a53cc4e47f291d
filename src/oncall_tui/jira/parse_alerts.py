"""JSM Ops alert answers (create accepted, a request's outcome, an alert) made into plain frozen values.

Creating an alert is asynchronous in JSM Ops: the answer is only a request id; whether an alert came of it
(and which) is the request's outcome, read later. Anything unreadable is a BadResponse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from oncall_tui.jira.parse_ops import _bad, _dict, _instant, _required, _str

__all__ = [
    "RESPONDER_TYPES",
    "AlertRequest",
    "OpsAlert",
    "Responder",
    "ResponderType",
    "parse_alert",
    "parse_alert_request",
    "parse_request_id",
]

ResponderType = Literal["team", "user", "escalation", "schedule"]
RESPONDER_TYPES: tuple[ResponderType, ...] = ("team", "user", "escalation", "schedule")


@dataclass(frozen=True, slots=True)
class Responder:
    """Whom an alert notifies: a JSM Ops team, user (account id), escalation or schedule, by id."""

    id: str
    type: ResponderType

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a Responder needs an id")
        if self.type not in RESPONDER_TYPES:
            raise ValueError(f"a Responder's type is one of {', '.join(RESPONDER_TYPES)}, not {self.type!r}")


@dataclass(frozen=True, slots=True)
class AlertRequest:
    """The outcome of a create-alert request: `success` with the alert's id, or `status` saying why not."""

    request_id: str
    success: bool
    status: str
    alert_id: str | None = None
    alias: str | None = None
    processed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OpsAlert:
    id: str
    tiny_id: str | None
    message: str
    alias: str | None
    status: str
    priority: str | None
    count: int
    responders: tuple[Responder, ...] = ()
    acknowledged: bool = False
    created: datetime | None = None


def parse_request_id(obj: Any) -> str:
    return _required(_dict(obj, "create alert answer"), "requestId", "create alert answer without requestId")


def parse_alert_request(obj: Any, request_id: str) -> AlertRequest:
    data = _dict(obj, "alert request")
    success = data.get("isSuccess", data.get("success"))
    if not isinstance(success, bool):
        raise _bad("alert request without success")
    return AlertRequest(
        request_id=request_id,
        success=success,
        status=_str(data.get("status")) or "",
        alert_id=_str(data.get("alertId")),
        alias=_str(data.get("alias")),
        processed_at=_instant(data.get("processedAt")),
    )


def _responders(raw: Any) -> tuple[Responder, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        if isinstance(item, dict) and _str(item.get("id")) and item.get("type") in RESPONDER_TYPES:
            out.append(Responder(item["id"], item["type"]))
    return tuple(out)


def parse_alert(obj: Any) -> OpsAlert:
    data = _dict(obj, "alert")
    # Opsgenie's v2 API wraps the alert in `data`; JSM Ops answers it bare. Both are read.
    if isinstance(data.get("data"), dict) and "id" not in data:
        data = data["data"]
    count = data.get("count")
    return OpsAlert(
        id=_required(data, "id", "alert without id"),
        tiny_id=_str(data.get("tinyId")),
        message=_str(data.get("message")) or "",
        alias=_str(data.get("alias")),
        status=_str(data.get("status")) or "open",
        priority=_str(data.get("priority")),
        count=count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1,
        responders=_responders(data.get("responders")),
        acknowledged=data.get("acknowledged") is True,
        created=_instant(data.get("createdAt")),
    )
