from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from oncall_tui.domain import (
    AtRiskThresholds,
    Incident,
    Person,
    SlaClock,
    SlaState,
    StatusCategory,
    TransitionField,
    TransitionOption,
)

T0 = datetime(2025, 10, 15, 9, 0, tzinfo=UTC)
HOUR_MS = 3_600_000
MIN = timedelta(minutes=1)


def clock(**overrides: object) -> SlaClock:
    values: dict[str, object] = {
        "name": "Time to resolution",
        "fetched_at": T0,
        "goal_ms": 4 * HOUR_MS,
        "remaining_ms": 2 * HOUR_MS,
    }
    values.update(overrides)
    return SlaClock(**values)  # type: ignore[arg-type]


# remaining_at ------------------------------------------------------------------------------------------


def test_running_clock_counts_working_time_not_the_wall_clock_breach() -> None:
    # Business hours: 10 working minutes left at 17:50, so the wall-clock breach is tomorrow 08:10. The
    # countdown shows the working time (as JSM does), so the clock reads "at risk", not "14 h left".
    sla = clock(remaining_ms=10 * 60_000, goal_ms=4 * 3600_000, breach_time=T0 + timedelta(hours=14, minutes=20))
    assert sla.remaining_at(T0 + 4 * MIN) == 6 * MIN
    assert sla.state_at(T0 + 4 * MIN) is SlaState.AT_RISK
    assert sla.remaining_at(T0 + 12 * MIN) == -2 * MIN


def test_countdown_is_right_across_a_dst_change_with_zone_aware_times() -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    fetched = datetime(2026, 3, 29, 1, 0, tzinfo=berlin)  # 01:00 CET; clocks jump to 03:00 CEST at 02:00
    now = datetime(2026, 3, 29, 4, 0, tzinfo=berlin)  # two real hours later
    sla = clock(fetched_at=fetched, remaining_ms=3 * 3600_000)
    assert sla.remaining_at(now) == timedelta(hours=1)


def test_snapshot_values_do_not_make_an_unchanged_sla_look_changed() -> None:
    first = clock(remaining_ms=60_000, elapsed_ms=1000)
    later = clock(fetched_at=T0 + MIN, remaining_ms=0, elapsed_ms=61_000)
    assert first == later
    assert first != clock(remaining_ms=60_000, paused=True)


def test_running_clock_without_breach_time_counts_down_from_the_snapshot() -> None:
    sla = clock(remaining_ms=30 * 60_000)
    assert sla.remaining_at(T0) == 30 * MIN
    assert sla.remaining_at(T0 + 45 * MIN) == -15 * MIN


def test_breach_time_in_another_offset_is_compared_correctly() -> None:
    tehran = timezone(timedelta(hours=3, minutes=30))
    # Without a remaining-time snapshot the countdown falls back to the breach time, compared in UTC.
    sla = clock(remaining_ms=None, breach_time=datetime(2025, 10, 15, 13, 30, tzinfo=tehran))  # == 10:00 UTC
    assert sla.remaining_at(T0) == timedelta(hours=1)


@pytest.mark.parametrize("frozen", [{"paused": True}, {"within_calendar_hours": False}])
def test_paused_or_out_of_hours_clock_is_frozen(frozen: dict[str, bool]) -> None:
    sla = clock(breach_time=T0 + timedelta(hours=1), **frozen)
    assert sla.remaining_at(T0 + timedelta(hours=5)) == timedelta(hours=2)
    assert not sla.ticking


def test_frozen_clock_without_snapshot_uses_breach_time_at_fetch() -> None:
    sla = clock(remaining_ms=None, paused=True, breach_time=T0 + 20 * MIN)
    assert sla.remaining_at(T0 + timedelta(hours=3)) == 20 * MIN


def test_clock_without_any_time_has_no_remaining() -> None:
    sla = clock(remaining_ms=None)
    assert sla.remaining_at(T0 + MIN) is None
    assert sla.state_at(T0 + MIN) is SlaState.RUNNING


# state_at ----------------------------------------------------------------------------------------------


def test_running_then_at_risk_then_breached_as_time_passes() -> None:
    # Goal 4 h: the fraction (0.2 * 4 h = 48 min) beats the 30 minute floor.
    sla = clock(breach_time=T0 + timedelta(hours=2))
    assert sla.state_at(T0) is SlaState.RUNNING
    assert sla.state_at(T0 + timedelta(hours=2) - 49 * MIN) is SlaState.RUNNING
    assert sla.state_at(T0 + timedelta(hours=2) - 48 * MIN) is SlaState.AT_RISK
    assert sla.state_at(T0 + timedelta(hours=2)) is SlaState.AT_RISK
    assert sla.state_at(T0 + timedelta(hours=2, seconds=1)) is SlaState.BREACHED


def test_minutes_floor_applies_to_short_goals() -> None:
    sla = clock(goal_ms=HOUR_MS, remaining_ms=None, breach_time=T0 + timedelta(hours=1))
    assert sla.state_at(T0 + 29 * MIN) is SlaState.RUNNING  # 31 min left, window max(30, 12) = 30
    assert sla.state_at(T0 + 30 * MIN) is SlaState.AT_RISK


