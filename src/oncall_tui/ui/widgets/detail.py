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
from oncall_tui.i18n import ENGLISH, Translator
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
    incident: Incident,
    now: datetime,
    thresholds: AtRiskThresholds,
    tz: ZoneInfo | None,
    *,
    ascii_only: bool,
    tr: Translator = ENGLISH,
) -> Text:
    text = Text()
    if not incident.slas:
        text.append(tr("No SLA applies"), style=Style(dim=True))
        return text
    for i, sla in enumerate(incident.slas):
        if i:
            text.append("\n")
        state = sla.state_at(now, thresholds)
        remaining = sla.remaining_at(now)
        word = fmt.sla_word(state, tr)
        head = f"{fmt.glyph(state, ascii_only=ascii_only)} {sanitize_line(sla.name)}: {word}"
        text.append(head, style=SLA_STYLES[state])
        if remaining is not None and not sla.completed:
            left = fmt.countdown_seconds(remaining)
            text.append(
                " · "
                + (tr("{time} left", time=left) if remaining.total_seconds() >= 0 else tr("{time} over", time=left))
            )
        text.append(
            "\n    "
            + tr(
                "goal {goal} · elapsed {elapsed}", goal=fmt.duration(sla.goal_ms), elapsed=fmt.duration(sla.elapsed_ms)
            )
        )
        if sla.breach_time is not None and not sla.completed:
            text.append(" · " + tr("breach {time}", time=fmt.local_time(sla.breach_time, tz, with_date=False)))
    return text


def body_text(incident: Incident, now: datetime, tz: ZoneInfo | None, tr: Translator = ENGLISH) -> Text:
    text = Text()
    assignee = incident.assignee.display_name if incident.assignee else tr("unassigned")
    reporter = incident.reporter.display_name if incident.reporter else "—"

    def when(then: datetime | None) -> str:
        return f"{fmt.relative(then, now, tr)} · {fmt.local_time(then, tz, tr=tr)}"

    rows = [
        (tr("Assignee"), sanitize_line(assignee)),
        (tr("Reporter"), sanitize_line(reporter)),
        (tr("Service"), sanitize_line(", ".join(incident.components)) or "—"),
        (tr("Labels"), sanitize_line(", ".join(incident.labels)) or "—"),
        (tr("Created"), when(incident.created)),
        (tr("Updated"), when(incident.updated)),
    ]
    # English labels fit in 8 columns; translated ones may be longer, and the values stay aligned.
    width = max(9, *(len(label) + 1 for label, _ in rows))
    for label, value in rows:
        text.append(f"{label:<{width}}", style=Style(dim=True))
        text.append(f"{value}\n")
    if incident.description_text:
        text.append(f"\n{tr('Description')}\n", style=Style(bold=True))
        text.append(sanitize(incident.description_text).strip() + "\n")
    comments = incident.comments[-LATEST_COMMENTS:]
    if comments:
        text.append("\n" + tr("Latest comments ({count})", count=len(incident.comments)) + "\n", style=Style(bold=True))
        for comment in reversed(comments):
            mark = {True: tr("public"), False: tr("internal"), None: ""}[comment.public]
            author = comment.author.display_name if comment.author else "?"
            posted = (
                fmt.relative(comment.created, now, tr)
                if comment.created
                else (tr("sending…") if comment.id == "pending" else "")
            )
            style = Style(color="yellow") if comment.public is False else Style()
            text.append(f"{sanitize_line(author)} · {posted}", style=Style(bold=True))
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

    def __init__(self, *, ascii_only: bool = False, tr: Translator = ENGLISH, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ascii_only = ascii_only
        self.tr = tr
        self.thresholds = AtRiskThresholds()
        self.tz: ZoneInfo | None = None
        self.incident: Incident | None = None
        self._last_sla = ""

    def compose(self) -> ComposeResult:
        yield Static(Text(self.tr("Select an incident"), style=Style(dim=True)), id="detail-header")
        yield Static("", id="detail-slas")
        yield Static("", id="detail-body")

    def show(self, incident: Incident | None, now: datetime) -> None:
        self.incident = incident
        header = self.query_one("#detail-header", Static)
        body = self.query_one("#detail-body", Static)
        if incident is None:
            header.update(Text(self.tr("No incident selected"), style=Style(dim=True)))
            body.update("")
            self.query_one("#detail-slas", Static).update("")
            self._last_sla = ""
            return
        header.update(header_text(incident))
        body.update(body_text(incident, now, self.tz, self.tr))
        self.tick(now)

    def tick(self, now: datetime) -> None:
        if self.incident is None:
            return
        text = sla_text(self.incident, now, self.thresholds, self.tz, ascii_only=self.ascii_only, tr=self.tr)
        if text.plain != self._last_sla:
            self._last_sla = text.plain
            self.query_one("#detail-slas", Static).update(text)
