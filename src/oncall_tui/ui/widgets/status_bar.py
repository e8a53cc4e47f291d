"""The top line: site, user, live state and the clock; and the queue tabs with live counts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from oncall_tui.domain.text import sanitize_line


def live_state(last_ok: datetime | None, now: datetime, interval: float, offline: bool) -> tuple[str, str]:
    """("● live · updated 3 s ago" | "◌ stale · …" | "✖ offline · …", css class)."""
    if last_ok is None:
        return ("○ connecting…", "-connecting") if not offline else ("✖ offline", "-offline")
    ago = max(0, int((now - last_ok).total_seconds()))
    when = f"updated {ago} s ago" if ago < 120 else f"updated {ago // 60} min ago"
    if offline:
        return f"✖ offline · {when}", "-offline"
    if ago > max(3 * interval, 45):
        return f"◌ stale · {when}", "-stale"
    return f"● live · {when}", "-live"


def compact_state(state: str) -> str:
    head, _, rest = state.partition(" · ")
    if rest.startswith("updated "):
        age = rest.removeprefix("updated ").removesuffix(" ago").replace(" s", "s").replace(" min", "m")
        return f"{head} {age}"
    return head


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

    @staticmethod
    def _line(site: str, user: str | None, state: str, readonly: bool, *, brand: bool) -> Text:
        text = Text()
        if brand:
            text.append("oncall-tui", style=Style(bold=True))
            text.append(" · ")
        text.append(sanitize_line(site))
        if user:
            text.append(f" · {sanitize_line(user)}")
        if readonly:
            text.append(" · read-only", style=Style(bold=True))
        text.append(f" · {state}")
        return text

    def render_status(
        self,
        *,
        site: str,
        user: str | None,
        state: str,
        state_class: str,
        now: datetime,
        tz: ZoneInfo | None,
        readonly: bool,
    ) -> None:
        clock = now.astimezone(tz).strftime("%H:%M %Z")
        width = max(self.size.width - 2, 0)
        text = self._line(site, user, state, readonly, brand=True)
        if len(text.plain) + 1 + len(clock) > width:
            # Narrow terminal: drop the brand and shorten the live state ("● live · updated 3 s ago" ->
            # "● live 3s"), so the clock and the state always fit.
            text = self._line(site, user, compact_state(state), readonly, brand=False)
        pad = width - len(text.plain) - len(clock)
        if pad < 1:
            text.truncate(max(width - len(clock) - 2, 0))
            text.append("…")
            pad = 1
        text.append(" " * pad + clock)
        for cls in ("-live", "-stale", "-offline", "-connecting"):
            self.set_class(cls == state_class, cls)
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
