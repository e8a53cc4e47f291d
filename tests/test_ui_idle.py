"""Pilot: an idle app (nothing but the clock moving) repaints only the cells that changed (issue 10, idle cost).

The app clock is stepped by hand, one second per tick; the main screen's compositor is observed as it hands each
update to the terminal writer: what it marks dirty, whether it laid the screen out, and the bytes the update
would write, against a full repaint of the same screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets import Static

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.queue_table import COLUMNS
from tests.conftest import FROZEN_START
from tests.tui_harness import quiet_tui, started, switch_to, table, wait_for

MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")


@dataclass
class Frames:
    """What the main screen's compositor produced since the last `take()`."""

    regions: list[Region] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    layouts: int = 0

    def take(self) -> tuple[list[Region], str, int]:
        taken = (self.regions, "".join(self.written), self.layouts)
        self.regions, self.written, self.layouts = [], [], 0
        return taken


@contextmanager
def watching(app: OncallApp) -> Iterator[Frames]:
    """Record every update the main screen renders (passing it on unchanged) and every layout pass."""
    screen = app.main
    compositor = screen._compositor
    frames = Frames()
    render_update, refresh_layout = compositor.render_update, screen._refresh_layout

    def spy_update(*args: Any, **kwargs: Any) -> Any:
        frames.regions.extend(compositor._dirty_regions)
        update = render_update(*args, **kwargs)
        if update is not None:
            frames.written.append(update.render_segments(app.console))
        return update

    def spy_layout(*args: Any, **kwargs: Any) -> None:
        frames.layouts += 1
        refresh_layout(*args, **kwargs)

    compositor.render_update = spy_update  # type: ignore[method-assign]
    screen._refresh_layout = spy_layout  # type: ignore[method-assign]
    try:
        yield frames
    finally:
        del compositor.render_update
        del screen._refresh_layout


async def settle(pilot: Any, app: OncallApp) -> None:
    """Startup toasts gone and every pending repaint done, so only the ticks are recorded."""
    app.clear_notifications()
    for _ in range(10):
        await pilot.pause()


async def step(pilot: Any, app: OncallApp, when: datetime) -> None:
    app.clock = lambda: when
    app._tick()
    for _ in range(3):
        await pilot.pause()


def detail_slas(app: OncallApp) -> str:
    return app.main.query_one("#detail-slas", Static).content.plain  # type: ignore[union-attr]


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_idle_ticks_repaint_only_changed_cells_never_the_screen_or_whole_rows(size: tuple[int, int]) -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=size) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            # The first tick after the queue switch also lands the switch's own focus and style updates.
            await step(pilot, app, FROZEN_START + timedelta(seconds=1))
            await settle(pilot, app)
            screen = app.main
            full = screen._compositor.render_full_update().render_segments(app.console)
            rows = table(app)
            sla_x = rows.region.x + sum((rows.column_width(key) + 2) for key, _, _ in COLUMNS[:4])  # type: ignore[index]
            sla_width = rows.column_width("sla") + 2  # type: ignore[index]
            screen_area = size[0] * size[1]
            seen = [detail_slas(app)]
            with watching(app) as frames:
                for second in range(2, 10):
                    await step(pilot, app, FROZEN_START + timedelta(seconds=second))
                    regions, written, layouts = frames.take()
                    seen.append(detail_slas(app))
                    assert layouts == 0, f"tick {second}: the screen was laid out again"
                    assert Region(0, 0, *size) not in regions, f"tick {second}: the whole screen was repainted"
                    assert sum(r.area for r in regions) < screen_area / 50, f"tick {second}: {regions}"
                    assert len(written) < len(full) / 20, f"tick {second}: {len(written)} of {len(full)} bytes"
                    for region in regions:
                        if region.overlaps(rows.region):
                            # Within one SLA cell: the countdown's own digits, never its row or the table.
                            assert region.height == 1, region
                            assert sla_x <= region.x and region.right <= sla_x + sla_width, region
            # Not vacuous: the detail pane's seconds did move on every tick.
            assert len(set(seen)) == len(seen), seen


async def test_a_changed_clock_in_the_header_is_written_from_its_first_changed_cell() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(100, 30)) as pilot:
            await started(pilot, tui)
            await settle(pilot, app)
            status = app.main.query_one("#status", Static)
            before = status.content.plain  # type: ignore[union-attr]
            with watching(app) as frames:
                # 09:30 -> 09:31: the header's clock, at the line's right end, changes one digit.
                await step(pilot, app, FROZEN_START + timedelta(minutes=1))
                _, written, _ = frames.take()
            await wait_for(pilot, lambda: status.content.plain != before)  # type: ignore[union-attr]
            columns = [int(m.group(2)) for m in MOVE.finditer(written) if m.group(1) == "1"]
            assert columns, f"the header line was not written: {written!r}"
            assert min(columns) > 80, f"the header was rewritten from column {min(columns)}: {written!r}"


def test_the_private_textual_parts_the_idle_redraws_rely_on_are_there() -> None:
    """The compositor and the table reach into Textual 8.2.8's internals (pinned exactly): an upgrade that moves
    them fails here, by name, rather than as a garbled screen."""
    import inspect
    from importlib.metadata import version

    from textual._compositor import ChopsUpdate, Compositor

    assert version("textual") == "8.2.8"
    assert list(inspect.signature(ChopsUpdate.__init__).parameters)[1:4] == ["chops", "spans", "chop_ends"]
    assert hasattr(ChopsUpdate, "render_segments") and hasattr(Compositor, "render_partial_update")
    from textual.widget import Widget

    # The queue table tells the screen of a repaint at once (Widget._check_refresh, what idle calls) and sets its
    # virtual size without a layout pass (set_reactive + _scroll_update).
    assert callable(Widget._check_refresh) and callable(Widget._scroll_update) and callable(Widget.set_reactive)
    # It paints a moved cursor at once the way the screen's frame timer would (Screen._on_timer_update with the
    # widget in Screen._dirty_widgets); App._batch_count says an update batch is open.
    from textual.app import App
    from textual.screen import Screen

    assert callable(Screen._on_timer_update) and "_dirty_widgets" in Screen.__init__.__code__.co_names
    assert "_batch_count" in App.__init__.__code__.co_names
