"""Simulated time: accelerated, freezable and advanceable, so drills and tests control the SLA clocks."""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta

# A million simulated seconds per real second is far beyond any drill; faster clocks, and NaN or infinite
# ones, would run the calendar out of range within hours and then every request would fail.
MAX_SPEED = 1e6


def check_speed(speed: float) -> float:
    if not math.isfinite(speed) or speed < 0 or speed > MAX_SPEED:
        raise ValueError(f"speed must be a number from 0 to {MAX_SPEED:g}")
    return float(speed)


class SimClock:
    """Simulated wall-clock time.

    `speed` 1.0 follows real time, 60.0 runs a minute per second, 0.0 freezes the clock (tests).
    Changing the speed re-anchors, so simulated time never jumps.
    """

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        if start is None:
            start = datetime.now(UTC).replace(microsecond=0)
        if start.tzinfo is None:
            raise ValueError("SimClock start must be timezone-aware")
        self._lock = threading.Lock()
        self._anchor_sim = start.astimezone(UTC)
        self._anchor_real = time.monotonic()
        self._speed = check_speed(speed)

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        elapsed = (time.monotonic() - self._anchor_real) * self._speed
        return self._anchor_sim + timedelta(seconds=elapsed)

    def set_speed(self, speed: float) -> None:
        checked = check_speed(speed)
        with self._lock:
            self._anchor_sim = self._now_locked()
            self._anchor_real = time.monotonic()
            self._speed = checked

    def advance(self, seconds: float) -> datetime:
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("the simulated clock only moves forward, by a finite number of seconds")
        with self._lock:
            try:
                # Computed before anything is assigned: a refused jump leaves the clock where it was.
                target = self._now_locked() + timedelta(seconds=seconds)
            except OverflowError:
                raise ValueError(f"advancing {seconds:g} s leaves the calendar") from None
            self._anchor_sim = target
            self._anchor_real = time.monotonic()
            return self._anchor_sim
