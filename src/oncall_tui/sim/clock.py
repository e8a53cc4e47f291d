"""Simulated time: accelerated, freezable and advanceable, so drills and tests control the SLA clocks."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


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
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._lock = threading.Lock()
        self._anchor_sim = start.astimezone(UTC)
        self._anchor_real = time.monotonic()
        self._speed = float(speed)

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
        if speed < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            self._anchor_sim = self._now_locked()
            self._anchor_real = time.monotonic()
            self._speed = float(speed)

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the simulated clock only moves forward")
        with self._lock:
            self._anchor_sim = self._now_locked() + timedelta(seconds=seconds)
            self._anchor_real = time.monotonic()
            return self._anchor_sim
