"""Pilot: a Jira that trickles its answer or answers slowly. A poll cannot hang: each request attempt has a total
deadline, the header says what happened, and `r` starts a fresh attempt at once. The assignee search, typed
into faster than Jira answers, never cancels a request (that can leak a pool slot, httpx #1461) and shows the
answer to what is typed now."""

from __future__ import annotations

import time

import pytest
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dialogs import AssignDialog, CommentDialog
from oncall_tui.ui.screens.main import MainScreen
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
            await wait_for(pilot, lambda: "● live" in status_line(app) and not app.engine.polling)
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


def observe_workers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, WorkerState]]:
    """Every state change of the main screen's workers (where sends and searches run), as (group, state)."""
    seen: list[tuple[str, WorkerState]] = []
    original = MainScreen.on_worker_state_changed

    def observe(self: MainScreen, event: Worker.StateChanged) -> None:
        seen.append((event.worker.group, event.state))
        original(self, event)

    monkeypatch.setattr(MainScreen, "on_worker_state_changed", observe)
    return seen


async def test_typing_faster_than_jira_answers_never_cancels_a_search(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = observe_workers(monkeypatch)

    def searches(state: WorkerState) -> int:
        return seen.count(("user-search", state))

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
            await wait_for(pilot, lambda: searches(WorkerState.RUNNING) >= 2)
            # The list ends up showing the answer to "zoe" (the empty search's answer may show first, when it comes
            # back before the second search has started on a busy machine).
            await wait_for(
                pilot,
                lambda: (
                    "Zoë Müller" in " ".join(option_labels(app))
                    and all("zo" in label.lower() for label in option_labels(app))
                ),
            )
            # Closing the dialog while a search is under way does not cancel it either.
            await type_text(pilot, "x")
            await wait_for(pilot, lambda: searches(WorkerState.RUNNING) >= 3)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            await wait_for(pilot, lambda: searches(WorkerState.SUCCESS) >= 3)
            assert searches(WorkerState.CANCELLED) == 0, seen


async def test_esc_while_a_comment_is_sent_lets_the_send_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = observe_workers(monkeypatch)
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = app.main.query_one("#queue").selected_key  # type: ignore[attr-defined]
            assert key is not None
            before = len(tui.issue(key)["comments"])
            tui.faults(f"latency=800-800ms,paths=/rest/api/3/issue/{key}/comment")
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "Failover done, watching")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen.sending)  # type: ignore[attr-defined]
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            await wait_for(pilot, lambda: len(tui.issue(key)["comments"]) == before + 1)
            await wait_for(pilot, lambda: any(f"to {key}: done" in n.message for n in app._notifications))
            assert [c["text"] for c in tui.issue(key)["comments"][before:]] == ["Failover done, watching"]
            await wait_for(pilot, lambda: key not in app.drafts)
            assert ("actions", WorkerState.CANCELLED) not in seen
