"""How values look on screen and in `list`: SLA glyphs and words, countdowns, ages, short names.

Pure functions with no Textual, shared by the TUI and the plain-text commands.

Every SLA state has a glyph *and* a word, so it reads in monochrome and with NO_COLOR; colour only adds.
Glyphs are single-width BMP symbols with text presentation (no emoji: terminals disagree on their width),
with an ASCII fallback for terminals and fonts that lack them; so is the mark of cut text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text

from oncall_tui.domain.sla import AtRiskThresholds, SlaClock, SlaState
from oncall_tui.i18n import ENGLISH, Translator

GLYPHS: dict[SlaState, str] = {
    SlaState.RUNNING: "●",
    SlaState.AT_RISK: "⚠",
    SlaState.BREACHED: "✖",
    SlaState.PAUSED: "‖",
    SlaState.OUTSIDE_HOURS: "☾",
    SlaState.MET: "✔",
    SlaState.FAILED: "✗",
}
ASCII_GLYPHS: dict[SlaState, str] = {
    SlaState.RUNNING: ">",
    SlaState.AT_RISK: "!",
    SlaState.BREACHED: "X",
    SlaState.PAUSED: "=",
    SlaState.OUTSIDE_HOURS: "z",
    SlaState.MET: "+",
    SlaState.FAILED: "x",
}
WORDS: dict[SlaState, str] = {
    SlaState.RUNNING: "running",
    SlaState.AT_RISK: "at risk",
    SlaState.BREACHED: "breached",
    SlaState.PAUSED: "paused",
    SlaState.OUTSIDE_HOURS: "outside hours",
    SlaState.MET: "met",
    SlaState.FAILED: "failed",
}

# Weekday and month abbreviations by index, as English strftime spells them; the catalog translates them.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

PRIORITY_SHORT = {"highest": "P1", "high": "P2", "medium": "P3", "low": "P4", "lowest": "P5"}


def ellipsis(*, ascii_only: bool = False) -> str:
    return "..." if ascii_only else "…"


def fit(text: str, width: int, *, ascii_only: bool = False) -> str:
    """`text` in at most `width` terminal cells, cut with an ellipsis when it is longer."""
    if cell_len(text) <= width:
        return text
    mark = ellipsis(ascii_only=ascii_only)
    room = width - cell_len(mark)
    if room <= 0:
        return mark[: max(width, 0)]
    out: list[str] = []
    used = 0
    for ch in text:
        size = get_character_cell_size(ch)
        if used + size > room:
            break
        out.append(ch)
        used += size
    return "".join(out).rstrip() + mark


def fit_text(text: Text, width: int, *, ascii_only: bool = False) -> Text:
    """A styled `Text` cut to `width` cells with an ellipsis (styles kept on what remains)."""
    if cell_len(text.plain) <= width:
        return text
    mark = ellipsis(ascii_only=ascii_only)
    cut = text.copy()
    cut.truncate(max(width - cell_len(mark), 0))
    cut.rstrip()
    cut.append(mark)
    return cut


def glyph(state: SlaState, *, ascii_only: bool = False) -> str:
    return (ASCII_GLYPHS if ascii_only else GLYPHS)[state]


def sla_word(state: SlaState, tr: Translator = ENGLISH, *, short: bool = False) -> str:
    """The state's word in the UI language; `short` for the 9-column table cell, where some German words
    would not fit (the English short words are the full ones)."""
    return tr.short(WORDS[state]) if short else tr(WORDS[state])


def countdown(remaining: timedelta) -> str:
    """h:mm for the table ("0:12", "-0:05", "27:40"); days past 99 hours ("5d 3h")."""
    total = int(remaining.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    if total >= 100 * 3600:
        days, rest = divmod(total, 86400)
        return f"{sign}{days}d {rest // 3600}h"
    # Floor toward zero on minutes, so "0:00" means under a minute, not "breached".
    hours, rest = divmod(total, 3600)
    return f"{sign}{hours}:{rest // 60:02d}"


def countdown_seconds(remaining: timedelta) -> str:
    """h:mm:ss for the detail pane ("0:12:31", "-1:02:03")."""
    total = int(remaining.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def duration(ms: int | None) -> str:
    if ms is None:
        return "—"
    minutes = abs(ms) // 60000
    hours, minutes = divmod(minutes, 60)
    sign = "-" if ms < 0 else ""
    if hours and minutes:
        return f"{sign}{hours}h {minutes}m"
    if hours:
        return f"{sign}{hours}h"
    return f"{sign}{minutes}m"


def age(created: datetime | None, now: datetime) -> str:
    if created is None:
        return "—"
    seconds = max(0, int((now - created).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400 * 2:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def relative(then: datetime | None, now: datetime, tr: Translator = ENGLISH, *, seconds_shown: bool = True) -> str:
    """ "5 min ago", "in 2 h 3 min" ("vor 5 Min.", "in 2 Std. 3 Min."). Without `seconds_shown` the first minute
    is "just now", so the text changes once a minute at most (long panes are not repainted every second)."""
    if then is None:
        return "—"
    seconds = int((now - then).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60 and not seconds_shown:
        return tr("just now")
    if seconds < 60:
        text = tr("{seconds}s", seconds=seconds)
    elif seconds < 3600:
        text = tr("{minutes} min", minutes=seconds // 60)
    elif seconds < 86400:
        text = tr("{hours} h {minutes} min", hours=seconds // 3600, minutes=seconds % 3600 // 60)
    else:
        text = tr("{days} d {hours} h", days=seconds // 86400, hours=seconds % 86400 // 3600)
    return tr("in {time}", time=text) if future else tr("{time} ago", time=text)


def local_time(
    when: datetime | None,
    tz: ZoneInfo | None,
    *,
    tr: Translator = ENGLISH,
    now: datetime | None = None,
) -> str:
    """ "Mon 02 Mar 09:30 CET". Given `now`, a time on the same local day is just "09:30 CET", the next or the
    previous day's "tomorrow 09:30 CET" / "yesterday 09:30 CET", one later this week "Thu 09:30 CET": a bare clock
    time is only ever today's, and a weekday only ever an upcoming one."""
    if when is None:
        return "—"
    local = when.astimezone(tz)
    if now is not None:
        days = (local.date() - now.astimezone(tz).date()).days
        clock = local.strftime("%H:%M %Z")
        if days == 0:
            return clock
        if days == 1:
            return tr("tomorrow {time}", time=clock)
        if days == -1:
            return tr("yesterday {time}", time=clock)
        if 1 < days < 7:
            return tr("{weekday} {time}", weekday=tr(WEEKDAYS[local.weekday()]), time=clock)
    if tr.language == "en":
        return local.strftime("%a %d %b %H:%M %Z")
    return tr(
        "{weekday} {day} {month} {time}",
        weekday=tr(WEEKDAYS[local.weekday()]),
        day=f"{local.day:02d}",
        month=tr(MONTHS[local.month - 1]),
        time=local.strftime("%H:%M %Z"),
    )


