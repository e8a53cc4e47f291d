"""The simulator's SLA engine (JSM semantics) and its SlaInformation rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from oncall_tui.sim.calendars import BusinessHours, Calendar, TwentyFourSeven
from oncall_tui.sim.clock import SimClock
from oncall_tui.sim.model import (
    Issue,
    IssueType,
    Priority,
    Project,
    Resolution,
    SlaDefinition,
    SlaGoal,
    SlaRecord,
    Status,
    User,
)
from oncall_tui.sim.sla import compute_sla, date_value, format_duration_friendly, sla_to_json
from oncall_tui.sim.state import SimState
from tests.shared_paths import OPENAPI_DIR

SPEC_PATH = OPENAPI_DIR / "jsm-servicedesk.swagger.v3.json"
BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)  # a Monday
H = 3_600_000  # one hour in ms

OPEN, WORKING, WAITING, DONE = "1", "3", "10001", "10002"
HIGH, MEDIUM, LOW = "2", "3", "4"
AGENT, CUSTOMER = "agent-1", "customer-1"

TTR = SlaDefinition(
    id="1",
    field_id="customfield_10030",
    name="Time to resolution",
    goals=[SlaGoal(HIGH, 4 * H, "24x7"), SlaGoal(None, 8 * H, "24x7")],
    pause_status_ids=(WAITING,),
    stop_status_ids=(DONE,),
)
TTFR = SlaDefinition(
    id="2",
    field_id="customfield_10031",
    name="Time to first response",
    goals=[SlaGoal(None, 1 * H, "24x7")],
    stop_status_ids=(DONE,),
    stop_on_public_agent_comment=True,
)
OFFICE_TTR = SlaDefinition(
    id="3",
    field_id="customfield_10032",
    name="Time to resolution (office)",
    goals=[SlaGoal(None, 4 * H, "office")],
    pause_status_ids=(WAITING,),
    stop_status_ids=(DONE,),
)
HIGH_ONLY = SlaDefinition(
    id="4",
    field_id="customfield_10033",
    name="Time to mitigate",
    goals=[SlaGoal(HIGH, 1 * H, "24x7")],
    stop_status_ids=(DONE,),
)


def make_state(now: datetime = T0) -> SimState:
    state = SimState(flavour="cloud", clock=SimClock(now, speed=0.0), base_url="https://sim.example")
    for status in (
        Status(OPEN, "Open", "new"),
        Status(WORKING, "In Progress", "indeterminate"),
        Status(WAITING, "Waiting for customer", "indeterminate"),
        Status(DONE, "Done", "done"),
    ):
        state.statuses[status.id] = status
    for priority in (Priority(HIGH, "High", 2), Priority(MEDIUM, "Medium", 3), Priority(LOW, "Low", 4)):
        state.priorities[priority.id] = priority
    state.resolutions["1"] = Resolution("1", "Done")
    state.issue_types["10000"] = IssueType("10000", "Incident")
    state.users[AGENT] = User(AGENT, "agent", "Agent", "agent@example.com", "UTC")
    state.users[CUSTOMER] = User(CUSTOMER, "cust", "Customer", "c@example.com", "UTC", agent=False)
    state.projects["OPS"] = Project("10000", "OPS", "Operations", AGENT)
    state.calendars = {
        "24x7": TwentyFourSeven("24x7", "24/7"),
        "office": BusinessHours("office", "Berlin office", "Europe/Berlin"),
    }
    state.sla_definitions = [TTR, TTFR, OFFICE_TTR, HIGH_ONLY]
    return state


def new_issue(state: SimState, created: datetime = T0, priority: str = MEDIUM) -> Issue:
    return state.add_issue(
        project_key="OPS", summary="db down", priority_id=priority, reporter=CUSTOMER, created=created
    )


def sla(state: SimState, definition: SlaDefinition, issue: Issue, now: datetime) -> SlaRecord:
    record = compute_sla(definition, issue, state.calendars, now)
    assert record is not None
    return record


def comment(state: SimState, issue: Issue, author: str, at: datetime, *, public: bool) -> None:
    body = {"type": "doc", "version": 1, "content": []}
    state.add_comment(issue, author, body, public=public, at=at)


# ---- 24x7 clocks -----------------------------------------------------------------------------------------


def test_running_clock_on_a_24x7_calendar() -> None:
    state = make_state()
    issue = new_issue(state)
    record = sla(state, TTR, issue, T0 + timedelta(hours=1, minutes=30))
    ongoing = record.ongoing
    assert ongoing is not None
    assert record.completed == ()
    assert ongoing.start == T0
    assert (ongoing.goal_ms, ongoing.elapsed_ms, ongoing.remaining_ms) == (8 * H, 90 * 60_000, 6.5 * H)
    assert ongoing.breach_time == T0 + timedelta(hours=8)
    assert not ongoing.breached
    assert not ongoing.paused
    assert ongoing.within_calendar_hours


def test_countdown_follows_the_simulated_clock() -> None:
    state = make_state()
    issue = new_issue(state)
    before = state.slas(issue)[0].ongoing
    state.clock.advance(45 * 60)
    after = state.slas(issue)[0].ongoing
    assert before is not None and after is not None
    assert before.remaining_ms - after.remaining_ms == 45 * 60_000
    assert after.breach_time == before.breach_time == T0 + timedelta(hours=8)


def test_breached_clock_has_negative_remaining_time_and_a_past_breach_time() -> None:
    state = make_state()
    issue = new_issue(state)
    ongoing = sla(state, TTR, issue, T0 + timedelta(hours=9, minutes=5)).ongoing
    assert ongoing is not None
    assert ongoing.breached
    assert ongoing.remaining_ms == -65 * 60_000
    assert ongoing.breach_time == T0 + timedelta(hours=8)


def test_exactly_at_the_goal_is_not_yet_breached() -> None:
    state = make_state()
    issue = new_issue(state)
    at_goal = sla(state, TTR, issue, T0 + timedelta(hours=8)).ongoing
    just_after = sla(state, TTR, issue, T0 + timedelta(hours=8, milliseconds=1)).ongoing
    assert at_goal is not None and just_after is not None
    assert not at_goal.breached and at_goal.remaining_ms == 0
    assert just_after.breached and just_after.remaining_ms == -1


def test_waiting_for_customer_pauses_the_clock_and_pushes_the_breach_out() -> None:
    state = make_state()
    issue = new_issue(state)
    state.set_status(issue, WAITING, AGENT, at=T0 + timedelta(hours=1))
    paused = sla(state, TTR, issue, T0 + timedelta(hours=3)).ongoing
    assert paused is not None
    assert paused.paused
    assert paused.elapsed_ms == 1 * H  # frozen while waiting
    assert paused.breach_time == T0 + timedelta(hours=3 + 7)  # as if it resumed now
    later = sla(state, TTR, issue, T0 + timedelta(hours=5)).ongoing
    assert later is not None and later.elapsed_ms == 1 * H

    state.set_status(issue, WORKING, CUSTOMER, at=T0 + timedelta(hours=3))
    resumed = sla(state, TTR, issue, T0 + timedelta(hours=4)).ongoing
    assert resumed is not None
    assert not resumed.paused
    assert resumed.elapsed_ms == 2 * H
    assert resumed.breach_time == T0 + timedelta(hours=10)


def test_breach_time_accounts_for_pauses_before_the_breach() -> None:
    state = make_state()
    issue = new_issue(state, priority=HIGH)  # 4h goal
    state.set_status(issue, WAITING, AGENT, at=T0 + timedelta(hours=1))
    state.set_status(issue, WORKING, CUSTOMER, at=T0 + timedelta(hours=3))
    state.set_status(issue, WAITING, AGENT, at=T0 + timedelta(hours=8))
    ongoing = sla(state, TTR, issue, T0 + timedelta(hours=10)).ongoing
    assert ongoing is not None
    assert ongoing.breached and ongoing.paused
    assert ongoing.elapsed_ms == 6 * H
    assert ongoing.breach_time == T0 + timedelta(hours=6)  # 1h before the pause + 3h after it


def test_a_dst_change_counts_real_hours_on_a_24x7_calendar() -> None:
    state = make_state()
    state.calendars["24x7"] = TwentyFourSeven("24x7", "24/7", "Europe/Berlin")
    created = datetime(2025, 3, 30, 0, 0, tzinfo=BERLIN).astimezone(UTC)
    issue = new_issue(state, created=created)
    now = datetime(2025, 3, 30, 12, 0, tzinfo=BERLIN).astimezone(UTC)
    ongoing = sla(state, TTR, issue, now).ongoing
    assert ongoing is not None and ongoing.elapsed_ms == 11 * H


# ---- business hours --------------------------------------------------------------------------------------


def test_business_hours_freeze_over_the_weekend_and_a_dst_change() -> None:
    state = make_state()
    # Friday 28 March 2025 16:00 CET; Monday 31 March is already CEST.
    created = datetime(2025, 3, 28, 16, 0, tzinfo=BERLIN)
    issue = new_issue(state, created=created.astimezone(UTC))
    saturday = sla(state, OFFICE_TTR, issue, datetime(2025, 3, 29, 12, 0, tzinfo=UTC)).ongoing
    sunday = sla(state, OFFICE_TTR, issue, datetime(2025, 3, 30, 20, 0, tzinfo=UTC)).ongoing
    assert saturday is not None and sunday is not None
    assert saturday.elapsed_ms == sunday.elapsed_ms == 2 * H
    assert not saturday.within_calendar_hours
    assert not saturday.paused  # outside hours is not a pause
    assert saturday.breach_time == datetime(2025, 3, 31, 8, 0, tzinfo=UTC)  # Monday 10:00 CEST
    monday = sla(state, OFFICE_TTR, issue, datetime(2025, 3, 31, 7, 0, tzinfo=UTC)).ongoing
    assert monday is not None
    assert monday.within_calendar_hours
    assert monday.elapsed_ms == 3 * H


def test_business_hours_freeze_overnight() -> None:
    state = make_state()
    created = datetime(2025, 6, 3, 17, 0, tzinfo=BERLIN).astimezone(UTC)  # Tuesday
    issue = new_issue(state, created=created)
    night = sla(state, OFFICE_TTR, issue, datetime(2025, 6, 4, 6, 59, tzinfo=BERLIN)).ongoing
    assert night is not None
    assert night.elapsed_ms == 1 * H
    assert not night.within_calendar_hours
    assert night.breach_time == datetime(2025, 6, 4, 11, 0, tzinfo=BERLIN)


# ---- priority --------------------------------------------------------------------------------------------


def test_goal_follows_the_current_priority() -> None:
    state = make_state()
    issue = new_issue(state, priority=MEDIUM)
    assert sla(state, TTR, issue, T0 + timedelta(hours=1)).ongoing.goal_ms == 8 * H  # type: ignore[union-attr]
    state.set_priority(issue, HIGH, AGENT, at=T0 + timedelta(hours=1))
    ongoing = sla(state, TTR, issue, T0 + timedelta(hours=2)).ongoing
    assert ongoing is not None
    assert ongoing.goal_ms == 4 * H
    assert ongoing.remaining_ms == 2 * H
    assert ongoing.breach_time == T0 + timedelta(hours=4)
    # Asked about a moment before the change, the old priority's goal still applies.
    earlier = sla(state, TTR, issue, T0 + timedelta(minutes=30)).ongoing
    assert earlier is not None and earlier.goal_ms == 8 * H


def test_no_goal_for_the_priority_means_the_sla_does_not_apply() -> None:
    state = make_state()
    issue = new_issue(state, priority=LOW)
    assert compute_sla(HIGH_ONLY, issue, state.calendars, T0 + timedelta(hours=1)) is None
    assert [r.definition.id for r in state.slas(issue)] == ["1", "2", "3"]
    state.set_priority(issue, HIGH, AGENT, at=T0 + timedelta(minutes=10))
    assert compute_sla(HIGH_ONLY, issue, state.calendars, T0 + timedelta(hours=1)) is not None


def test_unknown_calendar_falls_back_to_24x7() -> None:
    state = make_state()
    issue = new_issue(state)
    calendars: dict[str, Calendar] = {}
    ongoing = compute_sla(OFFICE_TTR, issue, calendars, T0 + timedelta(days=2))
    assert ongoing is not None and ongoing.ongoing is not None
    assert ongoing.ongoing.elapsed_ms == 48 * H


# ---- stop, reopen --------------------------------------------------------------------------------------


def test_done_stops_the_clock_into_a_met_completed_cycle() -> None:
    state = make_state()
    issue = new_issue(state)
    state.set_status(issue, DONE, AGENT, at=T0 + timedelta(hours=2))
    record = sla(state, TTR, issue, T0 + timedelta(days=3))
    assert record.ongoing is None
    (cycle,) = record.completed
    assert (cycle.start, cycle.stop) == (T0, T0 + timedelta(hours=2))
    assert not cycle.breached
    assert (cycle.elapsed_ms, cycle.remaining_ms, cycle.goal_ms) == (2 * H, 6 * H, 8 * H)
    assert cycle.breach_time == T0 + timedelta(hours=8)  # when it would have breached


def test_done_after_the_goal_is_a_breached_completed_cycle() -> None:
    state = make_state()
    issue = new_issue(state)
    state.set_status(issue, DONE, AGENT, at=T0 + timedelta(hours=9))
    (cycle,) = sla(state, TTR, issue, T0 + timedelta(days=3)).completed
    assert cycle.breached
    assert cycle.remaining_ms == -1 * H
    assert cycle.breach_time == T0 + timedelta(hours=8)


def test_reopen_starts_a_new_cycle_and_keeps_the_completed_one() -> None:
    state = make_state()
    issue = new_issue(state)
    state.set_status(issue, DONE, AGENT, at=T0 + timedelta(hours=2))
    state.set_status(issue, WORKING, CUSTOMER, at=T0 + timedelta(hours=5))
    record = sla(state, TTR, issue, T0 + timedelta(hours=6))
    (cycle,) = record.completed
    assert cycle.elapsed_ms == 2 * H
    ongoing = record.ongoing
    assert ongoing is not None
    assert ongoing.start == T0 + timedelta(hours=5)
    assert ongoing.elapsed_ms == 1 * H
    assert ongoing.breach_time == T0 + timedelta(hours=13)
    assert record.last_cycle is ongoing


def test_reopen_into_waiting_starts_a_paused_cycle() -> None:
    state = make_state()
    issue = new_issue(state)
    state.set_status(issue, DONE, AGENT, at=T0 + timedelta(hours=2))
    state.set_status(issue, WAITING, AGENT, at=T0 + timedelta(hours=3))
    ongoing = sla(state, TTR, issue, T0 + timedelta(hours=4)).ongoing
    assert ongoing is not None
    assert ongoing.paused and ongoing.elapsed_ms == 0


def test_completed_cycle_keeps_the_goal_of_its_own_priority() -> None:
    state = make_state()
    issue = new_issue(state, priority=MEDIUM)
    state.set_status(issue, DONE, AGENT, at=T0 + timedelta(hours=5))
    state.set_status(issue, WORKING, CUSTOMER, at=T0 + timedelta(hours=6))
    state.set_priority(issue, HIGH, AGENT, at=T0 + timedelta(hours=6))
    record = sla(state, TTR, issue, T0 + timedelta(hours=7))
    (cycle,) = record.completed
    assert cycle.goal_ms == 8 * H and not cycle.breached
    assert record.ongoing is not None and record.ongoing.goal_ms == 4 * H


def test_events_after_now_are_ignored() -> None:
    state = make_state()
    issue = new_issue(state)
    state.set_status(issue, DONE, AGENT, at=T0 + timedelta(hours=2))
    record = sla(state, TTR, issue, T0 + timedelta(hours=1))
    assert record.completed == ()
    assert record.ongoing is not None and record.ongoing.elapsed_ms == 1 * H
    before_creation = sla(state, TTR, issue, T0 - timedelta(hours=1))
    assert before_creation.ongoing is None and before_creation.completed == ()


def test_issue_created_directly_in_a_stop_status_has_no_cycle_until_reopened() -> None:
    state = make_state()
    issue = state.add_issue(
        project_key="OPS", summary="x", priority_id=MEDIUM, reporter=AGENT, created=T0, status_id=DONE
    )
    assert sla(state, TTR, issue, T0 + timedelta(hours=1)).last_cycle is None
    state.set_status(issue, OPEN, AGENT, at=T0 + timedelta(hours=2))
    ongoing = sla(state, TTR, issue, T0 + timedelta(hours=3)).ongoing
    assert ongoing is not None and ongoing.start == T0 + timedelta(hours=2)


# ---- first response --------------------------------------------------------------------------------------


def test_first_response_ignores_internal_and_customer_comments() -> None:
    state = make_state()
    issue = new_issue(state)
    comment(state, issue, AGENT, T0 + timedelta(minutes=10), public=False)
    comment(state, issue, CUSTOMER, T0 + timedelta(minutes=20), public=True)
    record = sla(state, TTFR, issue, T0 + timedelta(minutes=30))
    assert record.completed == ()
    assert record.ongoing is not None and record.ongoing.elapsed_ms == 30 * 60_000


def test_first_response_stops_at_the_first_public_agent_comment_for_good() -> None:
    state = make_state()
    issue = new_issue(state)
    comment(state, issue, AGENT, T0 + timedelta(minutes=10), public=False)
    comment(state, issue, AGENT, T0 + timedelta(minutes=40), public=True)
    comment(state, issue, AGENT, T0 + timedelta(minutes=50), public=True)
    state.set_status(issue, DONE, AGENT, at=T0 + timedelta(hours=1))
    state.set_status(issue, WORKING, CUSTOMER, at=T0 + timedelta(hours=2))
    record = sla(state, TTFR, issue, T0 + timedelta(hours=3))
    assert record.ongoing is None  # a reopen does not ask for a new first response
    (cycle,) = record.completed
    assert cycle.stop == T0 + timedelta(minutes=40)
    assert cycle.elapsed_ms == 40 * 60_000 and not cycle.breached


def test_late_first_response_is_breached() -> None:
    state = make_state()
    issue = new_issue(state)
    comment(state, issue, AGENT, T0 + timedelta(minutes=75), public=True)
    (cycle,) = sla(state, TTFR, issue, T0 + timedelta(hours=3)).completed
    assert cycle.breached and cycle.remaining_ms == -15 * 60_000


# ---- JSON rendering ------------------------------------------------------------------------------------


def sla_information_validator() -> Draft4Validator:
    """A validator for JSM's SlaInformationDTO, resolving the spec's internal $refs."""
    spec = json.loads(SPEC_PATH.read_text())
    registry: Registry[Any] = Registry().with_resource(
        "urn:jsm-servicedesk", Resource.from_contents(spec, default_specification=DRAFT4)
    )
    schema = {"$ref": "urn:jsm-servicedesk#/components/schemas/SlaInformationDTO"}
    return Draft4Validator(schema, registry=registry)


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    return sla_information_validator()


def test_schema_helper_rejects_a_misshapen_value(validator: Draft4Validator) -> None:
    with pytest.raises(ValidationError):
        validator.validate({"name": "x", "ongoingCycle": {"elapsedTime": {"millis": "12"}}})
    with pytest.raises(ValidationError):
        validator.validate({"name": "x", "completedCycles": [{"stopTime": {"epoch": 1}}]})


def test_sla_json_matches_the_schema_and_jsm_shape(validator: Draft4Validator) -> None:
    state = make_state()
    issue = new_issue(state)
    state.set_status(issue, DONE, AGENT, at=T0 + timedelta(hours=9))
    state.set_status(issue, WORKING, CUSTOMER, at=T0 + timedelta(hours=10))
    state.set_status(issue, WAITING, AGENT, at=T0 + timedelta(hours=11))
    record = sla(state, TTR, issue, T0 + timedelta(hours=12))
    url = "https://sim.example/rest/servicedeskapi/request/10000/sla/1"
    value = sla_to_json(record, self_url=url, display_tz="Asia/Tehran")
    validator.validate(value)
    assert list(value) == ["id", "name", "_links", "completedCycles", "ongoingCycle", "slaDisplayFormat"]
    assert value["id"] == "1" and value["name"] == "Time to resolution"
    assert value["_links"] == {"self": url}
    assert value["slaDisplayFormat"] == "NEW_SLA_FORMAT"
    (cycle,) = value["completedCycles"]
    assert set(cycle) == {
        "startTime",
        "stopTime",
        "breachTime",
        "breached",
        "goalDuration",
        "elapsedTime",
        "remainingTime",
    }
    assert cycle["breached"] is True
    assert cycle["remainingTime"] == {"millis": -H, "friendly": "-1h"}
    assert cycle["stopTime"]["iso8601"] == "2025-06-02T21:30:00+0330"
    ongoing = value["ongoingCycle"]
    assert list(ongoing) == [
        "startTime",
        "breachTime",
        "breached",
        "paused",
        "withinCalendarHours",
        "goalDuration",
        "elapsedTime",
        "remainingTime",
    ]
    assert ongoing["paused"] is True and ongoing["withinCalendarHours"] is True
    assert ongoing["elapsedTime"] == {"millis": H, "friendly": "1h"}
    assert ongoing["goalDuration"] == {"millis": 8 * H, "friendly": "8h"}
    assert ongoing["breachTime"]["epochMillis"] == int((T0 + timedelta(hours=19)).timestamp() * 1000)


def test_sla_json_without_an_ongoing_cycle_or_id(validator: Draft4Validator) -> None:
    state = make_state()
    issue = new_issue(state)
    state.set_status(issue, DONE, AGENT, at=T0 + timedelta(hours=1))
    record = sla(state, TTR, issue, T0 + timedelta(hours=2))
    value = sla_to_json(record, self_url="https://x/sla/1", display_tz="UTC", include_id=False)
    validator.validate(value)
    assert "ongoingCycle" not in value and "id" not in value
    assert len(value["completedCycles"]) == 1


def test_date_value_reproduces_a_real_jsm_value() -> None:
    # From the Data Center SLA value quoted in NOTES.md §3.
    dt = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=1760509504062)
    assert date_value(dt, "Asia/Tehran") == {
        "iso8601": "2025-10-15T09:55:04+0330",
        "jira": "2025-10-15T09:55:04.062+0330",
        "friendly": "15/Oct/25 9:55 AM",
        "epochMillis": 1760509504062,
    }
    later = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=1762772983324)
    assert date_value(later, "Asia/Tehran")["friendly"] == "10/Nov/25 2:39 PM"
    midnight = date_value(datetime(2025, 1, 5, 23, 5, tzinfo=UTC), "UTC")
    assert midnight["friendly"] == "05/Jan/25 11:05 PM"
    assert date_value(datetime(2025, 1, 5, 0, 5, tzinfo=UTC), "UTC")["friendly"] == "05/Jan/25 12:05 AM"
    assert midnight["iso8601"] == "2025-01-05T23:05:00+0000"


@pytest.mark.parametrize(
    ("ms", "friendly"),
    [
        (208301424, "57h 51m"),
        (338898576, "94h 8m"),
        (547200000, "152h"),
        (420000, "7m"),
        (0, "0m"),
        (59_999, "0m"),
        (-3_900_000, "-1h 5m"),
        (-30_000, "0m"),
        (-H, "-1h"),
    ],
)
def test_format_duration_friendly(ms: int, friendly: str) -> None:
    assert format_duration_friendly(ms) == friendly
