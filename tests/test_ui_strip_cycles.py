"""Issue 10: Textual 8.2.8's `Strip.divide` kept `[self]` in the strip's own cache for a strip it did not cut,
so every line drawn in one piece was a reference cycle (with seven caches) that only the cyclic collector frees:
about 15,000 objects a second while scrolling, and the collector's full passes that followed held keys back.
oncall_tui.ui.compositor (which the main screen uses) answers such a divide without caching it."""

from __future__ import annotations

import gc

from rich.segment import Segment
from textual.strip import Strip

import oncall_tui.ui.compositor  # noqa: F401  # what installs the divide


def test_a_strip_divided_in_one_piece_is_freed_by_reference_counting_alone() -> None:
    gc.collect()
    gc.disable()
    try:
        strip = Strip([Segment("hello "), Segment("world")], 11)
        assert strip.divide([11]) == [strip]
        assert strip.divide([11, 20]) == [strip], "cuts past the end are dropped, as Textual does"
        pieces = strip.divide([5, 11])
        assert [piece.text for piece in pieces] == ["hello", " world"]
        del strip, pieces
        assert gc.collect() == 0, "nothing left for the cyclic collector"
    finally:
        gc.enable()
