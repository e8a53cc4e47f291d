from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.domain.text import sanitize, sanitize_line

FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31mred\x1b[0m", "red"),  # SGR colour
        ("\x1b[2J\x1b[Hwiped", "wiped"),  # clear screen, cursor home
        ("\x1b[?1049hx", "x"),  # private-mode CSI
        ("\x1b]0;pwned\x07title", "title"),  # OSC window title, BEL-terminated
        ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink, ST-terminated
        ("\x1b]52;c;ZWNobyBoaQ==\x07clip", "clip"),  # OSC 52 clipboard write
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),  # DCS
        ("\x1b_apc payload\x1b\\a", "a"),  # APC
        ("\x1bcreset", "reset"),  # RIS
        ("\x1b(Bcharset", "charset"),  # designate G0
        ("\x1b7saved\x1b8", "saved"),
        ("\x9b31mc1csi", "c1csi"),  # 8-bit CSI
        ("\x9d0;title\x9cc1osc", "c1osc"),  # 8-bit OSC with 8-bit ST
        ("next\x85line\x8dup", "nextlineup"),  # bare C1 controls
        ("bell\x07back\x08space\x00nul\x7fdel", "bellbackspacenuldel"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("windows\r\nline", "windows\nline"),
        ("over\rwrite", "over\nwrite"),
        ("lone escape at end\x1b", "lone escape at end"),
        ("\x1b\x1b[31mdouble", "double"),
    ],
)
def test_sanitize_removes_control_sequences(raw: str, clean: str) -> None:
    assert sanitize(raw) == clean


def test_unterminated_osc_is_cut_at_the_end_of_its_line_only() -> None:
    assert sanitize("\x1b]0;title without end\nsecond line") == "\nsecond line"


@pytest.mark.parametrize(
    "text",
    [
        "[bold]x[/]",  # Rich markup is the renderer's business, it must survive verbatim
        "[red]Kündigung[/red] für Müller",
        "Störung im Händlerportal ✖ ⚠",
        "مشکل در سرور",
        "plain ascii",
        "",
    ],
)
def test_sanitize_keeps_ordinary_text(text: str) -> None:
    assert sanitize(text) == text


def test_sanitize_line_folds_whitespace() -> None:
    assert sanitize_line("  Checkout\n502\t\x1b[1mDE\x1b[0m  ") == "Checkout 502 DE"
    assert sanitize_line("  padded  ") == "padded"


def test_non_strings_become_empty() -> None:
    assert sanitize(None) == ""  # type: ignore[arg-type]
    assert sanitize_line(b"\x1b[31m") == ""  # type: ignore[arg-type]


HOSTILE = st.text(
    alphabet=st.sampled_from(["\x1b", "[", "]", "\\", "\x07", "\x9b", "\x9c", "\x9d", "\x85", "\r", "\n", "\t"])
    | st.characters(),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(HOSTILE)
def test_sanitize_never_leaves_control_characters_and_is_idempotent(text: str) -> None:
    once = sanitize(text)
    assert not FORBIDDEN.search(once)
    assert sanitize(once) == once
    line = sanitize_line(text)
    assert not FORBIDDEN.search(line) and "\n" not in line and "\t" not in line


def test_bidi_override_characters_are_removed() -> None:
    # U+202E would make "OPS-1 exe.txt" display reversed: a spoofing vector in summaries.
    assert sanitize("invoice\u202eexe.txt") == "invoiceexe.txt"
    assert sanitize("a\u2066b\u2069c") == "abc"


# ---- characters terminals measure differently ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("love ❤️ it", "love ❤ it"),  # VS16: two cells for Rich, one for tmux
        ("text ❤︎ style", "text ❤ style"),  # VS15
        ("keycap 1️⃣", "keycap 1⃣"),
        ("family 👨‍👩‍👧", "family 👨👩👧"),  # ZWJ sequence: one glyph for some terminals, three for others
        ("coder 🧑🏽‍💻", "coder 🧑💻"),  # skin-tone modifier and ZWJ
        ("ok 👍🏿", "ok 👍"),
        ("flag 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f!", "flag 🏴!"),  # TAG sequence
        ("hid\U000e0041\U000e0042den", "hidden"),  # TAG letters: invisible text
        ("a\u200bb\u200cc\u200dd\u2060e\ufefff\u00adg", "abcdefg"),  # ZWSP ZWNJ ZWJ WJ BOM soft hyphen
        ("OPS\u200e-\u200f1\u061c", "OPS-1"),  # LRM, RLM, ALM
        ("\u2061x\u2062y\u2063z\u2064", "xyz"),  # invisible operators (format characters)
        ("fvs\u180b\u180e", "fvs"),  # Mongolian free variation selector, vowel separator
        ("vs\U000e0100\U000e01ef", "vs"),  # variation selectors supplement
        ("blank\u3164\uffa0\u115f\u1160name", "blankname"),  # Hangul fillers
        ("menu ☰ ⚏ ㉈", "menu \ufffd \ufffd \ufffd"),  # wide since Unicode 16, or ambiguous: disputed widths
        ("new \U0001fae8 \u0378", "new \ufffd \ufffd"),  # unassigned in this Python's Unicode: width unknown
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),  # cannot even be encoded for the terminal
    ],
)
def test_sanitize_removes_or_replaces_what_terminals_measure_differently(raw: str, clean: str) -> None:
    assert sanitize(raw) == clean
    assert sanitize_line(raw) == clean


