"""Make text from Jira safe to show in a terminal, and as wide on screen as the layout thinks it is.

Everything that comes from Jira is untrusted: a summary can carry escape sequences that would recolour,
retitle or even rewrite the engineer's terminal. `sanitize` removes them; Rich/Textual markup is left
alone on purpose, because escaping it is the renderer's job (it must print literally, not vanish).

Tables are laid out with Rich's idea of how many cells a string takes; the terminal has its own, and where
they disagree a row shifts by a column or more. Terminals disagree with Rich, and with each other, on
variation selectors (VS16 makes "❤" two cells wide for Rich, one for tmux), ZWJ sequences (one emoji for
some, several for others), emoji skin-tone modifiers, zero-width format characters, TAG characters, code
points unassigned in the Unicode version at hand, and a few symbols whose width changed in Unicode 16. Those
are removed or replaced by something every terminal measures alike (measured in tmux, where the next column
starts). Known and left alone: the spacing vowel signs of Indic scripts (category Mc) are zero cells to Rich
and one to the terminal; removing them would garble the words.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["sanitize", "sanitize_line"]

# Order matters: string-type sequences (OSC, DCS, SOS, PM, APC) first, because their payload may contain
# bytes that look like other sequences. An unterminated payload is cut at the end of the line so that a
# stray ESC cannot swallow the rest of a comment.
_ESC_SEQUENCE = re.compile(
    r"""
      \x1b[\]PX^_] [^\x07\x1b\x9c\n]* (?:\x07|\x1b\\|\x9c)?   # 7-bit OSC / DCS / SOS / PM / APC
    | [\x90\x98\x9d\x9e\x9f] [^\x07\x1b\x9c\n]* (?:\x07|\x1b\\|\x9c)?   # the same, 8-bit introducers
    | \x1b\[ [0-?]* [\x20-/]* [@-~]?                          # 7-bit CSI (colours, cursor moves ...)
    | \x9b [0-?]* [\x20-/]* [@-~]?                            # 8-bit CSI
    | \x1b [\x20-/]* [0-~]                                    # other escapes: ESC c, ESC ( B, ESC 7 ...
    """,
    re.VERBOSE,
)

REPLACEMENT = "\ufffd"

# Invisible, but each terminal decides how they change the width of their neighbours (inclusive ranges).
_INVISIBLE: tuple[tuple[int, int], ...] = (
    (0x180B, 0x180D),  # Mongolian free variation selectors (U+180E, the vowel separator, is a format character)
    (0x180F, 0x180F),
    (0xFE00, 0xFE0F),  # variation selectors, VS15 (text) and VS16 (emoji presentation) among them
    (0xE0100, 0xE01EF),  # variation selectors supplement
    (0xE0000, 0xE007F),  # TAG characters (subdivision flags; a hidden-text channel), assigned or not
    (0x1F3FB, 0x1F3FF),  # emoji skin-tone modifiers: part of the emoji for Rich, two more cells for tmux
    # Hangul fillers: blank letters (a favourite for invisible names), 0 to 2 cells depending on who asks.
    (0x115F, 0x1160),
    (0x3164, 0x3164),
    (0xFFA0, 0xFFA0),
)
# Visible, but two cells in Unicode 16 (and so in Rich) and one in terminals that follow an older Unicode,
# or the other way round: shown as U+FFFD, one cell everywhere.
_DISPUTED_WIDTH: tuple[tuple[int, int], ...] = (
    (0x2630, 0x2637),  # trigrams
    (0x268A, 0x268F),  # monograms and digrams
    (0x3248, 0x324F),  # circled numbers on black squares
    (0x1D300, 0x1D356),  # Tai Xuan Jing symbols
    (0x1D360, 0x1D376),  # counting rod numerals
)
_KEPT = ("\t", "\n")


def _in(ranges: tuple[tuple[int, int], ...], codepoint: int) -> bool:
    return any(low <= codepoint <= high for low, high in ranges)


def _fate(codepoint: int) -> int | str | None:
    """What `sanitize` makes of one code point: itself, a replacement string, or None (removed)."""
    char = chr(codepoint)
    if char in _KEPT:
        return codepoint
    if char in "\u2028\u2029":  # line and paragraph separator: a line break, as everywhere else in Jira text
        return "\n"
    category = unicodedata.category(char)
    # Cc: C0 controls but tab and newline, DEL, C1. Cf: zero-width format characters (ZWSP, ZWJ, ZWNJ, word
    # joiner, BOM, soft hyphen, LRM/RLM/ALM and the bidirectional embeddings, overrides and isolates, which
    # can make a summary display as something other than it is).
    if category in ("Cc", "Cf") or _in(_INVISIBLE, codepoint):
        return None
    # Cn: unassigned here (Python's Unicode), so of unknown width; Cs: a lone surrogate, which cannot even be
    # encoded for the terminal.
    if category in ("Cn", "Cs") or _in(_DISPUTED_WIDTH, codepoint):
        return REPLACEMENT
    return codepoint


class _Table(dict[int, int | str | None]):
    """`str.translate` table that decides each code point once, the first time it is seen.

    Only the Basic Multilingual Plane is remembered (at most 65,536 entries): text from a hostile server could
    otherwise walk all 1.1 million code points through it and grow it by a hundred megabytes."""

    def __missing__(self, codepoint: int) -> int | str | None:
        fate = _fate(codepoint)
        if codepoint <= 0xFFFF:
            self[codepoint] = fate
        return fate


_TABLE = _Table()


def _drop_baseless_marks(text: str) -> str:
    """Combining marks at the start of a line have no letter to sit on: the terminal would put them on
    whatever it drew before (the cell to the left)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        start = 0
        while start < len(line) and unicodedata.category(line[start]).startswith("M"):
            start += 1
        if start:
            lines[i] = line[start:]
    return "\n".join(lines)


def sanitize(text: str) -> str:
    """Return `text` without terminal control characters, escape sequences, or characters whose width
    terminals disagree on; NFC-normalised.

    Newlines are normalised to ``\\n`` (a bare ``\\r`` would let text overwrite the start of its line), and
    U+2028 / U+2029 become ``\\n`` too; tabs and newlines survive, every other C0 control, DEL, every C1
    control and every format character is removed.
    """
    if not isinstance(text, str):
        return ""
    if text.isascii() and text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESC_SEQUENCE.sub("", text)
    # Remove first, then compose: "e", ZWJ, U+0301 must become "é", not "e" and a loose accent.
    text = unicodedata.normalize("NFC", text.translate(_TABLE))
    return _drop_baseless_marks(text) if not text.isascii() else text


def sanitize_line(text: str) -> str:
    """`sanitize`, then fold the text onto one line (for summaries, names and other table cells)."""
    cleaned = sanitize(text)
    if "\n" in cleaned or "\t" in cleaned:
        cleaned = " ".join(cleaned.split())
    cleaned = cleaned.strip()
    return _drop_baseless_marks(cleaned) if not cleaned.isascii() else cleaned
