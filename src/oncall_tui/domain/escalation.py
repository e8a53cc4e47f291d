"""An incident's escalation as recorded on the issue: its level and the history of how it got there.

The record lives in Jira, not here, so that every engineer's oncall-tui and the Jira UI agree on the level: an
issue entity property (`PROPERTY`) holds the level and its history, and a label (`label_for`) carries the level
for people who filter in plain Jira. No record means the first level.

The property is ours (Jira stores it as opaque JSON), so its format is defined and read here; a record that
cannot be read (another tool wrote it, a newer version) counts as none, it never breaks the incident.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "FORMAT",
    "HISTORY_LIMIT",
    "LABEL_PREFIX",
    "PROPERTY",
    "Direction",
    "EscalationRecord",
    "EscalationState",
    "current_level",
    "label_for",
    "level_from_labels",
    "record_from_data",
    "record_to_data",
    "state_from_data",
    "state_to_data",
    "with_record",
]

PROPERTY = "oncall-tui.escalation"
LABEL_PREFIX = "escalation-level-"
FORMAT = 1
# Jira refuses property values over 32 KB; a long storm of re-escalations keeps its most recent entries.
HISTORY_LIMIT = 40
# Below Jira's 32,768 bytes for a property value, with room for JSON written less compactly than ours.
PROPERTY_BYTES = 30_000

_LABEL = re.compile(re.escape(LABEL_PREFIX) + r"(\d{1,3})\Z")


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    """One escalation (or de-escalation) of the incident: who, when, why, from which level to which, to whom."""

    command_id: str
    at: datetime
    by: str  # display name of the engineer who escalated
    by_id: str
    reason: str
    from_level: int  # 0 = the first level
    to_level: int
    to_level_name: str
    direction: Direction = Direction.UP
    to_whom: tuple[str, ...] = ()  # display names of the level's contacts at the time
    to_whom_ids: tuple[str, ...] = ()
    # Jira's `updated` of the issue right after the escalation's own changes: a later change is someone's
    # reaction (a comment, a transition, an assignment), which counts as the level acknowledging it.
    jira_updated: datetime | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("EscalationRecord.at must be timezone-aware")
        if self.from_level < 0 or self.to_level < 0:
            raise ValueError("levels count from 0")


@dataclass(frozen=True, slots=True)
class EscalationState:
    """Where an incident stands: its policy (by name), its current level, and how it got there (oldest first)."""

    policy: str
    level: int
    level_name: str
    history: tuple[EscalationRecord, ...] = ()

    @property
    def last(self) -> EscalationRecord | None:
        return self.history[-1] if self.history else None

    @property
    def since(self) -> datetime | None:
        """When the current level started: when the escalation landed in Jira (Jira's clock), else when it was
        asked for (an escalation that waited offline starts its level's response time when it lands)."""
        last = self.last
        if last is None:
            return None
        return last.jira_updated or last.at

    def acknowledged(self, updated: datetime | None) -> bool:
        """Whether the issue changed after the last escalation's own changes (someone reacted to it)."""
        last = self.last
        if last is None or last.jira_updated is None or updated is None:
            return False
        return updated > last.jira_updated

    def has(self, command_id: str) -> bool:
        return any(entry.command_id == command_id for entry in self.history)


def current_level(state: EscalationState | None, names: Sequence[str] = ()) -> int:
    """Which of a policy's levels (`names`, in order) the incident is at. The record's index, unless the levels
    moved (a JSM Ops team's rules changed, or its expansion is not known yet): then the level of the recorded
    name; with neither, the recorded index kept within the levels there are."""
    if state is None:
        return 0
    if not names:
        return state.level
    if state.level < len(names) and names[state.level] == state.level_name:
        return state.level
    if state.level_name in names:
        return list(names).index(state.level_name)
    return min(state.level, len(names) - 1)


def label_for(level: int) -> str:
    """The label that carries a level in plain Jira: `escalation-level-1` is the first level."""
    return f"{LABEL_PREFIX}{level + 1}"


def level_from_labels(labels: Iterable[str]) -> int | None:
    """The highest level named by an escalation label (0-based); None when there is none."""
    found = [int(m.group(1)) - 1 for m in (_LABEL.match(label) for label in labels) if m and int(m.group(1)) > 0]
    return max(found) if found else None


def with_record(state: EscalationState | None, policy: str, record: EscalationRecord) -> EscalationState:
    """The state after `record`; recording the same command twice changes nothing (resumed after a crash)."""
    history = state.history if state is not None else ()
    if any(entry.command_id == record.command_id for entry in history):
        return state if state is not None else EscalationState(policy, record.to_level, record.to_level_name, history)
    history = (*history, record)[-HISTORY_LIMIT:]
    return EscalationState(policy, record.to_level, record.to_level_name, history)


# ---- the property's JSON ------------------------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def record_to_data(record: EscalationRecord) -> dict[str, Any]:
    return {
        "command": record.command_id,
        "at": _time(record.at),
        "by": record.by,
        "byId": record.by_id,
        "reason": record.reason,
        "from": record.from_level,
        "to": record.to_level,
        "toName": record.to_level_name,
        "direction": record.direction.value,
        "toWhom": list(record.to_whom),
        "toWhomIds": list(record.to_whom_ids),
        "jiraUpdated": _time(record.jira_updated),
    }


# Anyone who can edit the issue can write the property: what is read back is bounded (and the UI shows it as
# sanitised literal text, like everything else from Jira).
TEXT_LIMIT = 2000
NAMES_LIMIT = 20


def _text(value: Any) -> str:
    return value[:TEXT_LIMIT] if isinstance(value, str) else ""


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v[:TEXT_LIMIT] for v in value[:NAMES_LIMIT] if isinstance(v, str))


def record_from_data(data: Any) -> EscalationRecord | None:
    if not isinstance(data, Mapping):
        return None
    at = _parse_time(data.get("at"))
    source, target = data.get("from"), data.get("to")
    if at is None or not isinstance(source, int) or not isinstance(target, int) or source < 0 or target < 0:
        return None
    try:
        direction = Direction(data.get("direction", "up"))
    except ValueError:
        direction = Direction.UP
    return EscalationRecord(
        command_id=_text(data.get("command")),
        at=at,
        by=_text(data.get("by")),
        by_id=_text(data.get("byId")),
        reason=_text(data.get("reason")),
        from_level=source,
        to_level=target,
        to_level_name=_text(data.get("toName")),
        direction=direction,
        to_whom=_strings(data.get("toWhom")),
        to_whom_ids=_strings(data.get("toWhomIds")),
        jira_updated=_parse_time(data.get("jiraUpdated")),
    )


def state_to_data(state: EscalationState) -> dict[str, Any]:
    """The property's value; the oldest history entries are left out as needed to stay under Jira's 32 KB."""
    history = [record_to_data(entry) for entry in state.history]
    data = {
        "format": FORMAT,
        "policy": state.policy,
        "level": state.level,
        "levelName": state.level_name,
        "label": label_for(state.level),
        "history": history,
    }
    while len(history) > 1 and len(json.dumps(data).encode("utf-8")) > PROPERTY_BYTES:
        del history[0]
    return data


def state_from_data(data: Any) -> EscalationState | None:
    """The state in a property value; None when there is none or it cannot be read (counts as the first level)."""
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        return None
    level = data.get("level")
    if not isinstance(level, int) or isinstance(level, bool) or level < 0:
        return None
    raw = data.get("history")
    records = (record_from_data(item) for item in raw[-HISTORY_LIMIT:]) if isinstance(raw, list) else ()
    history = tuple(r for r in records if r is not None)
    return EscalationState(
        policy=_text(data.get("policy")),
        level=level,
        level_name=_text(data.get("levelName")),
        history=history[-HISTORY_LIMIT:],
    )
