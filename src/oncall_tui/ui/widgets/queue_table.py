"""The queue table: a virtualised Line API widget that draws only the rows on screen, applies store diffs row by
row and ticks only the visible SLA cells that changed.

A queue can hold 10,000 incidents. The table keeps, for each, its issue key and its sort key (cached per sort
mode and recomputed only when the incident changes); cells are made only for the rows on screen, when they are
drawn. Filtering keeps the sorted order and only drops rows; sorting reuses the cached keys.

Every string from Jira goes in as a `rich.text.Text`, never as markup: a summary like "[red]x" shows literally.
The table shows exactly what the store says the active queue holds: a change to an incident that is not a
member never brings its row (back) in.

Columns have fixed widths worked out from the space there is: the summary takes what is left, the assignee as
much as its longest name needs; what does not fit ends in an ellipsis, never cut mid-word without a sign.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from oncall_tui import display as fmt
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.sla import AtRiskThresholds, SlaClock, SlaState
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.ui.degraded import estimate_mark
from oncall_tui.ui.widgets.palette import SlaStyles, sla_styles

# Widths without the cell padding (one column each side); None: worked out from the content and the space.
# The key is sized to the keys shown (never cut: a truncated key names another issue).
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("key", "Key", None),
    ("prio", "P", 2),
    ("status", "Status", 13),
    ("assignee", "Assignee", None),
    ("sla", "SLA", 9),
    ("age", "Age", 4),
    ("summary", "Summary", None),
)
COLUMN_INDEX = {key: index for index, (key, _, _) in enumerate(COLUMNS)}
ASSIGNEE_WIDTH = (12, 26)  # at least, at most
SUMMARY_MIN = 12
PADDING = 2  # the cell padding, one column each side
HEADER = 1  # lines above the rows
# Rows whose cells are kept made beyond those on screen (scrolling back needs no remaking).
KEEP_RENDERED = 600
# While any row's sort key drifts with time (a stopped clock that already breached, ranked among ticking ones),
# the order is checked again this often.
DRIFT_CHECK = timedelta(seconds=60)
# Rows whose key drifts are keyed again this many per tick: out of business hours most of 10,000 clocks are
# stopped and breached, and keying 8,000 of them at once took 76 ms of the loop a key was waiting for.
REDRIFT_PER_TICK = 500
# The filter's texts made per loop turn once the field opens (`prepare_filter`): about 2-3 ms.
HAYSTACKS_PER_TURN = 1_000
# A cursor key is drawn at once at most this often (`_paint_now`); keys closer together wait for the frame.
PAINT_GAP = 1 / 60
# How often sort keys and filter texts kept for incidents the store has replaced are dropped.
PRUNE_EVERY = timedelta(minutes=5)

SORTS = ("breach", "priority", "updated", "created", "key")
# The column each sort is marked on, and the direction it runs (most urgent / newest first).
SORT_COLUMNS = {
    "breach": ("sla", True),
    "priority": ("prio", True),
    "updated": ("age", False),
    "created": ("age", True),
    "key": ("key", True),
}
PRIORITY_RANK = {"P1": 1, "P2": 2, "P3": 3, "P4": 4, "P5": 5}


def sla_cell(
    sla: SlaClock | None,
    now: datetime,
    thresholds: AtRiskThresholds,
    *,
    ascii_only: bool,
    tr: Translator = ENGLISH,
    styles: SlaStyles | None = None,
    estimate: bool = False,
) -> Text:
    if sla is None:
        return Text("—", style=Style(dim=True))
    state = sla.state_at(now, thresholds)
    remaining = sla.remaining_at(now)
    time_text = fmt.countdown(remaining) if remaining is not None else fmt.sla_word(state, tr, short=True)
    if estimate and remaining is not None and not sla.completed:
        time_text = estimate_mark(ascii_only=ascii_only) + time_text
    return Text(f"{fmt.glyph(state, ascii_only=ascii_only)} {time_text}", style=(styles or sla_styles())[state])


def table_sla(incident: Incident, now: datetime, thresholds: AtRiskThresholds) -> SlaClock | None:
    """The SLA the table shows: the same headline SLA as `list`; when all are completed, the last one
    (met / failed)."""
    headline = fmt.headline_sla(incident.slas, now, thresholds)
    if headline is not None:
        return headline
    return incident.slas[-1] if incident.slas else None


def urgency_rank(incident: Incident, now: datetime, thresholds: AtRiskThresholds) -> tuple[int, float, str]:
    """Sort by time to breach, on the SLA the row shows: ticking (and breached) clocks first, most urgent first,
    then paused / out-of-hours ones by the time they have left, then completed or none. The key stays valid while
    time passes: a ticking clock is ranked by the moment it breaches (constant while it ticks), a stopped one by
    the time it has left (constant while stopped). Only a stopped clock that has breached, ranked among the
    ticking ones, drifts (`drifts`)."""
    sla = table_sla(incident, now, thresholds)
    remaining = sla.remaining_at(now) if sla is not None and not sla.completed else None
    if sla is None or remaining is None:
        return (2, 0.0, incident.key)
    if sla.ticking or sla.state_at(now, thresholds) is SlaState.BREACHED:
        # datetime + timedelta is exact: a ticking clock keyed at any moment gives the same instant.
        return (0, (now + remaining).timestamp(), incident.key)
    return (1, remaining.total_seconds(), incident.key)


def drifts(incident: Incident, now: datetime) -> bool:
    """Whether the incident's breach rank changes with time alone: a stopped clock past its breach is ranked with
    the ticking ones, by a time that does not move while theirs do."""
    return any(
        not sla.completed and not sla.ticking and sla.state_at(now) is SlaState.BREACHED for sla in incident.slas
    )


def sort_rank(mode: str, incident: Incident, now: datetime, thresholds: AtRiskThresholds) -> Any:
    """The key of `incident` in the order of sort `mode`."""
    if mode == "priority":
        rank = PRIORITY_RANK.get(fmt.short_priority(incident.priority), 9)
        return (rank, urgency_rank(incident, now, thresholds))
    if mode == "updated":
        return (-(incident.updated.timestamp() if incident.updated else 0), incident.key)
    if mode == "created":
        return (-(incident.created.timestamp() if incident.created else 0), incident.key)
    if mode == "key":
        return _key_sort(incident.key)
    return urgency_rank(incident, now, thresholds)


def haystack(incident: Incident, unassigned: str) -> str:
    """What the filter looks in, folded: key, summary, status, priority, assignee, services, labels."""
    return " ".join(
        [
            incident.key,
            incident.summary,
            incident.status,
            incident.priority or "",
            # Both words match an unassigned incident, whatever the UI language.
            incident.assignee.display_name if incident.assignee else f"unassigned {unassigned}",
            *incident.components,
            *incident.labels,
        ]
    ).casefold()


def _key_sort(key: str) -> tuple[str, int]:
    project, _, number = key.partition("-")
    return (project, int(number) if number.isdigit() else 0)


def _changed_span(old: object, new: object) -> tuple[int, int] | None:
    """The cells (first, width) in which two one-line texts of the same style and width differ; None when
    more than that may move (styles, widths, wide characters)."""
    if not isinstance(old, Text) or not isinstance(new, Text) or old.style != new.style or old.spans or new.spans:
        return None
    a, b = old.plain, new.plain
    if a == b or len(a) != len(b) or cell_len(a) != len(a) or cell_len(b) != len(b) or "\n" in a + b:
        return None
    first = next(i for i in range(len(a)) if a[i] != b[i])
    last = next(i for i in reversed(range(len(a))) if a[i] != b[i])
    return first, last - first + 1


class QueueTable(ScrollView, can_focus=True):
    """The rows of the active queue, by issue key, in the order of the sort mode; columns keyed as in COLUMNS.

    Line 0 is the header; line 1 onwards the rows from the scroll offset on. The cursor is a row index."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First row", show=False),
        Binding("end,ctrl+end", "last", "Last row", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"queue-table--header", "queue-table--cursor"}
    DEFAULT_CSS = """
    QueueTable {
        height: 1fr;
        scrollbar-gutter: stable;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        color: $foreground;
        & > .queue-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .queue-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .queue-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .queue-table--header { background-tint: $foreground 5%; }
            & > .queue-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    class RowHighlighted(Message):
        """The row under the cursor is another incident (or none)."""

        def __init__(self, table: QueueTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> QueueTable:
            return self.table

    def __init__(self, *, ascii_only: bool = False, tr: Translator = ENGLISH, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ascii_only = ascii_only
        self.tr = tr
        self._unassigned = tr("unassigned")
        self.thresholds = AtRiskThresholds()
        self.styles_by_state: SlaStyles = sla_styles()
        self.sort_mode = "breach"
        self.filter_text = ""
        # Countdowns are estimates (Jira cannot be asked): each is marked.
        self.estimate = False
        self._lookup: Callable[[str], Incident | None] = lambda key: None
        self._member: Callable[[str], bool] = lambda key: True
        self._new_until: dict[str, datetime] = {}
        # What the command pipeline says of a row's writes: "pending" (on its way), "stopped" (failed, or waiting
        # for the user's decision), None. Set by the screen; the table holds no copy of the commands.
        self.write_state: Callable[[str], str | None] = lambda key: None
        # Whether the screen has the row marked for an action on several incidents (space).
        self.is_marked: Callable[[str], bool] = lambda key: False
        # Whether escalation is due for the row (the engine's due watch, through the screen), and whether the
        # table shows only those ([[queues]] escalation_due = true).
        self.is_due: Callable[[str], bool] = lambda key: False
        self.due_only = False
        # The same three as collections of keys, for filling a whole queue (asking 10,000 rows one by one each
        # costs more than the fill): rows marked, due for escalation, with writes under way or stopped.
        self.marked_keys: Callable[[], Iterable[str]] = lambda: ()
        self.due_keys: Callable[[], Iterable[str]] = lambda: ()
        self.writing_keys: Callable[[], Iterable[str]] = lambda: ()
        # Rows carrying each kind of mark in the key cell: while any does, the key column is two wider.
        self._bulk: set[str] = set()
        self._due_marked: set[str] = set()
        self._marked: set[str] = set()
        self._assignee_wanted = ASSIGNEE_WIDTH[0]  # the longest short name held
        self._key_wanted = 3  # the longest issue key held
        self._now_shown = datetime.now().astimezone()  # the time the rows are drawn for
        self._widths: dict[str, int] = {key: width or 1 for key, _, width in COLUMNS}
        self._labels: dict[str, Text] = {}
        # The queue's rows (whatever the filter) with their sort keys, in order; the rows shown; where each is.
        self._ranks: dict[str, Any] = {}
        self._all: list[str] = []
        self._order: list[str] = []
        self._pos: dict[str, int] | None = None
        # Sort keys by mode, kept while the incident (the store's object) is the same: a sort change or a queue
        # switch keys again only what changed. Keys that drift with time are not kept.
        self._rank_cache: dict[str, dict[str, tuple[Incident, Any, datetime | None]]] = {}
        self._drifting: set[str] = set()
        self._redrifting: list[str] = []  # drifting rows still to key again as of `_ranked_at` (`_redrift`)
        self._ranked_at = self._pruned_at = self._now_shown
        self._hay: dict[str, tuple[Incident, str]] = {}
        # The filter's text of each of the queue's rows as the store holds it now; a row's goes when `apply` or
        # `extend_sorted` hears of it, all go on `show` (every change to the queue's rows reaches those, as
        # for the sort keys in `_ranks`).
        self._hay_now: dict[str, str] = {}
        self._warming = object()  # the filter texts' warming under way (`prepare_filter`)
        self._short_names: dict[str, int] = {}
        # Cells made for drawn rows: (the time they are for, the incident, the cells). Strips per row.
        self._rendered: dict[str, tuple[datetime, Incident, list[Text]]] = {}
        self._strips: dict[str, tuple[tuple[Any, ...], Strip]] = {}
        self._cursor = 0
        self._highlighted: str | None = None
        self._painted_at = float("-inf")
        self._looks: tuple[tuple[bool, str], tuple[Style, Style, Style]] | None = None
        # Cell styles over the line's (and the cursor's), as drawn: a handful, worked out once each.
        self._combined: dict[tuple[Style, Style | None], dict[Style | None, Style]] = {}

    def on_mount(self) -> None:
        self._label_columns()

    def on_resize(self, event: events.Resize) -> None:
        self._layout_columns()
        self._update_virtual_size()

    # ---- columns ------------------------------------------------------------------------------------------

    def _label_columns(self) -> None:
        """Header labels, the sorted column marked with the direction it runs."""
        marked, ascending = SORT_COLUMNS[self.sort_mode]
        arrow = ("^" if ascending else "v") if self.ascii_only else ("▲" if ascending else "▼")
        for key, label, _ in COLUMNS:
            if key == "age" and self.sort_mode == "updated":
                label = "Upd"  # the column shows the time since the last update while sorted by it
            shown = self.tr(label) + (arrow if key == marked else "")
            self._labels[key] = Text(shown, style=Style(bold=True) if key == marked else Style())
        self._layout_columns()
        self._strips.clear()
        self.refresh(Region(0, 0, self.size.width, HEADER))

    def _layout_columns(self) -> None:
        """Fixed widths for the space there is: the summary takes the rest, ending in an ellipsis."""
        width = self.scrollable_content_region.width
        if width <= 0 or not self._labels:
            return
        wanted: dict[str, int] = {}
        for key, _, fixed in COLUMNS:
            label = cell_len(self._labels[key].plain)
            if key == "key":
                # Two more columns while any row carries a mark ("● OPS-33 » ↑").
                marks = (2 if self._marked else 0) + (2 if self._bulk else 0) + (2 if self._due_marked else 0)
                wanted[key] = max(label, self._key_wanted + marks, 3)
            elif key == "assignee":
                wanted[key] = max(label, self._assignee_wanted)
            elif key == "summary":
                wanted[key] = label
            else:
                # A translated header longer than its column widens it rather than being cut.
                wanted[key] = max(label, fixed or 1)
        fixed_total = sum(w + PADDING for k, w in wanted.items() if k != "summary") + PADDING
        summary = width - fixed_total
        if summary < SUMMARY_MIN:
            # Short of room: the assignee gives back what it took beyond its minimum first.
            give = min(SUMMARY_MIN - summary, wanted["assignee"] - ASSIGNEE_WIDTH[0])
            wanted["assignee"] -= max(give, 0)
            summary += max(give, 0)
        wanted["summary"] = max(summary, SUMMARY_MIN)
        if wanted != self._widths:
            self._widths = wanted
            # ASCII cells are cut (with "...") to the widths: cut them again; every line is drawn anew.
            self._rendered.clear()
            self._strips.clear()
            self._update_virtual_size()
            self.refresh()

    @property
    def labels(self) -> list[str]:
        """The header's words, column by column (the sorted one with its arrow)."""
        return [self._labels[key].plain if key in self._labels else "" for key, _, _ in COLUMNS]

    def column_width(self, key: str) -> int:
        """The width of column `key` without its padding."""
        return self._widths[key]

    def _update_virtual_size(self) -> None:
        size = Size(max(self.scrollable_content_region.width, 1), len(self._order) + HEADER)
        old = self.virtual_size
        if size == old:
            return
        viewport = self.scrollable_content_region.height
        if not self.is_mounted or viewport <= 0 or (old.height > viewport) != (size.height > viewport):
            # The scrollbar comes or goes: the screen is laid out again (the reactive does that).
            self.virtual_size = size
            return
        # Only the rows' number changed: the scrollbar is told, the screen needs no layout pass (at 10,000 rows a
        # filter keystroke would otherwise lay out every widget on it).
        self.set_reactive(QueueTable.virtual_size, size)
        self._scroll_update(size)
        if self.scroll_y > self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        self.refresh()

    # ---- what a row says ------------------------------------------------------------------------------------

    def bind_store(self, lookup: Callable[[str], Incident | None], member: Callable[[str], bool] | None = None) -> None:
        """Where incidents come from, and which keys the active queue holds (by the store's word; None: any key
        looked up)."""
        self._lookup = lookup
        self._member = member or (lambda key: True)

    def matches(self, incident: Incident, words: list[str] | None = None) -> bool:
        """Whether the row passes the filter (`words`: its words, folded, when the caller has them)."""
        if self.due_only and not self.is_due(incident.key):
            return False
        if not self.filter_text:
            return True
        hay = self._haystack(incident)
        return all(word in hay for word in (words if words is not None else self.filter_text.casefold().split()))

    def _haystack(self, incident: Incident) -> str:
        cached = self._hay.get(incident.key)
        if cached is None or cached[0] is not incident:
            cached = (incident, haystack(incident, self._unassigned))
            self._hay[incident.key] = cached
        return cached[1]

    def prepare_filter(self) -> None:
        """The filter field opened: make the texts the filter looks in before the first key comes, a slice at a
        time (10,000 of them took 25 ms, added to the first keystroke)."""
        self._warming = object()
        self._warm_filter(list(self._all), 0, self._warming)

    def _warm_filter(self, keys: list[str], start: int, warming: object) -> None:
        if warming is not self._warming:
            return  # the queue was switched or the field opened again: that warming is over
        lookup = self._lookup
        texts = self._hay_now
        for key in keys[start : start + HAYSTACKS_PER_TURN]:
            incident = lookup(key)
            if incident is not None:
                texts[key] = self._haystack(incident)
        if start + HAYSTACKS_PER_TURN < len(keys):
            # Each slice is a message of its own: keys typed meanwhile are handled between them.
            self.call_later(self._warm_filter, keys, start + HAYSTACKS_PER_TURN, warming)

    def _cut(self, text: str, style: Style | None = None) -> Text:
        # The cell is cut at its column's width with this overflow; ASCII terminals get "..." instead.
        if self.ascii_only:
            return Text(text, style=style or Style(), no_wrap=True, overflow="crop", end="")
        return Text(text, style=style or Style(), no_wrap=True, overflow="ellipsis", end="")

    def _row(self, incident: Incident, now: datetime) -> list[Text]:
        key_style = Style(bold=True, reverse=True) if self._is_new(incident.key, now) else Style(bold=True)
        assignee = sanitize_line(fmt.short_name(incident.assignee.display_name)) if incident.assignee else "—"
        key_cell = Text(sanitize_line(incident.key), style=key_style)
        if self.is_marked(incident.key):
            # Before the key, so it is never cut off however narrow the column.
            key_cell = Text("* " if self.ascii_only else "● ", style=Style(bold=True)) + key_cell
        if self.is_due(incident.key):
            # Escalation is due: the level's response time passed unanswered, or the SLA is close at level 1.
            key_cell.append(" >" if self.ascii_only else " »", style=Style(bold=True))
        state = self.write_state(incident.key)
        if state is not None:
            glyph = {"pending": "^" if self.ascii_only else "↑", "stopped": "!"}[state]
            key_cell.append(f" {glyph}", style=Style(bold=True, italic=state == "pending"))
        cells = [
            key_cell,
            Text(sanitize_line(fmt.short_priority(incident.priority)), overflow="crop"),
            self._cut(fmt.short_status(sanitize_line(incident.status)) or "—"),
            self._cut(assignee),
            self._sla_cell(incident, now),
            self._age_cell(incident, now),
            self._cut(sanitize_line(incident.summary)),
        ]
        if self.ascii_only:
            # The column widths are known here; cut with an ASCII mark rather than Rich's "…".
            for index in (2, 3, 6):
                width = self._widths[COLUMNS[index][0]]
                cells[index] = Text(fmt.fit(cells[index].plain, width, ascii_only=True), no_wrap=True)
        return cells

    def _sla_cell(self, incident: Incident, now: datetime) -> Text:
        return sla_cell(
            table_sla(incident, now, self.thresholds),
            now,
            self.thresholds,
            ascii_only=self.ascii_only,
            tr=self.tr,
            styles=self.styles_by_state,
            estimate=self.estimate,
        )

    def _age_cell(self, incident: Incident, now: datetime) -> Text:
        return Text(fmt.age(incident.updated if self.sort_mode == "updated" else incident.created, now))

    def _note(self, incident: Incident) -> bool:
        """Remember what sizes the columns (marks, the longest key and name); True when the layout changes."""
        key = incident.key
        marks_before = (bool(self._bulk), bool(self._due_marked), bool(self._marked))
        for marks, on in (
            (self._bulk, self.is_marked(key)),
            (self._due_marked, self.is_due(key)),
            (self._marked, self.write_state(key) is not None),
        ):
            if on:
                marks.add(key)
            else:
                marks.discard(key)
        return self._note_size(incident) or marks_before != (
            bool(self._bulk),
            bool(self._due_marked),
            bool(self._marked),
        )

    def _note_marks(self) -> None:
        """Which of the queue's rows carry each mark, from the screen's collections (for a whole queue at once)."""
        held = self._ranks
        self._bulk = {key for key in self.marked_keys() if key in held}
        self._due_marked = {key for key in self.due_keys() if key in held}
        self._marked = {key for key in self.writing_keys() if key in held}

    def _note_size(self, incident: Incident) -> bool:
        """Remember the longest key and name; True when a column grows."""
        key = incident.key
        grew = False
        if len(key) > self._key_wanted:
            self._key_wanted = cell_len(key)
            grew = True
        if incident.assignee is not None:
            name = incident.assignee.display_name
            width = self._short_names.get(name)
            if width is None:
                width = cell_len(sanitize_line(fmt.short_name(name)))
                self._short_names[name] = width
            wanted = min(max(width, self._assignee_wanted), ASSIGNEE_WIDTH[1])
            if wanted > self._assignee_wanted:
                self._assignee_wanted = wanted
                grew = True
        return grew

    def _forget(self, key: str) -> None:
        for cache in self._rank_cache.values():
            cache.pop(key, None)
        self._hay.pop(key, None)
        self._hay_now.pop(key, None)
        self._ranks.pop(key, None)
        self._rendered.pop(key, None)
        self._strips.pop(key, None)
        self._bulk.discard(key)
        self._due_marked.discard(key)
        self._marked.discard(key)
        self._drifting.discard(key)

    def _is_new(self, key: str, now: datetime) -> bool:
        until = self._new_until.get(key)
        return until is not None and now < until

    def mark_new(self, keys: Iterable[str], now: datetime, seconds: int = 90) -> None:
        for key in keys:
            self._new_until[key] = now + timedelta(seconds=seconds)
            # The row may already be in (store listeners run in subscription order): restyle it now.
            self._redraw_row(key, now)

    # ---- order ------------------------------------------------------------------------------------------------

    def _rank(self, key: str, incident: Incident) -> Any:
        """The row's sort key as of `_ranked_at`: one moment for every row, so a key that drifts with time (a
        stopped, breached clock) compares rightly with the others and stays the same until the reference moment
        moves (`resort`, at most once a `DRIFT_CHECK`)."""
        rank, drifting = self._rank_in(self.sort_mode, key, incident)
        if drifting:
            self._drifting.add(key)
        else:
            self._drifting.discard(key)
        return rank

    def _rank_in(self, mode: str, key: str, incident: Incident) -> tuple[Any, bool]:
        """The key in sort `mode` (cached while the incident is the same object) and whether it drifts."""
        cache = self._rank_cache.setdefault(mode, {})
        at = self._ranked_at
        hit = cache.get(key)
        if hit is not None and hit[0] is incident and (hit[2] is None or hit[2] == at):
            return hit[1], hit[2] is not None
        if mode == "priority":
            # Within a priority, by time to breach: the breach order's key, kept for it too. Working out the
            # SLA was nine tenths of the cost, and the first sort by priority of 10,000 rows took 90 ms.
            urgency, drifting = self._rank_in("breach", key, incident)
            rank: Any = (PRIORITY_RANK.get(fmt.short_priority(incident.priority), 9), urgency)
        else:
            rank = sort_rank(mode, incident, at, self.thresholds)
            drifting = mode == "breach" and drifts(incident, at)
        cache[key] = (incident, rank, at if drifting else None)
        return rank, drifting

    def _sort_all(self) -> bool:
        """Put the queue's rows in the order of their keys; True when the order moved."""
        ranks = self._ranks
        before = self._all
        # Mostly in order already (a few rows moved, or a sorted batch appended): Timsort merges the runs.
        after = sorted(before, key=ranks.__getitem__)
        if after == before:
            return False
        self._all = after
        return True

    def _refilter(self) -> None:
        """The rows shown: the queue's rows in order that pass the filter (and, in a due-only queue, are due)."""
        if not self.filter_text and not self.due_only:
            self._order = list(self._all)
        else:
            words = self.filter_text.casefold().split()
            due_only, is_due = self.due_only, self.is_due
            texts, lookup = self._hay_now, self._lookup
            order: list[str] = []
            # Each row's text is taken as it was made for the store's copy now (`_hay_now`), without asking the
            # store: three dictionary look-ups a row took 17 ms for 10,000 rows, on every keystroke.
            for key in self._all:
                if due_only and not is_due(key):
                    continue
                if words:
                    text = texts.get(key)
                    if text is None:
                        incident = lookup(key)
                        if incident is None:
                            continue
                        text = texts[key] = self._haystack(incident)
                    if not all(word in text for word in words):
                        continue
                order.append(key)
            self._order = order
        self._pos = None
        self._update_virtual_size()

    def _positions(self) -> dict[str, int]:
        if self._pos is None:
            self._pos = {key: index for index, key in enumerate(self._order)}
        return self._pos

    @property
    def order(self) -> list[str]:
        """The issue keys shown, top to bottom."""
        return list(self._order)

    @property
    def row_count(self) -> int:
        return len(self._order)

    def holds(self, key: str) -> bool:
        """Whether the row of `key` is shown."""
        return key in self._positions()

    def tracks(self, key: str) -> bool:
        """Whether `key` is one of the queue's rows, shown or hidden by the filter."""
        return key in self._ranks

    def get_row_index(self, key: str) -> int:
        return self._positions()[key]

    def get_row(self, key: str) -> list[Text]:
        """The cells of a row shown, as drawn now."""
        if key not in self._positions():
            raise KeyError(key)
        return self._cells(key)

    def get_row_at(self, index: int) -> list[Text]:
        return self._cells(self._order[index])

    def get_cell(self, key: str, column: str) -> Text:
        return self.get_row(key)[COLUMN_INDEX[column]]

    def _reorder(self, selected: str | None, *, moved: bool) -> None:
        """After the rows or their order changed: the rows shown, the cursor kept on `selected` when it is still
        shown, every line drawn anew when the order moved."""
        self._refilter()
        if selected is not None and selected in self._positions():
            self._cursor = self._positions()[selected]
        self._cursor = max(0, min(self._cursor, len(self._order) - 1))
        self._scroll_cursor_into_view()
        if moved:
            # A row's line does not depend on where it is: the strips made stand, every line is placed anew.
            self.refresh()
            # Tell the screen now rather than when this widget next idles: otherwise a frame the screen draws in
            # between (the filter field echoing the key) goes out without the rows, and they follow a frame
            # (16-33 ms) later. The same call Textual 8.2.8 makes on idle (pinned; tests/test_ui_idle.py).
            self._check_refresh()
        self._highlight()

    def show(self, keys: Iterable[str], now: datetime) -> None:
        """Fill the table for a queue (on switching queues)."""
        selected = self.selected_key
        self._now_shown = now
        self._ranks = {}
        self._all = []
        self._hay_now.clear()
        self._warming = object()
        self._rendered.clear()
        self._bulk.clear()
        self._due_marked.clear()
        self._marked.clear()
        self._assignee_wanted = ASSIGNEE_WIDTH[0]
        self._key_wanted = 3
        self._drifting.clear()
        self._redrifting.clear()  # every row is keyed again below
        if now - self._ranked_at >= DRIFT_CHECK or now < self._ranked_at:
            self._ranked_at = now  # otherwise the keys of the last minute stand, drifting ones too
        lookup = self._lookup
        for key in dict.fromkeys(keys):
            incident = lookup(key)
            if incident is not None:
                self._ranks[key] = self._rank(key, incident)
                self._note_size(incident)
        self._note_marks()
        self._all = sorted(self._ranks, key=self._ranks.__getitem__)
        self._layout_columns()
        self._reorder(selected, moved=True)

    def set_filter(self, text: str, now: datetime) -> None:
        """Show only the queue's rows whose key, summary, status, priority, assignee, services or labels hold
        every word of `text`; in the order they have (a filter never sorts)."""
        self.filter_text = text
        self._now_shown = now
        # Rows the filter hides are kept in order too (every change to the queue's rows reaches `apply`).
        self._reorder(self.selected_key, moved=True)

    def _prune_caches(self) -> None:
        """Sort keys and texts kept for copies of incidents the store no longer holds are dropped: they would
        keep those copies alive (a shift of polls and arrivals piles them up)."""
        lookup = self._lookup
        for cache in (*self._rank_cache.values(), self._hay):
            for key in [key for key, kept in cache.items() if lookup(key) is not kept[0]]:
                del cache[key]

    def apply(self, added: Iterable[str], updated: Iterable[str], removed: Iterable[str], now: datetime) -> None:
        """Apply a store diff: add, update in place, remove; the order moves only if a row's sort key did.

        Only members of the queue (by the store) are ever added, whatever the diff says: a change to an incident
        that has left the queue must not bring its row back."""
        selected = self.selected_key
        gone = {key for key in removed if key in self._ranks}
        changed_order = bool(gone)
        layout = False
        redraw: list[str] = []
        shown_before = self._positions()
        added, updated = tuple(added), tuple(updated)
        for key in (*added, *updated, *gone):
            self._hay_now.pop(key, None)
        for key in dict.fromkeys([*added, *updated]):
            if key in gone:
                continue
            incident = self._lookup(key)
            present = key in self._ranks
            if incident is None or not self._member(key):
                if present:
                    gone.add(key)
                    changed_order = True
                continue
            layout |= self._note(incident)
            rank = self._rank(key, incident)
            if not present:
                self._all.append(key)
                changed_order = True
            elif self._ranks[key] != rank:
                changed_order = True
            self._ranks[key] = rank
            # Whether it passes the filter may have changed too.
            if (key in shown_before) != self.matches(incident):
                changed_order = True
            redraw.append(key)
        for key in gone:
            self._forget(key)
        if gone:
            self._all = [key for key in self._all if key not in gone]
        if layout:
            self._layout_columns()
        if changed_order:
            for key in redraw:
                # Made again when drawn: its marks or text may have changed along with its place.
                self._rendered.pop(key, None)
                self._strips.pop(key, None)
            self._sort_all()
            self._reorder(selected, moved=True)
        else:
            for key in redraw:
                self._redraw_row(key, now)
            self._highlight()

    def extend_sorted(self, keys: Iterable[str], now: datetime) -> None:
        """Add the rows of a queue still loading page by page, each in its place in the order shown. Call
        `resort` when the load ends. Only members of the queue that pass the filter come in."""
        selected = self.selected_key
        fresh: list[str] = []
        layout = False
        for key in dict.fromkeys(keys):
            self._hay_now.pop(key, None)
            incident = self._lookup(key)
            if key not in self._ranks and incident is not None and self._member(key):
                self._ranks[key] = self._rank(key, incident)
                layout |= self._note_size(incident)
                fresh.append(key)
        if not fresh:
            return
        marks = (bool(self._bulk), bool(self._due_marked), bool(self._marked))
        self._note_marks()
        layout |= marks != (bool(self._bulk), bool(self._due_marked), bool(self._marked))
        fresh.sort(key=self._ranks.__getitem__)
        self._all.extend(fresh)
        self._sort_all()
        if layout:
            self._layout_columns()
        self._reorder(selected, moved=True)

    def resort(self, now: datetime) -> None:
        """Key every row again (the cached keys stand for what did not change) and sort: the order may have
        moved with time alone (a stopped, breached clock among ticking ones)."""
        self._rank_all(now)
        if self._sort_all():
            self._reorder(self.selected_key, moved=True)

    def _redrift(self) -> None:
        """Key again the next `REDRIFT_PER_TICK` of the drifting rows as of the moved reference moment (the
        others' keys stand for any moment); once the last is done, sort. Until then the order is as of the
        moment before for the rows not yet keyed again, a minute old at most."""
        batch = self._redrifting[:REDRIFT_PER_TICK]
        del self._redrifting[:REDRIFT_PER_TICK]
        lookup, ranks = self._lookup, self._ranks
        for key in batch:
            incident = lookup(key)
            if incident is not None and key in ranks:
                ranks[key] = self._rank(key, incident)
        if not self._redrifting and self._sort_all():
            self._reorder(self.selected_key, moved=True)

    def _rank_all(self, now: datetime) -> None:
        """Every row's sort key (the cached ones for incidents that did not change), as of `now` once the
        reference moment is `DRIFT_CHECK` old (or the clock went back)."""
        if now - self._ranked_at >= DRIFT_CHECK or now < self._ranked_at:
            self._ranked_at = now
        self._redrifting.clear()
        lookup = self._lookup
        for key in list(self._ranks):
            incident = lookup(key)
            if incident is not None:
                self._ranks[key] = self._rank(key, incident)

    def set_sort(self, mode: str, now: datetime) -> None:
        self.sort_mode = mode
        self._drifting.clear()
        self._label_columns()
        # The age column shows the time since the update while sorted by it: made again as rows are drawn.
        self._rendered.clear()
        self._strips.clear()
        selected = self.selected_key
        self._rank_all(now)
        self._sort_all()
        self._reorder(selected, moved=True)

    def restyle(self, styles: SlaStyles, now: datetime) -> None:
        """New SLA colours (the theme changed): every row is drawn anew."""
        self.styles_by_state = styles
        self._redraw_all(now)

    def set_estimate(self, estimate: bool, now: datetime) -> None:
        """Mark every countdown as an estimate, or no longer (every row: those scrolled to later too)."""
        self.estimate = estimate
        self._redraw_all(now)

    def _redraw_all(self, now: datetime) -> None:
        self._now_shown = now
        self._rendered.clear()
        self._strips.clear()
        self.refresh()

    # ---- drawing ------------------------------------------------------------------------------------------------

    def _cells(self, key: str) -> list[Text]:
        """The cells of row `key` as drawn at the time shown: made again when the incident or the time changed."""
        incident = self._lookup(key)
        made = self._rendered.get(key)
        if incident is None:
            return made[2] if made is not None else [Text(key), *(Text("") for _ in COLUMNS[1:])]
        if made is None or made[0] != self._now_shown or made[1] is not incident:
            made = (self._now_shown, incident, self._row(incident, self._now_shown))
            self._rendered[key] = made
            self._strips.pop(key, None)
        return made[2]

    def _redraw_row(self, key: str, now: datetime, *, clock_only: bool = False) -> None:
        """Make row `key`'s cells for `now` and repaint what changed in them, if it is on screen. `clock_only`:
        only time moved, so only the cells that show time (the countdown, the age, a fading "new") can change."""
        line = self._line_of(key)
        if line is None:
            self._rendered.pop(key, None)
            self._strips.pop(key, None)
            return
        made = self._rendered.get(key)
        incident = self._lookup(key)
        if incident is None:
            return
        if clock_only and made is not None and made[1] is incident and key not in self._new_until:
            new = list(made[2])
            new[COLUMN_INDEX["sla"]] = self._sla_cell(incident, now)
            new[COLUMN_INDEX["age"]] = self._age_cell(incident, now)
        else:
            new = self._row(incident, now)
        if made is None:
            self._rendered[key] = (now, incident, new)
            self._strips.pop(key, None)
            self.refresh(Region(0, line, self.size.width, 1))
            return
        old = made[2]
        x = 0
        changed = False
        for index, (column, _, _) in enumerate(COLUMNS):
            width = self._widths[column] + PADDING
            if _signature(old[index]) != _signature(new[index]):
                changed = True
                # A countdown moving a minute changes a digit or two: repaint those cells when nothing else moves.
                span = _changed_span(old[index], new[index])
                if span is not None and span[0] + span[1] <= self._widths[column]:
                    self.refresh(Region(x + 1 + span[0], line, span[1], 1))
                else:
                    self.refresh(Region(x, line, width, 1))
            x += width
        if changed:
            self._rendered[key] = (now, incident, new)
            self._strips.pop(key, None)
        else:
            # The same cells: the drawn line stands.
            self._rendered[key] = (now, incident, old)

    def _line_of(self, key: str) -> int | None:
        """The widget line row `key` is drawn on, None when it is not on screen."""
        index = self._positions().get(key)
        if index is None:
            return None
        line = index - self.scroll_offset.y + HEADER
        return line if HEADER <= line < self.size.height else None

    def notify_style_update(self) -> None:
        self._looks = None
        self._combined.clear()
        super().notify_style_update()

    def _styles_now(self) -> tuple[Style, Style, Style]:
        """The line, header and cursor styles of the moment (focus, theme): worked out once, not per line drawn
        (each walks the DOM)."""
        key = (self.has_focus, self.app.theme)
        looks = self._looks
        if looks is None or looks[0] != key:
            styles = (
                self.rich_style,
                self.get_component_rich_style("queue-table--header"),
                self.get_component_rich_style("queue-table--cursor"),
            )
            looks = self._looks = (key, styles)
        return looks[1]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base, header, cursor_style = self._styles_now()
        if y < HEADER:
            return self._strip([self._labels.get(key, Text()) for key, _, _ in COLUMNS], width, base + header, None)
        index = self.scroll_offset.y + y - HEADER
        if index >= len(self._order):
            return Strip.blank(width, base)
        key = self._order[index]
        cells = self._cells(key)
        cursor = index == self._cursor
        # Dropped whenever the row's cells are made again; what else changes the line is in the key.
        cache_key = (cursor, base, cursor_style if cursor else None, width)
        cached = self._strips.get(key)
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        strip = self._strip(cells, width, base, cursor_style if cursor else None)
        self._strips[key] = (cache_key, strip)
        return strip

    def _strip(self, cells: list[Text], width: int, base: Style, cursor: Style | None) -> Strip:
        """One line: each cell cut or padded to its column, one space either side; the rest of the width blank."""
        # The cursor's colours win over the cell's (as a table cursor does); its text style adds.
        under = base if cursor is None else base + cursor
        over = None if cursor is None else Style.from_color(cursor.color, cursor.bgcolor)
        combined = self._combined.setdefault((under, over), {})

        def styled(style: Style | None) -> Style:
            done = combined.get(style)
            if done is None:
                done = under + style if style is not None else under
                if over is not None:
                    done += over
                combined[style] = done
            return done

        space = Segment(" ", styled(None))
        segments: list[Segment] = []
        used = 0
        console = self.app.console
        for (column, _, _), cell in zip(COLUMNS, cells, strict=True):
            inner = self._widths[column]
            segments.append(space)
            if cell.spans:
                # Several styles in one cell (the marks around a key).
                piece = cell
                if cell_len(cell.plain) > inner:
                    piece = cell.copy()
                    piece.truncate(inner, overflow=cell.overflow or "ellipsis")
                length = cell_len(piece.plain)
                segments.extend(Segment(seg.text, styled(seg.style)) for seg in piece.render(console))
                if length < inner:
                    segments.append(Segment(" " * (inner - length), styled(_style_of(cell))))
            else:
                text = _fit(cell.plain, inner, cell.overflow, ascii_only=self.ascii_only)
                segments.append(Segment(text, styled(_style_of(cell))))
            segments.append(space)
            used += inner + PADDING
        if used < width:
            segments.append(Segment(" " * (width - used), styled(None)))
        if used > width:
            return Strip(segments).crop(0, width).simplify()
        return Strip(Segment.simplify(segments), width)

    # ---- the 1 Hz tick ---------------------------------------------------------------------------------------

    def visible_keys(self) -> list[str]:
        top = int(self.scroll_offset.y)
        height = max(1, self.size.height - HEADER)
        return self._order[top : top + height]

    def tick(self, now: datetime) -> None:
        """Touch only visible SLA (and fading "new") cells whose text changed: bytes matter over SSH."""
        faded: set[str] = set()
        if self._new_until:
            # Marks that have faded are forgotten (a shift's worth of arrivals would otherwise pile up); their
            # rows are made again whole.
            kept = {key: until for key, until in self._new_until.items() if until > now}
            faded = self._new_until.keys() - kept.keys()
            self._new_until = kept
        visible = self.visible_keys()
        for key in visible:
            self._redraw_row(key, now, clock_only=key not in faded)
        self._now_shown = now
        if len(self._rendered) > KEEP_RENDERED:
            keep = set(visible)
            self._rendered = {key: made for key, made in self._rendered.items() if key in keep}
            self._strips = {key: strip for key, strip in self._strips.items() if key in keep}
        if self._redrifting:
            self._redrift()
        elif self._drifting and now - self._ranked_at >= DRIFT_CHECK:
            self._ranked_at = now
            self._redrifting = list(self._drifting)
            self._redrift()
        if now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            self._prune_caches()

    # ---- the cursor ---------------------------------------------------------------------------------------------

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def selected_key(self) -> str | None:
        if not self._order:
            return None
        return self._order[min(self._cursor, len(self._order) - 1)]

    def move_cursor(self, *, row: int, paint_first: bool = False) -> None:
        """Put the cursor on row `row`. `paint_first` (a key moved it): draw the moved cursor first, at once when
        it can be (`_paint_now`), and only then say which incident it is on (RowHighlighted), so the detail
        pane's work never delays the cursor the user is watching."""
        if not self._order:
            return
        row = max(0, min(row, len(self._order) - 1))
        if row != self._cursor:
            for index in (self._cursor, row):
                line = index - self.scroll_offset.y + HEADER
                if HEADER <= line < self.size.height:
                    self.refresh(Region(0, line, self.size.width, 1))
            self._cursor = row
        self._scroll_cursor_into_view()
        if not paint_first or self._paint_now():
            self._highlight()
        else:
            self.call_after_refresh(self._highlight)

    def _paint_now(self) -> bool:
        """Put the moved cursor on screen now rather than at the screen's next frame: Textual draws at most 60
        frames a second, so a key that comes just after another frame (the detail pane's, a countdown's) would
        wait up to 17 ms for its cursor. Only for the first key in `PAINT_GAP`: a burst of keys over a laggy
        link is still drawn as a few frames, not one per key. False when it did not paint."""
        moment = time.monotonic()
        screen = self.screen
        if moment - self._painted_at < PAINT_GAP or not screen.is_current or self.app._batch_count:
            return False
        self._painted_at = moment
        # What the screen does with this widget's Update message at its next frame (Textual 8.2.8, pinned;
        # tests/test_ui_idle.py guards these names): the regions drawn now are not drawn again then.
        screen._dirty_widgets.add(self)
        screen._on_timer_update()
        return True

    def _scroll_cursor_into_view(self) -> None:
        rows = max(1, self.size.height - HEADER)
        top = int(self.scroll_offset.y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + rows:
            self.scroll_to(y=self._cursor - rows + 1, animate=False, immediate=True)

    def _highlight(self) -> None:
        key = self.selected_key
        if key != self._highlighted:
            self._highlighted = key
            self.post_message(self.RowHighlighted(self, key))

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1, paint_first=True)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1, paint_first=True)

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor - max(1, self.size.height - HEADER - 1), paint_first=True)

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor + max(1, self.size.height - HEADER - 1), paint_first=True)

    def action_first(self) -> None:
        self.move_cursor(row=0, paint_first=True)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._order) - 1, paint_first=True)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER:
            return
        index = int(self.scroll_offset.y) + offset.y - HEADER
        if index < len(self._order):
            self.move_cursor(row=index)

    def on_focus(self) -> None:
        self._strips.clear()

    def on_blur(self) -> None:
        self._strips.clear()


_SPACE = Segment(" ")


def _fit(text: str, width: int, overflow: str | None, *, ascii_only: bool = False) -> str:
    """`text` in exactly `width` cells: padded, or cut (with an ellipsis unless the overflow is "crop")."""
    if ascii_only and overflow != "crop" and cell_len(text) > width:
        return set_cell_size(fmt.fit(text, width, ascii_only=True), width)
    if text.isascii() and text.isprintable():
        if len(text) <= width:
            return text + " " * (width - len(text))
        return text[:width] if overflow == "crop" or width < 1 else text[: width - 1] + "…"
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    if overflow == "crop" or width < 1:
        return set_cell_size(text, width)
    return set_cell_size(set_cell_size(text, width - 1) + "…", width)


def _style_of(cell: Text) -> Style | None:
    style = cell.style
    if isinstance(style, Style):
        return style
    return Style.parse(style) if style else None


def _signature(cell: Text) -> tuple[str, str]:
    return (cell.plain, str(cell.style))
