"""`oncall-tui list`: one queue as an aligned table, tab-separated lines, or JSON (docs/list-json.md).

Remaining SLA time is computed against Jira's clock (serverInfo `serverTime`), not the local one: a script
on a jump host with a drifting clock must not report a breach that has not happened.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from oncall_tui.cli import EXIT_CONFIG, EXIT_JIRA, EXIT_OK, PROG
from oncall_tui.config import Config, ConfigError, QueueConfig, Secret, find_config_path, load_config, resolve_token
from oncall_tui.display import ASCII_GLYPHS, GLYPHS, countdown, headline_sla
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import AtRiskThresholds, SlaClock, SlaState
from oncall_tui.domain.text import sanitize_line
from oncall_tui.jira.errors import AuthError, InvalidJql, JiraError, PermissionDenied

__all__ = [
    "SCHEMA_VERSION",
    "Snapshot",
    "can_encode",
    "colour_enabled",
    "fetch_snapshot",
    "headline_sla",
    "load_cli_config",
    "pick_queue",
    "render_json",
    "render_plain",
    "render_table",
    "run_list",
    "snapshot_json",
    "write_text",
]

SCHEMA_VERSION = 1

_ANSI = {
    SlaState.BREACHED: "31;1",
    SlaState.FAILED: "31",
    SlaState.AT_RISK: "33;1",
    SlaState.RUNNING: "32",
    SlaState.MET: "32",
    SlaState.PAUSED: "2",
    SlaState.OUTSIDE_HOURS: "2",
}

# Terminal helpers (shared with `doctor`) ----------------------------------------------------------------


def colour_enabled(stream: TextIO, env: Any = os.environ) -> bool:
    """Colour only for a terminal, and never with NO_COLOR (https://no-color.org) or TERM=dumb."""
    if env.get("NO_COLOR", "") != "" or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def can_encode(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def write_text(stream: TextIO, text: str) -> None:
    """Write, replacing what the stream's encoding cannot show (a C locale must not crash a cron job)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.encode(encoding, "replace").decode(encoding, "replace")
    except LookupError:
        pass
    stream.write(text)
    stream.flush()


def display_width(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, width: int, *, ascii_only: bool = False) -> str:
    """Cut to `width` display columns, marking the cut with an ellipsis ("..." where only ASCII shows)."""
    if display_width(text) <= width:
        return text
    mark = "..." if ascii_only else "…"
    out, used = [], 0
    for c in text:
        w = display_width(c)
        if used + w > width - len(mark):
            break
        out.append(c)
        used += w
    return "".join(out) + mark


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


# Config ----------------------------------------------------------------------------------------------------


def load_cli_config(args: argparse.Namespace) -> Config:
    """The config named by --config / $ONCALL_TUI_CONFIG / the user dir, with --profile. Raises ConfigError."""
    return load_config(find_config_path(getattr(args, "config", None)), getattr(args, "profile", None))


def pick_queue(config: Config, name: str | None) -> QueueConfig:
    if name is None:
        return config.queues[0]
    for queue in config.queues:
        if queue.name == name:
            return queue
    # Forgive case: "mine" for "Mine" is what a tired engineer types.
    folded = [q for q in config.queues if q.name.casefold() == name.casefold()]
    if len(folded) == 1:
        return folded[0]
    names = ", ".join(json.dumps(q.name, ensure_ascii=False) for q in config.queues)
    raise ConfigError(config.path, f"no queue named {json.dumps(name, ensure_ascii=False)}; the queues are: {names}")


# Fetching --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    site: str
    queue: QueueConfig
    generated_at: datetime
    issues: tuple[Incident, ...]
    thresholds: AtRiskThresholds


async def jira_clock_offset(client: Any, local_now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> timedelta:
    """Jira's clock minus ours (zero when Jira does not say), measured at the middle of one serverInfo call."""
    before = local_now()
    try:
        info = await client.server_info()
    except (AuthError, PermissionDenied):
        return timedelta(0)
    after = local_now()
    server_time = info.server_time
    if server_time is None or server_time.tzinfo is None:
        return timedelta(0)
    return server_time - (before + (after - before) / 2)


async def fetch_snapshot(config: Config, queue: QueueConfig, token: str | Secret, **client_kwargs: Any) -> Snapshot:
    from oncall_tui.jira.client import JiraClient

    offset = timedelta(0)

    def now() -> datetime:
        return datetime.now(UTC) + offset

    async with JiraClient(config.jira, token, now=now, **client_kwargs) as client:
        offset = await jira_clock_offset(client)
        issues = await client.search(queue.jql)
        generated_at = now()
    return Snapshot(
        site=config.jira.url,
        queue=queue,
        generated_at=generated_at,
        issues=tuple(issues),
        thresholds=AtRiskThresholds(config.sla.at_risk_minutes, config.sla.at_risk_fraction),
    )


# JSON ------------------------------------------------------------------------------------------------------


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _seconds(delta: timedelta | None) -> int | None:
    # Floor, so that half a second past the breach is -1 ("breached"), not 0.
    return None if delta is None else math.floor(delta.total_seconds())


def _person_json(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {
        "display_name": sanitize_line(person.display_name),
        "account_id": person.account_id,
        "username": sanitize_line(person.username) if person.username else None,
    }


def _sla_json(sla: SlaClock, now: datetime, thresholds: AtRiskThresholds) -> dict[str, Any]:
    return {
        "name": sanitize_line(sla.name),
        "state": sla.state_at(now, thresholds).value,
        "remaining_seconds": _seconds(sla.remaining_at(now)),
        "breach_time": _iso(sla.breach_time),
        "goal_seconds": None if sla.goal_ms is None else sla.goal_ms // 1000,
    }


def _issue_json(issue: Incident, now: datetime, thresholds: AtRiskThresholds) -> dict[str, Any]:
    headline = headline_sla(issue.slas, now, thresholds)
    return {
        "key": sanitize_line(issue.key),
        "url": sanitize_line(issue.url),
        "summary": sanitize_line(issue.summary),
        "status": sanitize_line(issue.status),
        "status_category": issue.status_category.value,
        "priority": sanitize_line(issue.priority) if issue.priority else None,
        "assignee": _person_json(issue.assignee),
        "sla": _sla_json(headline, now, thresholds) if headline is not None else None,
        "slas": [_sla_json(s, now, thresholds) for s in issue.slas],
        "created": _iso(issue.created),
        "updated": _iso(issue.updated),
    }


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    now = snapshot.generated_at
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _iso(now),
        "site": snapshot.site,
        "queue": {"name": snapshot.queue.name, "jql": snapshot.queue.jql},
        "count": len(snapshot.issues),
        "issues": [_issue_json(i, now, snapshot.thresholds) for i in snapshot.issues],
    }


def render_json(snapshot: Snapshot, *, ascii_only: bool = False) -> str:
    return json.dumps(snapshot_json(snapshot), ensure_ascii=ascii_only, indent=2) + "\n"


# Text ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    key: str
    priority: str
    status: str
    assignee: str
    sla_name: str
    state: SlaState | None
    remaining: timedelta | None
    summary: str


def _rows(snapshot: Snapshot) -> list[_Row]:
    now = snapshot.generated_at
    rows = []
    for issue in snapshot.issues:
        sla = headline_sla(issue.slas, now, snapshot.thresholds)
        rows.append(
            _Row(
                key=sanitize_line(issue.key),
                priority=sanitize_line(issue.priority or ""),
                status=sanitize_line(issue.status),
                assignee=sanitize_line(issue.assignee.display_name) if issue.assignee else "",
                sla_name=sanitize_line(sla.name) if sla else "",
                state=sla.state_at(now, snapshot.thresholds) if sla else None,
                remaining=sla.remaining_at(now) if sla else None,
                summary=sanitize_line(issue.summary),
            )
        )
    return rows


def render_plain(snapshot: Snapshot) -> str:
    """Tab-separated, no header: key, priority, status, assignee, SLA name, SLA state, seconds left, summary."""
    lines = []
    for row in _rows(snapshot):
        seconds = _seconds(row.remaining)
        fields = [
            row.key,
            row.priority,
            row.status,
            row.assignee,
            row.sla_name,
            row.state.value if row.state else "",
            "" if seconds is None else str(seconds),
            row.summary,
        ]
        lines.append("\t".join(fields) + "\n")
    return "".join(lines)


def render_table(
    snapshot: Snapshot, *, colour: bool = False, ascii_only: bool = False, width: int | None = None
) -> str:
    """An aligned table. With a terminal `width`, long status, assignee and SLA names are cut first, then the
    summary (kept at least 20 columns wide); None never cuts anything."""
    glyphs = ASCII_GLYPHS if ascii_only else GLYPHS
    none = "-" if ascii_only else "—"
    header = ["Key", "Priority", "Status", "Assignee", "SLA", "State", "Left", "Summary"]
    cells: list[list[str]] = []
    states: list[SlaState | None] = []
    for row in _rows(snapshot):
        state_text = f"{glyphs[row.state]} {row.state.value.replace('_', ' ')}" if row.state else none
        cells.append(
            [
                row.key,
                row.priority or none,
                row.status or none,
                row.assignee or none,
                row.sla_name or none,
                state_text,
                (countdown(row.remaining) if row.remaining is not None else "") or none,
                row.summary,
            ]
        )
        states.append(row.state)
    widths = [max([display_width(header[i]), *(display_width(c[i]) for c in cells)]) for i in range(len(header) - 1)]
    title = f"{snapshot.queue.name}: {len(cells)} issue{'' if len(cells) == 1 else 's'} · {snapshot.site}"
    if ascii_only:
        title = title.replace("·", "-")
    title = sanitize_line(title) if width is None else _fit(sanitize_line(title), width, ascii_only=ascii_only)
    out = [_style(title, "1", colour) + "\n"]
    if not cells:
        out.append("(no issues)\n")
        return "".join(out)
    room = None
    if width is not None:
        _shrink(widths, width - 2 * len(widths) - _MIN_SUMMARY)
        cells = [
            [_fit(c, widths[i], ascii_only=ascii_only) if i < len(widths) else c for i, c in enumerate(row)]
            for row in cells
        ]
        room = max(_MIN_SUMMARY, width - sum(widths) - 2 * len(widths))

    def line(values: list[str], state: SlaState | None, *, head: bool = False) -> str:
        parts = []
        for i, value in enumerate(values[:-1]):
            text = _pad(value, widths[i])
            if head:
                text = _style(text, "1", colour)
            elif i in (5, 6) and state is not None:
                text = _style(text, _ANSI[state], colour)
            parts.append(text)
        summary = values[-1] if room is None else _fit(values[-1], room, ascii_only=ascii_only)
        return "  ".join([*parts, _style(summary, "1", colour) if head else summary]).rstrip() + "\n"

    out.append(line(header, None, head=True))
    out.extend(line(c, s) for c, s in zip(cells, states, strict=True))
    return "".join(out)


# Column index -> narrowest it may become when the terminal is too narrow: status, assignee, SLA name.
_SHRINKABLE = {2: 10, 3: 12, 4: 12}
_MIN_SUMMARY = 20


def _shrink(widths: list[int], budget: int) -> None:
    """Narrow the shrinkable columns, widest first, until they all fit in `budget` (or cannot shrink)."""
    while sum(widths) > budget:
        candidates = [i for i, least in _SHRINKABLE.items() if widths[i] > least]
        if not candidates:
            return
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1


def _style(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour and text.strip() else text


# The command -----------------------------------------------------------------------------------------------


def _error(message: str, hint: str | None = None) -> None:
    text = f"{PROG} list: {message}\n"
    if hint:
        text += f"  fix: {hint}\n"
    write_text(sys.stderr, text)


def run_list(args: argparse.Namespace, **client_kwargs: Any) -> int:
    try:
        config = load_cli_config(args)
        queue = pick_queue(config, args.queue)
        token = Secret(resolve_token(config.jira))
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_CONFIG
    try:
        snapshot = asyncio.run(fetch_snapshot(config, queue, token, **client_kwargs))
    except InvalidJql as exc:
        where = f"{config.path}: " if config.path else ""
        _error(f"{where}queue {json.dumps(queue.name, ensure_ascii=False)}: {exc.message}", exc.hint)
        return EXIT_CONFIG
    except JiraError as exc:
        _error(exc.message, exc.hint)
        return EXIT_JIRA
    stdout = sys.stdout
    if args.json:
        # JSON is UTF-8 by the standard; escape only where the stream could not carry it.
        write_text(stdout, render_json(snapshot, ascii_only=not can_encode(stdout, "äß€✖")))
    elif args.plain:
        write_text(stdout, render_plain(snapshot))
    else:
        tty = bool(getattr(stdout, "isatty", None) and stdout.isatty())
        # A terminal shows what its locale says it can (Python's UTF-8 mode claims UTF-8 under LANG=C, as the TUI
        # knows); a pipe or file takes what its encoding can carry.
        from oncall_tui.cli_tui import utf8_terminal

        shows_glyphs = utf8_terminal() if tty else can_encode(stdout, "".join(GLYPHS.values()) + "—…·")
        ascii_only = config.ui.ascii or not shows_glyphs
        width = os.get_terminal_size(stdout.fileno()).columns if tty and _has_size(stdout) else None
        write_text(stdout, render_table(snapshot, colour=colour_enabled(stdout), ascii_only=ascii_only, width=width))
    return EXIT_OK


def _has_size(stream: TextIO) -> bool:
    try:
        os.get_terminal_size(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return True
