"""Working-time calendars for the simulated JSM SLA clocks.

SLA elapsed time only counts while the SLA's calendar is "working". Business-hours calendars are defined
in local wall-clock time of an IANA zone, so the UTC length of a working day follows DST changes.

Arithmetic is done on integer microseconds since the epoch so that breach times come out exact, and a
business calendar answers in O(1) (amortised) through a lazily built per-day prefix sum of working time:
thousands of issues compute their SLAs on every search, so nothing here may loop per minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# add_working gives up after this many days without reaching its goal (a calendar with no working days).
_MAX_SCAN_DAYS = 366 * 30


def _to_us(t: datetime) -> int:
    return (t - _EPOCH) // _US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


@runtime_checkable
class Calendar(Protocol):
    id: str
    name: str
    time_zone: str

    def is_working(self, t: datetime) -> bool: ...

    def working_seconds(self, a: datetime, b: datetime) -> float:
        """Working time in [a, b), in seconds; 0 when b <= a."""
        ...

    def add_working(self, a: datetime, seconds: float) -> datetime:
        """The instant at which `seconds` of working time have passed after `a` (UTC)."""
        ...


class TwentyFourSeven:
    """Always working: elapsed time is plain wall-clock time."""

    __slots__ = ("id", "name", "time_zone")

    def __init__(self, id: str, name: str, time_zone: str = "UTC") -> None:
        ZoneInfo(time_zone)  # reject unknown zones early, like the business calendar does
        self.id = id
        self.name = name
        self.time_zone = time_zone

    def __repr__(self) -> str:
        return f"TwentyFourSeven(id={self.id!r}, name={self.name!r}, time_zone={self.time_zone!r})"

    def is_working(self, t: datetime) -> bool:
        return True

    # Via epoch microseconds, not `b - a`: Python subtracts two datetimes sharing a tzinfo as naive
    # wall-clock times, which would be an hour off across a DST change.
    def working_seconds(self, a: datetime, b: datetime) -> float:
        worked = _to_us(b) - _to_us(a)
        return worked / 1_000_000 if worked > 0 else 0.0

    def add_working(self, a: datetime, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("add_working needs a non-negative duration")
        return _from_us(_to_us(a) + round(seconds * 1_000_000))


class BusinessHours:
    """Working hours `start`-`end` (local time in `time_zone`) on `weekdays` (0 = Monday), minus holidays.

    `end=time(0)` means "until midnight". Overnight shifts (end before start) are not supported.
    """

    def __init__(
        self,
        id: str,
        name: str,
        time_zone: str,
        weekdays: tuple[int, ...] = (0, 1, 2, 3, 4),
        start: time = time(8),
        end: time = time(18),
        holidays: tuple[date, ...] = (),
    ) -> None:
        if any(not 0 <= day <= 6 for day in weekdays):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("start and end are local wall-clock times without tzinfo")
        if end != time(0) and end <= start:
            raise ValueError("end must be after start (overnight hours are not supported)")
        self.id = id
        self.name = name
        self.time_zone = time_zone
        self.weekdays = tuple(weekdays)
        self.start = start
        self.end = end
        self.holidays = tuple(holidays)
        self._zone = ZoneInfo(time_zone)
        self._weekday_set = frozenset(self.weekdays)
        self._holiday_ordinals = frozenset(day.toordinal() for day in self.holidays)
        # ordinal -> (start_us, end_us) of that local day's working interval, or None for a day off.
        self._intervals: dict[int, tuple[int, int] | None] = {}
        # ordinal -> working microseconds from the start of day `_lo` to the start of that day; covers
        # every ordinal in [_lo, _hi] once anything has been asked.
        self._cum: dict[int, int] = {}
        self._lo = 0
        self._hi = -1

    def __repr__(self) -> str:
        return (
            f"BusinessHours(id={self.id!r}, name={self.name!r}, time_zone={self.time_zone!r}, "
            f"weekdays={self.weekdays!r}, start={self.start!r}, end={self.end!r}, "
            f"holidays={self.holidays!r})"
        )

    # ---- per-day building blocks ------------------------------------------------------------------

    def _interval(self, ordinal: int) -> tuple[int, int] | None:
        try:
            return self._intervals[ordinal]
        except KeyError:
            pass
        day = date.fromordinal(ordinal)
        interval: tuple[int, int] | None = None
        if day.weekday() in self._weekday_set and ordinal not in self._holiday_ordinals:
            # Combining local wall time with the zone and converting is what makes DST days right:
            # a day with a DST jump inside working hours is an hour shorter or longer in UTC.
            start_us = _to_us(datetime.combine(day, self.start, tzinfo=self._zone))
            end_day = day + timedelta(days=1) if self.end == time(0) else day
            end_us = _to_us(datetime.combine(end_day, self.end, tzinfo=self._zone))
            if end_us > start_us:
                interval = (start_us, end_us)
        self._intervals[ordinal] = interval
        return interval

    def _length(self, ordinal: int) -> int:
        interval = self._interval(ordinal)
        return 0 if interval is None else interval[1] - interval[0]

    def _cum_at(self, ordinal: int) -> int:
        cum = self._cum
        value = cum.get(ordinal)
        if value is not None:
            return value
        if self._hi < self._lo:
            self._lo = self._hi = ordinal
            cum[ordinal] = 0
            return 0
        # Extend the prefix sum towards `ordinal`; amortised, each day is summed once per calendar.
        while self._hi < ordinal:
            cum[self._hi + 1] = cum[self._hi] + self._length(self._hi)
            self._hi += 1
        while self._lo > ordinal:
            cum[self._lo - 1] = cum[self._lo] - self._length(self._lo - 1)
            self._lo -= 1
        return cum[ordinal]

    def _local_ordinal(self, t: datetime) -> int:
        return t.astimezone(self._zone).toordinal()

    def _position(self, t: datetime) -> tuple[int, int]:
        """(local day ordinal, working microseconds from the prefix-sum origin up to t)."""
        ordinal = self._local_ordinal(t)
        base = self._cum_at(ordinal)
        interval = self._interval(ordinal)
        if interval is None:
            return ordinal, base
        us = _to_us(t)
        start_us, end_us = interval
        if us <= start_us:
            return ordinal, base
        if us >= end_us:
            return ordinal, base + end_us - start_us
        return ordinal, base + us - start_us

    # ---- Calendar protocol --------------------------------------------------------------------------

    def is_working(self, t: datetime) -> bool:
        interval = self._interval(self._local_ordinal(t))
        if interval is None:
            return False
        us = _to_us(t)
        return interval[0] <= us < interval[1]

    def working_seconds(self, a: datetime, b: datetime) -> float:
        worked = self._position(b)[1] - self._position(a)[1]
        return worked / 1_000_000 if worked > 0 else 0.0

    def add_working(self, a: datetime, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("add_working needs a non-negative duration")
        ordinal, position = self._position(a)
        wanted = round(seconds * 1_000_000)
        target = position + wanted
        first = ordinal
        # With nothing to add, land on the next working moment; otherwise on the earliest instant the
        # target is reached, which may be the end of a working day rather than the next morning.
        while self._cum_at(ordinal + 1) < target or (wanted == 0 and self._cum_at(ordinal + 1) == target):
            ordinal += 1
            if ordinal - first > _MAX_SCAN_DAYS:
                raise ValueError(f"calendar {self.id!r} has no working time to add {seconds}s to")
        interval = self._interval(ordinal)
        assert interval is not None  # the loop stops on a day that holds working time
        return _from_us(interval[0] + target - self._cum_at(ordinal))
