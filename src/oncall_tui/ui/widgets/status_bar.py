"""The top line: site, user, live state and the clock; and the queue tabs with live counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from oncall_tui import display as fmt
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.jira.errors import JiraError, RateLimited
from oncall_tui.sync.session import QueueStatus
from oncall_tui.ui.widgets.lines import ChangeOnly
from oncall_tui.ui.words import error_label


class LiveState(NamedTuple):
    text: str  # "● live · updated 3 s ago"
    compact: str  # "● live 3s", for narrow terminals
    css_class: str


# The connection's glyphs, with ASCII stand-ins (ui.ascii, or a terminal that is not UTF-8).
STATE_GLYPHS = {"live": "●", "stale": "◌", "failing": "◌", "offline": "✖", "connecting": "○"}
ASCII_STATE_GLYPHS = {"live": "*", "stale": "~", "failing": "~", "offline": "x", "connecting": "o"}


def _ago(seconds: int, tr: Translator) -> tuple[str, str]:
    if seconds < 120:
        return tr("updated {seconds} s ago", seconds=seconds), tr("{seconds}s", seconds=seconds)
    return tr("updated {minutes} min ago", minutes=seconds // 60), tr("{minutes}m", minutes=seconds // 60)


def live_state(
    last_ok: datetime | None,
    now: datetime,
    interval: float,
    error: JiraError | None = None,
    next_in: int | None = None,
    tr: Translator = ENGLISH,
    *,
    ascii_only: bool = False,
) -> LiveState:
    """The connection as the last poll left it, in full and compact forms.

    A failed poll shows at once, named for what it was (offline, rate-limited, HTTP 503, a login page ...),
    with when the next try comes; the age of the data shown stays visible beside it."""
    glyphs = ASCII_STATE_GLYPHS if ascii_only else STATE_GLYPHS
    ago = None if last_ok is None else max(0, int((now - last_ok).total_seconds()))
    if error is None:
        if ago is None:
            head = f"{glyphs['connecting']} {tr('connecting…')}"
            return LiveState(head, head, "-connecting")
        when, short = _ago(ago, tr)
        if ago > max(3 * interval, 45):
            head, css = f"{glyphs['stale']} {tr('stale')}", "-stale"
        else:
            head, css = f"{glyphs['live']} {tr('live')}", "-live"
        return LiveState(f"{head} · {when}", f"{head} {short}", css)
    label = error_label(error, tr)
    offline = label == tr("offline")
    head = f"{glyphs['offline' if offline else 'failing']} {label}"
    css = "-offline" if offline else "-stale"
    limited = isinstance(error, RateLimited)
    if next_in is None:
        retry, retry_short = tr("retrying…"), tr("retrying…")
    elif limited:
        retry, retry_short = tr("next try in {seconds} s", seconds=next_in), tr("{seconds}s", seconds=next_in)
    else:
        retry, retry_short = tr("retry in {seconds} s", seconds=next_in), tr("{seconds}s", seconds=next_in)
    full = [head, retry]
    if ago is not None:
        full.append(tr("data {age} old", age=_ago(ago, tr)[1]))
    return LiveState(" · ".join(full), f"{head} {retry_short}", css)


class _Line(ChangeOnly):
    """A one-line widget (refreshed every second, repainted only when its text changed)."""

    fixed_height = True

    def _show(self, text: Text) -> None:
        self.show_text(text)


class StatusBar(_Line):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    """

    tr: Translator = ENGLISH

    def _head(self, site: str, user: str | None, readonly: bool, *, brand: bool) -> Text:
        text = Text()
        if brand:
            text.append("oncall-tui", style=Style(bold=True))
            text.append(" · ")
        text.append(sanitize_line(site))
        if user:
            text.append(f" · {sanitize_line(user)}")
        if readonly:
            text.append(f" · {self.tr('read-only')}", style=Style(bold=True))
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
        ascii_only: bool = False,
        writes: str = "",
    ) -> None:
        """`writes` says what of the user's writes is not in Jira yet ("2 queued · 1 failed"), "" when nothing."""
        clock = now.astimezone(tz).strftime("%H:%M %Z")
        width = max(self.size.width - 2, 0)
        # The connection state and the clock always show; on narrow terminals the brand goes first, then the
        # long form of the state, and last the site and user are cut.
        for brand, live in ((True, state.text), (False, state.text), (False, state.compact)):
            head = self._head(site, user, readonly, brand=brand)
            tail = f" · {live}" + (f" · {writes}" if writes else "")
            room = width - cell_len(tail) - 1 - cell_len(clock)
            if cell_len(head.plain) <= room:
                break
        else:
            head = fmt.fit_text(head, max(room, 0), ascii_only=ascii_only)
        text = head + Text(tail)
        text.append(" " * max(1, width - cell_len(text.plain) - cell_len(clock)) + clock)
        for cls in ("-live", "-stale", "-offline", "-connecting"):
            self.set_class(cls == state.css_class, cls)
        self._show(text)


class QueueTabs(_Line):
    DEFAULT_CSS = """
    QueueTabs { height: 1; padding: 0 1; }
    """

    def render_tabs(
        self,
        names: list[str],
        status: Mapping[str, QueueStatus],
        active: str,
        *,
        held: Mapping[str, int | None] | None = None,
        ascii_only: bool = False,
    ) -> None:
        """One tab per queue with its count: "?" while the count is unknown (never a 0 nobody counted), "!" when
        Jira refuses the queue's JQL. `held` gives the store's own counts where they are current (the active
        queue, as its rows change within a poll)."""
        text = Text()
        for i, name in enumerate(names, start=1):
            st = status.get(name)
            if st is not None and st.jql_refused:
                count, mark = "!", Style(bold=True, reverse=True)
            else:
                known = (held or {}).get(name, st.count if st is not None else None)
                count = "?" if known is None else str(known)
                if st is not None and st.loading is not None:
                    count += "..." if ascii_only else "…"  # a first load still streaming in: not the whole queue
                mark = None
            style = Style(reverse=True, bold=True) if name == active else Style()
            text.append(f"[{i} {sanitize_line(name)} ", style=style)
            text.append(count, style=style + mark if mark is not None else style)
            text.append("]", style=style)
            text.append(" ")
        width = max(self.size.width - 2, 0)
        if width and cell_len(text.plain) > width:
            text = fmt.fit_text(text, width, ascii_only=ascii_only)
        self._show(text)
