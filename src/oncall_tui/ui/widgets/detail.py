"""The detail pane of the selected incident; its SLA lines are a separate widget so the 1 Hz tick repaints
only them. Everything from Jira is sanitised and put in `Text`, so markup and escapes stay literal."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from oncall_tui import display as fmt
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.sla import AtRiskThresholds
from oncall_tui.domain.text import sanitize, sanitize_line
from oncall_tui.ui.widgets.queue_table import SLA_STYLES

LATEST_COMMENTS = 5


def header_text(incident: Incident) -> Text:
    text = Text()
    link = Style(bold=True, link=incident.url) if incident.url else Style(bold=True)
    text.append(incident.key, style=link)
    text.append(f" · {fmt.short_priority(incident.priority)} · {sanitize_line(incident.status)}")
    text.append("\n")
    text.append(sanitize_line(incident.summary), style=Style(bold=True))
    return text


def sla_text(
    incident: Incident, now: datetime, thresholds: AtRiskThresholds, tz: ZoneInfo | None, *, ascii_only: bool
) -> Text:
    text = Text()
    if not incident.slas:
        text.append("No SLA applies", style=Style(dim=True))
        return text
    for i, sla in enumerate(incident.slas):
        if i:
            text.append("\n")
        state = sla.state_at(now, thresholds)
        remaining = sla.remaining_at(now)
        word = fmt.WORDS[state]
        head = f"{fmt.glyph(state, ascii_only=ascii_only)} {sanitize_line(sla.name)}: {word}"
        text.append(head, style=SLA_STYLES[state])
        if remaining is not None and not sla.completed:
            text.append(
                f" · {fmt.countdown_seconds(remaining)} left"
                if remaining.total_seconds() >= 0
                else f" · {fmt.countdown_seconds(remaining)} over"
            )
        text.append(f"\n    goal {fmt.duration(sla.goal_ms)} · elapsed {fmt.duration(sla.elapsed_ms)}")
        if sla.breach_time is not None and not sla.completed:
            text.append(f" · breach {fmt.local_time(sla.breach_time, tz, with_date=False)}")
    return text


def body_text(incident: Incident, now: datetime, tz: ZoneInfo | None) -> Text:
    text = Text()
    assignee = incident.assignee.display_name if incident.assignee else "unassigned"
    reporter = incident.reporter.display_name if incident.reporter else "—"
    rows = [
        ("Assignee", sanitize_line(assignee)),
        ("Reporter", sanitize_line(reporter)),
        ("Service", sanitize_line(", ".join(incident.components)) or "—"),
        ("Labels", sanitize_line(", ".join(incident.labels)) or "—"),
        ("Created", f"{fmt.relative(incident.created, now)} · {fmt.local_time(incident.created, tz)}"),
        ("Updated", f"{fmt.relative(incident.updated, now)} · {fmt.local_time(incident.updated, tz)}"),
    ]
    for label, value in rows:
        text.append(f"{label:<9}", style=Style(dim=True))
        text.append(f"{value}\n")
    if incident.description_text:
        text.append("\nDescription\n", style=Style(bold=True))
        text.append(sanitize(incident.description_text).strip() + "\n")
    comments = incident.comments[-LATEST_COMMENTS:]
    if comments:
        text.append(f"\nLatest comments ({len(incident.comments)})\n", style=Style(bold=True))
        for comment in reversed(comments):
            mark = {True: "public", False: "internal", None: ""}[comment.public]
            author = comment.author.display_name if comment.author else "?"
            when = (
                fmt.relative(comment.created, now)
                if comment.created
                else ("sending…" if comment.id == "pending" else "")
            )
            style = Style(color="yellow") if comment.public is False else Style()
            text.append(f"{sanitize_line(author)} · {when}", style=Style(bold=True))
            if mark:
                text.append(f" · {mark}", style=style)
            text.append("\n")
            text.append(sanitize(comment.body_text).strip() + "\n\n")
    return text


class DetailPane(VerticalScroll):
    DEFAULT_CSS = """
    DetailPane { height: 1fr; padding: 0 1; }
    DetailPane > Static { width: 100%; }
    DetailPane > #detail-slas { margin: 1 0; }
    """

    def __init__(self, *, ascii_only: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ascii_only = ascii_only
        self.thresholds = AtRiskThresholds()
        self.tz: ZoneInfo | None = None
        self.incident: Incident | None = None
        self._last_sla = ""

    def compose(self) -> ComposeResult:
        yield Static(Text("Select an incident", style=Style(dim=True)), id="detail-header")
        yield Static("", id="detail-slas")
        yield Static("", id="detail-body")

    def show(self, incident: Incident | None, now: datetime) -> None:
        self.incident = incident
        header = self.query_one("#detail-header", Static)
        body = self.query_one("#detail-body", Static)
        if incident is None:
            header.update(Text("No incident selected", style=Style(dim=True)))
            body.update("")
            self.query_one("#detail-slas", Static).update("")
            self._last_sla = ""
            return
        header.update(header_text(incident))
        body.update(body_text(incident, now, self.tz))
        self.tick(now)

    def tick(self, now: datetime) -> None:
        if self.incident is None:
            return
        text = sla_text(self.incident, now, self.thresholds, self.tz, ascii_only=self.ascii_only)
        if text.plain != self._last_sla:
            self._last_sla = text.plain
            self.query_one("#detail-slas", Static).update(text)
