"""Pilot: with the UI in German, no message the app composes reaches the screen in English. The app is driven
through the failures an outage brings (a login page, 5xx, a cut connection, rate limits, refused credentials and
permissions, lost answers, bad JQL, unreadable issues) and everything on screen is checked twice: every message
asked for had a German form, and no English phrase of the catalog is to be seen. Only Jira's own words (its
error details, names, the workflow's transition names) may stay as Jira sent them."""

from __future__ import annotations

import re
import string
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from oncall_tui.i18n import MESSAGES
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dialogs import CommentDialog
from oncall_tui.ui.screens.main import MainScreen
from tests.tui_harness import Tui, quiet_tui, started, switch_to, table, type_text, wait_for

SIZE = (160, 48)


def english_phrases() -> set[str]:
    """Literal stretches of the English messages whose German differs: what an untranslated message shows."""
    found: set[str] = set()
    for key, entry in MESSAGES.items():
        english, german = entry.get("en", key), entry.get("de", "")
        if not german or german == english:
            continue
        for literal, *_ in string.Formatter().parse(english):
            phrase = literal.strip(" .,:;()\n")
            if len(phrase) >= 12 and " " in phrase and phrase not in german:
                found.add(phrase)
    return found


def on_screen(app: OncallApp) -> list[str]:
    texts = [f"{n.title}: {n.message}" for n in app._notifications]
    screen = app.screen
    for selector in ("#status", "#tabs", "#queue-message", "#detail-note", "#detail-slas", "#comment-problem"):
        for widget in screen.query(selector):
            if isinstance(widget, Static) and widget.display:
                content = widget.content
                texts.append(getattr(content, "plain", str(content)))
    if screen is not app.main:
        texts += on_screen_main(app)
    return texts


def on_screen_main(app: OncallApp) -> list[str]:
    out = []
    for selector in ("#status", "#queue-message", "#detail-note"):
        widget = app.main.query_one(selector, Static)
        if widget.display:
            out.append(getattr(widget.content, "plain", str(widget.content)))
    return out


async def poll_fails(pilot: Pilot[Any], tui: Tui, fault: str, seen: list[str]) -> None:
    app = tui.app
    tui.faults(fault)
    before = app.poll_error
    await pilot.press("r")
    await wait_for(
        pilot, lambda: app.poll_error is not None and app.poll_error is not before and not app.engine.polling
    )
    await pilot.pause()
    seen += on_screen(app)


async def test_in_german_nothing_the_app_composes_reaches_the_screen_in_english() -> None:
    broken = ("Kaputt", "project = OPS AND nosuchfield = 1 ORDER BY key")
    with quiet_tui(language="de", extra_queues=[broken]) as tui:
        app = tui.app
        app.tr.missing = []
        seen: list[str] = []
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            seen += on_screen(app)
            # The connection's troubles, each named in the header and in one notice.
            for fault in ("html=1", "status=500", "drop=1", "rate=1,retry-after=5", "status=401", "status=404"):
                await poll_fails(pilot, tui, f"{fault},paths=/rest/api/3/search", seen)
            tui.faults("")
            await pilot.press("r")
            await wait_for(pilot, lambda: app.poll_error is None and not app.engine.polling)
            seen += on_screen(app)

            # Actions Jira refuses, and one whose answer is lost.
            await switch_to(pilot, app, 2, "Unassigned")
            key = table(app).selected_key
            assert key is not None
            tui.deny("ASSIGN_ISSUES")
            await pilot.press("m")
            await wait_for(
                pilot, lambda: any(key in n.message and "fehlgeschlagen" in n.message for n in app._notifications)
            )
            seen += on_screen(app)
            tui.deny()
            for fault in (f"status=503,paths=/rest/api/3/issue/{key}/comment", f"lose=1,paths=/rest/api/3/issue/{key}"):
                tui.faults(fault)
                await pilot.press("c")
                await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
                area = app.screen.query_one(TextArea)
                area.text = ""
                await type_text(pilot, "Wir schauen es uns an")
                await pilot.press("ctrl+s")
                # Both settle with the dialog closed: "may have gone through, checked first" and "done after doubt".
                await wait_for(
                    pilot,
                    lambda: (
                        isinstance(app.screen, MainScreen)
                        and any("vielleicht" in n.message or "bestätigt" in n.message for n in app._notifications)
                    ),
                )
                seen += on_screen(app)
                tui.faults("")
                tui.session.pipeline.wake()
                await wait_for(pilot, lambda: not tui.session.pipeline.active())
                seen += on_screen(app)
            tui.faults("")

            # The detail pane's copy cannot be read again; unreadable issues in a queue; a queue Jira refuses.
            tui.faults(f"5xx=1,paths=/rest/api/3/issue/{key}")
            # A minute on: the customer's reply is newer than the copy the comment's confirmation brought.
            tui.control("POST", "/clock", json={"advance": 60})
            tui.control("POST", f"/issues/{key}/customer-comment", json={"text": "Immer noch kaputt"})
            app.poll_now()
            await wait_for(pilot, lambda: app.main.query_one("#detail-note").display)
            seen += on_screen(app)
            tui.faults("bad-issue=1")
            await pilot.press("r")
            await wait_for(pilot, lambda: tui.session.status["Unassigned"].skipped > 0 and not app.engine.polling)
            seen += on_screen(app)
            tui.faults("")
            app.refresh_counts_now()
            await wait_for(pilot, lambda: tui.session.status["Kaputt"].jql_refused)
            await pilot.press("6")
            await wait_for(
                pilot, lambda: app.main.active_queue == "Kaputt" and app.main.query_one("#queue-message").display
            )
            seen += on_screen(app)

            # Quitting with a draft left.
            await pilot.press("1")
            await wait_for(pilot, lambda: app.main.active_queue != "Kaputt")
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "Halber Gedanke")
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            await pilot.press("q")
            await wait_for(pilot, lambda: any("Kommentarentwurf" in n.message for n in app._notifications))
            seen += on_screen(app)

        assert app.tr.missing == [], sorted(set(app.tr.missing))
        text = "\n".join(seen)
        assert "Jira" in text and "HTTP 500" in text, "the failures were on screen"
        leaked = sorted(phrase for phrase in english_phrases() if re.search(re.escape(phrase), text))
        assert leaked == [], leaked
