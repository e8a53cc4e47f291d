"""The ASCII fallback's safety net: a line filter that turns the typographic characters the app itself draws
(separators, dashes, arrows, state glyphs, box drawing, block elements) into ASCII of the same width.

Widgets already pick ASCII glyphs when `ui.ascii` is on (or the locale is not UTF-8); this catches everything
else that reaches the screen, Textual's own drawing and the app's punctuation included, so the fallback is
complete by construction rather than by remembering every string. Letters are left alone: a name with an umlaut
is Jira's data, shown as Jira sends it.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

_SINGLE = {
    "·": "|",
    "•": "*",
    "—": "-",
    "–": "-",
    "‐": "-",
    "“": '"',
    "”": '"',
    "„": '"',
    "‘": "'",
    "’": "'",
    "‚": "'",
    "«": '"',
    "»": '"',
    "…": ".",
    "→": ">",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "▲": "^",
    "▼": "v",
    "●": "*",
    "○": "o",
    "◌": "~",
    "✖": "X",
    "✗": "x",
    "✔": "+",
    "⚠": "!",
    "‖": "=",
    "☾": "z",
    "☽": "z",  # night where an escalation contact is
    "▸": ">",  # the current escalation level
    "×": "x",
    "\u00a0": " ",
}


def _table() -> dict[int, str]:
    table = {ord(k): v for k, v in _SINGLE.items()}
    for code in range(0x2500, 0x2580):  # box drawing
        name_is_vertical = code in (0x2502, 0x2503, 0x2506, 0x2507, 0x250A, 0x250B, 0x2551, 0x257D, 0x257F)
        name_is_horizontal = code in (0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509, 0x2550, 0x257C, 0x257E)
        table[code] = "|" if name_is_vertical else "-" if name_is_horizontal else "+"
    for code in range(0x2580, 0x25A0):  # block elements: half blocks, eighths, shades
        table[code] = "|" if code in (0x258F, 0x2595, 0x258E, 0x258D) else "#"
    return table


ASCII_TABLE = _table()


def to_ascii(text: str) -> str:
    return text.translate(ASCII_TABLE)


class AsciiFilter(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [Segment(to_ascii(text), style, control) for text, style, control in segments]