def short_priority(name: str | None) -> str:
    if not name:
        return "—"
    return PRIORITY_SHORT.get(name.lower(), name[:3])


def short_name(display_name: str | None) -> str:
    """ "Anna Schmidt" -> "A. Schmidt"; single names stay whole."""
    if not display_name:
        return "—"
    parts = display_name.split()
    if len(parts) < 2:
        return display_name
    return f"{parts[0][0]}. {' '.join(parts[1:])}"


def short_status(name: str, width: int = 13) -> str:
    """Fit a status name into the table column: "Waiting for customer" -> "Wait customer"."""
    if len(name) <= width:
        return name
    if name.lower().startswith("waiting for "):
        name = "Wait " + name[len("waiting for ") :]
    return name if len(name) <= width else name[: width - 1] + "…"


_URGENT = (SlaState.BREACHED, SlaState.AT_RISK, SlaState.RUNNING)
_STOPPED = (SlaState.PAUSED, SlaState.OUTSIDE_HOURS)


def headline_sla(slas: Sequence[SlaClock], now: datetime, thresholds: AtRiskThresholds) -> SlaClock | None:
    """The SLA to show in one cell: the ticking one with least time left (breached first); else the stopped
    (paused / outside hours) one with least time left; None when every SLA is completed or there is none."""
    for states in (_URGENT, _STOPPED):
        best: tuple[timedelta, int, SlaClock] | None = None
        for i, sla in enumerate(slas):
            if sla.state_at(now, thresholds) not in states:
                continue
            remaining = sla.remaining_at(now)
            # Clocks with nothing to count down rank after all others; `i` keeps Jira's order on ties.
            key = (remaining if remaining is not None else timedelta.max, i, sla)
            if best is None or key[:2] < best[:2]:
                best = key
        if best is not None:
            return best[2]
    return None
