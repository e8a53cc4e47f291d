from __future__ import annotations

import re

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
