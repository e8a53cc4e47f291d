"""A look over many incidents done a slice at a time, so that keys typed meanwhile are not kept waiting.

The engine shares the event loop with the UI. Looking at 10,000 incidents at once (the first tick after a big
queue loaded, every incident after an on-call answer) took 50-100 ms, and a key that arrived meanwhile waited
for all of it. With `defer` set (the engine sets the loop's `call_soon`), a run does `size` items, then lets the
loop run whatever is ready (a key, a frame) before the next slice. Without it, a run is done at once: what tests
that drive a watch by hand expect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["SLICE", "Defer", "SlicedRun"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Defer = Callable[[Callable[[], None]], object]

# About 2-5 ms of looking on a 2-core machine: a key waits at most that long for the loop.
SLICE = 300


class SlicedRun:
    """At most one run at a time: a new one (or `cancel`) ends the one before without its `done`."""

    def __init__(self, size: int = SLICE) -> None:
        self.size = size
        self.defer: Defer | None = None
        self._generation = 0
        self.running = False

    def run(
        self,
        items: Sequence[T],
        look: Callable[[T], None],
        done: Callable[[], None],
        failed: Callable[[], None] = lambda: None,
    ) -> None:
        """`look` at every item in order, then call `done`; in slices when `defer` is set. If a look raises,
        `failed` is called instead of `done` (so the owner can look again at its next chance)."""
        self._generation += 1
        generation = self._generation
        self.running = True

        def step(start: int) -> None:
            if generation != self._generation:
                return
            defer = self.defer
            end = len(items) if defer is None else min(len(items), start + self.size)
            try:
                for index in range(start, end):
                    look(items[index])
                if end < len(items):
                    assert defer is not None
                    defer(lambda: step(end))
                    return
                self.running = False
                done()
            except Exception:
                self.running = False
                failed()
                if start == 0:
                    raise  # in the caller's own call: it hears of it
                # A later slice runs on its own in the loop: like a failing bus subscriber, logged, not fatal.
                log.exception("a sliced look failed")

        step(0)

    def cancel(self) -> None:
        self._generation += 1
        self.running = False
