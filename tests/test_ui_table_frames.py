"""Pilot: what the screen draws in answer to a key on a big queue (issue 10, latency): the moved cursor in the
first frame, before the detail pane's work; the filtered rows in the same frame as the filter field's echo."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.main import MainScreen
from oncall_tui.ui.widgets import queue_table
from tests.tui_harness import quiet_tui, started, switch_to, table, wait_for


class Frames:
    """The widgets each frame of the main screen repaints (by id), in order, while `recording`. The screen's update
    timer holds its callback from mount on, so the class is patched before the app is built."""

    def __init__(self) -> None:
        self.recording = False
        self.seen: list[set[str]] = []
        self.at_once: list[bool] = []

    @contextmanager
    def installed(self) -> Iterator[Frames]:
        original = Screen._on_timer_update
        frames = self

        def spy(screen: Screen[Any]) -> None:
            if frames.recording and isinstance(screen, MainScreen):
                dirty = {widget.id or type(widget).__name__ for widget in screen._dirty_widgets}
                if dirty or screen._layout_required:
                    frames.seen.append(dirty)
                    # Drawn at once by the table (not at the screen's frame timer)?
                    frames.at_once.append(sys._getframe(1).f_code.co_name == "_paint_now")
            original(screen)

        Screen._on_timer_update = spy  # type: ignore[method-assign]
        try:
            yield self
        finally:
            Screen._on_timer_update = original  # type: ignore[method-assign]

    @contextmanager
    def record(self) -> Iterator[list[set[str]]]:
        self.seen, self.at_once, self.recording = [], [], True
        try:
            yield self.seen
        finally:
            self.recording = False


@contextmanager
def patched(module: Any, name: str, value: object) -> Iterator[None]:
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


async def press(pilot: Pilot[Any], app: OncallApp, key: str) -> None:
    """One key as the terminal sends it, without Pilot's wait for the screen afterwards."""
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


async def test_a_filter_keystroke_shows_the_rows_with_the_echo_and_a_cursor_move_comes_before_the_detail() -> None:
    with Frames().installed() as frames, quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(160, 48)) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            rows = table(app)
            everything = rows.row_count
            await pilot.press("slash")
            await wait_for(pilot, lambda: isinstance(app.focused, Input))
            await pilot.pause()
            with frames.record() as seen:
                await press(pilot, app, "k")  # "kafka": a few rows
                await wait_for(pilot, lambda: rows.row_count < everything and bool(seen))
                await pilot.pause()
            assert {"filter", "queue"} <= seen[0], f"the rows came in a later frame than the echo: {seen}"
            await pilot.press("escape")
            await wait_for(pilot, lambda: rows.row_count == everything)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.focused is rows)
            await pilot.pause()
            before = rows.selected_key
            with frames.record() as seen:
                await press(pilot, app, "down")
                await wait_for(pilot, lambda: app.main._detail_key() not in (None, before))
                await pilot.pause()
            assert seen[0] == {"queue"}, f"the cursor's frame waited for the detail pane: {seen}"
            assert frames.at_once[0], "the cursor waited for the screen's next frame"
            assert any("detail-header" in frame for frame in seen[1:])
            # A burst of keys (a laggy link delivers them together): drawn at once for the first only. The gap is
            # made long here so that how fast this machine handles five keys does not matter.
            await pilot.pause()
            start = rows.cursor_row
            rows._painted_at = float("-inf")  # as after a pause
            with frames.record() as seen, patched(queue_table, "PAINT_GAP", 3600.0):
                for _ in range(5):
                    await press(pilot, app, "down")
                await wait_for(pilot, lambda: rows.cursor_row == start + 5)
                await pilot.pause()
            assert frames.at_once.count(True) == 1, frames.at_once
