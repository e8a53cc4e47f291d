"""Pilot: text from Jira is untrusted — markup prints literally and escape sequences never reach the screen."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui_harness import quiet_tui, select_row, started, switch_to, table, wait_for

SIZE = (160, 40)
HOSTILE = "[bold red]pwned[/] \x1b[2J\x1b]0;title\x07 [link=x]y[/link]"
CONTROLS = ("\x1b", "\x07", "\x9b", "\x9d")


async def test_hostile_summary_and_comment_show_literally() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            created = tui.control("POST", "/incidents", json={"summary": HOSTILE, "priority": "Low"})
            key = created.json()["key"]
            assert tui.issue(key)["summary"] == HOSTILE, "the simulator stores it as sent"
            tui.control("POST", f"/issues/{key}/customer-comment", json={"text": "[reverse]hi[/] \x1b[31mred"})
            await pilot.press("r")
            await wait_for(pilot, lambda: table(app).holds(key))

            cell = table(app).get_row(key)[6]
            assert "[bold red]pwned[/]" in cell.plain and "[link=x]y[/link]" in cell.plain
            assert not any(c in cell.plain for c in CONTROLS)
            assert "title" not in cell.plain, "the OSC payload goes with its sequence"
            assert not cell.spans, "no style leaked from the text into the cell"

            await select_row(pilot, app, key)
            header = app.main.query_one("#detail-header", Static)
            body = app.main.query_one("#detail-body", Static)
            await wait_for(pilot, lambda: "[reverse]hi[/]" in body.content.plain)  # type: ignore[union-attr]
            header_text = header.content.plain  # type: ignore[union-attr]
            assert "[bold red]pwned[/]" in header_text and "[link=x]y[/link]" in header_text
            assert "[reverse]hi[/] red" in body.content.plain  # type: ignore[union-attr]
            for text in (header_text, body.content.plain):  # type: ignore[union-attr]
                assert not any(c in text for c in CONTROLS)

            screen = app.export_screenshot()
            assert not any(c in screen for c in CONTROLS)
            shown = screen.replace("&#160;", " ").replace("&amp;", "&")
            assert "[bold&#160;red]pwned[/]" in screen or "[bold red]pwned[/]" in shown
            assert "[link=x]y[/link]" in shown
