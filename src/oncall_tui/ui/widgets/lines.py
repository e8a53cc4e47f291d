"""A Static that repaints only what really changed: most of the screen is redrawn from the 1 Hz tick, and over
SSH every repaint is bytes on the wire.

Textual repaints a whole widget when its content changes (and lays the screen out again when its size may
have changed); it writes every cell of the regions it repaints. A countdown that moves one digit a second would
cost its whole widget's lines. So a new text of the same height marks dirty only the cells whose character or
style differ (from the first to the last changed cell of each line), and nothing is laid out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widgets import Static

# A region that covers no cell: marks the widget's content as stale (rendered again when next painted) without
# repainting any of it on screen.
_NOTHING = Region(0, 0, 0, 0)
# Unchanged cells between two changed ones that are written anyway rather than moving the cursor over them.
MERGE_GAP = 8


def _cells(strip: Strip) -> list[tuple[str, Style | None]]:
    """One (character, style) per cell; a wide character's second cell is ("", style)."""
    cells: list[tuple[str, Style | None]] = []
    for segment in strip:
        if segment.control:
            continue
        for char in segment.text:
            cells.append((char, segment.style))
            if cell_len(char) == 2:
                cells.append(("", segment.style))
    return cells


def changed_regions(old: Sequence[Strip], new: Sequence[Strip]) -> list[Region]:
    """Per line, the runs of cells that differ (nothing for an identical line). Runs closer than `MERGE_GAP`
    cells are one: a cursor move and a style cost about as many bytes as the cells between them."""
    regions = []
    for y in range(max(len(old), len(new))):
        a = _cells(old[y]) if y < len(old) else []
        b = _cells(new[y]) if y < len(new) else []
        if a == b:
            continue
        width = max(len(a), len(b))
        a += [(" ", None)] * (width - len(a))
        b += [(" ", None)] * (width - len(b))
        start = end = -1
        for x in range(width):
            if a[x] == b[x]:
                continue
            if start >= 0 and x - end > MERGE_GAP:
                regions.append(Region(start, y, end - start, 1))
                start = -1
            if start < 0:
                start = x
            end = x + 1
        regions.append(Region(start, y, end - start, 1))
    return regions


class ChangeOnly(Static):
    """`show_text` updates the widget only when the text or its styles differ from what it shows, and repaints
    only the cells that changed while its height stays; an empty text hides it (`hide_empty`). Widgets of a
    fixed height never ask for a layout pass."""

    hide_empty = False
    fixed_height = False
    _shown: tuple[str, str] | None = None
    # While set, a refresh of the whole widget (what Static.update asks for) repaints only these regions.
    _only: list[Region] | None = None

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if self._only is not None and not regions and not layout and not recompose:
            regions = tuple(self._only)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def show_text(self, text: Text, *, whole: bool = False) -> None:
        """`whole`: the text is about something else (another incident), so most cells change: repaint the widget
        without working out which (and lay the screen out only if its height changes)."""
        signature = (text.plain, repr(text.spans))
        if signature != self._shown:
            self._shown = signature
            regions = None if whole else self._changed_cells(text)
            if regions is None:
                self.update(text, layout=not self.fixed_height and not (whole and self._same_height(text)))
            else:
                self._only = regions or [_NOTHING]
                try:
                    self.update(text, layout=False)
                finally:
                    self._only = None
        if self.hide_empty:
            self.display = bool(text.plain)

    def _same_height(self, text: Text) -> bool:
        """Whether `text` takes as many lines as the widget has now (then the screen needs no layout pass)."""
        width, height = self.size
        if not self.is_mounted or not width or not height or not self.display:
            return False
        if self.hide_empty and not text.plain:
            return False
        return visualize(self, text, markup=self._render_markup).get_height(self.styles, width) == height

    def _changed_cells(self, text: Text) -> list[Region] | None:
        """The cells `text` changes on screen, or None when the widget must be repainted (and maybe laid out)
        whole: not on screen yet, shown or hidden by this text, or of another height."""
        width, height = self.size
        if not self.is_mounted or not width or not height or not self.display:
            return None
        if self.hide_empty and not text.plain:
            return None
        new = visualize(self, text, markup=self._render_markup)
        if not self.fixed_height and new.get_height(self.styles, width) != height:
            return None
        style = self.visual_style
        before = Visual.to_strips(self, self._render(), width, height, style)
        after = Visual.to_strips(self, new, width, height, style)
        return changed_regions(before, after)
