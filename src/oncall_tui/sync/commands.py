"""Writes to Jira as data: what the user asked for, on which issue, and what the issue looked like to them.

A `Command` is everything needed to carry a write out, to show it before Jira confirms it, to tell afterwards
whether it landed, and to notice that the issue changed under the user: all derived from the record by the
functions below, never from closures over the moment it was made. That is what lets a command be written to
disk, replayed after a crash, resumed after a lost answer, listed, edited and resent.

Nothing here is worded for people; the UI says what a command is in its own language.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from oncall_tui.domain.codec import CodecError, person_from_data, person_to_data
from oncall_tui.domain.incident import Comment, FieldChoice, Incident, StatusCategory, TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.jira import errors as jira_errors
from oncall_tui.jira.errors import JiraError
from oncall_tui.sync.escalate import apply_escalation


class CommandKind(StrEnum):
    TAKE = "take"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    COMMENT = "comment"
    TRANSITION = "transition"
    PRIORITY = "priority"
    # Several steps in one command (sync/escalate.py): its parameters list them and which are done.
    ESCALATE = "escalate"


class State(StrEnum):
    # Recorded, waiting to be sent (new, or waiting to try again: Jira unreachable, rate-limited).
    QUEUED = "queued"
    # Its request is (or, found so after a crash, may have been) on its way to Jira.
    SENDING = "sending"
    # Jira has it: its answer said so, or the issue read afterwards shows it.
    CONFIRMED = "confirmed"
    # Jira refused it (the reason is kept); it waits in the failed list to be edited, resent or dropped.
    FAILED = "failed"
    # Its answer was lost and Jira could not be asked yet whether it landed: checked again before any resend.
    UNCERTAIN = "uncertain"
    # The issue changed under the user between what they saw and the send: it waits for "go ahead" or "drop".
    CONFLICT = "conflict"
    # The user dropped it.
    DROPPED = "dropped"


# States a command leaves by itself (the pipeline works on them); the others wait for the user, or are over.
ACTIVE = frozenset({State.QUEUED, State.SENDING, State.UNCERTAIN})
# States the user must act on.
STOPPED = frozenset({State.FAILED, State.CONFLICT})
FINAL = frozenset({State.CONFIRMED, State.DROPPED})


@dataclass(frozen=True, slots=True)
class Seen:
    """The incident as the user saw it when they acted: what "it changed under me" is measured against."""

    assignee: str | None = None  # Person.id, None when unassigned
    assignee_name: str | None = None
    status: str = ""
    priority: str | None = None
    updated: datetime | None = None

    @classmethod
    def of(cls, incident: Incident | None) -> Seen:
        if incident is None:
            return cls()
        who = incident.assignee
        return cls(
            assignee=who.id if who else None,
            assignee_name=who.display_name if who else None,
            status=incident.status,
            priority=incident.priority,
            updated=incident.updated,
        )


@dataclass(frozen=True, slots=True)
class Conflict:
    """What changed under the user: the field ("assignee", "status", "priority"), as seen and as it is now."""

    field: str
    seen: str | None
    now: str | None


@dataclass(frozen=True, slots=True)
class Command:
    id: str
    kind: CommandKind
    key: str
    # Kind-specific and JSON-able: person (take, assign), text and public (comment), transition, priority.
    params: Mapping[str, Any]
    seen: Seen
    created: datetime
    state: State = State.QUEUED
    # Sends started (a resend after a lost answer, or after Jira was unreachable, counts again).
    attempts: int = 0
    # Why it failed, or what the last attempt met (kept with QUEUED / UNCERTAIN to say why it waits).
    error: JiraError | None = field(default=None, compare=False)
    # The issue changed under the user: what changed (CONFLICT only).
    conflict: Conflict | None = None
    # The user said "go ahead" to a conflict: send without comparing again.
    forced: bool = False
    # The answer was lost and the issue read afterwards showed the change (CONFIRMED only).
    after_doubt: bool = False

    def with_state(self, state: State, **changes: Any) -> Command:
        return dataclasses.replace(self, state=state, **changes)

    # ---- what it targets (a damaged person in a stored command was refused when it was read back) -----------

    @property
    def person(self) -> Person | None:
        data = self.params.get("person")
        return person_from_data(data) if isinstance(data, Mapping) else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def public(self) -> bool:
        return bool(self.params.get("public", False))

    @property
    def target(self) -> str:
        """The assignee's display name, the priority's or the transition's name ("" when the kind has none)."""
        match self.kind:
            case CommandKind.TAKE | CommandKind.ASSIGN:
                person = self.person
                return person.display_name if person else ""
            case CommandKind.TRANSITION | CommandKind.PRIORITY:
                return str(self.params.get("name", ""))
            case CommandKind.ESCALATE:
                return str(self.params.get("to_name", ""))
        return ""

    @property
    def to_status(self) -> str:
        return str(self.params.get("to_status", ""))

    @property
    def choice(self) -> FieldChoice:
        """The priority (PRIORITY) or the resolution (TRANSITION, when one is set) as Jira takes it."""
        data = self.params.get("resolution") if self.kind is CommandKind.TRANSITION else self.params
        data = data if isinstance(data, Mapping) else {}
        return FieldChoice(name=str(data.get("name", "")), id=data.get("id") or None)


