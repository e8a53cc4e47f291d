"""Pilot: when Jira says no, is busy or gone — the message the engineer sees, and the rollback of what the
screen showed optimistically. Every effect is checked against the simulator's own state."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Static

from oncall_tui.sync.store import StoreDiff
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dialogs import AssignDialog, PickDialog
from tests.tui_harness import (
    Tui,
    choose,
    notes,
    option_labels,
    quiet_tui,
    select_row,
    started,
    switch_to,
    table,
    type_text,
    wait_for,
)

SIZE = (120, 40)


def record(tui: Tui, key: str, value: Callable[[object], object]) -> list[object]:
    """What the store showed for `key` after every change (observing: proves the optimistic change was
    shown and then taken back, not merely never applied)."""
    seen: list[object] = []

    def listener(diff: StoreDiff) -> None:
        if key in diff.updated:
            incident = tui.session.store.get(key)
            shown = value(incident) if incident is not None else None
            # Changes of what is shown; a fresh copy of Jira's that shows the same (read before a write) is none.
            if not seen or seen[-1] != shown:
                seen.append(shown)

    tui.session.store.subscribe(listener)
    return seen


def status_line(app: OncallApp) -> str:
    return app.main.query_one("#status", Static).content.plain  # type: ignore[union-attr]


def failures(app: OncallApp) -> list[str]:
    return [n for n in notes(app) if "failed" in n]


async def take_unassigned(pilot: object, tui: Tui) -> str:
    app = tui.app
    await started(pilot, tui)  # type: ignore[arg-type]
    await switch_to(pilot, app, 2, "Unassigned")  # type: ignore[arg-type]
    key = table(app).selected_key
    assert key is not None and tui.issue(key)["assignee"] is None
    return key


async def test_assign_denied_says_so_and_rolls_back() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            seen = record(tui, key, lambda inc: inc.assignee and inc.assignee.display_name)  # type: ignore[attr-defined]
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AssignDialog))
            await type_text(pilot, "zoe")
            await pilot.press("down")
            await wait_for(pilot, lambda: "Zoë Müller" in " ".join(option_labels(app)))
            tui.deny("ASSIGN_ISSUES")
            await choose(pilot, app, "Zoë Müller")
            await wait_for(pilot, lambda: bool(failures(app)))
            message = failures(app)[0]
            assert key in message and "Zoë Müller" in message and "may not" in message
            assert seen[0] == "Zoë Müller" and seen[-1] is None, seen
            assert tui.session.store.get(key).assignee is None  # type: ignore[union-attr]
            assert table(app).get_row(key)[3].plain == "—"
            assert tui.issue(key)["assignee"] is None


async def test_transition_denied_says_so_and_rolls_back() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            seen = record(tui, key, lambda inc: inc.status)  # type: ignore[attr-defined]
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
            tui.deny("TRANSITION_ISSUES")
            await choose(pilot, app, "Start progress")
            await wait_for(pilot, lambda: bool(failures(app)))
            assert key in failures(app)[0] and "may not" in failures(app)[0]
            assert seen == ["In Progress", "Open"], seen
            assert table(app).get_row(key)[2].plain == "Open"
            assert tui.issue(key)["status"] == "Open"


async def test_priority_denied_says_so_and_rolls_back() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await select_row(pilot, app, "OPS-38")
            seen = record(tui, "OPS-38", lambda inc: inc.priority)  # type: ignore[attr-defined]
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
            tui.deny("EDIT_ISSUES")
            await choose(pilot, app, "Lowest")
            await wait_for(pilot, lambda: bool(failures(app)))
            assert "OPS-38" in failures(app)[0] and "may not" in failures(app)[0]
            assert seen == ["Lowest", "High"], seen
            assert table(app).get_row("OPS-38")[1].plain == "P2"
            assert tui.issue("OPS-38")["priority"] == "High"


async def test_a_rate_limited_take_waits_shown_and_lands_when_jira_allows() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            seen = record(tui, key, lambda inc: inc.assignee is not None)  # type: ignore[attr-defined]
            tui.faults("rate=1,retry-after=5")
            await pilot.press("m")
            await wait_for(pilot, lambda: any("waiting (rate-limited)" in n for n in notes(app)))
            assert not failures(app), "a rate limit is a wait, not a failure"
            assert seen == [True], "the take stays on screen while it waits"
            assert tui.issue(key)["assignee"] is None
            tui.faults("")
            tui.session.pipeline.wake()
            await wait_for(pilot, lambda: tui.issue(key)["assignee"] is not None)
            await wait_for(pilot, lambda: not tui.session.pipeline.commands)


async def test_a_take_whose_every_answer_is_a_server_error_is_not_called_failed_and_lands_once() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            tui.faults("status=500")
            await pilot.press("m")
            # The issue is read before the take (is it still unassigned?): that fails with the 500, so the take
            # waits, named by the error, shown, and goes when Jira answers again.
            await wait_for(pilot, lambda: any("HTTP 500" in n and "waiting" in n for n in notes(app)))
            assert not failures(app)
            assert tui.session.store.has_pending(key)
            tui.faults("")
            tui.session.pipeline.wake()
            await wait_for(pilot, lambda: not tui.session.pipeline.commands)
            assert tui.issue(key)["assignee"] == tui.session.me.account_id  # type: ignore[union-attr]


async def test_dropped_connections_are_a_lost_connection_not_offline_said_once_and_recover() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await wait_for(pilot, lambda: "live" in status_line(app))
            rows = table(app).row_count
            tui.faults("drop=1")
            for _ in range(3):  # three polls fail the same way
                await pilot.press("r")
                await wait_for(pilot, lambda: "connection lost" in status_line(app))
                await wait_for(pilot, lambda: not app.workers or all(w.is_finished for w in app.workers))
            # Jira answered and the answer broke off: not "offline", not "check the VPN".
            assert "offline" not in status_line(app)
            jira_errors = [n for n in notes(app) if n.startswith("Jira:")]
            assert len(jira_errors) == 1, jira_errors
            assert "broke off" in jira_errors[0] and "Cannot reach" not in jira_errors[0]
            assert table(app).row_count == rows, "the last known rows stay on screen"
            tui.faults("")
            await pilot.press("r")
            await wait_for(pilot, lambda: "live" in status_line(app))
            assert app.main.query_one("#status").has_class("-live")


async def test_server_gone_mid_session_shows_offline_and_actions_wait() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            tui.server.stop()
            await pilot.press("r")
            await wait_for(pilot, lambda: "offline" in status_line(app))
            assert app.main.query_one("#status").has_class("-offline")
            await pilot.press("m")
            await wait_for(pilot, lambda: any("waiting (offline)" in n for n in notes(app)))
            assert not failures(app), "offline is a wait: the take goes out when Jira is back"
            assert tui.session.store.has_pending(key)
            assert tui.session.store.get(key).assignee is not None  # type: ignore[union-attr]
            assert tui.server.state.issues[key].assignee is None


async def test_readonly_refuses_to_take_and_sends_nothing() -> None:
    with quiet_tui(readonly=True) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            assert "read-only" in status_line(app)
            seen = record(tui, key, lambda inc: inc.assignee is not None)  # type: ignore[attr-defined]
            await pilot.press("m")
            await wait_for(pilot, lambda: any("read-only" in n for n in notes(app)))
            assert tui.issue(key)["assignee"] is None
            assert seen == [], "nothing was shown optimistically either"


async def test_a_rate_limited_poll_waits_as_long_as_jira_asks() -> None:
    with quiet_tui(poll_seconds=5.0) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await wait_for(pilot, lambda: not app.engine.polling)
            assert app.next_poll_in == 5.0
            tui.faults("rate=1,retry-after=120")
            await pilot.press("r")
            await wait_for(pilot, lambda: any("rate-limiting" in n for n in notes(app)))
            await wait_for(pilot, lambda: not app.engine.polling)
            assert app.next_poll_in == 120.0
            assert "asks to wait 120 s" in next(n for n in notes(app) if "rate-limiting" in n)
            tui.faults("")
            await pilot.press("r")
            await wait_for(pilot, lambda: not app.engine.polling and app.next_poll_in == 5.0)


async def test_an_unexpected_error_in_an_action_is_reported_and_rolled_back() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            seen = record(tui, key, lambda inc: inc.assignee is not None)  # type: ignore[attr-defined]

            async def broken(*args: object, **kwargs: object) -> None:
                # No simulator fault produces a non-Jira error; this stands in for a bug below the UI.
                raise RuntimeError("boom")

            tui.client.assign = broken  # type: ignore[method-assign]
            await pilot.press("m")
            await wait_for(pilot, lambda: any("RuntimeError: boom" in n for n in notes(app)))
            assert seen == [True, False], seen
            assert app.is_running


async def test_starting_while_jira_answers_badly_says_so_then_connects_on_refresh() -> None:
    with quiet_tui() as tui:
        app = tui.app
        tui.faults("drop=1")
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "connection lost" in status_line(app))
            assert table(app).row_count == 0 and tui.session.me is None
            assert len([n for n in notes(app) if n.startswith("Jira:")]) == 1
            tui.faults("")
            await pilot.press("r")
            await started(pilot, tui)
            assert "live" in status_line(app) and "Anna Schmidt" in status_line(app)
            assert table(app).row_count == len(tui.session.store.keys("Mine")) > 0
