"""The queue table widget on its own: diffs applied row by row, and a burst of removals with one re-index."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App, ComposeResult

from oncall_tui.domain.incident import Incident
from oncall_tui.ui.widgets.queue_table import QueueTable

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


class TableApp(App[None]):
    def __init__(self, incidents: dict[str, Incident]) -> None:
        super().__init__()
        self.incidents = incidents

    def compose(self) -> ComposeResult:
        table = QueueTable(id="queue")
        table.bind_store(self.incidents.get)
        yield table


def incidents(n: int) -> dict[str, Incident]:
    return {f"OPS-{i}": Incident(key=f"OPS-{i}", id=str(i), summary=f"Incident {i}") for i in range(1, n + 1)}


async def test_small_and_large_removals_leave_exactly_the_remaining_rows() -> None:
    data = incidents(200)
    app = TableApp(data)
    async with app.run_test() as pilot:
        table = app.query_one(QueueTable)
        table.show(list(data), NOW)
        await pilot.pause()
        table.apply((), (), ["OPS-1", "OPS-2", "OPS-3"], NOW)
        assert table.row_count == 197 and not table.holds("OPS-2")
        many = [f"OPS-{i}" for i in range(10, 70)]
        data["OPS-500"] = Incident(key="OPS-500", id="500", summary="arrived with the burst")
        table.apply(["OPS-500"], ["OPS-150"], many, NOW)
        assert table.row_count == 197 - len(many) + 1
        assert table.holds("OPS-500") and table.holds("OPS-150")
        assert not any(table.holds(key) for key in many)
        # The index behind the rows is consistent: every remaining row is where the table says it is.
        order = table.order
        assert len(order) == table.row_count == len(set(order))
        assert all(table.get_row_index(key) == index for index, key in enumerate(order))
        assert set(order) == {key for key in data if key not in {"OPS-1", "OPS-2", "OPS-3", *many}}
        table.move_cursor(row=table.row_count - 1)
        await pilot.pause()
        assert table.selected_key == order[-1]
