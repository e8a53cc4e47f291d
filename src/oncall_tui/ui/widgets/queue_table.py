"""The queue table: applies store diffs cell by cell and ticks only the visible SLA cells that changed.

Every string from Jira goes in as a `rich.text.Text`, never as a plain `str`: DataTable treats strings as
markup, and a summary like "[red]x" must show literally. The table shows exactly what the store says the active
queue holds: a change to an incident that is not a member never brings its row (back) in.

Columns have fixed widths worked out from the space there is: the summary takes what is left, the assignee as
much as its longest name needs; what does not fit ends in an ellipsis, never cut mid-word without a sign.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.coordinate import Coordinate
from textual.events import Resize
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, CellType, ColumnKey, DuplicateKey, Row, RowKey

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
ASSIGNEE_WIDTH = (12, 26)  # at least, at most
SUMMARY_MIN = 12
PADDING = 2  # DataTable's cell padding, one column each side
CELL_CACHE = 4096  # rendered cells kept (7 columns of a 200-line terminal, twice over)

SORTS = ("breach", "priority", "updated", "created", "key")
# The column each sort is marked on, and the direction it runs (most urgent / newest first).
SORT_COLUMNS = {
    "breach": ("sla", True),
    "priority": ("prio", True),
    "updated": ("age", False),
    "created": ("age", True),
    "key": ("key", True),
}


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


def urgency_key(incident: Incident, now: datetime, thresholds: AtRiskThresholds) -> tuple[int, float, str]:
    """Sort by time to breach, on the SLA the row shows: ticking clocks first (breached most negative first),
    then paused / out-of-hours ones by the time they have left, then completed or none."""
    sla = table_sla(incident, now, thresholds)
    remaining = sla.remaining_at(now) if sla is not None and not sla.completed else None
    if sla is None or remaining is None:
        return (2, 0.0, incident.key)
    group = 0 if sla.ticking or sla.state_at(now, thresholds) is SlaState.BREACHED else 1
    return (group, remaining.total_seconds(), incident.key)


def _issue_key(cell: Text) -> str:
    """The issue key in a key cell, whatever marks surround it ("● OPS-33 » ↑")."""
    words = cell.plain.split()
    return next((word for word in words if "-" in word), words[0] if words else "")


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


class QueueTable(DataTable[Text]):
    """Rows keyed by issue key; columns keyed as in COLUMNS."""

    DEFAULT_CSS = """
    QueueTable { height: 1fr; scrollbar-gutter: stable; }
    """

    def __init__(self, *, ascii_only: bool = False, tr: Translator = ENGLISH, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.ascii_only = ascii_only
        self.tr = tr
        self.thresholds = AtRiskThresholds()
        self.styles_by_state: SlaStyles = sla_styles()
        self.sort_mode = "breach"
        self.filter_text = ""
        # Countdowns are estimates (Jira cannot be asked): each is marked.
        self.estimate = False
        self._lookup: Callable[[str], Incident | None] = lambda key: None
        self._member: Callable[[str], bool] = lambda key: True
        self._cells: dict[str, tuple[str, ...]] = {}  # last plain text per row, to skip no-op updates
        self._new_until: dict[str, datetime] = {}
        # What the command pipeline says of a row's writes: "pending" (on its way), "stopped" (failed, or waiting
        # for the user's decision), None. Set by the screen; the table holds no copy of the commands.
        self.write_state: Callable[[str], str | None] = lambda key: None
        # Whether the screen has the row marked for an action on several incidents (space).
        self.is_marked: Callable[[str], bool] = lambda key: False
        self._bulk: set[str] = set()
        # Whether escalation is due for the row (the engine's due watch, through the screen), and whether the
        # table shows only those ([[queues]] escalation_due = true).
        self.is_due: Callable[[str], bool] = lambda key: False
        self.due_only = False
        self._due_marked: set[str] = set()
        self._marked: set[str] = set()
        self._assignee_wanted = ASSIGNEE_WIDTH[0]  # the longest short name shown
        self._now_shown = datetime.now().astimezone()  # the time the rows were last drawn for
        # While a queue streams in (`extend_sorted`): the rows' sort keys in the order shown, so each batch is
        # merged in without keying every row again. None: not known (anything else that touches the rows).
        self._order: list[tuple[Any, str]] | None = None
        # Cached cell renders are keyed by the table's update count, so after any change they are garbage:
        # a few screens' worth is all that is ever hit. Textual keeps 10,000 (tens of MB for a full table).
        self._cell_render_cache.maxsize = CELL_CACHE

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            shown = self.tr(label)
            # A translated header longer than its column widens it rather than being cut.
            self.add_column(shown, key=key, width=max(width or 1, cell_len(shown) + 2))
        self._label_columns()

    def on_resize(self, event: Resize) -> None:
        self._layout_columns()

    # ---- columns ------------------------------------------------------------------------------------------

    def _label_columns(self) -> None:
        """Header labels, the sorted column marked with the direction it runs."""
        marked, ascending = SORT_COLUMNS[self.sort_mode]
        arrow = ("^" if ascending else "v") if self.ascii_only else ("▲" if ascending else "▼")
        for key, label, _ in COLUMNS:
            if key == "age" and self.sort_mode == "updated":
                label = "Upd"  # the column shows the time since the last update while sorted by it
            shown = self.tr(label) + (arrow if key == marked else "")
            column = self.columns.get(key)  # type: ignore[call-overload]
            if column is not None:
                column.label = Text(shown, style=Style(bold=True) if key == marked else Style())
        self._layout_columns()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # DataTable measures every cell of every new row to size auto-width columns; ours all have fixed
        # widths (set from the space there is) and rows one line high, so for 10,000 rows that is 70,000
        # measures (about two seconds) that change nothing. The virtual size is still worked out.
        if not any(column.auto_width for column in self.columns.values()):
            new_rows = ()
        super()._update_dimensions(new_rows)

    def _layout_columns(self) -> None:
        """Fixed widths for the space there is: the summary takes the rest, ending in an ellipsis."""
        if not self.columns:
            return
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        wanted: dict[str, int] = {}
        for key, _, fixed in COLUMNS:
            label = cell_len(self.columns[key].label.plain)  # type: ignore[index]
            if key == "key":
                # Two more columns while any row carries a write mark ("OPS-33 ↑").
                marks = (2 if self._marked else 0) + (2 if self._bulk else 0) + (2 if self._due_marked else 0)
                wanted[key] = max(label, *(cell_len(k) + marks for k in self._cells), 3)
            elif key == "assignee":
                wanted[key] = max(label, self._assignee_wanted)
            elif key == "summary":
                wanted[key] = label
            else:
                wanted[key] = max(label, fixed or 1)
        fixed_total = sum(w + PADDING for k, w in wanted.items() if k != "summary") + PADDING
        summary = width - fixed_total
        if summary < SUMMARY_MIN:
            # Short of room: the assignee gives back what it took beyond its minimum first.
            give = min(SUMMARY_MIN - summary, wanted["assignee"] - ASSIGNEE_WIDTH[0])
            wanted["assignee"] -= max(give, 0)
            summary += max(give, 0)
        wanted["summary"] = max(summary, SUMMARY_MIN)
        changed = False
        for key, value in wanted.items():
            column = self.columns[key]  # type: ignore[index]
            if column.width != value or column.auto_width:
                column.width, column.auto_width = value, False
                changed = True
        if changed:
            # Cells are rendered at their column's width (Rich adds the ellipsis); cached renders are stale.
            self._clear_caches()
            self._require_update_dimensions = True
            self.refresh()
            if self.ascii_only:
                # ASCII cells were cut (with "...") to the old widths: cut them again.
                for key in list(self._cells):
                    incident = self._lookup(key)
                    if incident is not None:
                        self._update(incident, self._now_shown)

    # ---- rows ---------------------------------------------------------------------------------------------

    def bind_store(self, lookup: Callable[[str], Incident | None], member: Callable[[str], bool] | None = None) -> None:
        """Where incidents come from, and which keys the active queue holds (by the store's word; None: any key
        looked up)."""
        self._lookup = lookup
        self._member = member or (lambda key: True)

    def holds(self, key: str) -> bool:
        return key in self._cells

    def matches(self, incident: Incident) -> bool:
        if self.due_only and not self.is_due(incident.key):
            return False
        if not self.filter_text:
            return True
        needle = self.filter_text.casefold()
        hay = " ".join(
            [
                incident.key,
                incident.summary,
                incident.status,
                incident.priority or "",
                # Both words match an unassigned incident, whatever the UI language.
                incident.assignee.display_name if incident.assignee else f"unassigned {self.tr('unassigned')}",
                *incident.components,
                *incident.labels,
            ]
        ).casefold()
        return all(word in hay for word in needle.split())

    def _cut(self, text: str, style: Style | None = None) -> Text:
        # Rich cuts the cell at the column's width with this overflow; ASCII terminals get "..." instead.
        if self.ascii_only:
            return Text(text, style=style or Style(), no_wrap=True, overflow="crop", end="")
        return Text(text, style=style or Style(), no_wrap=True, overflow="ellipsis", end="")

    def _row(self, incident: Incident, now: datetime) -> list[Text]:
        self._now_shown = now
        key_style = Style(bold=True, reverse=True) if self._is_new(incident.key, now) else Style(bold=True)
        assignee = sanitize_line(fmt.short_name(incident.assignee.display_name)) if incident.assignee else "—"
        age = fmt.age(incident.updated, now) if self.sort_mode == "updated" else fmt.age(incident.created, now)
        key_cell = Text(incident.key, style=key_style)
        had_bulk = bool(self._bulk)
        if self.is_marked(incident.key):
            # Before the key, so it is never cut off however narrow the column.
            key_cell = Text("* " if self.ascii_only else "● ", style=Style(bold=True)) + key_cell
            self._bulk.add(incident.key)
        else:
            self._bulk.discard(incident.key)
        if had_bulk != bool(self._bulk):
            self.call_after_refresh(self._layout_columns)
        had_due = bool(self._due_marked)
        if self.is_due(incident.key):
            # Escalation is due: the level's response time passed unanswered, or the SLA is close at level 1.
            key_cell.append(" >" if self.ascii_only else " »", style=Style(bold=True))
            self._due_marked.add(incident.key)
        else:
            self._due_marked.discard(incident.key)
        if had_due != bool(self._due_marked):
            self.call_after_refresh(self._layout_columns)
        state = self.write_state(incident.key)
        if state is not None:
            glyph = {"pending": "^" if self.ascii_only else "↑", "stopped": "!"}[state]
            key_cell.append(f" {glyph}", style=Style(bold=True, italic=state == "pending"))
        had_marks = bool(self._marked)
        if state is None:
            self._marked.discard(incident.key)
        else:
            self._marked.add(incident.key)
        if had_marks != bool(self._marked):
            self.call_after_refresh(self._layout_columns)
        cells = [
            key_cell,
            Text(fmt.short_priority(incident.priority)),
            self._cut(fmt.short_status(sanitize_line(incident.status)) or "—"),
            self._cut(assignee),
            sla_cell(
                table_sla(incident, now, self.thresholds),
                now,
                self.thresholds,
                ascii_only=self.ascii_only,
                tr=self.tr,
                styles=self.styles_by_state,
                estimate=self.estimate,
            ),
            Text(age),
            self._cut(sanitize_line(incident.summary)),
        ]
        if self.ascii_only:
            # The column widths are known here; cut with an ASCII mark rather than Rich's "…".
            for index in (2, 3, 6):
                column = self.columns.get(COLUMNS[index][0])  # type: ignore[call-overload]
                if column is not None and not column.auto_width:
                    cells[index] = Text(fmt.fit(cells[index].plain, column.width, ascii_only=True), no_wrap=True)
        return cells

    def _is_new(self, key: str, now: datetime) -> bool:
        until = self._new_until.get(key)
        return until is not None and now < until

    def mark_new(self, keys: Iterable[str], now: datetime, seconds: int = 90) -> None:
        for key in keys:
            self._new_until[key] = now + timedelta(seconds=seconds)
            # The row may already be in (store listeners run in subscription order): restyle it now.
            incident = self._lookup(key)
            if key in self._cells and incident is not None:
                self._update(incident, now)

    def show(self, keys: Iterable[str], now: datetime) -> None:
        """Fill the table for a queue (on switching queues or changing the filter)."""
        selected = self.selected_key
        self.clear()
        self._order = None
        self._cells.clear()
        self._assignee_wanted = ASSIGNEE_WIDTH[0]
        shown = [inc for key in keys if (inc := self._lookup(key)) is not None and self.matches(inc)]
        self._add_many(shown, now)
        self.resort(now)
        self._layout_columns()
        if selected is not None:
            self.select_key(selected)

    def _signature(self, row: list[Text]) -> tuple[str, ...]:
        return tuple(cell.plain + str(cell.style) for cell in row)

    def _note_width(self, row: list[Text]) -> bool:
        """Remember the longest assignee; True when the column should grow for it."""
        wanted = min(max(cell_len(row[3].plain), self._assignee_wanted), ASSIGNEE_WIDTH[1])
        grew = wanted > self._assignee_wanted
        self._assignee_wanted = wanted
        return grew

    def _add(self, incident: Incident, now: datetime) -> bool:
        row = self._row(incident, now)
        self.add_row(*row, key=incident.key)
        self._cells[incident.key] = self._signature(row)
        return self._note_width(row)

    def _add_many(self, incidents: list[Incident], now: datetime) -> None:
        """Add rows at the bottom, as `_add` one by one would, with DataTable's per-row bookkeeping done once.

        DataTable.add_row orders the columns twice and re-validates the cursor (a reactive) for every row: half
        the cost of adding 10,000. This is the same bookkeeping as Textual 8.2.8's add_row for one-line rows
        without labels (Textual is pinned exactly; tests/test_ui_queue_table.py fills tables through it)."""
        if not incidents:
            return
        was_empty = self.row_count == 0
        columns = [column.key for column in self.ordered_columns]
        for incident in incidents:
            row = self._row(incident, now)
            row_key = RowKey(incident.key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            self._row_locations[row_key] = len(self.rows)
            self._data[row_key] = dict(zip(columns, row, strict=True))
            self.rows[row_key] = Row(row_key, 1)
            self._new_rows.add(row_key)
            self._cells[incident.key] = self._signature(row)
            self._note_width(row)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    def _update(self, incident: Incident, now: datetime) -> bool:
        """Update only the cells that changed; True if the sort order may have changed."""
        row = self._row(incident, now)
        old = self._cells.get(incident.key, ())
        new = self._signature(row)
        changed_sort = False
        for index, (column_key, _, _) in enumerate(COLUMNS):
            if index >= len(old) or old[index] != new[index]:
                self.update_cell(incident.key, column_key, row[index])
                if column_key in ("sla", "prio", "age"):
                    changed_sort = True
        self._cells[incident.key] = new
        if self._note_width(row):
            self._layout_columns()
        return changed_sort

    def apply(self, added: Iterable[str], updated: Iterable[str], removed: Iterable[str], now: datetime) -> None:
        """Apply a store diff: add, update in place, remove; re-sort only if order may have moved.

        Only members of the queue (by the store) are ever added, whatever the diff says: a change to an incident
        that has left the queue must not bring its row back."""
        self._order = None
        self._remove_rows([key for key in removed if key in self._cells])
        resort = False
        grew = False
        gone: list[str] = []
        for key in [*added, *updated]:
            incident = self._lookup(key)
            present = key in self._cells
            if incident is None or not self._member(key) or not self.matches(incident):
                if present:
                    gone.append(key)
                continue
            if present:
                resort |= self._update(incident, now)
            else:
                grew |= self._add(incident, now)
                resort = True
        self._remove_rows(gone)
        if resort:
            self.resort(now)
        if grew or resort:
            self._layout_columns()

    def _remove_rows(self, keys: list[str]) -> None:
        """Remove many rows with one re-index.

        DataTable.remove_row rebuilds its whole row index for every row removed, so 50 removals from 10,000
        rows cost a third of filling the table (bench/table_10k.py). This does the same bookkeeping as
        Textual 8.2.8's remove_row (Textual is pinned exactly; tests/test_ui_queue_table.py guards it) once.
        """
        if not keys:
            return
        self._order = None
        if len(keys) == 1:
            self.remove_row(keys[0])
            del self._cells[keys[0]]
            return
        doomed = {RowKey(key) for key in keys}
        kept = sorted(
            (self._row_locations.get(row_key), row_key) for row_key in self._row_locations if row_key not in doomed
        )
        self._row_locations = TwoWayDict({row_key: index for index, (_, row_key) in enumerate(kept)})
        for row_key in doomed:
            for column_key in self._data.get(row_key, {}):
                self._updated_cells.discard(CellKey(row_key, column_key))
            del self.rows[row_key]
            del self._data[row_key]
            del self._cells[row_key.value]
        self._require_update_dimensions = True
        self.check_idle()
        self.cursor_coordinate = self.cursor_coordinate
        self.hover_coordinate = self.hover_coordinate
        self._update_count += 1
        self.refresh(layout=True)

    def update_cell(
        self, row_key: RowKey | str, column_key: ColumnKey | str, value: CellType, *, update_width: bool = False
    ) -> None:
        """As DataTable.update_cell, but repaints only the cell (DataTable repaints the whole table for one cell:
        a countdown's minute would rewrite every visible row on the terminal)."""
        row = RowKey(row_key) if isinstance(row_key, str) else row_key
        column = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        if update_width or row not in self._row_locations or column not in self._column_locations:
            super().update_cell(row_key, column_key, value, update_width=update_width)
            return
        # The same bookkeeping as Textual 8.2.8's update_cell (pinned; tests/test_ui_queue_table.py guards it):
        # the new count makes every cached render of the table stale, the refresh says which cells to paint.
        old = self._data[row][column]
        self._data[row][column] = value
        self._update_count += 1
        coordinate = Coordinate(self._row_locations.get(row), self._column_locations.get(column))
        region = self._get_cell_region(coordinate)
        # A countdown moving a minute changes a digit or two: repaint those cells when nothing else moves.
        span = _changed_span(old, value)
        if span is not None:
            first, width = span
            region = Region(region.x + self.cell_padding + first, region.y, width, region.height)
        self._refresh_region(region)

    def set_sort(self, mode: str, now: datetime) -> None:
        ages_change = "updated" in (mode, self.sort_mode)
        self.sort_mode = mode
        self._label_columns()
        if ages_change:
            # The age column shows the time since the update while sorted by it: its cells change (only then).
            for key in list(self._cells):
                incident = self._lookup(key)
                if incident is not None:
                    self._update(incident, now)
        self.resort(now)

    def restyle(self, styles: SlaStyles, now: datetime) -> None:
        """New SLA colours (the theme changed): repaint every row's SLA cell."""
        self.styles_by_state = styles
        for key in list(self._cells):
            incident = self._lookup(key)
            if incident is not None:
                self._update(incident, now)

    def _sort_key(self, now: datetime) -> Callable[[str], Any]:
        """The order of the current sort mode, as a key of the row's issue key."""
        mode = self.sort_mode
        thresholds = self.thresholds

        def sort_key(key: str) -> Any:
            incident = self._lookup(key)
            if incident is None:
                return (2, 0.0, key)
            if mode == "priority":
                rank = {"P1": 1, "P2": 2, "P3": 3, "P4": 4, "P5": 5}.get(fmt.short_priority(incident.priority), 9)
                return (rank, urgency_key(incident, now, thresholds))
            if mode == "updated":
                return -(incident.updated.timestamp() if incident.updated else 0)
            if mode == "created":
                return -(incident.created.timestamp() if incident.created else 0)
            if mode == "key":
                return _key_sort(incident.key)
            return urgency_key(incident, now, thresholds)

        return sort_key

    def resort(self, now: datetime) -> None:
        selected = self.selected_key
        sort_key = self._sort_key(now)
        self._order = None
        keys = [sort_key(str(row.key.value)) for row in self.ordered_rows]
        if any(later < earlier for earlier, later in itertools.pairwise(keys)):
            # Sorting repaints the whole table: only when the order really moved (countdowns that tick together
            # keep their order, minute after minute). The key cell may carry marks ("● OPS-33 » ↑").
            self.sort("key", key=lambda cell: sort_key(_issue_key(cell)))
        if selected is not None:
            self.select_key(selected)

    def extend_sorted(self, keys: Iterable[str], now: datetime) -> None:
        """Add the rows of a queue still loading page by page, each in its place in the order shown; the rows
        already in keep theirs and are not keyed again (a full `resort` of 10,000 rows several times a second
        starves the keyboard). Call `resort` when the load ends: keys taken at different moments of the load
        may differ by the seconds between them. Only members of the queue that pass the filter come in."""
        fresh: list[Incident] = []
        for key in dict.fromkeys(keys):
            incident = self._lookup(key)
            if key not in self._cells and incident is not None and self._member(key) and self.matches(incident):
                fresh.append(incident)
        if not fresh:
            return
        selected = self.selected_key
        sort_key = self._sort_key(now)
        if self._order is None or len(self._order) != len(self._cells):
            self._order = [(sort_key(str(row.key.value)), str(row.key.value)) for row in self.ordered_rows]
        self._add_many(fresh, now)
        # Ties go by key, so the merge never compares anything but the sort keys and the issue keys.
        batch = sorted((sort_key(incident.key), incident.key) for incident in fresh)
        self._order = list(heapq.merge(self._order, batch))
        # What DataTable.sort does once it has the order (Textual is pinned exactly; tests guard it).
        self._row_locations = TwoWayDict({RowKey(key): index for index, (_, key) in enumerate(self._order)})
        self._update_count += 1
        self.refresh()
        if selected is not None:
            self.select_key(selected)
        self._layout_columns()  # a longer key or name may have come in

    # ---- the 1 Hz tick ---------------------------------------------------------------------------------------

    def visible_keys(self) -> list[str]:
        if not self.row_count:
            return []
        top = int(self.scroll_offset.y)
        height = max(1, self.size.height - 1)  # minus the header row
        rows = self.ordered_rows[top : top + height]
        return [str(row.key.value) for row in rows]

    def set_estimate(self, estimate: bool, now: datetime) -> None:
        """Mark every countdown as an estimate, or no longer (every row: those scrolled to later too)."""
        self.estimate = estimate
        for key in list(self._cells):
            incident = self._lookup(key)
            if incident is not None:
                self._update(incident, now)

    def tick(self, now: datetime) -> None:
        """Touch only visible SLA (and fading "new") cells whose text changed: bytes matter over SSH."""
        if self._new_until:
            # Marks that have faded are forgotten (a shift's worth of arrivals would otherwise pile up).
            self._new_until = {key: until for key, until in self._new_until.items() if until > now}
        for key in self.visible_keys():
            incident = self._lookup(key)
            if incident is not None:
                self._update(incident, now)

    # ---- selection ---------------------------------------------------------------------------------------------

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:
            return None
        return str(row_key.value) if row_key.value is not None else None

    def select_key(self, key: str) -> None:
        if key in self._cells:
            self.move_cursor(row=self.get_row_index(key))