def new_id() -> str:
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(UTC)


# ---- making commands ----------------------------------------------------------------------------------------


def take(key: str, me: Person, seen: Incident | None, *, now: datetime | None = None) -> Command:
    return _make(CommandKind.TAKE, key, {"person": person_to_data(me)}, seen, now)


def assign(key: str, person: Person | None, seen: Incident | None, *, now: datetime | None = None) -> Command:
    if person is None:
        return _make(CommandKind.UNASSIGN, key, {}, seen, now)
    return _make(CommandKind.ASSIGN, key, {"person": person_to_data(person)}, seen, now)


def comment(key: str, text: str, *, public: bool, seen: Incident | None, now: datetime | None = None) -> Command:
    return _make(CommandKind.COMMENT, key, {"text": text, "public": public}, seen, now)


def transition(
    key: str,
    option: TransitionOption,
    seen: Incident | None,
    *,
    resolution: FieldChoice | None = None,
    now: datetime | None = None,
) -> Command:
    params: dict[str, Any] = {
        "id": option.id,
        "name": option.name,
        "to_status": option.to_status,
        "to_category": option.to_category.value,
    }
    if resolution is not None:
        params["resolution"] = {"id": resolution.id, "name": resolution.name}
    return _make(CommandKind.TRANSITION, key, params, seen, now)


def priority(key: str, choice: FieldChoice, seen: Incident | None, *, now: datetime | None = None) -> Command:
    return _make(CommandKind.PRIORITY, key, {"id": choice.id, "name": choice.name}, seen, now)


def escalate(
    command_id: str, key: str, params: dict[str, Any], seen: Incident | None, *, now: datetime | None = None
) -> Command:
    """`params` from `sync.escalate.escalation_params`, made with the same `command_id` (the page's alias)."""
    return Command(command_id, CommandKind.ESCALATE, key, params, Seen.of(seen), now or _now())


def _make(kind: CommandKind, key: str, params: dict[str, Any], seen: Incident | None, now: datetime | None) -> Command:
    return Command(new_id(), kind, key, params, Seen.of(seen), now or _now())


# ---- what a command does to the incident, derived from the record ---------------------------------------------


PENDING_COMMENT_PREFIX = "pending:"


def apply(command: Command, incident: Incident) -> Incident:
    """The incident as it will be once Jira has the command: shown before Jira confirms it."""
    match command.kind:
        case CommandKind.TAKE | CommandKind.ASSIGN:
            return dataclasses.replace(incident, assignee=command.person)
        case CommandKind.UNASSIGN:
            return dataclasses.replace(incident, assignee=None)
        case CommandKind.COMMENT:
            pending = Comment(
                id=PENDING_COMMENT_PREFIX + command.id,
                body_text=command.text,
                public=command.public,
                command_id=command.id,
            )
            if any(c.command_id == command.id for c in incident.comments):
                return incident
            return dataclasses.replace(incident, comments=(*incident.comments, pending))
        case CommandKind.TRANSITION:
            category = StatusCategory.from_key(command.params.get("to_category"))
            if category is StatusCategory.UNKNOWN:
                category = incident.status_category
            return dataclasses.replace(incident, status=command.to_status or incident.status, status_category=category)
        case CommandKind.PRIORITY:
            choice = command.choice
            return dataclasses.replace(incident, priority=choice.name, priority_id=choice.id or incident.priority_id)
        case CommandKind.ESCALATE:
            return apply_escalation(command.id, command.params, command.created, incident)
    return incident  # pragma: no cover - every kind is handled above


def landed(command: Command, incident: Incident) -> bool | None:
    """Whether Jira's copy of the issue shows the command's effect; None when it cannot tell (the issue was in
    the target state before). Comments are recognised by their command id (`Comment.command_id`), which only a
    read with comment properties carries (`JiraClient.comment_by_command`)."""
    match command.kind:
        case CommandKind.TAKE | CommandKind.ASSIGN | CommandKind.UNASSIGN:
            person = command.person
            target = person.id if person else None
            current = incident.assignee.id if incident.assignee else None
            return current == target
        case CommandKind.COMMENT:
            return any(c.command_id == command.id for c in incident.comments)
        case CommandKind.TRANSITION:
            target = command.to_status.casefold()
            if not target or command.seen.status.casefold() == target:
                return None
            return incident.status.casefold() == target
        case CommandKind.PRIORITY:
            choice = command.choice
            if incident.priority_id and choice.id:
                return incident.priority_id == choice.id
            return (incident.priority or "").casefold() == choice.name.casefold()
    return None  # pragma: no cover


