"""Pilot: what the table and panes look like where it matters to a tired reader. Text that does not fit ends in
an ellipsis and wide terminals give the room to the columns that need it; the sorted column is marked; the ASCII
fallback is complete; SLA colours are the theme's, and without colour breached stands out most."""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot

from oncall_tui.display import short_name
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.queue_table import QueueTable
from tests.tui_harness import quiet_tui, started, switch_to, table, wait_for

UNICODE_MARKS = set("●◌✖○…▲▼⚠✔‖☾✗")


def lines(widget: Any) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def table_lines(app: OncallApp) -> list[str]:
    rows = table(app)
    return [line for line in lines(rows) if line.strip()][: rows.row_count + 1]


def cell_starts(header: str) -> dict[str, int]:
    return {word: header.index(word) for word in ("Key", "Status", "Assignee", "SLA", "Age", "Summary")}


async def all_open(pilot: Pilot[Any], app: OncallApp, tui: Any) -> None:
    await started(pilot, tui)
    await switch_to(pilot, app, 5, "All open")
    await pilot.pause()


async def test_at_80_columns_cut_summaries_end_in_an_ellipsis_and_rows_line_up() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(80, 24)) as pilot:
            await all_open(pilot, app, tui)
            shown = table_lines(app)
            header, rows = shown[0], shown[1:]
            assert rows, shown
            widths = {cell_len(line) for line in shown}
            assert len(widths) == 1, shown
            summary_at = cell_starts(header)["Summary"]
            cut = 0
            for line in rows:
                key = line.split()[0]
                summary = tui.session.store.get(key).summary  # type: ignore[union-attr]
                cell = line[summary_at:].rstrip()
                if cell != summary:
                    assert cell.endswith("…") and summary.startswith(cell[:-1].rstrip()), (cell, summary)
                    cut += 1
            assert cut, "at 80 columns some summaries must be cut"


async def test_at_200_columns_assignees_are_whole_and_the_summary_takes_the_rest() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(200, 60)) as pilot:
            await all_open(pilot, app, tui)
            shown = table_lines(app)
            starts = cell_starts(shown[0])
            assignees = {
                short_name(inc.assignee.display_name)
                for key in tui.session.store.keys("All open")
                if (inc := tui.session.store.get(key)) is not None and inc.assignee is not None
            }
            longest = max(assignees, key=cell_len)
            assert cell_len(longest) > 12, "the scenario has a name longer than the narrow column"
            cells = {line[starts["Assignee"] : starts["SLA"]].strip() for line in shown[1:]}
            assert longest in cells and not any(c.endswith("…") for c in cells), cells
            # The summary column reaches the table's edge.
            rows = table(app)
            assert rows.column_width("summary") + starts["Summary"] >= rows.scrollable_content_region.width - 4


async def test_escalation_level_names_are_cut_with_an_ellipsis_when_narrow_and_whole_when_wide() -> None:
    for size, whole in (((80, 24), False), ((200, 60), True)):
        with quiet_tui() as tui:
            app = tui.app
            async with app.run_test(size=size) as pilot:
                await started(pilot, tui)
                contacts = app.main.query_one("#contacts")
                await wait_for(pilot, lambda contacts=contacts: "Level 1 of 2" in " ".join(lines(contacts)))
                incident = app.main.selected()
                assert incident is not None and incident.components
                text = "\n".join(lines(contacts))
                if whole:
                    assert "Level 1 of 2 · Component lead" in text, text
                else:
                    assert "Component lead" not in text.split("\n")[1] and "…" in text, text
                    assert not any(cell_len(line.rstrip()) > contacts.size.width for line in lines(contacts))


async def test_the_sorted_column_is_marked_and_follows_s() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(160, 48)) as pilot:
            await all_open(pilot, app, tui)
            rows: QueueTable = table(app)

            def labels() -> list[str]:
                return rows.labels

            assert labels()[4] == "SLA▲" and "▲" not in "".join(labels()[:4] + labels()[5:])
            await pilot.press("s")  # priority
            assert labels()[1] == "P▲" and labels()[4] == "SLA"
            await pilot.press("s")  # updated: the age column shows the time since the last update
            assert labels()[5] == "Upd▼" and labels()[1] == "P"
            first = rows.order[0]
            incident = tui.session.store.get(first)
            assert incident is not None
            updated = [tui.session.store.get(r).updated for r in rows.order]  # type: ignore[union-attr]
            assert updated == sorted(updated, reverse=True)
            await pilot.press("s")  # created
            assert labels()[5] == "Age▲"
            await pilot.press("s")  # key
            assert labels()[0] == "Key▲"
            await pilot.press("s")  # back to time to breach
            assert labels()[4] == "SLA▲"


