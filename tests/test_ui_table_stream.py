"""Rows of a queue streaming in go to their place in the table's order without keying the rows already in
(a full sort of 10,000 rows a few times a second starved the keyboard), and the table is always in order
(issue 10: 10,000 incidents)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from textual.app import App, ComposeResult

from oncall_tui.domain.incident import Incident
from oncall_tui.ui.widgets.queue_table import QueueTable

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


class TableApp(App[None]):
    def __init__(self, incidents: dict[str, Incident]) -> None:
        super().__init__()
        self.incidents = incidents
        self.lookups = 0

    def lookup(self, key: str) -> Incident | None:
        self.lookups += 1
        return self.incidents.get(key)

    def compose(self) -> ComposeResult:
        table = QueueTable(id="queue")
        table.bind_store(self.lookup)
        yield table


def order(table: QueueTable) -> list[str]:
    return table.order


def by_number(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda key: int(key.split("-")[1]))


async def test_streamed_rows_are_merged_into_the_order_without_keying_the_rows_already_in() -> None:
    numbers = list(range(1, 3001))
    random.Random(10).shuffle(numbers)  # Jira's paging order is not the table's
    data = {f"OPS-{n}": Incident(key=f"OPS-{n}", id=str(n), summary=f"Incident {n}") for n in numbers}
    keys = list(data)
    pages = [keys[i : i + 100] for i in range(0, len(keys), 100)]
    app = TableApp(data)
    async with app.run_test() as pilot:
        table = app.query_one(QueueTable)
        table.sort_mode = "key"
        table.show(pages[0], NOW)  # the first page, as the screen shows it
        await pilot.pause()
        table.move_cursor(row=5)
        chosen = table.selected_key
        table.extend_sorted([key for page in pages[1:20] for key in page], NOW)
        shown = keys[:2000]
        assert order(table) == by_number(shown)
        for page in pages[20:]:
            app.lookups = 0
            table.extend_sorted([*page, "OPS-1", "OPS-999999"], NOW)  # one already in, one not in the store
            # Only the newcomers were looked up (a few times each), not the 2,000 and more rows already in.
            assert app.lookups <= 4 * len(page) + 10
            shown += page
            assert order(table) == by_number(shown) and table.row_count == len(shown)
        # The index behind the rows is consistent, and the cursor stayed on the incident it was on.
        assert all(table.get_row_index(key) == index for index, key in enumerate(order(table)))
        assert table.selected_key == chosen
        await pilot.pause()
        # A full sort finds nothing to move.
        before = order(table)
        table.resort(NOW)
        assert order(table) == before
