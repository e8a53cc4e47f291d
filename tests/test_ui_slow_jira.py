"""Pilot: a Jira that trickles its answer or answers slowly. A poll cannot hang: each request attempt has a total
deadline, the header says what happened, and `r` starts a fresh attempt at once. The assignee search, typed
into faster than Jira answers, never cancels a request (that can leak a pool slot, httpx #1461) and shows the
answer to what is typed now."""

from __future__ import annotations

import time

import pytest
from textual.widgets import Static
from textual.worker import WorkerState

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dialogs import AssignDialog
from tests.tui_harness import option_labels, quiet_tui, started, switch_to, type_text, wait_for

SIZE = (160, 48)


def status_line(app: OncallApp) -> str:
    return app.main.query_one("#status", Static).content.plain  # type: ignore[union-attr]


async def test_a_trickling_answer_ends_at_the_deadline_says_so_and_r_tries_again_at_once() -> None:
    # timeout_seconds 1: a request attempt is given up after 2 s, however slowly bytes keep coming.
    with quiet_tui(timeout_seconds=1.0, poll_seconds=60.0) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await wait_for(pilot, lambda: "● live" in status_line(app) and not app._polling)
            tui.faults("trickle=1,paths=/rest/api/3/search")
            started_at = time.monotonic()
            await pilot.press("r")
            await wait_for(pilot, lambda: "Jira too slow" in status_line(app), timeout=20)
            took = time.monotonic() - started_at
            assert took < 12, f"the poll hung for {took:.0f} s"
            assert "retry in" in status_line(app) and "live" not in status_line(app)
            # r does not wait for the next poll a minute away: a fresh attempt starts now.
            tui.faults("")
            requests = len(tui.server.exchanges)
            await pilot.press("r")
            await wait_for(pilot, lambda: "● live" in status_line(app))
            assert len(tui.server.exchanges) > requests


async def test_typing_faster_than_jira_answers_never_cancels_a_search(monkeypatch: pytest.MonkeyPatch) -> None:
    states: list[WorkerState] = []
    original = AssignDialog.on_worker_state_changed

    def observe(self: AssignDialog, event: object) -> None:
        states.append(event.state)  # type: ignore[attr-defined]
        original(self, event)  # type: ignore[arg-type]

    monkeypatch.setattr(AssignDialog, "on_worker_state_changed", observe)
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 2, "Unassigned")
            tui.faults("latency=500-500ms,paths=/rest/api/3/user/assignable")
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AssignDialog))
            # The empty search (on open) is still under way when the search for "zoe" starts.
            await type_text(pilot, "zoe")
            await wait_for(pilot, lambda: states.count(WorkerState.RUNNING) >= 2)
            await wait_for(pilot, lambda: "Zoë Müller" in " ".join(option_labels(app)))
            await wait_for(pilot, lambda: states.count(WorkerState.SUCCESS) >= 2)
            assert WorkerState.CANCELLED not in states, states
            assert all("Zo" in label or "zo" in label.lower() for label in option_labels(app)), option_labels(app)
