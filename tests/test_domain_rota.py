"""Config rotas computed locally: hand-overs at a wall-clock time in the rota's zone, across DST changes and
for callers in other zones, with overrides. Expected people are worked out here from the calendar (counting
hand-overs since the start date), not taken from the code under test."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.domain.oncall import Contact, Source
from oncall_tui.domain.rota import Override, Rota, RotaNotStarted, Rotation, on_call, shifts

BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)
TICK = timedelta(microseconds=1)

ANNA, BEN, CHLOE, DMITRI = (Contact(account_id=f"acc-{n}", display_name=n) for n in ("anna", "ben", "chloe", "dmitri"))
PEOPLE = (ANNA, BEN, CHLOE)


def last_sunday(year: int, month: int) -> date:
    last = calendar.monthrange(year, month)[1]
    day = date(year, month, last)
    return day - timedelta(days=(day.weekday() - calendar.SUNDAY) % 7)


def nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(calendar.SUNDAY - first.weekday()) % 7 + 7 * (n - 1))


def expected_person(
    participants: tuple[Contact, ...], start: date, step_days: int, handover: time, zone: ZoneInfo, at: datetime
) -> Contact:
    """Count the hand-overs that have happened by `at`: one on every `step_days`-th local day from `start` at
    `handover` local wall-clock time (from that instant on, inclusive); the first gives the first participant."""
    count = 0
    day = start
    while day <= at.astimezone(zone).date() + timedelta(days=1):
        if datetime.combine(day, handover, tzinfo=zone) <= at:
            count += 1
        day += timedelta(days=step_days)
    assert count > 0
    return participants[(count - 1) % len(participants)]


def berlin_daily() -> Rota:
    return Rota("db", PEOPLE, "Europe/Berlin", date(2025, 3, 1), time(9, 0), Rotation.DAILY)


# ---- daylight-saving changes in Europe/Berlin ------------------------------------------------------------------


def test_berlin_spring_forward_daily_shift_is_23_hours_and_handover_stays_0900_local() -> None:
    change = last_sunday(2025, 3)  # 2025-03-30: 02:00 CET -> 03:00 CEST
    rota = berlin_daily()
    before = datetime.combine(change, time(8, 0), tzinfo=BERLIN)  # on call since Saturday 09:00 CET
    shift = on_call(rota, before)
    assert shift.since is not None and shift.until is not None
    assert shift.since.astimezone(BERLIN).replace(tzinfo=None) == datetime.combine(change - timedelta(days=1), time(9))
    assert shift.until.astimezone(BERLIN).replace(tzinfo=None) == datetime.combine(change, time(9))
    assert shift.until - shift.since == 23 * HOUR
    assert shift.until.astimezone(BERLIN).utcoffset() == 2 * HOUR  # the hand-over is already in CEST
    assert shift.who == expected_person(PEOPLE, rota.start, 1, time(9), BERLIN, before)
    after = on_call(rota, shift.until)
    assert after.who == shift.next == expected_person(PEOPLE, rota.start, 1, time(9), BERLIN, shift.until)
    assert after.until is not None and after.until - shift.until == 24 * HOUR


def test_berlin_fall_back_daily_shift_is_25_hours() -> None:
    change = last_sunday(2025, 10)  # 2025-10-26: 03:00 CEST -> 02:00 CET
    rota = berlin_daily()
    at = datetime.combine(change, time(2, 30, fold=1), tzinfo=BERLIN)  # the second 02:30, in CET
    assert at.utcoffset() == HOUR
    shift = on_call(rota, at)
    assert shift.since is not None and shift.until is not None
    assert shift.until - shift.since == 25 * HOUR
    assert shift.since.astimezone(BERLIN).time() == time(9) == shift.until.astimezone(BERLIN).time()
    assert shift.who == expected_person(PEOPLE, rota.start, 1, time(9), BERLIN, at)


def test_berlin_weekly_shifts_over_both_changes_are_167_and_169_hours() -> None:
    rota = Rota("wk", (ANNA, BEN, CHLOE, DMITRI), "Europe/Berlin", date(2025, 1, 6), time(9, 0), Rotation.WEEKLY)
    year = shifts(rota, datetime(2025, 1, 6, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    lengths = {s.since.astimezone(BERLIN).date(): s.until - s.since for s in year if s.since and s.until}
    spring, autumn = last_sunday(2025, 3), last_sunday(2025, 10)
    # The Monday hand-overs around each change: the week containing the Sunday is the odd one.
    assert lengths[spring - timedelta(days=6)] == 167 * HOUR
    assert lengths[autumn - timedelta(days=6)] == 169 * HOUR
    assert all(
        length == 168 * HOUR
        for day, length in lengths.items()
        if day not in {spring - timedelta(6), autumn - timedelta(6)}
    )
    assert all(s.since is not None and s.since.astimezone(BERLIN).time() == time(9) for s in year)
    for s in year:
        assert s.since is not None
        assert s.who == expected_person(rota.participants, rota.start, 7, time(9), BERLIN, s.since)


# ---- the exact boundary, asked from another zone ---------------------------------------------------------------


def test_handover_instant_belongs_to_the_new_person_asked_in_utc_for_a_sydney_rota() -> None:
    # Sydney daily at 08:00; on 2025-06-02 (AEST, +10) that is 2025-06-01 22:00 UTC.
    rota = Rota("syd", PEOPLE, "Australia/Sydney", date(2025, 5, 1), time(8, 0), Rotation.DAILY)
    boundary = datetime(2025, 6, 1, 22, 0, tzinfo=UTC)
    assert boundary.astimezone(SYDNEY).replace(tzinfo=None) == datetime(2025, 6, 2, 8, 0)
    old, new = on_call(rota, boundary - TICK), on_call(rota, boundary)
    # Hand-overs since 2025-05-01 08:00: one per day, 1 May .. 2 June inclusive = 33, so the 33rd turn.
    assert new.who == PEOPLE[(33 - 1) % 3] == expected_person(PEOPLE, rota.start, 1, time(8), SYDNEY, boundary)
    assert old.who == PEOPLE[(32 - 1) % 3]
    assert old.until == boundary == new.since
    assert old.next == new.who and old.next_from == boundary
    assert new.source is Source.CONFIG_ROTA


def test_sydney_dst_start_makes_a_23_hour_shift_seen_from_utc() -> None:
    change = nth_sunday(2025, 10, 1)  # 2025-10-05: 02:00 AEST -> 03:00 AEDT
    rota = Rota("syd", PEOPLE, "Australia/Sydney", date(2025, 9, 1), time(8, 0), Rotation.DAILY)
    hand_over = datetime.combine(change, time(8), tzinfo=SYDNEY).astimezone(UTC)
    assert hand_over == datetime(2025, 10, 4, 21, 0, tzinfo=UTC)  # 08:00 +11:00
    shift = on_call(rota, hand_over - TICK)
    assert shift.until == hand_over
    assert shift.since == datetime(2025, 10, 3, 22, 0, tzinfo=UTC)  # 08:00 +10:00 the day before
    assert on_call(rota, hand_over).who == expected_person(PEOPLE, rota.start, 1, time(8), SYDNEY, hand_over)


def test_new_york_rota_asked_from_berlin_in_the_weeks_their_dst_dates_differ() -> None:
    # New York springs forward on 2025-03-09, Berlin on 2025-03-30: in between they are 5 h apart, not 6.
    change = nth_sunday(2025, 3, 2)
    rota = Rota("ny", PEOPLE, "America/New_York", date(2025, 3, 1), time(9, 0), Rotation.DAILY)
    boundary = datetime(2025, 3, 10, 14, 0, tzinfo=BERLIN)  # 09:00 EDT = 13:00 UTC = 14:00 CET
    assert boundary.astimezone(NEW_YORK).replace(tzinfo=None) == datetime(2025, 3, 10, 9, 0)
    assert on_call(rota, boundary).since == boundary
    assert on_call(rota, boundary - TICK).until == boundary
    sunday = on_call(rota, datetime.combine(change, time(12), tzinfo=NEW_YORK))
    assert sunday.since is not None and sunday.until is not None and sunday.until - sunday.since == 24 * HOUR
    saturday = on_call(rota, datetime.combine(change, time(1), tzinfo=NEW_YORK))
    assert saturday.since is not None and saturday.until is not None and saturday.until - saturday.since == 23 * HOUR
    # Hand-overs 1..10 March at 09:00 New York time: ten by the boundary.
    assert on_call(rota, boundary).who == PEOPLE[(10 - 1) % 3]


def test_handover_time_skipped_by_spring_forward_happens_at_the_same_utc_instant() -> None:
    # 02:30 does not exist in Berlin on 2025-03-30; the hand-over is then at 01:30 UTC (03:30 CEST).
    rota = Rota("night", PEOPLE, "Europe/Berlin", date(2025, 3, 1), time(2, 30), Rotation.DAILY)
    shift = on_call(rota, datetime(2025, 3, 30, 1, 29, tzinfo=UTC))
    assert shift.until == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert shift.since == datetime(2025, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 CET


# ---- overrides ---------------------------------------------------------------------------------------------------


def test_swap_covers_a_colleague_for_part_of_their_shift_and_is_announced_as_next() -> None:
    base = berlin_daily()
    day = date(2025, 3, 10)
    scheduled = expected_person(PEOPLE, base.start, 1, time(9), BERLIN, datetime.combine(day, time(12), tzinfo=BERLIN))
    start = datetime.combine(day, time(13), tzinfo=BERLIN)
    end = datetime.combine(day, time(18), tzinfo=BERLIN)
    rota = Rota(**{**_fields(base), "overrides": (Override(DMITRI, start, end, instead_of=scheduled),)})
    morning = on_call(rota, datetime.combine(day, time(10), tzinfo=BERLIN))
    assert morning.who == scheduled and morning.until == start
    assert morning.next == DMITRI and morning.next_from == start
    covered = on_call(rota, start)
    assert covered.who == DMITRI and covered.since == start and covered.until == end and covered.next == scheduled
    evening = on_call(rota, end)
    assert evening.who == scheduled and evening.until == datetime.combine(
        day + timedelta(days=1), time(9), tzinfo=BERLIN
    )


def test_swap_for_someone_else_does_not_apply_and_later_overrides_win() -> None:
    base = berlin_daily()
    at = datetime(2025, 3, 12, 12, 0, tzinfo=BERLIN)
    scheduled = expected_person(PEOPLE, base.start, 1, time(9), BERLIN, at)
    other = next(p for p in PEOPLE if p != scheduled)
    window = (at - HOUR, at + HOUR)
    not_theirs = Rota(**{**_fields(base), "overrides": (Override(DMITRI, *window, instead_of=other),)})
    assert on_call(not_theirs, at).who == scheduled
    assert on_call(not_theirs, at).since == on_call(base, at).since  # no cut where nothing changes
    both = Rota(**{**_fields(base), "overrides": (Override(DMITRI, *window), Override(other, *window))})
    assert on_call(both, at).who == other


def test_override_across_a_handover_replaces_whoever_is_scheduled() -> None:
    base = berlin_daily()
    start, end = datetime(2025, 3, 14, 18, 0, tzinfo=BERLIN), datetime(2025, 3, 17, 9, 0, tzinfo=BERLIN)  # weekend
    rota = Rota(**{**_fields(base), "overrides": (Override(DMITRI, start, end),)})
    weekend = shifts(rota, start, end)
    assert [s.who for s in weekend] == [DMITRI] * len(weekend)
    assert weekend[0].since == start and weekend[-1].until == end
    assert on_call(rota, end).who == expected_person(PEOPLE, base.start, 1, time(9), BERLIN, end)


def _fields(rota: Rota) -> dict[str, object]:
    return {name: getattr(rota, name) for name in Rota.__slots__}


# ---- edges -------------------------------------------------------------------------------------------------------


def test_before_the_first_handover_nobody_is_on_call_by_the_rota() -> None:
    rota = berlin_daily()
    first = datetime(2025, 3, 1, 9, 0, tzinfo=BERLIN)
    with pytest.raises(RotaNotStarted):
        on_call(rota, first - TICK)
    assert on_call(rota, first).who == ANNA
    assert shifts(rota, first - 10 * HOUR, first - HOUR) == []
    assert shifts(rota, first - 10 * HOUR, first + HOUR)[0].since == first


def test_naive_instants_and_bad_rotas_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        on_call(berlin_daily(), datetime(2025, 3, 5, 12, 0))
    with pytest.raises(ValueError, match="time zone"):
        Rota("x", PEOPLE, "Mars/Olympus", date(2025, 1, 1))
    with pytest.raises(ValueError, match="participant"):
        Rota("x", (), "UTC", date(2025, 1, 1))
    with pytest.raises(ValueError, match="end after"):
        Override(ANNA, datetime(2025, 1, 2, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))


# ---- properties --------------------------------------------------------------------------------------------------

ZONES = ("UTC", "Europe/Berlin", "Australia/Sydney", "America/New_York", "Asia/Kolkata")
RANGE_START = datetime(2024, 1, 1, tzinfo=UTC)


@st.composite
def rotas(draw: st.DrawFn) -> Rota:
    people = draw(st.integers(1, 4))
    zone = draw(st.sampled_from(ZONES))
    start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 60)))
    handover = time(draw(st.integers(0, 23)), draw(st.sampled_from((0, 15, 30, 45))))
    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        o_start = RANGE_START + timedelta(minutes=draw(st.integers(0, 600 * 24 * 60)))
        length = timedelta(minutes=draw(st.integers(1, 10 * 24 * 60)))
        who = draw(st.sampled_from((ANNA, BEN, CHLOE, DMITRI)))
        instead = draw(st.none() | st.sampled_from(PEOPLE))
        overrides.append(Override(who, o_start, o_start + length, instead_of=instead))
    return Rota(
        "p",
        (ANNA, BEN, CHLOE, DMITRI)[:people],
        zone,
        start,
        handover,
        draw(st.sampled_from(Rotation)),
        tuple(overrides),
    )


instants = st.integers(70 * 24 * 60, 700 * 24 * 60).map(lambda minutes: RANGE_START + timedelta(minutes=minutes))


@settings(max_examples=150, deadline=None)
@given(rota=rotas(), a=instants, span=st.integers(1, 40 * 24 * 60))
def test_shifts_tile_time_without_gaps_or_overlaps(rota: Rota, a: datetime, span: int) -> None:
    b = a + timedelta(minutes=span)
    tiles = shifts(rota, a, b)
    assert tiles, "a span after the start always has someone on call"
    assert tiles[0].since is not None and tiles[0].since <= a
    assert tiles[-1].until is not None and tiles[-1].until >= b
    for earlier, later in itertools.pairwise(tiles):
        assert earlier.until == later.since
        assert earlier.next == later.who and earlier.next_from == later.since
    assert all(s.since is not None and s.until is not None and s.since < s.until for s in tiles)


@settings(max_examples=150, deadline=None)
@given(rota=rotas(), a=instants, offset=st.integers(0, 40 * 24 * 60 * 60))
def test_the_person_on_call_is_the_one_whose_shift_contains_the_instant(rota: Rota, a: datetime, offset: int) -> None:
    at = a + timedelta(seconds=offset)
    tiles = shifts(rota, a, at + TICK)
    containing = [s for s in tiles if s.contains(at)]
    assert len(containing) == 1
    assert on_call(rota, at) == containing[0]


@settings(max_examples=150, deadline=None)
@given(rota=rotas(), at=instants)
def test_without_overrides_the_scheduled_person_follows_the_count_of_handovers(rota: Rota, at: datetime) -> None:
    plain = Rota(**{**_fields(rota), "overrides": ()})
    zone = ZoneInfo(rota.time_zone)
    shift = on_call(plain, at)
    assert shift.who == expected_person(plain.participants, plain.start, plain.rotation.days, plain.handover, zone, at)
    # The hand-over happens at its wall-clock time unless a DST gap skipped it.
    assert shift.since is not None
    local = shift.since.astimezone(zone)
    skipped = datetime.combine(local.date(), plain.handover, tzinfo=zone)
    if skipped.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == skipped.replace(tzinfo=None):
        assert local.time() == plain.handover
