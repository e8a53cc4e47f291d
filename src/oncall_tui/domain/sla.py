"""SLA clocks with JSM semantics, computed locally between polls.

JSM reports `remainingTime` as *calendar working time* at the moment of the response, and `breachTime` as a
wall-clock instant. The countdown shows working time, as JSM does: a running clock within calendar hours
counts down from the snapshot at wall-clock rate; a paused clock, or one outside calendar hours, stands
still. Counting to `breachTime` instead would be wrong for business-hours calendars (at 17:50 with ten
working minutes left, the breach is at 08:10 tomorrow: "14:20 left" would hide that it is at risk), so
`breach_time` is only the fallback when Jira sent no remaining time, and the "breaches at" line in the UI.
The next poll (every 15 s) brings the clock's new state when the working day ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

__all__ = ["AtRiskThresholds", "SlaClock", "SlaState"]

_ZERO = timedelta(0)


class SlaState(StrEnum):
    MET = "met"
    FAILED = "failed"
    RUNNING = "running"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    OUTSIDE_HOURS = "outside_hours"


@dataclass(frozen=True, slots=True)
class AtRiskThresholds:
    """A running SLA is at risk when remaining <= max(`minutes`, `fraction` * goal)."""

    minutes: float = 30
    fraction: float = 0.2

    def __post_init__(self) -> None:
        if self.minutes < 0 or not 0 <= self.fraction <= 1:
            raise ValueError("at-risk thresholds need minutes >= 0 and 0 <= fraction <= 1")

    def window(self, goal_ms: int | None) -> timedelta:
        by_minutes = timedelta(minutes=self.minutes)
        if goal_ms is None or goal_ms <= 0:
            return by_minutes
        return max(by_minutes, timedelta(milliseconds=goal_ms * self.fraction))


@dataclass(frozen=True, slots=True)
class SlaClock:
    """One SLA of one issue as seen at `fetched_at`.

    For a completed SLA the values describe its last cycle and `breached` says whether it failed.
    """

    name: str
    # The snapshot's instant and its running values change on every poll without anything having happened;
    # they are left out of equality so the store does not report an unchanged incident as updated.
    fetched_at: datetime = field(compare=False)
    field_id: str | None = None
    metric_id: str | None = None
    goal_ms: int | None = None
    elapsed_ms: int | None = field(default=None, compare=False)
    remaining_ms: int | None = field(default=None, compare=False)
    breach_time: datetime | None = None
    breached: bool = False
    paused: bool = False
    within_calendar_hours: bool = True
    completed: bool = False

    def __post_init__(self) -> None:
        # Naive datetimes would make every countdown silently off by the UTC offset.
        if self.fetched_at.tzinfo is None:
            raise ValueError("SlaClock.fetched_at must be timezone-aware")
        if self.breach_time is not None and self.breach_time.tzinfo is None:
            raise ValueError("SlaClock.breach_time must be timezone-aware")
        # Python subtracts two datetimes that share a tzinfo by wall clock, an hour off across a DST change:
        # keep every instant in UTC.
        object.__setattr__(self, "fetched_at", self.fetched_at.astimezone(UTC))
        if self.breach_time is not None:
            object.__setattr__(self, "breach_time", self.breach_time.astimezone(UTC))

    @property
    def met(self) -> bool:
        return self.completed and not self.breached

    @property
    def failed(self) -> bool:
        return self.completed and self.breached

    @property
    def ticking(self) -> bool:
        """True while the countdown moves: ongoing, not paused, within calendar hours."""
        return not self.completed and not self.paused and self.within_calendar_hours

    def remaining_at(self, now: datetime) -> timedelta | None:
        """Time left before the breach at `now`; negative once breached; None when Jira gave no basis."""
        snapshot = None if self.remaining_ms is None else timedelta(milliseconds=self.remaining_ms)
        if not self.ticking:
            if snapshot is not None:
                return snapshot
            if self.breach_time is not None and not self.completed:
                return self.breach_time - self.fetched_at
            return None
        if snapshot is not None:
            return snapshot - (now.astimezone(UTC) - self.fetched_at)
        if self.breach_time is not None:
            return self.breach_time - now.astimezone(UTC)
        return None

    def elapsed_at(self, now: datetime) -> timedelta | None:
        """Working time spent at `now`: it grows while the clock ticks, exactly as much as `remaining_at` falls."""
        if self.elapsed_ms is None:
            return None
        snapshot = timedelta(milliseconds=self.elapsed_ms)
        if not self.ticking:
            return snapshot
        return snapshot + (now.astimezone(UTC) - self.fetched_at)

    def next_change_at(self, now: datetime, thresholds: AtRiskThresholds | None = None) -> datetime | None:
        """The first moment after `now` at which `state_at` can differ by time alone (entering at risk, then
        breaching); None when only new data from Jira can change it (stopped, completed, breached, no basis)."""
        if not self.ticking or self.breached:
            return None
        remaining = self.remaining_at(now)
        if remaining is None or remaining < _ZERO:
            return None
        window = (thresholds or AtRiskThresholds()).window(self.goal_ms)
        if remaining > window:
            return now + (remaining - window)
        # Breached once the time left is below zero: just after it reaches zero.
        return now + remaining + timedelta(microseconds=1)

    def state_at(self, now: datetime, thresholds: AtRiskThresholds | None = None) -> SlaState:
        if self.completed:
            return SlaState.FAILED if self.breached else SlaState.MET
        remaining = self.remaining_at(now)
        # A breach outranks pause and calendar: the engineer must see it whatever the clock does now.
        if self.breached or (remaining is not None and remaining < _ZERO):
            return SlaState.BREACHED
        if self.paused:
            return SlaState.PAUSED
        if not self.within_calendar_hours:
            return SlaState.OUTSIDE_HOURS
        window = (thresholds or AtRiskThresholds()).window(self.goal_ms)
        if remaining is not None and remaining <= window:
            return SlaState.AT_RISK
        return SlaState.RUNNING
