"""Pilot: live data — new incidents, the bell, changes made by others, and SLA countdowns on the app clock."""

from __future__ import annotations

import re
from datetime import timedelta

from textual.widgets import Static

from oncall_tui.ui.app import OncallApp
from tests.conftest import FROZEN_START
from tests.tui_harness import Tui, notes, quiet_tui, select_row, started, switch_to, table, wait_for

SIZE = (120, 40)


def new_incident(tui: Tui, summary: str, priority: str) -> str:
    created = tui.control("POST", "/incidents", json={"summary": summary, "priority": priority})
    key: str = created.json()["key"]
    return key


def count_bells(app: OncallApp) -> list[int]:
    rung: list[int] = []
    app.bell = lambda: rung.append(1)  # type: ignore[method-assign]
    return rung


def sla_cell(app: OncallApp, key: str) -> str:
    return table(app).get_row(key)[4].plain


def detail_slas(app: OncallApp) -> str:
    return app.main.query_one("#detail-slas", Static).content.plain  # type: ignore[union-attr]


def minutes(cell: str) -> int:
    """ "● 2:30" -> 150; "✖ -0:13" -> -13."""
    match = re.search(r"(-?)(\d+):(\d\d)$", cell)
    assert match, cell
    value = int(match.group(2)) * 60 + int(match.group(3))
    return -value if match.group(1) else value


def all_queues_counted(tui: Tui) -> bool:
    return {q.name for q in tui.session.queues} <= set(tui.session.counts)


async def test_new_incident_appears_on_refresh_highlighted_and_a_p1_in_a_watched_queue_rings() -> None:
    with quiet_tui() as tui:
        app = tui.app
        rung = count_bells(app)
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 3, "P1/P2")  # watched in the demo config
            before = table(app).row_count
            key = new_incident(tui, "Checkout 502 for DE dealers", "Highest")
            await pilot.press("r")
            await wait_for(pilot, lambda: table(app).holds(key))
            assert table(app).row_count == before + 1
            assert table(app).get_row(key)[1].plain == "P1"
            key_cell = table(app).get_row(key)[0]
            assert key_cell.style.reverse, "a new incident is highlighted"  # type: ignore[union-attr]
            others = [k for k in tui.session.store.keys("P1/P2") if k != key]
            assert not any(table(app).get_row(k)[0].style.reverse for k in others)  # type: ignore[union-attr]
            await wait_for(pilot, lambda: len(rung) == 1)
            assert any(f"New P1: {key}" in n for n in notes(app))
            # The highlight fades on the app clock.
            app.clock = lambda: FROZEN_START + timedelta(minutes=5)
            app._tick()
            await wait_for(pilot, lambda: not table(app).get_row(key)[0].style.reverse)  # type: ignore[union-attr]


async def test_a_p1_arriving_in_a_watched_queue_rings_while_another_queue_is_on_screen() -> None:
    with quiet_tui() as tui:
        app = tui.app
        rung = count_bells(app)
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            assert app.main.active_queue == "Mine"
            await wait_for(pilot, lambda: all_queues_counted(tui))
            assert rung == [], "what was there at start is not news"
            key = new_incident(tui, "Consent API returns 500 for all markets", "Highest")
            await pilot.press("r")
            await wait_for(pilot, lambda: len(rung) == 1)
            assert any(f"New P1: {key}" in n for n in notes(app))
            assert not table(app).holds(key), "it is not in Mine"


async def test_a_low_priority_incident_is_highlighted_but_does_not_ring() -> None:
    with quiet_tui() as tui:
        app = tui.app
        rung = count_bells(app)
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            await wait_for(pilot, lambda: all_queues_counted(tui))
            key = new_incident(tui, "Typo on the dealer portal footer", "Low")
            await pilot.press("r")
            await wait_for(pilot, lambda: table(app).holds(key))
            assert table(app).get_row(key)[0].style.reverse  # type: ignore[union-attr]
            for _ in range(3):
                await pilot.pause()
            assert rung == []


