"""Pieces of the escalation pane: contacts' local times and night hours, short times, and a line packer that
drops whole pieces (a phone number, a time) rather than cutting them, and cuts only names and words.

Textual-free (Rich only), so the pane's text can be tested at any width without a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from oncall_tui import display as fmt
from oncall_tui.domain.oncall import Source
from oncall_tui.i18n import ENGLISH, Translator

# Night hours in the contact's own time: from 22:00 until 07:00 a call wakes someone up.
NIGHT_STARTS = 22
NIGHT_ENDS = 7

MOON = "☽"
ASCII_MOON = "z"

SOURCE_WORDS: dict[Source, str] = {
    Source.JSM_OPS_SCHEDULE: "JSM Ops schedule",
    Source.JSM_OPS_TEAM: "JSM Ops team",
    Source.CONFIG_ROTA: "config rota",
    Source.FIXED: "fixed",
    Source.JIRA_LEADS: "Jira leads",
}


def zone(name: str | None) -> ZoneInfo | None:
    """The contact's time zone, or None when Jira named none or one this machine does not know."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def place(tz: ZoneInfo) -> str:
    """ "Asia/Tokyo" -> "Tokyo", "America/Argentina/Buenos_Aires" -> "Buenos Aires"; "UTC" stays."""
    return str(tz.key).rsplit("/", 1)[-1].replace("_", " ")


def is_night(local: datetime) -> bool:
    return local.hour >= NIGHT_STARTS or local.hour < NIGHT_ENDS


def short_time(when: datetime, tz: ZoneInfo | None, now: datetime, tr: Translator = ENGLISH) -> str:
    """A time in the user's zone as short as it can be unambiguous: "09:00" today, "Mon 09:00" within the
    coming week, "Mon 02 Mar 09:00" beyond (or in the past, beyond yesterday)."""
    local = when.astimezone(tz)
    days = (local.date() - now.astimezone(tz).date()).days
    clock = local.strftime("%H:%M")
    if days == 0:
        return clock
    weekday = tr(fmt.WEEKDAYS[local.weekday()])
    if 0 < days < 7:
        return f"{weekday} {clock}"
    return f"{weekday} {local.day:02d} {tr(fmt.MONTHS[local.month - 1])} {clock}"


# ---- packing pieces into lines ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text on a line. `cut`: may end in an ellipsis (names, words); otherwise it is shown whole or
    not at all (numbers, times, addresses someone might read off the screen). Lower `rank` is dropped later."""

    text: str
    style: Style | None = None
    cut: bool = False
    rank: int = 0
    gap: str = " "  # what separates it from the piece before


def _width(pieces: Sequence[Piece]) -> int:
    return sum(cell_len(p.text) + (cell_len(p.gap) if i else 0) for i, p in enumerate(pieces))


def pack(pieces: Sequence[Piece], width: int, *, ascii_only: bool = False, base: Style | None = None) -> Text:
    """One line of at most `width` cells: whole pieces dropped from the highest rank down until the rest fits,
    then the first cuttable piece cut with an ellipsis."""
    kept = [p for p in pieces if p.text]
    while _width(kept) > width:
        droppable = [p for p in kept if not p.cut and p.rank > 0]
        if not droppable:
            break
        worst = max(droppable, key=lambda p: p.rank)
        kept.remove(worst)
    over = _width(kept) - width
    if over > 0:
        for i, piece in enumerate(kept):
            if piece.cut:
                room = max(cell_len(piece.text) - over, 1)
                kept[i] = Piece(
                    fmt.fit(piece.text, room, ascii_only=ascii_only), piece.style, True, piece.rank, piece.gap
                )
                break
    line = Text(style=base or "")
    for i, piece in enumerate(kept):
        if i:
            line.append(piece.gap)
        line.append(piece.text, style=piece.style or "")
    return fmt.fit_text(line, width, ascii_only=ascii_only)


def flow(pieces: Iterable[Piece], width: int, indent: str, *, ascii_only: bool = False) -> list[Text]:
    """Pieces over as many lines as they need, each line starting with `indent`; a piece longer than a whole
    line is cut if cuttable and left out otherwise (a number is never shown in part)."""
    lines: list[Text] = []
    current: list[Piece] = []
    room = width - cell_len(indent)
    for piece in pieces:
        if not piece.text:
            continue
        if current and _width([*current, piece]) > room:
            lines.append(
                pack([Piece(indent), *[_glued(p, i) for i, p in enumerate(current)]], width, ascii_only=ascii_only)
            )
            current = []
        if not current and cell_len(piece.text) > room and not piece.cut:
            continue
        current.append(piece)
    if current:
        lines.append(
            pack([Piece(indent), *[_glued(p, i) for i, p in enumerate(current)]], width, ascii_only=ascii_only)
        )
    return lines


def _glued(piece: Piece, index: int) -> Piece:
    # The first piece of a line follows the indent directly; its gap belongs between pieces only.
    return Piece(piece.text, piece.style, piece.cut, piece.rank, piece.gap if index else "")


def wrap_words(
    text: str, width: int, indent: str, *, style: Style | None = None, ascii_only: bool = False
) -> list[Text]:
    """A sentence (a problem, in words) wrapped at spaces; one word longer than a line is cut."""
    return flow((Piece(word, style, cut=True) for word in text.split()), width, indent, ascii_only=ascii_only)
