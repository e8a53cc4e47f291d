"""Working-time calendars: 24x7 and business hours, across weekends, holidays and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.sim.calendars import BusinessHours, Calendar, TwentyFourSeven

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600.0


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def office() -> BusinessHours:
    return BusinessHours("2", "Berlin office", "Europe/Berlin")


# ---- 24x7 ------------------------------------------------------------------------------------------------


def test_twenty_four_seven_counts_wall_clock_time() -> None:
    cal = TwentyFourSeven("1", "24/7")
    a = utc(2025, 3, 29, 22, 0)
    assert cal.working_seconds(a, a + timedelta(hours=30, milliseconds=5)) == 30 * HOUR + 0.005
    assert cal.working_seconds(a, a - timedelta(hours=1)) == 0.0
    assert cal.add_working(a, 5 * HOUR) == utc(2025, 3, 30, 3, 0)
    assert cal.is_working(utc(2025, 3, 30, 3, 0))


def test_twenty_four_seven_in_a_dst_zone_counts_real_elapsed_time() -> None:
    cal = TwentyFourSeven("1", "24/7", "Europe/Berlin")
    # 30 March 2025: Berlin skips 02:00-03:00, so midnight to noon local is 11 real hours.
    assert cal.working_seconds(berlin(2025, 3, 30, 0, 0), berlin(2025, 3, 30, 12, 0)) == 11 * HOUR
    assert cal.add_working(berlin(2025, 10, 26, 0, 0), 12 * HOUR) == berlin(2025, 10, 26, 11, 0)


def test_add_working_rejects_negative_durations() -> None:
    with pytest.raises(ValueError):
        TwentyFourSeven("1", "24/7").add_working(utc(2025, 1, 1), -1.0)
    with pytest.raises(ValueError):
        office().add_working(utc(2025, 1, 1), -1.0)


def test_both_calendars_satisfy_the_protocol() -> None:
    assert isinstance(TwentyFourSeven("1", "24/7"), Calendar)
    assert isinstance(office(), Calendar)


# ---- business hours --------------------------------------------------------------------------------------


def test_is_working_follows_local_office_hours() -> None:
    cal = office()
    assert cal.is_working(berlin(2025, 6, 2, 8, 0))  # Monday
    assert not cal.is_working(berlin(2025, 6, 2, 7, 59, 59))
    assert cal.is_working(berlin(2025, 6, 2, 17, 59, 59))
    assert not cal.is_working(berlin(2025, 6, 2, 18, 0))
    assert not cal.is_working(berlin(2025, 6, 7, 12, 0))  # Saturday
    # 07:30 UTC is 09:30 in Berlin summer time.
    assert cal.is_working(utc(2025, 6, 2, 7, 30))
    assert not cal.is_working(utc(2025, 6, 2, 16, 30))


def test_working_seconds_skips_nights_and_weekends() -> None:
    cal = office()
    # Tuesday 17:00 -> Wednesday 07:00: only one hour before closing.
    assert cal.working_seconds(berlin(2025, 6, 3, 17, 0), berlin(2025, 6, 4, 7, 0)) == 1 * HOUR
    # Friday 17:00 -> Monday 09:00.
    assert cal.working_seconds(berlin(2025, 6, 6, 17, 0), berlin(2025, 6, 9, 9, 0)) == 2 * HOUR
    # Entirely inside a weekend.
    assert cal.working_seconds(berlin(2025, 6, 7, 9, 0), berlin(2025, 6, 8, 17, 0)) == 0.0
    assert cal.working_seconds(berlin(2025, 6, 9, 9, 0), berlin(2025, 6, 9, 8, 0)) == 0.0


def test_working_seconds_over_many_weeks_and_years() -> None:
    cal = office()
    a = berlin(2025, 1, 6, 0, 0)  # a Monday
    assert cal.working_seconds(a, a + timedelta(weeks=52)) == 52 * 50 * HOUR
    assert cal.working_seconds(a - timedelta(weeks=104), a) == 104 * 50 * HOUR


def test_add_working_continues_on_the_next_working_day() -> None:
    cal = office()
    assert cal.add_working(berlin(2025, 6, 6, 17, 0), 3 * HOUR) == berlin(2025, 6, 9, 10, 0)
    # Starting outside hours, the clock starts at the next opening.
    assert cal.add_working(berlin(2025, 6, 7, 12, 0), 1 * HOUR) == berlin(2025, 6, 9, 9, 0)
    assert cal.add_working(berlin(2025, 6, 3, 5, 0), 30 * 60) == berlin(2025, 6, 3, 8, 30)
    # A goal that runs out exactly at closing time breaches at closing, not the next morning.
    assert cal.add_working(berlin(2025, 6, 2, 17, 0), 1 * HOUR) == berlin(2025, 6, 2, 18, 0)
    # Fifty working hours are exactly one working week.
    assert cal.add_working(berlin(2025, 6, 2, 8, 0), 50 * HOUR) == berlin(2025, 6, 6, 18, 0)


def test_add_working_zero_lands_on_the_next_working_moment() -> None:
    cal = office()
    assert cal.add_working(berlin(2025, 6, 4, 11, 0), 0) == berlin(2025, 6, 4, 11, 0)
    assert cal.add_working(berlin(2025, 6, 6, 18, 0), 0) == berlin(2025, 6, 9, 8, 0)
    assert cal.add_working(berlin(2025, 6, 8, 23, 0), 0) == berlin(2025, 6, 9, 8, 0)


def test_add_working_returns_utc() -> None:
    result = office().add_working(berlin(2025, 6, 2, 9, 0), 1.5)
    assert result.utcoffset() == timedelta(0)
    assert result == berlin(2025, 6, 2, 9, 0, 1, 500000)


def test_weekend_across_the_spring_dst_change() -> None:
    cal = office()
    # Friday 28 March 2025 is CET (UTC+1), Monday 31 March is CEST (UTC+2).
    friday = berlin(2025, 3, 28, 17, 0)
    assert friday.astimezone(UTC) == utc(2025, 3, 28, 16, 0)
    monday_ten = cal.add_working(friday, 3 * HOUR)
    assert monday_ten == utc(2025, 3, 31, 8, 0)
    assert cal.working_seconds(friday, utc(2025, 3, 31, 6, 0)) == 1 * HOUR  # Monday 08:00 CEST
    assert not cal.is_working(utc(2025, 3, 31, 5, 30))  # 07:30 CEST
    assert cal.is_working(utc(2025, 3, 31, 6, 0))


def test_dst_change_inside_working_hours_shortens_or_lengthens_the_day() -> None:
    nights = BusinessHours("3", "Sunday night shift", "Europe/Berlin", weekdays=(6,), start=time(0), end=time(6))
    spring = berlin(2025, 3, 30, 0, 0)
    autumn = berlin(2025, 10, 26, 0, 0)
    assert nights.working_seconds(spring, spring + timedelta(days=1)) == 5 * HOUR
    assert nights.working_seconds(autumn, autumn + timedelta(days=1)) == 7 * HOUR
    assert nights.add_working(spring, 5 * HOUR) == utc(2025, 3, 30, 4, 0)  # 06:00 CEST
    assert nights.add_working(autumn, 7 * HOUR) == utc(2025, 10, 26, 5, 0)  # 06:00 CET
    # 02:30 happens twice on the autumn night; both are working time.
    assert nights.is_working(utc(2025, 10, 26, 0, 30))
    assert nights.is_working(utc(2025, 10, 26, 1, 30))


def test_until_midnight_calendar_and_holidays() -> None:
    whole_days = BusinessHours(
        "4",
        "Weekdays",
        "Europe/Berlin",
        start=time(0),
        end=time(0),
        holidays=(date(2025, 12, 25), date(2025, 12, 26)),
    )
    # Mon 22 Dec .. Sun 28 Dec: three full weekdays, Christmas and Boxing Day off.
    week = berlin(2025, 12, 22, 0, 0)
    assert whole_days.working_seconds(week, week + timedelta(days=7)) == 72 * HOUR
    assert whole_days.is_working(berlin(2025, 12, 24, 23, 59))
    assert not whole_days.is_working(berlin(2025, 12, 25, 12, 0))
    # One working hour before Christmas Eve ends, the next one is Monday 29th.
    assert whole_days.add_working(berlin(2025, 12, 24, 23, 0), 2 * HOUR) == berlin(2025, 12, 29, 1, 0)


def test_invalid_calendars_are_rejected() -> None:
    with pytest.raises(ValueError):
        BusinessHours("x", "x", "Europe/Berlin", start=time(18), end=time(8))
    with pytest.raises(ValueError):
        BusinessHours("x", "x", "Europe/Berlin", weekdays=(7,))
    with pytest.raises(KeyError):  # zoneinfo.ZoneInfoNotFoundError is a KeyError
        BusinessHours("x", "x", "Mars/Olympus_Mons")


def test_calendar_without_working_days_cannot_add_time() -> None:
    never = BusinessHours("x", "Never", "UTC", weekdays=())
    assert never.working_seconds(utc(2025, 1, 1), utc(2026, 1, 1)) == 0.0
    with pytest.raises(ValueError):
        never.add_working(utc(2025, 1, 1), 1.0)


# ---- agreement with a brute-force reference --------------------------------------------------------------


def reference_minutes(a: datetime, b: datetime) -> int:
    """Working minutes in [a, b) by looking at every minute's local time (minute-aligned inputs)."""
    count = 0
    t = a
    while t < b:
        local = t.astimezone(BERLIN)
        if local.weekday() < 5 and time(8) <= local.time() < time(18):
            count += 1
        t += timedelta(minutes=1)
    return count


# Around the spring DST weekend, in minutes from Thursday 27 March 2025 00:00 UTC.
_BASE = utc(2025, 3, 27, 0, 0)
_offsets = st.integers(min_value=0, max_value=6 * 24 * 60)
_spans = st.integers(min_value=0, max_value=3 * 24 * 60)


@settings(max_examples=40, deadline=None)
@given(_offsets, _spans)
def test_working_seconds_matches_per_minute_reference(offset: int, span: int) -> None:
    a = _BASE + timedelta(minutes=offset)
    b = a + timedelta(minutes=span)
    assert office().working_seconds(a, b) == reference_minutes(a, b) * 60


@settings(max_examples=60, deadline=None)
@given(_offsets, st.integers(min_value=1, max_value=40 * 60 * 60))
def test_add_working_inverts_working_seconds(offset: int, seconds: int) -> None:
    cal = office()
    a = _BASE + timedelta(minutes=offset)
    end = cal.add_working(a, seconds)
    assert cal.working_seconds(a, end) == seconds
    # Earliest such instant: a second earlier, the goal has not run out yet.
    assert cal.working_seconds(a, end - timedelta(seconds=1)) == seconds - 1
