"""The top line: site, user, live state and the clock; and the queue tabs with live counts."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator


class LiveState(NamedTuple):
    text: str  # "● live · updated 3 s ago"
    compact: str  # "● live 3s", for narrow terminals
    css_class: str


def live_state(
    last_ok: datetime | None, now: datetime, interval: float, offline: bool, tr: Translator = ENGLISH
) -> LiveState:
    """Connection state and the age of the last successful poll, in full and compact forms."""
    if last_ok is None:
        if offline:
            head = tr("✖ offline")
            return LiveState(head, head, "-offline")
        head = tr("○ connecting…")
        return LiveState(head, head, "-connecting")
    ago = max(0, int((now - last_ok).total_seconds()))
    if ago < 120:
        when, short = tr("updated {seconds} s ago", seconds=ago), tr("{seconds}s", seconds=ago)
    else:
        when, short = tr("updated {minutes} min ago", minutes=ago // 60), tr("{minutes}m", minutes=ago // 60)
    if offline:
        head, css = tr("✖ offline"), "-offline"
    elif ago > max(3 * interval, 45):
        head, css = tr("◌ stale"), "-stale"
    else:
        head, css = tr("● live"), "-live"
    return LiveState(f"{head} · {when}", f"{head} {short}", css)


class _Line(Static):
    """A one-line widget that repaints only when its text changes (it is refreshed every second)."""

    _shown: tuple[str, str] | None = None

    def _show(self, text: Text) -> None:
        signature = (text.plain, repr(text.spans))
        if signature != self._shown:
            self._shown = signature
            self.update(text)


class StatusBar(_Line):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    """

    tr: Translator = ENGLISH

    def _line(self, site: str, user: str | None, state: str, readonly: bool, *, brand: bool) -> Text:
        text = Text()
        if brand:
            text.append("oncall-tui", style=Style(bold=True))
            text.append(" · ")
        text.append(sanitize_line(site))
        if user:
            text.append(f" · {sanitize_line(user)}")
        if readonly:
            text.append(f" · {self.tr('read-only')}", style=Style(bold=True))
        text.append(f" · {state}")
        return text

    def render_status(
        self,
        *,
        site: str,
        user: str | None,
        state: LiveState,
        now: datetime,
        tz: ZoneInfo | None,
        readonly: bool,
    ) -> None:
        clock = now.astimezone(tz).strftime("%H:%M %Z")
        width = max(self.size.width - 2, 0)
        text = self._line(site, user, state.text, readonly, brand=True)
        if len(text.plain) + 1 + len(clock) > width:
            # Narrow terminal: drop the brand and shorten the live state ("● live · updated 3 s ago" ->
            # "● live 3s"), so the clock and the state always fit.
            text = self._line(site, user, state.compact, readonly, brand=False)
        pad = width - len(text.plain) - len(clock)
        if pad < 1:
            text.truncate(max(width - len(clock) - 2, 0))
            text.append("…")
            pad = 1
        text.append(" " * pad + clock)
        for cls in ("-live", "-stale", "-offline", "-connecting"):
            self.set_class(cls == state.css_class, cls)
        self._show(text)


class QueueTabs(_Line):
    DEFAULT_CSS = """
    QueueTabs { height: 1; padding: 0 1; }
    """

    def render_tabs(self, names: list[str], counts: dict[str, int], active: str) -> None:
        text = Text()
        for i, name in enumerate(names, start=1):
            count = counts.get(name)
            label = f"[{i} {sanitize_line(name)}{'' if count is None else f' {count}'}]"
            text.append(label, style=Style(reverse=True, bold=True) if name == active else Style())
            text.append(" ")
        self._show(text)
