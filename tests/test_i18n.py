"""The message catalog: complete German, matching placeholders, English fallback, and every message the UI
asks for actually in it (found in the source, so a new string cannot slip past untranslated)."""

from __future__ import annotations

import ast
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from textual.binding import Binding

from oncall_tui import display
from oncall_tui.domain.sla import SlaState
from oncall_tui.i18n import ENGLISH, MESSAGES, t, translator
from oncall_tui.jira.errors import DnsError
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dialogs import AssignDialog, CommentDialog, HelpDialog, PickDialog
from oncall_tui.ui.screens.main import MAIN_BINDINGS, MainScreen
from oncall_tui.ui.widgets.queue_table import COLUMNS, SORTS
from oncall_tui.ui.widgets.status_bar import live_state
from tests.test_architecture import modules_of, offenders

SRC = Path(__file__).resolve().parents[1] / "src" / "oncall_tui"
DE = translator("de")


def english_text(key: str) -> str:
    return MESSAGES[key].get("en", key)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_has_german() -> None:
    missing = [key for key, entry in MESSAGES.items() if not entry.get("de", "").strip()]
    assert missing == []


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_placeholders_are_the_same_in_both_languages(key: str) -> None:
    assert placeholders(MESSAGES[key]["de"]) == placeholders(english_text(key))


def test_symbolic_keys_carry_their_english_text() -> None:
    # An id that is not itself English text (e.g. "short.failed") must say what English shows.
    symbolic = [key for key in MESSAGES if key.startswith(("short.", "sort."))]
    assert symbolic and all("en" in MESSAGES[key] for key in symbolic)


def test_unknown_language_and_unknown_message_fall_back_to_english() -> None:
    assert translator("fr")("Copied {what}", what="OPS-1") == "Copied OPS-1"
    assert translator("fr").language == "en"
    assert DE("Copied {what}", what="OPS-1") == "OPS-1 kopiert"
    assert DE("a message nobody translated {n}", n=3) == "a message nobody translated 3"
    assert t("sort.breach") == "breach" and t("sort.breach", language="de") == "SLA-Frist"


def test_short_forms_fall_back_to_the_full_message() -> None:
    assert DE.short("failed") == "zu spät" and DE("failed") == "nicht erfüllt"
    assert DE.short("breached") == DE("breached") == "verletzt"
    assert ENGLISH.short("failed") == "failed"


def test_a_plain_message_is_not_formatted() -> None:
    # A catalog-less message with braces but no parameters must come back as it is, not raise.
    assert DE("{not a placeholder}") == "{not a placeholder}"


# ---- every message the UI uses is in the catalog -----------------------------------------------------------------


