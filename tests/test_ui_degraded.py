"""Pilot: degraded mode (issue 8, item 9). While Jira cannot be reached or keeps failing, the rows stay, a line
over them says what is wrong, since when, how old the rows are, what waits to be sent and when the next try
comes; every countdown is marked as an estimate; and when Jira answers again the app recovers by itself: the
header live, the banner and the marks gone, the counts refreshed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from textual.widgets import Static

from oncall_tui.sync.connection import LinkState
from oncall_tui.ui.app import OncallApp
from tests.conftest import CheckedSimServer
from tests.tui_harness import Tui, quiet_tui, started, table, wait_for

SIZE = (160, 48)


def message(app: OncallApp) -> str:
    widget = app.main.query_one("#queue-message", Static)
    return widget.content.plain if widget.display else ""  # type: ignore[union-attr]


def status_line(app: OncallApp) -> str:
    return app.main.query_one("#status", Static).content.plain  # type: ignore[union-attr]


def sla_cells(app: OncallApp) -> list[str]:
    rows = table(app)
    return [rows.get_row(key)[4].plain for key in rows.order]


def detail_slas(app: OncallApp) -> str:
    return app.main.query_one("#detail-slas", Static).content.plain  # type: ignore[union-attr]


def countdowns(cells: list[str]) -> list[str]:
    """The cells that show a time (not "—" nor a word such as "met")."""
    return [cell for cell in cells if re.search(r"\d:\d\d", cell)]


def restart(tui: Tui) -> CheckedSimServer:
    """The same Jira back on the same port (its data as it was)."""
    port = urlsplit(tui.server.url).port
    assert port is not None
    return CheckedSimServer(tui.server.state, port=port).start()  # type: ignore[return-value]


async def test_offline_keeps_the_rows_says_since_when_and_recovers_by_itself() -> None:
    with quiet_tui() as tui:
        app = tui.app
        waiting = [2]
        app.engine.queued = lambda: waiting[0]
        app.engine.backoff = (3.0,)  # a short, fixed wait between tries keeps the test quick
        again: CheckedSimServer | None = None
        try:
            async with app.run_test(size=SIZE) as pilot:
                await started(pilot, tui)
                rows = table(app).row_count
                before = countdowns(sla_cells(app))
                assert before and not any("≈" in cell for cell in before)
                assert "≈" not in detail_slas(app)
                tui.server.stop()  # Jira gone: every connection refused
                await pilot.press("r")
                await wait_for(pilot, lambda: app.engine.connection.state is LinkState.OFFLINE)
                await wait_for(pilot, lambda: "offline since" in message(app))
                banner = message(app)
                assert re.fullmatch(
                    r"offline since 09:30 · data from 09:30 · 2 queued · retrying in [0-3] s", banner
                ), banner
                assert table(app).row_count == rows, "the rows stay"
                await pilot.pause()
                assert app.main.query_one("#queue-message").outer_size.height == 1, "one line over the rows"
                estimates = countdowns(sla_cells(app))
                assert len(estimates) == len(before)
                assert all(re.match(r"\S ≈-?\d+:\d\d", cell) for cell in estimates), estimates
                assert re.search(r"≈-?\d+:\d\d:\d\d (left|over)", detail_slas(app)), detail_slas(app)
                assert "offline" in status_line(app)
                waiting[0] = 0
                await pilot.pause()
                app.main.refresh_chrome()
                assert "queued" not in message(app), "nothing waits: the part is left out"
                counted = app.engine.counts_rounds
                again = restart(tui)
                # No key pressed: the engine's own next try finds Jira back.
                await wait_for(pilot, lambda: "● live" in status_line(app))
                await wait_for(pilot, lambda: app.engine.counts_rounds > counted and not app.engine.counting)
                await wait_for(pilot, lambda: message(app) == "")
                assert table(app).row_count == rows
                assert not any("≈" in cell for cell in sla_cells(app))
                assert "≈" not in detail_slas(app)
        finally:
            if again is not None:
                again.stop()


async def test_the_banner_and_the_marks_in_german() -> None:
    with quiet_tui(language="de") as tui:
        app = tui.app
        app.engine.queued = lambda: 3
        app.engine.backoff = (30.0,)
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            tui.faults("drop=1")  # Jira reached, the answer cut off: failing, not offline
            await pilot.press("r")
            await wait_for(pilot, lambda: "seit" in message(app))
            banner = message(app)
            assert re.fullmatch(
                r"Verbindung abgerissen seit 09:30 · Daten von 09:30 · 3 in der Warteschlange · "
                r"neuer Versuch in (29|30) s",
                banner,
            ), banner
            assert app.engine.connection.state is LinkState.FAILING
            assert all("≈" in cell for cell in countdowns(sla_cells(app)))
            assert re.search(r"≈-?\d+:\d\d:\d\d", detail_slas(app)), detail_slas(app)
            tui.faults("")
            await pilot.press("r")
            await wait_for(pilot, lambda: message(app) == "")
            assert not any("≈" in cell for cell in sla_cells(app))


async def test_in_ascii_the_estimate_mark_is_a_tilde() -> None:
    with quiet_tui(ascii_only=True) as tui:
        app = tui.app
        app.engine.backoff = (30.0,)
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            tui.faults("5xx=1")
            await pilot.press("r")
            await wait_for(pilot, lambda: app.engine.connection.degraded and "since 09:30" in message(app))
            estimates = countdowns(sla_cells(app))
            assert estimates and all(re.match(r"\S ~-?\d+:\d\d", cell) for cell in estimates), estimates
            assert not any("≈" in cell for cell in sla_cells(app))