def conflict(command: Command, incident: Incident) -> Conflict | None:
    """What changed about the issue, compared with what the user saw, that the command would overwrite; None
    when nothing did (or the change already is the command's target). Comments overwrite nothing."""
    seen = command.seen
    match command.kind:
        case CommandKind.TAKE | CommandKind.ASSIGN | CommandKind.UNASSIGN:
            current = incident.assignee.id if incident.assignee else None
            if current != seen.assignee and not landed(command, incident):
                name = incident.assignee.display_name if incident.assignee else None
                return Conflict("assignee", seen.assignee_name, name)
        case CommandKind.TRANSITION:
            if incident.status.casefold() != seen.status.casefold() and not landed(command, incident):
                return Conflict("status", seen.status, incident.status)
        case CommandKind.PRIORITY:
            now = incident.priority or None
            if (now or "").casefold() != (seen.priority or "").casefold() and not landed(command, incident):
                return Conflict("priority", seen.priority, now)
    return None


# ---- to and from the outbox -------------------------------------------------------------------------------------

FORMAT = 1


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def error_to_data(error: JiraError) -> dict[str, Any]:
    return {
        "type": type(error).__name__,
        "message_id": error.message_id,
        "params": {k: _plain(v) for k, v in error.message_params.items()},
        "hint_id": error.hint_id,
        "hint_params": {k: _plain(v) for k, v in error.hint_params.items()},
        "status": error.status,
        "detail": error.detail,
        "unreachable": error.unreachable,
    }


def _plain(value: object) -> object:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


# Errors the sync layer raises itself, besides the client's (found by name when an outbox is read back).
EXTRA_ERRORS: dict[str, type[JiraError]] = {}


def error_from_data(data: Mapping[str, Any]) -> JiraError:
    name = str(data.get("type", ""))
    cls = EXTRA_ERRORS.get(name) or getattr(jira_errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, JiraError)):
        cls = JiraError
    error = JiraError.__new__(cls)
    JiraError.__init__(
        error,
        str(data.get("message_id") or cls.default_message),
        hint=data.get("hint_id"),
        params=dict(data.get("params") or {}),
        hint_params=dict(data.get("hint_params") or {}),
        status=data.get("status"),
        detail=data.get("detail"),
    )
    error.unreachable = bool(data.get("unreachable", False))
    return error


def to_data(command: Command) -> dict[str, Any]:
    seen = command.seen
    return {
        "format": FORMAT,
        "id": command.id,
        "kind": command.kind.value,
        "key": command.key,
        "params": dict(command.params),
        "seen": {
            "assignee": seen.assignee,
            "assignee_name": seen.assignee_name,
            "status": seen.status,
            "priority": seen.priority,
            "updated": _time(seen.updated),
        },
        "created": _time(command.created),
        "state": command.state.value,
        "attempts": command.attempts,
        "error": error_to_data(command.error) if command.error is not None else None,
        "conflict": dataclasses.asdict(command.conflict) if command.conflict is not None else None,
        "forced": command.forced,
        "after_doubt": command.after_doubt,
    }


class CommandFormatError(ValueError):
    """A stored command that cannot be read back (another version's format, or damage)."""


def from_data(data: Mapping[str, Any]) -> Command:
    try:
        if data.get("format") != FORMAT:
            raise CommandFormatError(f"format {data.get('format')!r}")
        seen = data["seen"]
        conflict_data = data.get("conflict")
        error_data = data.get("error")
        created = _parse_time(data["created"])
        if created is None:
            raise CommandFormatError("no creation time")
        if "person" in data["params"]:
            person_from_data(data["params"]["person"])  # a damaged person is refused now, not when it is sent
        return Command(
            id=str(data["id"]),
            kind=CommandKind(data["kind"]),
            key=str(data["key"]),
            params=dict(data["params"]),
            seen=Seen(
                assignee=seen.get("assignee"),
                assignee_name=seen.get("assignee_name"),
                status=str(seen.get("status") or ""),
                priority=seen.get("priority"),
                updated=_parse_time(seen.get("updated")),
            ),
            created=created,
            state=State(data["state"]),
            attempts=int(data.get("attempts", 0)),
            error=error_from_data(error_data) if isinstance(error_data, Mapping) else None,
            conflict=Conflict(**conflict_data) if isinstance(conflict_data, Mapping) else None,
            forced=bool(data.get("forced", False)),
            after_doubt=bool(data.get("after_doubt", False)),
        )
    except CommandFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, CodecError) as exc:
        raise CommandFormatError(str(exc)) from None
