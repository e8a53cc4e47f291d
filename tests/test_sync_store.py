"""The incident store: diffs per queue, shared incidents, optimistic overlays with confirm and rollback."""

from __future__ import annotations

import dataclasses

import pytest

from oncall_tui.domain.incident import Incident
from oncall_tui.domain.people import Person
from oncall_tui.sync.store import IncidentStore, StoreDiff

ANNA = Person(account_id="a1", display_name="Anna Schmidt")


def inc(key: str, summary: str = "s", assignee: Person | None = None) -> Incident:
    return Incident(key=key, id=key.split("-")[1], summary=summary, assignee=assignee)


@pytest.fixture
def store() -> tuple[IncidentStore, list[StoreDiff]]:
    s = IncidentStore()
    seen: list[StoreDiff] = []
    s.subscribe(seen.append)
    return s, seen


def test_full_result_reports_added_updated_removed(store: tuple[IncidentStore, list[StoreDiff]]) -> None:
    s, seen = store
    s.replace_queue("q", [inc("OPS-1"), inc("OPS-2")])
    s.replace_queue("q", [inc("OPS-2", "changed"), inc("OPS-3")])
    assert seen[-1] == StoreDiff("q", added=("OPS-3",), updated=("OPS-2",), removed=("OPS-1",))
    assert s.keys("q") == ["OPS-2", "OPS-3"]
    assert s.get("OPS-1") is None, "an incident in no queue is forgotten"


def test_unchanged_poll_emits_nothing(store: tuple[IncidentStore, list[StoreDiff]]) -> None:
    s, seen = store
    s.replace_queue("q", [inc("OPS-1")])
    before = len(seen)
    diff = s.replace_queue("q", [inc("OPS-1")])
    assert diff.empty
    assert len(seen) == before


def test_incremental_merge_adds_updates_and_removes_only_what_left(
    store: tuple[IncidentStore, list[StoreDiff]],
) -> None:
    s, _ = store
    s.replace_queue("q", [inc("OPS-1"), inc("OPS-2"), inc("OPS-3")])
    diff = s.merge_queue("q", [inc("OPS-2", "new text"), inc("OPS-4")], left=["OPS-3", "OPS-99"])
    assert diff == StoreDiff("q", added=("OPS-4",), updated=("OPS-2",), removed=("OPS-3",))
    assert s.keys("q") == ["OPS-1", "OPS-2", "OPS-4"]


def test_an_incident_in_two_queues_is_shared(store: tuple[IncidentStore, list[StoreDiff]]) -> None:
    s, _ = store
    s.replace_queue("mine", [inc("OPS-1")])
    s.replace_queue("all", [inc("OPS-1"), inc("OPS-2")])
    s.replace_queue("all", [inc("OPS-2")])
    assert s.get("OPS-1") is not None, "still in 'mine'"
    assert s.count("all") == 1


def test_optimistic_change_shows_then_rolls_back(store: tuple[IncidentStore, list[StoreDiff]]) -> None:
    s, seen = store
    s.replace_queue("q", [inc("OPS-1")])
    token = s.apply_local("OPS-1", lambda i: dataclasses.replace(i, assignee=ANNA), "cmd-take")
    assert s.get("OPS-1").assignee == ANNA
    assert s.has_pending("OPS-1")
    # A poll landing mid-action keeps the pending change on top.
    s.replace_queue("q", [inc("OPS-1", "edited elsewhere")])
    assert s.get("OPS-1").assignee == ANNA
    assert s.get("OPS-1").summary == "edited elsewhere"
    assert s.rollback(token) == "OPS-1"
    assert s.get("OPS-1").assignee is None
    assert not s.has_pending("OPS-1")
    assert seen[-1] == StoreDiff(None, updated=("OPS-1",))


def test_confirm_takes_jiras_copy(store: tuple[IncidentStore, list[StoreDiff]]) -> None:
    s, _ = store
    s.replace_queue("q", [inc("OPS-1")])
    token = s.apply_local("OPS-1", lambda i: dataclasses.replace(i, assignee=ANNA), "cmd-1")
    s.confirm(token, inc("OPS-1", "from jira", assignee=ANNA))
    assert not s.has_pending("OPS-1")
    assert s.get("OPS-1") == inc("OPS-1", "from jira", assignee=ANNA)


def test_rollback_of_one_change_keeps_the_other(store: tuple[IncidentStore, list[StoreDiff]]) -> None:
    s, _ = store
    s.replace_queue("q", [inc("OPS-1")])
    t1 = s.apply_local("OPS-1", lambda i: dataclasses.replace(i, assignee=ANNA), "cmd-1")
    s.apply_local("OPS-1", lambda i: dataclasses.replace(i, summary="local"), "cmd-2")
    assert s.pending("OPS-1") == ["cmd-1", "cmd-2"], "keyed by command id, oldest first"
    s.rollback(t1)
    got = s.get("OPS-1")
    assert got.assignee is None and got.summary == "local"


def test_a_change_to_an_incident_not_held_yet_waits_for_it(store: tuple[IncidentStore, list[StoreDiff]]) -> None:
    # A command resumed at start-up, before the first poll brought its incident.
    s, seen = store
    s.apply_local("OPS-1", lambda i: dataclasses.replace(i, assignee=ANNA), "cmd-1")
    assert s.get("OPS-1") is None and seen == [], "nothing to show, nothing said"
    s.replace_queue("q", [inc("OPS-1")])
    assert s.get("OPS-1").assignee == ANNA, "shown as soon as it arrives"
    s.replace_queue("q", [])
    assert s.jira_copy("OPS-1") is not None, "kept while a change to it is pending"


def test_unsubscribe_stops_notifications(store: tuple[IncidentStore, list[StoreDiff]]) -> None:
    s = IncidentStore()
    seen: list[StoreDiff] = []
    unsubscribe = s.subscribe(seen.append)
    unsubscribe()
    s.replace_queue("q", [inc("OPS-1")])
    assert seen == []


def at(minute: int, key: str = "OPS-1", **fields: object) -> Incident:
    from datetime import UTC, datetime

    return Incident(key=key, id="1", summary="s", updated=datetime(2026, 3, 2, 9, minute, tzinfo=UTC), **fields)


def test_an_older_copy_from_a_slow_search_does_not_undo_a_newer_one() -> None:
    s = IncidentStore()
    s.replace_queue("q", [at(0)])
    s.put(at(5, assignee=ANNA))  # re-read after taking it
    s.replace_queue("q", [at(0)])  # a search that started before the take lands late
    assert s.get("OPS-1").assignee == ANNA
    s.replace_queue("q", [at(7)])  # a genuinely newer copy wins
    assert s.get("OPS-1").assignee is None


def test_confirm_without_a_fresh_copy_keeps_showing_the_change() -> None:
    s = IncidentStore()
    s.replace_queue("q", [at(0)])
    token = s.apply_local("OPS-1", lambda i: dataclasses.replace(i, assignee=ANNA), "cmd-1")
    s.confirm(token, None)
    assert not s.has_pending("OPS-1")
    assert s.get("OPS-1").assignee == ANNA
