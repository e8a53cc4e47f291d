"""One-shot timers for the engine, behind a seam: the event loop's in the app, a hand-stepped one in tests.

The engine never sleeps to wait for its next poll: it asks for a callback after a delay and is told again
after each poll ends, so a test can see every delay the engine chose and fire it when it likes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Timers(Protocol):
    def call_later(self, delay: float, callback: Callable[[], None], *, name: str) -> Cancellable:
        """Call `callback` once after `delay` seconds (in the running loop); `name` says what it is for."""
        ...


class LoopTimers:
    """Timers on the running asyncio loop (what the app uses)."""

    def call_later(self, delay: float, callback: Callable[[], None], *, name: str) -> Cancellable:
        return asyncio.get_running_loop().call_later(max(0.0, delay), callback)
