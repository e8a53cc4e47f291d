"""Partial screen updates that start where the change starts.

Textual 8.2.8 writes a partial update from the start of each widget's stretch of a line ("chop") to the end of
the dirty span: a status bar whose "updated 4 s ago" moves one digit is rewritten from its first column, every
second. This writes from the first dirty cell instead (moved left to the start of a wide character, never into
its middle), which is what the terminal needs to show the same screen. Textual is pinned exactly; the main
screen installs this compositor (tests/test_ui_idle.py checks the bytes).

Importing this module also stops `Strip.divide` from making every strip it does not cut a reference cycle:
Textual 8.2.8 caches the answer `[self]` in the strip's own cache, so every line drawn in one piece lived until
the cyclic collector found it, with its seven caches. Scrolling made about 28,000 such objects a second; the
collector's full passes that followed took 10-40 ms each with 10,000 incidents held, and a key pressed meanwhile
waited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate, Compositor
from textual.strip import Strip


def _cell_start(strip: Strip, offset: int) -> int:
    """The start of the character that covers cell `offset` of `strip` (a wide character starts one earlier)."""
    position = 0
    for segment in strip:
        for char in segment.text:
            width = cell_len(char)
            if position + width > offset:
                return position
            position += width
    return position


_textual_divide = Strip.divide


def _divide(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cuts = [cut for cut in cuts if cut <= self.cell_length]
    if cuts == [self.cell_length]:
        return [self]  # the strip whole, as Textual answers, but not kept in the strip's own cache
    return _textual_divide(self, cuts)


Strip.divide = _divide  # type: ignore[method-assign]


class TightChopsUpdate(ChopsUpdate):
    def render_segments(self, console: Console) -> str:
        sequences: list[str] = []
        append = sequences.append
        move_to = Control.move_to
        last_y = self.spans[-1][0]
        for y, x1, x2 in self.spans:
            for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items(), strict=False):
                if strip is None or x > x2 or end <= x1:
                    continue
                start = _cell_start(strip, x1 - x) if x1 > x else 0
                stop = min(end, x2) - x
                if start or stop < end - x:
                    strip = strip.crop(start, stop)
                append(move_to(x + start, y).segment.text)
                append(strip.render(console))
            if y != last_y:
                append("\n")
        return "".join(sequences)


class TightCompositor(Compositor):
    def render_partial_update(self) -> ChopsUpdate | None:
        update = super().render_partial_update()
        if update is None:
            return None
        return TightChopsUpdate(update.chops, update.spans, update.chop_ends)