def test_line_and_paragraph_separators_are_line_breaks() -> None:
    assert sanitize("one\u2028two\u2029three") == "one\ntwo\nthree"
    assert sanitize_line("one\u2028two\u2029three") == "one two three"


def test_ordinary_text_survives_between_removed_characters_and_is_composed() -> None:
    # Decomposed accents (as macOS and some mail clients send them) are composed first, and a ZWJ between a
    # letter and its accent no longer separates them; CJK, Cyrillic, Greek, Hangul and RTL text stay as they are.
    raw = "Mu\u0308ller\u200d \u00c1gnes e\u200d\u0301 東京❤️障害 Сбой\u200b Ελληνικά 한국어 مشکل\u200f"
    assert sanitize_line(raw) == "Müller Ágnes é 東京❤障害 Сбой Ελληνικά 한국어 مشکل"


def test_a_combining_mark_with_nothing_to_sit_on_is_dropped() -> None:
    # It would land on whatever the terminal drew in the cell before (the neighbouring column).
    assert sanitize_line("\u0301\u0308accent first") == "accent first"
    assert sanitize_line(" \u200b\u0301x") == "x"
    assert sanitize("\u0301top\n\u0308second") == "top\nsecond"


REMOVED_EXAMPLES = [
    "\ufe0f", "\ufe0e", "\ufe00", "\U000e0100", "\u180b", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
    "\u00ad", "\u200e", "\u200f", "\u061c", "\u202e", "\u2066", "\U000e0001", "\U000e0041", "\U000e007f",
    "\u2028", "\u2029", "\U0001f3fb", "\U0001f3ff", "\u3164", "\uffa0", "\u115f", "\ud800", "\u0378", "\u2630",
]  # fmt: skip
TRICKY = st.text(
    alphabet=st.sampled_from([*REMOVED_EXAMPLES, "❤", "👍", "👨", "🇩", "🇪", "e", "\u0301", "\u0308", " ", "\n"])
    | st.characters(),
    max_size=40,
)


def never_shown(char: str) -> bool:
    cp = ord(char)
    return (
        unicodedata.category(char) in ("Cf", "Cn", "Cs", "Zl", "Zp")
        or (unicodedata.category(char) == "Cc" and char not in "\t\n")
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0000 <= cp <= 0xE01EF
        or 0x180B <= cp <= 0x180F
        or 0x1F3FB <= cp <= 0x1F3FF
        or char in "\u115f\u1160\u3164\uffa0"
    )


@settings(max_examples=300, deadline=None)
@given(TRICKY)
def test_sanitized_text_never_holds_what_terminals_measure_differently(text: str) -> None:
    for cleaned in (sanitize(text), sanitize_line(text)):
        assert not [c for c in cleaned if never_shown(c)], cleaned
        assert unicodedata.is_normalized("NFC", cleaned)
        assert sanitize(cleaned) == cleaned
        for line in cleaned.split("\n"):
            assert not line or not unicodedata.category(line[0]).startswith("M")
    assert sanitize_line(sanitize_line(text)) == sanitize_line(text)
