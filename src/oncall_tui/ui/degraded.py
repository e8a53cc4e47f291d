"""The words for degraded mode: while Jira cannot be reached or keeps failing, the rows stay on screen and one
line over the table says what is wrong, since when, how old the rows are, what waits to be sent and when the
next try comes ("offline since 12:03 · data from 12:02 · 2 queued · retrying in 8 s")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from oncall_tui import display as fmt
from oncall_tui.i18n import Translator
from oncall_tui.sync.connection import Connection
from oncall_tui.ui.words import error_label

# Marks a countdown drawn from the last known SLA state while Jira cannot confirm it: a character, so it reads
# in monochrome and with NO_COLOR.
ESTIMATE_MARK = "≈"
ASCII_ESTIMATE_MARK = "~"


def estimate_mark(*, ascii_only: bool) -> str:
    return ASCII_ESTIMATE_MARK if ascii_only else ESTIMATE_MARK


def _when(then: datetime, now: datetime, tz: ZoneInfo | None, tr: Translator) -> str:
    # A bare clock time for today (the common case, and short); the day named otherwise.
    if then.astimezone(tz).date() == now.astimezone(tz).date():
        return then.astimezone(tz).strftime("%H:%M")
    return fmt.local_time(then, tz, tr=tr, now=now)


def degraded_banner(
    connection: Connection,
    *,
    as_of: datetime | None,
    queued: int,
    next_try_in: int | None,
    now: datetime,
    tz: ZoneInfo | None,
    tr: Translator,
) -> str | None:
    """The banner's text, or None while the connection is not degraded."""
    if not connection.degraded or connection.error is None:
        return None
    what = error_label(connection.error, tr)
    parts = [
        tr("{what} since {time}", what=what, time=_when(connection.since, now, tz, tr)) if connection.since else what
    ]
    if as_of is not None:
        parts.append(tr("data from {time}", time=_when(as_of, now, tz, tr)))
    if queued > 0:
        parts.append(tr("{count} queued", count=queued))
    parts.append(tr("retrying…") if next_try_in is None else tr("retrying in {seconds} s", seconds=next_try_in))
    return " · ".join(parts)
