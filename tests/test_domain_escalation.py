"""The escalation record on the issue: its JSON, its label, acknowledgement, and its round trip through the
saved copy of a queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oncall_tui.domain.codec import incident_from_data, incident_to_data
from oncall_tui.domain.escalation import (
    HISTORY_LIMIT,
    Direction,
    EscalationRecord,
    EscalationState,
    label_for,
    level_from_labels,
    state_from_data,
    state_to_data,
    with_record,
)
from oncall_tui.domain.incident import Incident

AT = datetime(2026, 12, 1, 3, 15, tzinfo=UTC)


def record(command: str = "c1", to: int = 1, **changes: Any) -> EscalationRecord:
    values: dict[str, Any] = {
        "command_id": command,
        "at": AT,
        "by": "Ann Example",
        "by_id": "a1",
        "reason": "payments down",
        "from_level": to - 1,
        "to_level": to,
        "to_level_name": f"L{to + 1}",
        "to_whom": ("Bo",),
        "to_whom_ids": ("b2",),
        "jira_updated": AT + timedelta(seconds=3),
    }
    values.update(changes)
    return EscalationRecord(**values)


def test_a_state_round_trips_through_its_json() -> None:
    state = with_record(None, "Payments", record())
    data = state_to_data(state)
    assert data["label"] == "escalation-level-2"
    assert state_from_data(data) == state


def test_recording_the_same_command_twice_changes_nothing() -> None:
    once = with_record(None, "Payments", record())
    assert with_record(once, "Payments", record()) == once


def test_the_history_keeps_its_most_recent_entries() -> None:
    state = None
    for n in range(HISTORY_LIMIT + 5):
        state = with_record(state, "P", record(f"c{n}", to=1 + n % 2))
    assert state is not None and len(state.history) == HISTORY_LIMIT
    assert state.history[-1].command_id == f"c{HISTORY_LIMIT + 4}"


@pytest.mark.parametrize(
    "data",
    [
        None,
        "level 2",
        {"format": 2, "level": 1},
        {"format": 1, "level": -1},
        {"format": 1, "level": True},
        {"format": 1},
    ],
)
def test_a_record_that_cannot_be_read_counts_as_none(data: object) -> None:
    assert state_from_data(data) is None


def test_unreadable_history_entries_are_left_out_not_fatal() -> None:
    data = state_to_data(with_record(None, "P", record()))
    data["history"].append({"at": "yesterday", "from": 0, "to": 1})
    data["history"].append({"at": AT.isoformat(), "from": 0, "to": 1, "direction": "sideways"})
    state = state_from_data(data)
    assert state is not None and len(state.history) == 2
    assert state.history[1].direction is Direction.UP


def test_acknowledged_means_changed_after_the_escalations_own_changes() -> None:
    state = with_record(None, "P", record())
    assert not state.acknowledged(AT + timedelta(seconds=3))
    assert state.acknowledged(AT + timedelta(seconds=4))
    assert not with_record(None, "P", record(jira_updated=None)).acknowledged(AT + timedelta(days=1))


def test_labels_name_levels_from_one() -> None:
    assert label_for(0) == "escalation-level-1"
    assert level_from_labels(["db", "escalation-level-3", "escalation-level-2"]) == 2
    assert level_from_labels(["escalation-level-0", "escalation-level-x", "xescalation-level-2"]) is None


def test_the_saved_copy_keeps_the_level() -> None:
    incident = Incident("OPS-1", "1", "x", escalation=EscalationState("P", 1, "L2", (record(),)))
    assert incident_from_data(incident_to_data(incident)) == incident
    damaged = incident_to_data(incident) | {"escalation": {"format": 1, "level": "two"}}
    assert incident_from_data(damaged).escalation is None


def test_the_current_level_follows_its_name_when_the_policys_levels_moved() -> None:
    from oncall_tui.domain.escalation import current_level

    state = EscalationState("P", 2, "Team 3")
    assert current_level(None, ["L1", "L2"]) == 0
    assert current_level(state, ["Team 1", "Team 2", "Team 3"]) == 2
    # A JSM Ops team gained a rule in front: the recorded index now points at another level; the name does not.
    assert current_level(state, ["Team 0", "Team 1", "Team 2", "Team 3"]) == 3
    # The team's rules not known yet (one configured level): within the levels there are.
    assert current_level(state, ["Team"]) == 0
    assert current_level(state) == 2
