"""Pilot: the TUI in German ([ui] language = "de"): our words are German, Jira's data is untouched, and the
German screen still works at 80×24."""

from __future__ import annotations

import re

from rich.text import Text
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from oncall_tui import display, keys
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import translator
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dialogs import CommentDialog, HelpDialog
from oncall_tui.ui.screens.main import MAIN_BINDINGS, MainScreen
from oncall_tui.ui.widgets.status_bar import StatusBar
from tests.test_ui_snapshots import loaded
from tests.tui_harness import notes, quiet_tui, table, wait_for

DE = translator("de")


def static_text(app: OncallApp, selector: str) -> str:
    content = app.screen.query_one(selector, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def status_text(app: OncallApp) -> str:
    return str(app.main.query_one(StatusBar).render())


async def test_german_main_screen_at_80x24_keeps_jiras_data() -> None:
    with quiet_tui(language="de") as tui:
        app = tui.app
        assert app.language == "de", "the config's [ui] language reaches the app"
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot, tui)
            await pilot.press("5")  # All open: sorted by breach, the first row has a breached SLA
            await wait_for(pilot, lambda: app.main.active_queue == "All open")
            await loaded(pilot, tui)

            footer = [key for key in app.main.query(FooterKey) if key.display]
            words = [key.description for key in footer]
            assert words == ["zuweisen", "übernehmen", "Kommentar", "Status", "Prio", "Filter", "Beenden", "Hilfe"]
            assert all(key.region.right <= 80 for key in footer), "every footer key fits at 80 columns"

            rows = table(app)
            assert rows.labels == [
                "Key",
                "P",
                "Status",
                "Zuständig",
                "SLA▲",  # sorted by time to breach, the most urgent first
                "Alter",
                "Zusammenfassung",
            ]
            keys = rows.order
            for key in keys:
                # Summaries are Jira's text, exactly as the simulator holds them.
                assert rows.get_cell(key, "summary").plain == sanitize_line(tui.issue(key)["summary"])

            status = status_text(app)
            assert "● live" in status and "updated" not in status

            key = rows.selected_key
            assert key is not None
            incident = tui.session.store.get(key)
            assert incident is not None and incident.slas
            slas = static_text(app, "#detail-slas")
            for sla in incident.slas:
                state = sla.state_at(app.now, tui.session.thresholds)
                assert f"{sla.name}: {display.sla_word(state, DE)}" in slas
                assert f"{sla.name}: {display.WORDS[state]}" not in slas
            assert "verletzt" in slas and re.search(r"\bZiel \d", slas)
            assert not re.search(r"\b(left|over|goal|elapsed|breach)\b", slas)

            facts = static_text(app, "#detail-facts")
            for label in ("Zuständig", "Melder", "Service", "Erstellt", "Geändert"):
                assert re.search(rf"^{label}\b", facts, re.MULTILINE), label
            assert "vor " in facts
            body = static_text(app, "#detail-body")
            assert body.startswith("Beschreibung")
            assert not re.search(r"\b(Assignee|Reporter|Created|Updated|Description|ago)\b", facts + body)
            assert "Neueste Kommentare (" in body and "Latest comments" not in body

            contacts = static_text(app, "#contacts")
            assert contacts.startswith("Eskalation: ") and "Escalation" not in contacts


async def test_german_help_dialogs_and_notifications() -> None:
    with quiet_tui(language="de") as tui:
        app = tui.app
        app.monotonic = lambda: 1000.0  # the poll's age counts real time: frozen for a stable "vor 0 s"
        async with app.run_test(size=(160, 48)) as pilot:
            await loaded(pilot, tui)
            status = status_text(app)
            assert "aktualisiert vor 0 s" in status and "updated" not in status

            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpDialog))
            help_text = static_text(app, "Static")
            assert help_text.startswith("Tasten")
            for _, key, _, desc, _ in MAIN_BINDINGS:
                shown = keys.display_key(key)
                german = rf"^\s*{re.escape(shown)}\s+{re.escape(DE(desc))}\s+\S+$"
                assert re.search(german, help_text, re.MULTILINE), desc
                english = rf"^\s*{re.escape(shown)}\s+{re.escape(desc)}\s+\S+$"
                assert DE(desc) == desc or not re.search(english, help_text, re.MULTILINE), desc
            for word in ("Status ändern", "Priorität", "Hilfe", "Beenden", "Queue wechseln"):
                assert word in help_text
            assert "⚠ gefährdet" in help_text and "☾ außerhalb der Servicezeit" in help_text
            assert "✗ nicht erfüllt" in help_text and "at risk" not in help_text
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))

            await pilot.press("s")
            await wait_for(pilot, lambda: any("Sortiert nach Priorität" in n for n in notes(app)))
            assert not any("Sorted by" in n for n in notes(app))

            key = table(app).selected_key
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            dialog = app.screen
            assert dialog.query_one("Label", Static).content.plain == f"Kommentar zu {key}"  # type: ignore[union-attr]
            assert static_text(app, "#visibility").startswith("○ interne Notiz")
            await pilot.press("ctrl+t")
            assert static_text(app, "#visibility").startswith("● ÖFFENTLICHE Antwort")
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_action_results_speak_german_too() -> None:
    from tests.tui_harness import notes, quiet_tui, switch_to, table, wait_for

    with quiet_tui(language="de") as tui:
        app = tui.app
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: table(app).row_count > 0)
            await switch_to(pilot, app, 2, "Unassigned")
            key = table(app).selected_key
            await pilot.press("m")
            await wait_for(pilot, lambda: any(f"{key} übernehmen: erledigt" in n for n in notes(app)))
            assert tui.issue(key)["assignee"] == tui.session.me.id
