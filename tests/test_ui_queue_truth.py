"""Pilot: the tabs and the table say only what is known. A count nobody could get is "?", never 0; a queue that
cannot load says why and when it retries; a queue whose JQL Jira refuses is marked and named; the table holds
exactly what the store says the queue holds, whatever order answers arrive in; watched queues that cannot be
checked say so; leads that could not be read are asked for again."""

from __future__ import annotations

import re

from textual.widgets import Static

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.status_bar import QueueTabs
from tests.tui_harness import notes, quiet_tui, started, switch_to, table, wait_for

SIZE = (160, 48)


def tabs(app: OncallApp) -> str:
    return str(app.main.query_one(QueueTabs).render())


def message(app: OncallApp) -> str:
    widget = app.main.query_one("#queue-message", Static)
    return widget.content.plain if widget.display else ""  # type: ignore[union-attr]


async def test_a_count_nobody_could_get_is_shown_as_unknown_never_as_zero() -> None:
    with quiet_tui() as tui:
        app = tui.app
        tui.faults("status=500,paths=/rest/api/3/search/approximate-count")
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await wait_for(pilot, lambda: not app.engine.counting)
            round_before = app.engine.counts_rounds
            app.refresh_counts_now()
            await wait_for(pilot, lambda: not app.engine.counting and app.engine.counts_rounds > round_before)
            shown = tabs(app)
            assert re.search(r"\[1 Mine \d+\]", shown), shown
            for number, name in ((2, "Unassigned"), (4, "At risk"), (5, "All open")):
                assert f"[{number} {name} ?]" in shown, shown
            assert not re.search(r" 0\]", shown), shown


async def test_a_queue_that_cannot_load_says_what_failed_and_when_it_retries() -> None:
    with quiet_tui(poll_seconds=30.0) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await wait_for(pilot, lambda: "?" not in tabs(app))  # every queue counted once
            tui.faults("status=500")
            await pilot.press("2")
            await wait_for(pilot, lambda: "Retrying in" in message(app))
            text = message(app)
            assert text.startswith("Could not load “Unassigned”:") and "HTTP 500" in text, text
            # A failing Jira is tried again sooner than the 30 s poll, backing off from 2 s (the first step).
            assert re.search(r"Retrying in [0-2] s", text), text
            assert table(app).row_count == 0
            # The count Jira gave for the queue (before it failed) stays; the empty table does not make it 0.
            counted = tui.session.status["Unassigned"].count
            assert counted and f"[2 Unassigned {counted}]" in tabs(app), tabs(app)
            status = app.main.query_one("#status", Static).content.plain  # type: ignore[union-attr]
            assert "HTTP 500" in status and "live" not in status, status
            tui.faults("")
            await pilot.press("r")
            await wait_for(pilot, lambda: table(app).row_count > 0)
            assert message(app) == ""
            assert f"[2 Unassigned {len(tui.session.store.keys('Unassigned'))}]" in tabs(app)


async def test_a_queue_whose_jql_jira_refuses_is_marked_and_named() -> None:
    broken = ("Broken", "project = OPS AND nosuchfield = 1 ORDER BY key")
    with quiet_tui(extra_queues=[broken]) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            app.refresh_counts_now()
            await wait_for(pilot, lambda: "[6 Broken !]" in tabs(app))
            # The other queues are still counted.
            assert "[5 All open ?]" not in tabs(app) and re.search(r"\[5 All open \d+\]", tabs(app))
            await pilot.press("6")
            await wait_for(pilot, lambda: "refuses the JQL" in message(app))
            text = message(app)
            assert text.startswith("Jira refuses the JQL of queue “Broken”:") and "nosuchfield" in text, text
            assert table(app).row_count == 0 and "[6 Broken !]" in tabs(app)
            await pilot.press("r")
            await wait_for(pilot, lambda: not app.engine.polling)
            assert "[6 Broken !]" in tabs(app), "a refresh leaves the refused queue marked, not counted 0"