def test_custom_thresholds() -> None:
    sla = clock(remaining_ms=50 * 60_000)
    assert sla.state_at(T0, AtRiskThresholds(minutes=60, fraction=0.0)) is SlaState.AT_RISK
    assert sla.state_at(T0, AtRiskThresholds(minutes=10, fraction=0.1)) is SlaState.RUNNING


def test_unknown_goal_uses_minutes_only() -> None:
    sla = clock(goal_ms=None, remaining_ms=31 * 60_000)
    assert sla.state_at(T0) is SlaState.RUNNING
    assert sla.state_at(T0 + MIN) is SlaState.AT_RISK


def test_breached_flag_wins_even_with_time_left_and_when_paused() -> None:
    assert clock(breached=True).state_at(T0) is SlaState.BREACHED
    assert clock(breached=True, paused=True).state_at(T0) is SlaState.BREACHED
    assert clock(remaining_ms=-1000, within_calendar_hours=False).state_at(T0) is SlaState.BREACHED


def test_paused_and_outside_hours_states() -> None:
    assert clock(paused=True).state_at(T0 + timedelta(hours=9)) is SlaState.PAUSED
    assert clock(within_calendar_hours=False).state_at(T0 + timedelta(hours=9)) is SlaState.OUTSIDE_HOURS


def test_completed_clock_is_met_or_failed_and_stops() -> None:
    met = clock(completed=True, remaining_ms=HOUR_MS)
    failed = clock(completed=True, breached=True, remaining_ms=-HOUR_MS)
    later = T0 + timedelta(days=3)
    assert met.state_at(later) is SlaState.MET and met.met and not met.failed
    assert failed.state_at(later) is SlaState.FAILED and failed.failed and not failed.met
    assert met.remaining_at(later) == timedelta(hours=1)
    assert not met.ticking


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        clock(fetched_at=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        clock(breach_time=datetime(2025, 1, 1))


@pytest.mark.parametrize("bad", [{"minutes": -1}, {"fraction": 1.5}, {"fraction": -0.1}])
def test_thresholds_are_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AtRiskThresholds(**bad)


# Incident.most_urgent_sla ------------------------------------------------------------------------------


def incident(*slas: SlaClock) -> Incident:
    return Incident(key="OPS-1", id="10001", summary="Checkout 502", slas=list(slas))


def test_most_urgent_is_the_running_or_breached_sla_with_least_time() -> None:
    first_response = clock(name="First response", remaining_ms=40 * 60_000)
    resolution = clock(name="Resolution", remaining_ms=3 * HOUR_MS)
    paused = clock(name="Paused one", remaining_ms=60_000, paused=True)
    done = clock(name="Done one", remaining_ms=-HOUR_MS, completed=True, breached=True)
    item = incident(resolution, paused, done, first_response)
    assert item.most_urgent_sla(T0) is first_response
    # After 50 minutes the first response is breached; a negative remaining is the most urgent.
    assert item.most_urgent_sla(T0 + 50 * MIN) is first_response


def test_most_urgent_prefers_known_remaining_over_unknown() -> None:
    unknown = clock(name="Unknown", remaining_ms=None)
    known = clock(name="Known", remaining_ms=5 * HOUR_MS)
    assert incident(unknown, known).most_urgent_sla(T0) is known
    assert incident(unknown).most_urgent_sla(T0) is unknown


def test_most_urgent_is_none_without_running_slas() -> None:
    assert incident().most_urgent_sla(T0) is None
    assert incident(clock(paused=True), clock(completed=True)).most_urgent_sla(T0) is None


def test_incident_stores_tuples_and_is_hashable() -> None:
    item = Incident(key="OPS-2", id="2", summary="x", components=["CRM Platform"], labels=["p1"])
    assert item.components == ("CRM Platform",)
    assert isinstance(item.slas, tuple)
    assert hash(item) == hash(Incident(key="OPS-2", id="2", summary="x", components=("CRM Platform",), labels=("p1",)))
    assert not item.is_done
    assert Incident(key="OPS-3", id="3", summary="y", status_category=StatusCategory.DONE).is_done


def test_person_identity() -> None:
    cloud = Person(display_name="Anna Schmidt", account_id="5b10ac8d82e05b22cc7d4ef5")
    dc = Person(display_name="Jörg Weber", username="jweber")
    both = Person(display_name="X", account_id="acc", username="user")
    assert (cloud.id, dc.id, both.id) == ("5b10ac8d82e05b22cc7d4ef5", "jweber", "acc")
    with pytest.raises(ValueError):
        Person(display_name="Nobody")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("new", StatusCategory.NEW),
        ("NEW", StatusCategory.NEW),
        ("indeterminate", StatusCategory.IN_PROGRESS),
        ("in-flight", StatusCategory.IN_PROGRESS),
        ("done", StatusCategory.DONE),
        ("completed", StatusCategory.DONE),
        ("undefined", StatusCategory.UNKNOWN),
        ("whatever", StatusCategory.UNKNOWN),
        (None, StatusCategory.UNKNOWN),
        (7, StatusCategory.UNKNOWN),
    ],
)
def test_status_category_from_key(key: object, expected: StatusCategory) -> None:
    assert StatusCategory.from_key(key) is expected


def test_transition_required_fields() -> None:
    resolution = TransitionField(id="resolution", name="Resolution", required=True)
    option = TransitionOption(id="31", name="Resolve", fields=(TransitionField(id="x", name="X"), resolution))
    assert option.required_fields == (resolution,)