async def test_the_ascii_fallback_leaves_no_unicode_mark_in_the_chrome() -> None:
    with quiet_tui(ascii_only=True) as tui:
        app = tui.app
        async with app.run_test(size=(80, 24)) as pilot:
            await all_open(pilot, app, tui)
            status = lines(app.main.query_one("#status"))[0]
            assert status.count("*") >= 1 and not UNICODE_MARKS & set(status), status
            header, *rows = table_lines(app)
            assert "SLA^" in header
            # Jira's own text (names with umlauts) stays as it is; what the app draws is ASCII.
            starts = cell_starts(header)
            drawn = "".join(line[: starts["Assignee"]] + line[starts["SLA"] : starts["Summary"]] for line in rows)
            assert not UNICODE_MARKS & set(drawn), drawn
            summaries = [line[starts["Summary"] :].rstrip() for line in rows]
            assert any(s.endswith("...") for s in summaries) and not any("…" in s for s in summaries), summaries


async def test_sla_colours_are_the_themes_and_follow_a_theme_change() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=(120, 40)) as pilot:
            await all_open(pilot, app, tui)
            rows = table(app)
            breached = next(r for r in rows.order if rows.get_cell(r, "sla").plain[0] == "✖")

            def colour() -> str:
                style = rows.get_cell(breached, "sla").style
                return style.color.name if style.color else ""  # type: ignore[union-attr]

            assert colour().lower() == app.theme_variables["error"].lower()
            app.theme = "nord"
            await pilot.pause()
            await wait_for(pilot, lambda: colour().lower() == app.theme_variables["error"].lower())
            assert app.theme_variables["error"].lower() != "#b93c5b"


async def test_without_colour_the_table_draws_breached_reversed_and_bold(monkeypatch: pytest.MonkeyPatch) -> None:
    # NO_COLOR is read by Textual when the app is made; the table's cells then carry attributes, no colour.
    monkeypatch.setenv("NO_COLOR", "1")
    with quiet_tui() as tui:
        app = tui.app
        assert app.no_color
        async with app.run_test(size=(120, 40)) as pilot:
            await all_open(pilot, app, tui)
            rows = table(app)

            def style_of(glyph: str) -> Any:
                key = next(r for r in rows.order if rows.get_cell(r, "sla").plain[0] == glyph)
                return rows.get_cell(key, "sla").style

            breached, at_risk, running = style_of("✖"), style_of("⚠"), style_of("●")
            assert breached.reverse and breached.bold and breached.color is None
            assert at_risk.bold and not at_risk.reverse and at_risk.color is None
            assert not running.bold and not running.reverse


async def test_in_ascii_mode_only_jiras_own_text_brings_anything_but_ascii_to_the_screen() -> None:
    import html
    import re

    for size in ((80, 24), (160, 48)):
        with quiet_tui(ascii_only=True) as tui:
            app = tui.app
            async with app.run_test(size=size) as pilot:
                await all_open(pilot, app, tui)
                await pilot.press("y")  # a notice (and its border) on screen too
                await wait_for(pilot, lambda app=app: bool(app._notifications))
                await pilot.pause()
                svg = app.export_screenshot()
                shown = html.unescape("".join(re.findall(r">([^<>]*)</text>", svg)))
                jira = set()
                for key in tui.session.store.keys("All open"):
                    incident = tui.session.store.get(key)
                    assert incident is not None
                    people = [p.display_name for p in (incident.assignee, incident.reporter) if p is not None]
                    jira |= set("".join([incident.summary, incident.status, *incident.components, *people]))
                for lead, component_leads in app.project_leads.values():
                    leads = [lead, *component_leads.values()]
                    jira |= set("".join(p.display_name for p in leads if p is not None))
                # Letters of Jira's data stay as Jira sends them; everything the app draws is ASCII.
                # (The SVG export writes every space as a no-break space.)
                foreign = {ch for ch in shown if ord(ch) > 127 and not ch.isalpha()} - {"\xa0"}
                foreign |= {ch for ch in shown if ord(ch) > 127 and ch.isalpha()} - jira
                assert not foreign, (size, sorted(foreign))
