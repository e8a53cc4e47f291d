"""The detail pane of the selected incident. Everything from Jira is sanitised and put in `Text`, so markup and
escapes stay literal.

The pane is split by how often its parts change, so the 1 Hz tick repaints only what did: the SLA lines (their
countdowns move every second), the facts (assignee ... "updated 11 s ago"), a note when the full copy could not
be read again, and the body (description and comments, whose times move by the minute).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from oncall_tui import display as fmt
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.sla import AtRiskThresholds
from oncall_tui.domain.text import sanitize, sanitize_line
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.ui.degraded import estimate_mark
from oncall_tui.ui.widgets.lines import ChangeOnly
from oncall_tui.ui.widgets.palette import SlaStyles, sla_styles, warning_style

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
    styles: SlaStyles | None = None,
    width: int = 80,
    estimate: bool = False,
) -> Text:
    """Each SLA: glyph, name, state and countdown; then goal, elapsed and the breach time, the breach on a line
    of its own when the pane is too narrow for both (a wrapped "breach" would part from its time)."""
    text = Text()
    styles = styles or sla_styles()
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
        text.append(head, style=styles[state])
        if remaining is not None and not sla.completed:
            left = fmt.countdown_seconds(remaining)
            if estimate:
                left = estimate_mark(ascii_only=ascii_only) + left
            text.append(
                " · "
                + (tr("{time} left", time=left) if remaining.total_seconds() >= 0 else tr("{time} over", time=left))
            )
        elapsed = sla.elapsed_at(now)
        line = "    " + tr(
            "goal {goal} · elapsed {elapsed}",
            goal=fmt.duration(sla.goal_ms),
            elapsed=fmt.duration(None if elapsed is None else int(elapsed.total_seconds() * 1000)),
        )
        if sla.breach_time is not None and not sla.completed:
            breach = tr("breach {time}", time=fmt.local_time(sla.breach_time, tz, tr=tr, now=now))
            line += f" · {breach}" if cell_len(line) + 3 + cell_len(breach) <= width else f"\n    {breach}"
        text.append("\n" + line)
    return text


def facts_text(incident: Incident, now: datetime, tz: ZoneInfo | None, tr: Translator = ENGLISH) -> Text:
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
    for i, (label, value) in enumerate(rows):
        text.append(f"{label:<{width}}", style=Style(dim=True))
        text.append(value + ("\n" if i < len(rows) - 1 else ""))
    return text


def body_text(incident: Incident, now: datetime, tr: Translator = ENGLISH, warning: Style | None = None) -> Text:
    text = Text()
    cut_note = "(" + tr("cut here: longer than oncall-tui shows; the whole text is in Jira") + ")\n"
    if incident.description_text:
        text.append(f"{tr('Description')}\n", style=Style(bold=True))
        text.append(sanitize(incident.description_text).strip() + "\n")
        if "description" in incident.cut_fields:
            text.append(cut_note, style=Style(dim=True))
        text.append("\n")
    comments = incident.comments[-LATEST_COMMENTS:]
    if comments:
        text.append(tr("Latest comments ({count})", count=len(incident.comments)) + "\n", style=Style(bold=True))
        for comment in reversed(comments):
            mark = {True: tr("public"), False: tr("internal"), None: ""}[comment.public]
            author = comment.author.display_name if comment.author else "?"
            posted = (
                fmt.relative(comment.created, now, tr, seconds_shown=False)
                if comment.created
                else (tr("sending…") if comment.id == "pending" else "")
            )
            style = (warning or warning_style()) if comment.public is False else Style()
            text.append(f"{sanitize_line(author)} · {posted}", style=Style(bold=True))
            if mark:
                text.append(f" · {mark}", style=style)
            text.append("\n")
            text.append(sanitize(comment.body_text).strip() + "\n")
            if comment.cut:
                text.append(cut_note, style=Style(dim=True))
            text.append("\n")
    return text


class _Part(ChangeOnly):
    """A part of the pane (re-rendered every second, repainted only when it changed; hidden when empty)."""

    hide_empty = True


class DetailPane(VerticalScroll):
    DEFAULT_CSS = """
    DetailPane { height: 1fr; padding: 0 1; }
    DetailPane > Static { width: 100%; }
    DetailPane > #detail-slas { margin: 1 0; }
    DetailPane > #detail-note { margin: 1 0 0 0; }
    DetailPane > #detail-body { margin: 1 0 0 0; }
    """

    def __init__(self, *, ascii_only: bool = False, tr: Translator = ENGLISH, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ascii_only = ascii_only
        self.tr = tr
        self.thresholds = AtRiskThresholds()
        self.styles_by_state: SlaStyles = sla_styles()
        self.warning: Style = warning_style()
        self.tz: ZoneInfo | None = None
        # Countdowns are estimates (Jira cannot be asked): each is marked.
        self.estimate = False
        self.incident: Incident | None = None
        self.note: Text = Text()
        self._now: datetime | None = None
        self._body_for: Incident | None = None
        self._body_ages: tuple[int, ...] = ()

    def compose(self) -> ComposeResult:
        yield _Part(Text(self.tr("Select an incident"), style=Style(dim=True)), id="detail-header")
        yield _Part("", id="detail-slas")
        yield _Part("", id="detail-facts")
        yield _Part("", id="detail-note")
        yield _Part("", id="detail-body")

    def show(self, incident: Incident | None, now: datetime, note: Text | None = None) -> None:
        """Show `incident` (the store's copy with the full copy's description and comments); `note` says when
        those could not be read again."""
        # Another incident: (almost) every cell differs, so no cell-by-cell comparison.
        whole = incident is None or self.incident is None or incident.key != self.incident.key
        self.incident = incident
        self.note = note or Text()
        header = self.query_one("#detail-header", _Part)
        if incident is None:
            header.show_text(Text(self.tr("No incident selected"), style=Style(dim=True)))
            for part in self.query(_Part):
                if part is not header:
                    part.show_text(Text())
            return
        header.show_text(header_text(incident), whole=whole)
        self._draw(now, whole=whole)

    def on_resize(self, event: events.Resize) -> None:
        # The SLA lines are laid out for the pane's width (where the breach time goes): lay them out again.
        if self._now is not None:
            self.tick(self._now)

    def tick(self, now: datetime) -> None:
        self._draw(now, whole=False)

    def _draw(self, now: datetime, *, whole: bool) -> None:
        self._now = now
        incident = self.incident
        if incident is None:
            return
        tr = self.tr
        slas = sla_text(
            incident,
            now,
            self.thresholds,
            self.tz,
            ascii_only=self.ascii_only,
            tr=tr,
            styles=self.styles_by_state,
            # The width without padding and as if the scrollbar were shown: whether it shows depends on the
            # pane's content, which depends on this layout; a width that moved with it would make lines flap.
            width=max(self.size.width - self.styles.gutter.width - 1, 20),
            estimate=self.estimate,
        )
        self.query_one("#detail-slas", _Part).show_text(slas, whole=whole)
        self.query_one("#detail-facts", _Part).show_text(facts_text(incident, now, self.tz, tr), whole=whole)
        self.query_one("#detail-note", _Part).show_text(self.note, whole=whole)
        # The body (description and comments, up to 64 KB each) changes only when a comment's "N min ago" moves
        # on: built again then, not every second.
        ages = tuple(
            int((now - c.created).total_seconds()) // 60 if c.created else -1
            for c in incident.comments[-LATEST_COMMENTS:]
        )
        if incident is not self._body_for or ages != self._body_ages:
            self._body_for, self._body_ages = incident, ages
            self.query_one("#detail-body", _Part).show_text(body_text(incident, now, tr, self.warning), whole=whole)
