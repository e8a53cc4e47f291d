"""The queue table: applies store diffs cell by cell and ticks only the visible SLA cells that changed.

Every string from Jira goes in as a `rich.text.Text`, never as a plain `str`: DataTable treats strings as
markup, and a summary like "[red]x" must show literally.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, RowKey

from oncall_tui import display as fmt
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.sla import AtRiskThresholds, SlaClock, SlaState
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator

# Widths without the cell padding (one column each side). The key is sized to the keys shown (never cut: a
# truncated key names another issue); the summary takes what the pane has left (the table clips it).
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("key", "Key", None),
    ("prio", "P", 2),
    ("status", "Status", 13),
    ("assignee", "Assignee", 12),
    ("sla", "SLA", 9),
    ("age", "Age", 4),
    ("summary", "Summary", None),
)

SLA_STYLES: dict[SlaState, Style] = {
    SlaState.BREACHED: Style(color="red", bold=True),
    SlaState.AT_RISK: Style(color="yellow", bold=True),
    SlaState.RUNNING: Style(),
    SlaState.PAUSED: Style(dim=True),
    SlaState.OUTSIDE_HOURS: Style(dim=True),
    SlaState.MET: Style(color="green"),
    SlaState.FAILED: Style(color="red"),
}

SORTS = ("breach", "priority", "updated", "created", "key")


def sla_cell(
    sla: SlaClock | None, now: datetime, thresholds: AtRiskThresholds, *, ascii_only: bool, tr: Translator = ENGLISH
) -> Text:
    if sla is None:
        return Text("—", style=Style(dim=True))
    state = sla.state_at(now, thresholds)
    remaining = sla.remaining_at(now)
    time_text = fmt.countdown(remaining) if remaining is not None else fmt.sla_word(state, tr, short=True)
    return Text(f"{fmt.glyph(state, ascii_only=ascii_only)} {time_text}", style=SLA_STYLES[state])


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


def _key_sort(key: str) -> tuple[str, int]:
    project, _, number = key.partition("-")
    return (project, int(number) if number.isdigit() else 0)


class QueueTable(DataTable[Text]):
    """Rows keyed by issue key; columns keyed as in COLUMNS."""

    DEFAULT_CSS = """
    QueueTable { height: 1fr; }
    """

    def __init__(self, *, ascii_only: bool = False, tr: Translator = ENGLISH, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.ascii_only = ascii_only
        self.tr = tr
        self.thresholds = AtRiskThresholds()
        self.sort_mode = "breach"
        self.filter_text = ""
        self._lookup: Callable[[str], Incident | None] = lambda key: None
        self._cells: dict[str, tuple[str, ...]] = {}  # last plain text per row, to skip no-op updates
        self._new_until: dict[str, datetime] = {}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            shown = self.tr(label)
            # A translated header longer than its column widens it rather than being cut.
            self.add_column(shown, key=key, width=None if width is None else max(width, len(shown)))

    # ---- rows ---------------------------------------------------------------------------------------------

    def bind_store(self, lookup: Callable[[str], Incident | None]) -> None:
        self._lookup = lookup

    def holds(self, key: str) -> bool:
        return key in self._cells

    def matches(self, incident: Incident) -> bool:
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

    def _row(self, incident: Incident, now: datetime) -> list[Text]:
        key_style = Style(bold=True, reverse=True) if self._is_new(incident.key, now) else Style(bold=True)
        assignee = incident.assignee.display_name if incident.assignee else None
        return [
            Text(incident.key, style=key_style),
            Text(fmt.short_priority(incident.priority)),
            Text(fmt.short_status(sanitize_line(incident.status)) or "—"),
            Text(sanitize_line(fmt.short_name(assignee)) if assignee else "—"),
            sla_cell(
                table_sla(incident, now, self.thresholds), now, self.thresholds, ascii_only=self.ascii_only, tr=self.tr
            ),
            Text(fmt.age(incident.created, now)),
            Text(sanitize_line(incident.summary)),
        ]

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
        self._cells.clear()
        for key in keys:
            incident = self._lookup(key)
            if incident is not None and self.matches(incident):
                self._add(incident, now)
        self.resort(now)
        if selected is not None:
            self.select_key(selected)

    def _add(self, incident: Incident, now: datetime) -> None:
        row = self._row(incident, now)
        self.add_row(*row, key=incident.key)
        self._cells[incident.key] = tuple(cell.plain + str(cell.style) for cell in row)

    def _update(self, incident: Incident, now: datetime) -> bool:
        """Update only the cells that changed; True if the sort order may have changed."""
        row = self._row(incident, now)
        old = self._cells.get(incident.key, ())
        new = tuple(cell.plain + str(cell.style) for cell in row)
        changed_sort = False
        for index, (column_key, _, _) in enumerate(COLUMNS):
            if index >= len(old) or old[index] != new[index]:
                self.update_cell(incident.key, column_key, row[index])
                if column_key in ("sla", "prio"):
                    changed_sort = True
        self._cells[incident.key] = new
        return changed_sort

    def apply(self, added: Iterable[str], updated: Iterable[str], removed: Iterable[str], now: datetime) -> None:
        """Apply a store diff: add, update in place, remove; re-sort only if order may have moved."""
        self._remove_rows([key for key in removed if key in self._cells])
        resort = False
        for key in [*added, *updated]:
            incident = self._lookup(key)
            if incident is None:
                continue
            present = key in self._cells
            if not self.matches(incident):
                if present:
                    self.remove_row(key)
                    del self._cells[key]
                continue
            if present:
                resort |= self._update(incident, now)
            else:
                self._add(incident, now)
                resort = True
        if resort:
            self.resort(now)

    def _remove_rows(self, keys: list[str]) -> None:
        """Remove many rows with one re-index.

        DataTable.remove_row rebuilds its whole row index for every row removed, so 50 removals from 10,000
        rows cost a third of filling the table (bench/table_10k.py). This does the same bookkeeping as
        Textual 8.2.8's remove_row (Textual is pinned exactly; tests/test_ui_queue_table.py guards it) once.
        """
        if not keys:
            return
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

    def resort(self, now: datetime) -> None:
        selected = self.selected_key
        mode = self.sort_mode

        def sort_key(cell: Text) -> object:
            incident = self._lookup(cell.plain)
            if incident is None:
                return (2, 0.0, cell.plain)
            if mode == "priority":
                rank = {"P1": 1, "P2": 2, "P3": 3, "P4": 4, "P5": 5}.get(fmt.short_priority(incident.priority), 9)
                return (rank, urgency_key(incident, now, self.thresholds))
            if mode == "updated":
                return -(incident.updated.timestamp() if incident.updated else 0)
            if mode == "created":
                return -(incident.created.timestamp() if incident.created else 0)
            if mode == "key":
                return _key_sort(incident.key)
            return urgency_key(incident, now, self.thresholds)

        self.sort("key", key=sort_key)
        if selected is not None:
            self.select_key(selected)

    # ---- the 1 Hz tick ---------------------------------------------------------------------------------------

    def visible_keys(self) -> list[str]:
        if not self.row_count:
            return []
        top = int(self.scroll_offset.y)
        height = max(1, self.size.height - 1)  # minus the header row
        rows = self.ordered_rows[top : top + height]
        return [str(row.key.value) for row in rows]

    def tick(self, now: datetime) -> None:
        """Touch only visible SLA (and fading "new") cells whose text changed: bytes matter over SSH."""
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