async def test_a_poll_landing_between_a_write_and_its_re_read_leaves_no_ghost_row() -> None:
    with quiet_tui() as tui:
        app = tui.app
        me = None
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            me = tui.session.me
            assert me is not None
            await switch_to(pilot, app, 2, "Unassigned")
            rows = table(app)
            key = rows.selected_key
            assert key is not None
            # The take and its re-read are slow; the poll in between is not.
            tui.faults(f"latency=1000-1000ms,paths=/rest/api/3/issue/{key}")
            await pilot.press("m")
            await wait_for(pilot, lambda: tui.issue(key)["assignee"] == me.id)
            await pilot.press("r")
            await wait_for(pilot, lambda: key not in tui.session.store.keys("Unassigned"))
            await wait_for(pilot, lambda: not tui.session.store.has_pending(key))
            await wait_for(pilot, lambda: not app.engine.polling)
            tui.faults("")
            assert not rows.holds(key), "the re-read's confirmation must not bring the row back"
            held = tui.session.store.keys("Unassigned")
            shown = rows.order
            assert sorted(shown) == sorted(held)
            assert f"[2 Unassigned {len(held)}]" in tabs(app)


async def test_a_watched_queue_that_cannot_be_checked_says_so() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            assert "P1/P2" in app.watched
            tui.faults("status=503")
            app.refresh_counts_now()
            await wait_for(pilot, lambda: any("watched queue “P1/P2”" in n for n in notes(app)))
            note = next(n for n in notes(app) if "watched queue “P1/P2”" in n)
            assert "No bell for it" in note and "HTTP 503" in note, note


async def test_project_leads_that_could_not_be_read_are_asked_for_again() -> None:
    with quiet_tui() as tui:
        app = tui.app
        ticks = [1000.0]
        app.monotonic = lambda: ticks[0]
        tui.faults("status=500,paths=/rest/api/3/project/")
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            contacts = app.main.query_one("#contacts", Static)
            await wait_for(pilot, lambda: "OPS" in app.engine.leads.failed_at)
            app.main.show_detail()
            await wait_for(pilot, lambda: "could not be read" in contacts.content.plain)  # type: ignore[union-attr]
            tui.faults("")
            ticks[0] += 61.0
            app.main.show_detail()
            # Who the simulator names as the project's lead: the pane shows them once the read succeeds.
            state = tui.server.state
            lead = state.users[state.projects["OPS"].lead].display_name
            await wait_for(pilot, lambda: lead in contacts.content.plain)  # type: ignore[union-attr]


async def test_issues_jira_sent_that_cannot_be_read_are_left_out_and_counted() -> None:
    with quiet_tui() as tui:
        app = tui.app
        tui.faults("bad-issue=2")
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await wait_for(pilot, lambda: "Left out" in message(app))
            assert message(app) == "Left out 2 issues Jira sent that oncall-tui cannot read."
            assert table(app).row_count == len(tui.session.store.keys("Mine")) > 0
            tui.faults("")
            await pilot.press("r")
            await wait_for(pilot, lambda: message(app) == "")


async def test_a_text_too_long_to_show_is_cut_and_says_so() -> None:
    with quiet_tui() as tui:
        app = tui.app
        tui.faults("huge-text=100000")
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            body = app.main.query_one("#detail-body", Static)
            await wait_for(pilot, lambda: "cut here" in body.content.plain)  # type: ignore[union-attr]
            text = body.content.plain  # type: ignore[union-attr]
            # The description and the five latest comments shown, each cut at 64 KB (with a line saying so).
            assert len(text) < 6 * (64 * 1024 + 200), len(text)
            assert "longer than oncall-tui shows; the whole text is in Jira" in text
            summary = table(app).get_cell(table(app).selected_key, "summary").plain  # type: ignore[arg-type]
            assert len(summary) <= 1000 and summary.endswith("…")


async def test_a_fresher_copy_from_a_queue_new_to_it_reaches_the_row_on_screen_and_the_filter() -> None:
    """Another queue's poll holding an incident for the first time (for that queue it is "added") still replaces
    the store's copy; the row shown in this queue must follow, the filter too (review of issue 10: the filter
    found the row by its old text, and the next poll of this queue saw nothing new to tell)."""
    from dataclasses import replace
    from datetime import timedelta

    from oncall_tui.ui.screens.main import MainScreen

    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            store = tui.session.store
            rows = table(app)
            screen = app.screen
            assert isinstance(screen, MainScreen)
            key = rows.order[-1]
            held = store.get(key)
            assert held is not None and held.updated is not None
            other = next(spec.name for spec in tui.session.queues if spec.name != screen.active_queue)
            assert not store.holds(other, key)
            await pilot.press("/")  # the filter's texts are made as the field opens
            await pilot.pause()
            fresher = replace(held, summary="Zebra crossing flooded", updated=held.updated + timedelta(minutes=1))
            store.merge_queue(other, [fresher])
            for char in "zebra":
                await pilot.press(char)
            await wait_for(pilot, lambda: rows.order == [key])
            assert "Zebra crossing flooded" in str(rows.get_cell(key, "summary"))