async def test_reassigned_elsewhere_leaves_mine_after_a_poll() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            assert table(app).holds("OPS-38")
            other = tui.issue("OPS-45")["assignee"]
            assert other and other != tui.session.me.account_id  # type: ignore[union-attr]
            tui.control("POST", "/issues/OPS-38/assign", json={"accountId": other})
            rows = table(app).row_count
            app.poll_now()  # what the poll timer calls: an incremental poll
            await wait_for(pilot, lambda: not table(app).holds("OPS-38"))
            assert table(app).row_count == rows - 1
            assert "OPS-38" not in tui.session.store.keys("Mine")
            assert f"[1 Mine {rows - 1}]" in str(app.main.query_one("#tabs").render())


async def test_sla_counts_down_on_the_app_clock_between_polls() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 2, "Unassigned")
            # P1 and P2 SLAs run on the 24x7 calendar in the scenario: a minute of wall time is a minute.
            running = [
                row
                for row in table(app).order
                if table(app).get_row(row)[1].plain in ("P1", "P2") and sla_cell(app, row).startswith(("●", "⚠"))
            ]
            assert running
            key = running[0]
            await select_row(pilot, app, key)
            cell = sla_cell(app, key)
            detail = detail_slas(app)
            left = re.search(r"(\d+):(\d\d):(\d\d) left", detail)
            assert left, detail
            app.clock = lambda: FROZEN_START + timedelta(seconds=60)
            app._tick()
            await wait_for(pilot, lambda: sla_cell(app, key) != cell)
            assert minutes(sla_cell(app, key)) == minutes(cell) - 1
            h, m, s = (int(x) for x in left.groups())
            total = h * 3600 + m * 60 + s - 60
            assert f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d} left" in detail_slas(app)


async def test_a_breached_sla_shows_negative_time_and_the_word() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await select_row(pilot, app, "OPS-38")
            assert "breached" not in detail_slas(app)
            remaining = minutes(sla_cell(app, "OPS-38"))
            assert remaining > 0
            # Past the breach time on the app clock alone: no poll needed to show the breach.
            app.clock = lambda: FROZEN_START + timedelta(minutes=remaining + 13, seconds=30)
            app._tick()
            await wait_for(pilot, lambda: sla_cell(app, "OPS-38").startswith("✖"))
            assert minutes(sla_cell(app, "OPS-38")) < 0
            text = detail_slas(app)
            assert "breached" in text
            assert re.search(r"-0:1\d:\d\d over", text), text


async def test_status_bar_goes_stale_when_no_poll_succeeds_for_a_while() -> None:
    with quiet_tui(poll_seconds=5.0) as tui:
        app = tui.app
        elapsed = [1000.0]
        app.monotonic = lambda: elapsed[0]  # real elapsed time, controlled by the test
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            status = app.main.query_one("#status", Static)
            await wait_for(pilot, lambda: "live · updated 0 s ago" in status.content.plain)  # type: ignore[union-attr]
            elapsed[0] += 30
            app._tick()
            assert "live · updated 30 s ago" in status.content.plain  # type: ignore[union-attr]
            elapsed[0] += 60
            app._tick()
            assert "stale · updated 90 s ago" in status.content.plain  # type: ignore[union-attr]
            assert status.has_class("-stale") and not status.has_class("-live")


async def test_freshness_is_real_elapsed_time_even_when_the_sites_clock_runs_fast() -> None:
    from datetime import timedelta

    from tests.tui_harness import quiet_tui, table, wait_for

    with quiet_tui() as tui:
        app = tui.app
        ticks = [500.0]
        app.monotonic = lambda: ticks[0]
        async with app.run_test(size=(120, 40)) as pilot:
            # Rows show while the first load streams in; live is said once that poll has ended.
            await wait_for(
                pilot, lambda: table(app).row_count > 0 and app.engine.connection.last_ok_monotonic is not None
            )
            # The site's clock jumps 10 minutes (demo --speed), but only 2 real seconds passed: still live.
            app.clock = lambda: app.now + timedelta(minutes=10)
            app._tick()
            ticks[0] += 2
            assert app.live_state()[0].startswith("● live"), app.live_state()
            app.poll_seconds = 15  # quiet_tui parks the poll timer far away; stale means 3 missed polls
            ticks[0] += 120  # two real minutes without a successful poll: stale
            assert "stale" in app.live_state()[0]
