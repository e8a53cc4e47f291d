"""Pilot: the detail pane tells the truth about time. It is read again when Jira's copy moved on or the last read
failed, and says how old it is until then; every relative time follows the one clock; a breach time that is not
today names its day."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Static

from oncall_tui.ui.app import OncallApp
from tests.conftest import FROZEN_START
from tests.tui_harness import quiet_tui, select_row, started, switch_to, table, wait_for

SIZE = (160, 48)


def part(app: OncallApp, name: str) -> str:
    widget = app.main.query_one(f"#detail-{name}", Static)
    content = widget.content
    return (content.plain if isinstance(content, Text) else str(content)) if widget.display else ""


async def poll_once(pilot: Pilot[Any], app: OncallApp) -> None:
    await wait_for(pilot, lambda: not app.engine.polling)
    app.poll_now()
    await wait_for(pilot, lambda: not app.engine.polling)


async def test_a_failed_read_is_retried_with_the_next_poll_and_the_pane_says_how_old_it_is() -> None:
    with quiet_tui() as tui:
        app = tui.app
        details = tui.session.details
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).selected_key
            assert key is not None
            await wait_for(pilot, lambda: "Latest comments" in part(app, "body"))
            assert part(app, "note") == ""
            # Reading the issue fails for as long as the fault lasts.
            tui.faults(f"status=503,paths=/rest/api/3/issue/{key}")
            tui.control("POST", f"/issues/{key}/customer-comment", json={"text": "Still down for us since 09:10"})
            await poll_once(pilot, app)  # the poll sees `updated` move; the read it starts fails
            await wait_for(pilot, lambda: (d := details.get(key)) is not None and d.error is not None)
            await wait_for(pilot, lambda: "as of 09:30 CET" in part(app, "note"))
            assert "reading them again failed" in part(app, "note")
            assert "Still down for us" not in part(app, "body")
            # Each poll reads it again (and fails again while the fault lasts).
            last = details.get(key)
            await poll_once(pilot, app)
            await wait_for(pilot, lambda: details.get(key) is not last and not details.reading(key))
            assert details.get(key).error is not None  # type: ignore[union-attr]
            assert "reading them again failed" in part(app, "note")
            tui.faults("")
            # The poll after that finds nothing new in the queue, and still reads the incident again.
            await poll_once(pilot, app)
            await wait_for(pilot, lambda: "Still down for us since 09:10" in part(app, "body"))
            assert part(app, "note") == ""


async def test_every_relative_time_moves_with_the_clock() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await select_row(pilot, app, "OPS-38")
            await wait_for(pilot, lambda: "Latest comments" in part(app, "body"))
            facts, slas = part(app, "facts"), part(app, "slas")
            updated = re.search(r"^Updated\s+(.*?) ·", facts, re.MULTILINE)
            assert updated is not None
            elapsed = [int(h) * 60 + int(m) for h, m in re.findall(r"elapsed (\d+)h (\d+)m", slas)]
            left = re.search(r"running[^\n]*?(\d+):(\d\d):(\d\d) left|at risk[^\n]*?(\d+):(\d\d):(\d\d) left", slas)
            assert elapsed and left is not None
            app.clock = lambda: FROZEN_START + timedelta(minutes=7)
            app._tick()
            await wait_for(pilot, lambda: part(app, "facts") != facts)
            moved = re.search(r"^Updated\s+(.*?) ·", part(app, "facts"), re.MULTILINE)
            assert moved is not None and moved.group(1) != updated.group(1)
            later = [int(h) * 60 + int(m) for h, m in re.findall(r"elapsed (\d+)h (\d+)m", part(app, "slas"))]
            ticking = [sla for sla in tui.session.store.get("OPS-38").slas if sla.ticking]  # type: ignore[union-attr]
            assert ticking, "OPS-38 has a running SLA clock"
            # Every ticking clock's elapsed time grew by the seven minutes its remaining time fell.
            grown = [b - a for a, b in zip(elapsed, later, strict=True)]
            assert sorted(grown, reverse=True)[: len(ticking)] == [7] * len(ticking), (elapsed, later)


async def test_a_breach_time_that_is_not_today_names_its_day() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            today = FROZEN_START.date()
            found: dict[str, tuple[str, object]] = {}
            for key in tui.session.store.keys("All open"):
                incident = tui.session.store.get(key)
                assert incident is not None
                for sla in incident.slas:
                    if sla.breach_time is None or sla.completed:
                        continue
                    day = (sla.breach_time.astimezone(FROZEN_START.tzinfo).date() - today).days
                    kind = "today" if day == 0 else "tomorrow" if day == 1 else "yesterday" if day == -1 else "other"
                    found.setdefault(kind, (key, sla))
            assert {"today", "tomorrow"} <= set(found), found
            for kind, (key, sla) in found.items():
                await select_row(pilot, app, key)
                await wait_for(pilot, lambda key=key: part(app, "header").startswith(key))
                local = sla.breach_time.astimezone(FROZEN_START.tzinfo)  # type: ignore[attr-defined]
                clock = local.strftime("%H:%M %Z")
                expected = {
                    "today": f"breach {clock}",
                    "tomorrow": f"breach tomorrow {clock}",
                    "yesterday": f"breach yesterday {clock}",
                }.get(kind, "")
                text = " ".join(part(app, "slas").split())
                if expected:
                    assert expected in text, (kind, text)
                else:
                    assert re.search(rf"breach \w{{3}} (\d\d \w{{3}} )?{clock}", text), (kind, text)
                assert f"breach {clock}" not in text or kind == "today"
