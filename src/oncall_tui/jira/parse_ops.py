"""JSM Ops answers (schedules, on-calls, teams, escalations) made into plain frozen values.

JSM Ops error and data shapes come from its Opsgenie heritage, not from Jira's REST API: lists are
`{values: [...], links: {next}}`, on-call answers carry `onCallParticipants` with no `data` wrapper, and a
participant may be a team or an escalation with its own nested participants. Anything unreadable is a
BadResponse, never an empty list: an empty on-call answer must mean "nobody is on call".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from oncall_tui.jira.errors import BadResponse, msgid

__all__ = [
    "EscalationLevel",
    "EscalationPolicy",
    "NextOnCall",
    "OnCall",
    "OpsSchedule",
    "OpsTeam",
    "OpsUser",
    "parse_cloud_id",
    "parse_escalation",
    "parse_next_on_call_ids",
    "parse_on_call_ids",
    "parse_page",
    "parse_schedule",
    "parse_team",
]

# Nested participants (a team inside an escalation inside a schedule) deeper than this are garbage.
_MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class OpsUser:
    """An on-call person: the account id JSM Ops names, with the name and zone Jira knows for it.

    `known` is False when Jira could not resolve the id (a deleted or hidden account): the name is then
    the account id itself, so the person is still shown rather than dropped."""

    account_id: str
    display_name: str
    time_zone: str | None = None
    email: str | None = None
    known: bool = True


@dataclass(frozen=True, slots=True)
class OpsSchedule:
    id: str
    name: str
    time_zone: str | None = None
    team_id: str | None = None
    team_name: str | None = None
    enabled: bool = True
    description: str = ""


@dataclass(frozen=True, slots=True)
class OnCall:
    """Who is on call for `schedule` at `at`, until when (None when the API does not say) and who follows.

    `next_people` is the next set of people different from `people` (empty when nobody follows)."""

    schedule: OpsSchedule
    at: datetime
    people: tuple[OpsUser, ...]
    until: datetime | None = None
    next_people: tuple[OpsUser, ...] = ()


@dataclass(frozen=True, slots=True)
class NextOnCall:
    account_ids: tuple[str, ...]
    exact_account_ids: tuple[str, ...]
    handover: datetime | None


@dataclass(frozen=True, slots=True)
class OpsTeam:
    id: str
    name: str
    member_ids: tuple[str, ...] = ()
    lead_id: str | None = None


@dataclass(frozen=True, slots=True)
class EscalationLevel:
    """One rule of a JSM Ops escalation: level 1 is notified first, after `delay_minutes` from the alert."""

    level: int
    delay_minutes: int
    recipient_type: str  # "schedule", "user" or "team"
    recipient_id: str
    condition: str = "if-not-acked"
    notify_type: str = "default"


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    id: str
    name: str
    team_id: str
    levels: tuple[EscalationLevel, ...]
    enabled: bool = True
    description: str = ""


def _bad(what: str) -> BadResponse:
    # `what` is English and for the log only: it goes to `detail`, which is never translated.
    return BadResponse(msgid("JSM Ops sent an answer oncall-tui cannot read."), detail=what)


def _dict(obj: Any, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise _bad(what)
    return obj


def _str(obj: Any) -> str | None:
    return obj if isinstance(obj, str) and obj else None


def _required(obj: dict[str, Any], key: str, what: str) -> str:
    value = _str(obj.get(key))
    if value is None:
        raise _bad(what)
    return value


def parse_cloud_id(obj: Any) -> str:
    return _required(_dict(obj, "tenant info"), "cloudId", "tenant info without cloudId")


def parse_page(obj: Any, what: str) -> tuple[list[Any], bool]:
    """The `values` of one page and whether another page follows (`links.next`)."""
    data = _dict(obj, what)
    values = data.get("values")
    if not isinstance(values, list):
        raise _bad(what)
    links = data.get("links")
    more = isinstance(links, dict) and bool(_str(links.get("next")))
    return values, more


def parse_schedule(obj: Any) -> OpsSchedule:
    data = _dict(obj, "schedule")
    owner = data.get("ownerTeam") if isinstance(data.get("ownerTeam"), dict) else {}
    return OpsSchedule(
        id=_required(data, "id", "schedule without id"),
        name=_str(data.get("name")) or _required(data, "id", "schedule without id"),
        time_zone=_str(data.get("timezone")),
        team_id=_str(owner.get("id")),
        team_name=_str(owner.get("name")),
        enabled=data.get("enabled") is not False,
        description=_str(data.get("description")) or "",
    )


def _user_ids(participants: Any, out: list[str], depth: int = 0) -> None:
    if depth > _MAX_DEPTH or not isinstance(participants, list):
        if participants is None:
            return
        raise _bad("on-call participants")
    for item in participants:
        if not isinstance(item, dict):
            raise _bad("on-call participant")
        if item.get("type", "user") == "user":
            ident = _required(item, "id", "on-call participant without id")
            if ident not in out:
                out.append(ident)
        else:
            # A team or escalation on call: the people are its own on-call participants.
            _user_ids(item.get("onCallParticipants"), out, depth + 1)


def _ids(data: dict[str, Any], participants_key: str, flat_key: str, what: str) -> tuple[str, ...]:
    out: list[str] = []
    if participants_key in data:
        _user_ids(data[participants_key], out)
    elif isinstance(data.get(flat_key), list):
        # The unofficial flat shape several clients rely on: bare account ids.
        for ident in data[flat_key]:
            if not _str(ident):
                raise _bad(what)
            if ident not in out:
                out.append(ident)
    else:
        raise _bad(what)
    return tuple(out)


def parse_on_call_ids(obj: Any) -> tuple[str, ...]:
    """Account ids on call, in the order JSM Ops lists them, without repeats."""
    data = _dict(obj, "on-calls")
    return _ids(data, "onCallParticipants", "onCallUsers", "on-calls")


def _instant(obj: Any) -> datetime | None:
    text = _str(obj)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_next_on_call_ids(obj: Any) -> NextOnCall:
    data = _dict(obj, "next on-calls")
    following = _ids(data, "nextOnCallParticipants", "nextOnCallUsers", "next on-calls")
    exact = (
        _ids(data, "exactNextOnCallParticipants", "exactNextOnCallUsers", "next on-calls")
        if "exactNextOnCallParticipants" in data or "exactNextOnCallUsers" in data
        else following
    )
    # `handoverTime` is not in every deployment's answer: without it "until when" stays unknown.
    return NextOnCall(following, exact, _instant(data.get("handoverTime")))


def parse_team(obj: Any) -> OpsTeam:
    data = _dict(obj, "team")
    members = data.get("memberIds")
    return OpsTeam(
        id=_required(data, "id", "team without id"),
        name=_str(data.get("name")) or _required(data, "id", "team without id"),
        member_ids=tuple(m for m in members if _str(m)) if isinstance(members, list) else (),
        lead_id=_str(data.get("leadId")),
    )


def _minutes(delay: Any) -> int:
    if not isinstance(delay, dict):
        return 0
    amount = delay.get("timeAmount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        return 0
    unit = str(delay.get("timeUnit") or "minutes").lower()
    return amount * {"hours": 60, "days": 1440}.get(unit, 1)


def parse_escalation(obj: Any, team_id: str) -> EscalationPolicy:
    """An escalation whose rules become levels, ordered by delay (stable for equal delays)."""
    data = _dict(obj, "escalation")
    rules = data.get("rules")
    if not isinstance(rules, list):
        raise _bad("escalation without rules")
    parsed: list[tuple[int, str, str, str, str]] = []
    for rule in rules:
        rule = _dict(rule, "escalation rule")
        recipient = _dict(rule.get("recipient"), "escalation rule without recipient")
        parsed.append(
            (
                _minutes(rule.get("delay")),
                _required(recipient, "type", "escalation recipient without type"),
                _required(recipient, "id", "escalation recipient without id"),
                _str(rule.get("condition")) or "if-not-acked",
                _str(rule.get("notifyType")) or "default",
            )
        )
    parsed.sort(key=lambda r: r[0])
    owner = data.get("ownerTeam") if isinstance(data.get("ownerTeam"), dict) else {}
    return EscalationPolicy(
        id=_required(data, "id", "escalation without id"),
        name=_str(data.get("name")) or _required(data, "id", "escalation without id"),
        team_id=_str(owner.get("id")) or team_id,
        levels=tuple(EscalationLevel(i, *r) for i, r in enumerate(parsed, start=1)),
        enabled=data.get("enabled") is not False,
        description=_str(data.get("description")) or "",
    )
