"""Pilot: taking an incident assigns it to me in Jira (read back from the simulator)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import start_sim
from tests.tui_harness import Tui, build_tui, started, wait_for


@pytest.fixture
def tui() -> Iterator[Tui]:
    server = start_sim()
    yield build_tui(server)
    server.stop()


async def test_take_assigns_the_selected_incident_to_me(tui: Tui) -> None:
    app = tui.app
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, tui)
        await pilot.press("2")  # Unassigned
        await wait_for(
            pilot, lambda: app.main.active_queue == "Unassigned" and app.main.query_one("#queue").row_count > 0
        )
        key = app.main.query_one("#queue").selected_key
        assert key is not None
        assert tui.issue(key)["assignee"] is None
        await pilot.press("m")
        await wait_for(pilot, lambda: tui.issue(key)["assignee"] == tui.session.me.account_id)
        await wait_for(pilot, lambda: not tui.session.store.has_pending(key))
        assert tui.session.store.get(key).assignee.account_id == tui.session.me.account_id


async def test_take_rolls_back_and_says_why_when_permission_is_denied(tui: Tui) -> None:
    app = tui.app
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, tui)
        await pilot.press("2")
        await wait_for(
            pilot, lambda: app.main.active_queue == "Unassigned" and app.main.query_one("#queue").row_count > 0
        )
        key = app.main.query_one("#queue").selected_key
        tui.deny("ASSIGN_ISSUES")
        await pilot.press("m")
        await wait_for(pilot, lambda: any("failed" in n.message for n in app._notifications))
        message = next(n.message for n in app._notifications if "failed" in n.message)
        assert key in message and "permission" in message.lower()
        assert tui.session.store.get(key).assignee is None, "the optimistic assignment is rolled back"
        assert tui.issue(key)["assignee"] is None
