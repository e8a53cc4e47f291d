"""Pilot: notices and the header say what is true. No "New P2" for our own change; one notice per action,
replaced in place; a failed poll shows in the header at once, named for what it was, with the next try; `r`
overrides a rate limit's wait; a link in a notice is never cut mid-word."""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._toast import Toast

from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dialogs import CommentDialog, PickDialog
from tests.conftest import http_client
from tests.tui_harness import Tui, choose, notes, quiet_tui, select_row, started, switch_to, table, type_text, wait_for

SIZE = (120, 40)


def status_line(app: OncallApp) -> str:
    return app.main.query_one("#status", Static).content.plain  # type: ignore[union-attr]


async def a_medium_incident_selected_with_p1_p2_watched(pilot: Pilot[Any], tui: Tui) -> str:
    """Started, the watched P1/P2 queue polled once (its baseline: no news), and a P3 of All open selected."""
    app = tui.app
    await started(pilot, tui)
    app.refresh_counts_now()
    await wait_for(pilot, lambda: tui.session.status["P1/P2"].loaded and not app.engine.counting)
    await switch_to(pilot, app, 5, "All open")
    key = next(
        k
        for k in tui.session.store.keys("All open")
        if (inc := tui.session.store.get(k)) is not None and inc.priority == "Medium"
    )
    await select_row(pilot, app, key)
    return key


async def test_raising_a_priority_ourselves_rings_no_bell_but_a_colleagues_new_p1_does() -> None:
    with quiet_tui() as tui:
        app = tui.app
        bells: list[int] = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        async with app.run_test(size=SIZE) as pilot:
            key = await a_medium_incident_selected_with_p1_p2_watched(pilot, tui)
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
            await choose(pilot, app, "Highest")
            await wait_for(pilot, lambda: tui.issue(key)["priority"] == "Highest")
            app.refresh_counts_now()
            await wait_for(pilot, lambda: key in tui.session.store.keys("P1/P2") and not app.engine.counting)
            assert not any("New P" in n for n in notes(app)), notes(app)
            assert bells == []
            # A P1 that someone else raised is news.
            created = tui.control("POST", "/incidents", json={"summary": "Checkout 502s", "priority": "Highest"}).json()
            app.refresh_counts_now()
            await wait_for(pilot, lambda: any("New P1" in n for n in notes(app)))
            assert bells == [1] and any(created["key"] in n for n in notes(app) if "New P1" in n)


async def test_one_notice_per_action_replaced_in_place() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 2, "Unassigned")
            key = table(app).selected_key
            assert key is not None
            tui.deny("ASSIGN_ISSUES")
            await pilot.press("m")
            await wait_for(pilot, lambda: any(f"Take {key} failed" in n.message for n in app._notifications))
            tui.deny()
            await pilot.press("m")
            await wait_for(pilot, lambda: any(f"Take {key}: done" in n.message for n in app._notifications))
            about = [n.message for n in app._notifications if f"Take {key}" in n.message]
            assert about == [f"Take {key}: done"], about


@pytest.mark.parametrize(
    ("fault", "label"),
    [
        ("rate=1,retry-after=30", "rate-limited"),
        ("status=500", "Jira error (HTTP 500)"),
        ("html=1", "login page instead of Jira"),
        ("status=403", "access denied"),
        ("status=404", "not found (HTTP 404)"),
    ],
)
async def test_a_failed_poll_shows_in_the_header_at_once_named_for_what_it_was(fault: str, label: str) -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(160, 48)) as pilot:
            await started(pilot, tui)
            await wait_for(pilot, lambda: "● live" in status_line(app))
            tui.faults(f"{fault},paths=/rest/api/3/search")
            await pilot.press("r")
            await wait_for(pilot, lambda: label in status_line(app))
            line = status_line(app)
            assert "live" not in line, line
            assert re.search(r"(next try|retry) in \d+ s", line), line
            assert "data " in line and " old" in line, "the age of what is shown stays visible"
            poll_notes = [n for n in notes(app) if n.startswith("Jira:")]
            assert len(poll_notes) == 1 and "by itself" in poll_notes[0], poll_notes
            assert "try again in" not in poll_notes[0]


async def test_r_overrides_a_rate_limits_wait() -> None:
    with quiet_tui(poll_seconds=5.0) as tui:
        app = tui.app
        async with app.run_test(size=(160, 48)) as pilot:
            await started(pilot, tui)
            await wait_for(pilot, lambda: not app.engine.polling)
            tui.faults("rate=1,retry-after=100")
            await pilot.press("r")
            await wait_for(pilot, lambda: "rate-limited" in status_line(app) and not app.engine.polling)
            assert re.search(r"next try in (9\d|100) s", status_line(app)), status_line(app)
            tui.faults("")
            await pilot.press("r")
            await wait_for(pilot, lambda: "● live" in status_line(app))
            await wait_for(pilot, lambda: not app.engine.polling)
            assert app.next_poll_in == 5.0


async def test_a_link_in_a_notice_stays_on_one_line_at_80_columns() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await started(pilot, tui)
            tui.faults("status=401")
            await pilot.press("r")
            await wait_for(pilot, lambda: bool(app.screen.query(Toast)))
            await pilot.pause()
            url = "https://id.atlassian.com/manage-profile/security/api-tokens"

            def shown() -> list[str]:
                return [t.render_line(y).text for t in app.screen.query(Toast) for y in range(t.size.height)]

            # The watched queue's check (it follows the first poll) may fail with its own notice beside it.
            await wait_for(pilot, lambda: any(url in line for line in shown()))


async def test_a_colleague_raising_an_incident_we_wrote_to_still_rings() -> None:
    with quiet_tui() as tui:
        app = tui.app
        bells: list[int] = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        async with app.run_test(size=SIZE) as pilot:
            key = await a_medium_incident_selected_with_p1_p2_watched(pilot, tui)
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "Looking into it")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: any(f"to {key}: done" in n.message for n in app._notifications))
            # A minute later a colleague (not this app) raises it to Highest.
            tui.control("POST", "/clock", json={"advance": 60})
            with http_client(tui.server) as jira:
                jira.put(
                    f"/rest/api/3/issue/{key}", json={"fields": {"priority": {"name": "Highest"}}}
                ).raise_for_status()
            app.refresh_counts_now()
            await wait_for(pilot, lambda: any(f"New P1: {key}" in n for n in notes(app)))
            assert bells == [1]