def literal_messages(path: Path) -> set[str]:
    """First arguments of tr(...), self.tr(...), tr.short(...) calls that are string literals."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if isinstance(func, ast.Attribute) and name == "short":
            inner = func.value
            name = inner.attr if isinstance(inner, ast.Attribute) else inner.id if isinstance(inner, ast.Name) else ""
        arg = node.args[0]
        if name == "tr" and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.add(arg.value)
    return found


def used_messages() -> set[str]:
    found: set[str] = set()
    for path in [*modules_of("ui"), SRC / "display.py"]:
        found |= literal_messages(path)
    return found


def test_the_source_scan_finds_the_calls() -> None:
    # Guards the scanner itself: if it found nothing, the next test would pass vacuously.
    messages = used_messages()
    assert {"No incident selected.", "Copied {what}", "{time} ago", "read-only", "Keys"} <= messages


def test_every_literal_message_in_the_ui_is_translated() -> None:
    assert sorted(used_messages() - set(MESSAGES)) == []


def test_every_binding_description_and_table_word_is_translated() -> None:
    wanted = {desc for _, _, _, desc, _ in MAIN_BINDINGS}
    for owner in (OncallApp, MainScreen, CommentDialog, PickDialog, AssignDialog, HelpDialog):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.description and not (binding.id or "").startswith("queue.switch_"):
                wanted.add(binding.description)
    wanted |= {label for _, label, _ in COLUMNS}
    wanted |= set(display.WORDS.values()) | set(display.WEEKDAYS) | set(display.MONTHS)
    wanted |= {f"sort.{mode}" for mode in SORTS}
    wanted |= {"palette", "Quit"}  # Textual's own app bindings, shown in our footer
    assert sorted(wanted - set(MESSAGES)) == []


def test_i18n_is_pure() -> None:
    assert offenders(modules_of("i18n"), ("textual", "rich", "oncall_tui.ui", "oncall_tui.jira", "httpx")) == []


# ---- formatting in German; English exactly as before ---------------------------------------------------------

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "english", "german"),
    [
        (timedelta(seconds=30), "30s ago", "vor 30 s"),
        (timedelta(minutes=5), "5 min ago", "vor 5 Min."),
        (timedelta(hours=2, minutes=5), "2 h 5 min ago", "vor 2 Std. 5 Min."),
        (timedelta(days=3, hours=4), "3 d 4 h ago", "vor 3 Tg. 4 Std."),
        (-timedelta(minutes=7), "in 7 min", "in 7 Min."),
    ],
)
def test_relative_times(delta: timedelta, english: str, german: str) -> None:
    assert display.relative(NOW - delta, NOW) == english
    assert display.relative(NOW - delta, NOW, DE) == german


def test_local_time_in_german_and_english() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    when = datetime(2026, 3, 1, 20, 35, tzinfo=UTC)
    assert display.local_time(when, berlin) == "Sun 01 Mar 21:35 CET"
    assert display.local_time(when, berlin, tr=DE) == "So 01. Mär 21:35 CET"
    # Relative to "now": today's time alone, the day before or after named, later this week by weekday.
    assert display.local_time(when, berlin, tr=DE, now=when) == "21:35 CET"
    assert display.local_time(when, berlin, tr=DE, now=when + timedelta(days=1)) == "gestern 21:35 CET"
    assert display.local_time(when, berlin, tr=DE, now=when - timedelta(days=1)) == "morgen 21:35 CET"
    assert display.local_time(when, berlin, tr=DE, now=when - timedelta(days=3)) == "So 21:35 CET"
    assert display.local_time(when, berlin, tr=DE, now=when + timedelta(days=3)) == "So 01. Mär 21:35 CET"


def test_sla_words_keep_their_glyphs_apart() -> None:
    german = {display.sla_word(state, DE) for state in SlaState}
    assert len(german) == len(SlaState), "two states would read the same"
    assert display.sla_word(SlaState.AT_RISK, DE) == "gefährdet"
    assert display.sla_word(SlaState.OUTSIDE_HOURS, DE) == "außerhalb der Servicezeit"
    # The table's short words fit the 9-column SLA cell next to the glyph.
    assert all(len(display.sla_word(s, DE, short=True)) <= 7 for s in (SlaState.MET, SlaState.FAILED))
    assert [display.sla_word(s) for s in SlaState] == [display.WORDS[s] for s in SlaState]


def test_live_state_in_german_full_and_compact() -> None:
    english = live_state(NOW - timedelta(seconds=3), NOW, 15.0)
    assert (english.text, english.compact, english.css_class) == ("● live · updated 3 s ago", "● live 3s", "-live")
    unreachable = DnsError()
    german = live_state(NOW - timedelta(minutes=5), NOW, 15.0, unreachable, 12, DE)
    assert (german.text, german.compact) == ("✖ offline · neuer Versuch in 12 s · Daten 5 Min. alt", "✖ offline 12 s")
    stale = live_state(NOW - timedelta(seconds=90), NOW, 15.0, None, None, DE)
    assert stale.text == "◌ veraltet · aktualisiert vor 90 s" and stale.css_class == "-stale"
    assert live_state(None, NOW, 15.0, None, None, DE).text == "○ verbinde…"
