"""Snapshots of the main screen and its dialogs at 80×24 and 160×48 (pytest-textual-snapshot).

Frozen simulator clock, the same frozen clock in the app, the seeded `default` scenario and a fixed site label:
the pictures depend only on the code and the styles. Each run waits until everything asynchronous that paints
the screen has arrived (the queue, the other queues' counts, the selected incident's detail and its project's
leads), so the picture never catches a half-loaded screen.

Update after an intended change of the look: `pytest --snapshot-update tests/test_ui_snapshots.py`, then look
at the SVGs in tests/__snapshots__/ before committing them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import TextArea

from oncall_tui.ui.screens.dialogs import CommentDialog, HelpDialog
from oncall_tui.ui.widgets.queue_table import QueueTable
from tests.tui_harness import Tui, quiet_tui, type_text, wait_for

SnapCompare = Callable[..., bool]

SMALL = (80, 24)
LARGE = (160, 48)


@pytest.fixture
def tui() -> Iterator[Tui]:
    # Poll and count timers far away: nothing refreshes behind the picture's back.
    with quiet_tui() as tui:
        # "updated N s ago" counts real elapsed time: freeze it too, or a slow machine paints "1 s ago".
        tui.app.monotonic = lambda: 1000.0
        yield tui


def settled(tui: Tui) -> bool:
    """The screen has everything it will paint: rows, every queue's count, the selection's detail and leads."""
    app = tui.app
    session = tui.session
    try:
        table = app.main.query_one(QueueTable)
    except NoMatches:
        return False  # not composed yet
    key = table.selected_key
    if not table.row_count or key is None:
        return False
    if any(q.name not in session.counts for q in session.queues):
        return False
    project = key.split("-")[0]
    detail = session.details.get(key)
    return detail is not None and detail.incident is not None and project in app.project_leads and not app.workers


async def loaded(pilot: Pilot[Any], tui: Tui) -> None:
    await wait_for(pilot, lambda: settled(tui))
    await pilot.pause()


def main_screen(tui: Tui) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot, tui)
        await pilot.press("5")  # All open: a full table, every status and SLA state of the scenario
        await wait_for(pilot, lambda: tui.app.main.active_queue == "All open")
        await loaded(pilot, tui)

    return run_before


def comment_dialog(tui: Tui) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot, tui)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(tui.app.screen, CommentDialog))
        area = tui.app.screen.query_one(TextArea)
        area.cursor_blink = False  # a blinking cursor would make the picture depend on timing
        await type_text(pilot, "Rolled back the 14:00 deploy.")

    return run_before


def help_screen(tui: Tui) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot, tui)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(tui.app.screen, HelpDialog))

    return run_before


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x48"])
def test_main_screen(snap_compare: SnapCompare, tui: Tui, size: tuple[int, int]) -> None:
    assert snap_compare(tui.app, terminal_size=size, run_before=main_screen(tui))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x48"])
def test_comment_dialog(snap_compare: SnapCompare, tui: Tui, size: tuple[int, int]) -> None:
    assert snap_compare(tui.app, terminal_size=size, run_before=comment_dialog(tui))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x48"])
def test_help_screen(snap_compare: SnapCompare, tui: Tui, size: tuple[int, int]) -> None:
    assert snap_compare(tui.app, terminal_size=size, run_before=help_screen(tui))
