"""Short garbage-collector pauses with 10,000 incidents held.

Python's cyclic collector now and then walks every object the process holds (a "full" collection). With a big
queue loaded that is a few hundred thousand objects and takes about 200 ms on a 2-core machine: a key pressed
then waits, twice a minute while someone scrolls. The incidents are long-lived and refcounting frees them when
a poll replaces them, so once a load has settled they are moved out of the collector's sight (`gc.freeze`).
What was frozen is looked at again only in a full collection made while the user is idle, at most every
`full_every` seconds, so cyclic garbage among old objects is still freed in a long shift.

Python still makes its own full passes, every second or two while someone scrolls. Each walks every object not
frozen: all that survived since the last freeze, which took 10-40 ms. What survives such a pass is alive at that
moment, so it is frozen too, and the next pass walks only what was made since. That freezes objects that may
die in a cycle later; it costs nothing measurable only because lines drawn are no longer cycles
(ui/compositor.py). Under nonstop keys with 10,000 incidents held, RSS stayed at 122-126 MB for three minutes;
while the strips were cycles it grew 74 MB in four minutes with this freezing (33 MB in two without).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["HeapKeeper"]

IDLE_SECONDS = 5.0  # no key or click for this long: a full collection will not be felt
FULL_EVERY = 600.0
# Someone who never stops typing for IDLE_SECONDS still gets a full collection this often: cyclic garbage among
# frozen objects would otherwise pile up for the whole shift (one pause of about 200 ms per half hour).
BUSY_FULL_EVERY = 1800.0


@dataclass
class HeapKeeper:
    monotonic: Callable[[], float] = time.monotonic
    full_every: float = FULL_EVERY
    idle_seconds: float = IDLE_SECONDS
    busy_full_every: float = BUSY_FULL_EVERY
    _last_input: float = field(default=0.0, init=False)
    _last_full: float | None = field(default=None, init=False)
    frozen_at: float | None = field(default=None, init=False)
    _watching: bool = field(default=False, init=False)

    def settled(self) -> None:
        """A load has put its incidents in the store: keep the collector's full passes off them."""
        gc.freeze()
        self.frozen_at = self.monotonic()
        if not self._watching:
            gc.callbacks.append(self._collected)
            self._watching = True

    def close(self) -> None:
        """Stop freezing after Python's own full passes (the app is gone)."""
        if self._watching:
            gc.callbacks.remove(self._collected)
            self._watching = False

    def _collected(self, phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            # Everything the pass could free is freed: what is left is alive now.
            gc.freeze()

    def input(self) -> None:
        """The user pressed a key or clicked."""
        self._last_input = self.monotonic()

    def maybe_collect(self) -> bool:
        """When the user is idle and a full collection is due (or long overdue, idle or not): collect everything,
        then freeze what is left. True when it ran."""
        now = self.monotonic()
        if self.frozen_at is None:
            return False
        since = now - (self._last_full if self._last_full is not None else self.frozen_at)
        if since < self.full_every or (now - self._last_input < self.idle_seconds and since < self.busy_full_every):
            return False
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._last_full = now
        return True
