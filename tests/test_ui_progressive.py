"""The first page of a queue's first load is in the table at once, with the tab and the status line saying the
queue is still loading; the end is every row, fully sorted (issue 10: 10,000 incidents)."""

from __future__ import annotations

from oncall_tui.sync.store import StoreDiff
from oncall_tui.ui.widgets.queue_table import QueueTable
from oncall_tui.ui.widgets.status_bar import QueueTabs, StatusBar
from tests.tui_harness import quiet_tui, wait_for

SIZE = (140, 40)
OPEN = "project = OPS AND statusCategory != Done ORDER BY priority DESC"


async def test_the_first_page_is_in_the_table_while_the_rest_streams_in() -> None:
    with quiet_tui(extra_queues=[("Everything", OPEN)]) as tui:
        app = tui.app
        tui.client.page_size = 3
        # The screen's own listener runs first; this one looks at the table right after each page of the queue.
        during: list[tuple[int, int, str, str]] = []

        def listener(diff: StoreDiff) -> None:
            if diff.queue == "Everything" and tui.session.status["Everything"].loading is not None:
                main = app.main
                main.refresh_chrome()
                during.append(
                    (
                        tui.session.store.count("Everything"),
                        main.query_one(QueueTable).row_count,
                        str(main.query_one(QueueTabs).render()),
                        str(main.query_one(StatusBar).render()),
                    )
                )

        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.main.query_one(QueueTable).row_count > 0)
            tui.session.store.subscribe(listener)
            app.main.show_queue("Everything")
            app.poll_now()
            await wait_for(pilot, lambda: bool(during) or tui.session.status["Everything"].loaded)
            # Before the load is over, the table already held its first page.
            assert during, "nothing of the queue was in the table before its load ended"
            await wait_for(pilot, lambda: tui.session.status["Everything"].loaded)
            await pilot.pause()
            table = app.main.query_one(QueueTable)
            total = tui.session.store.count("Everything")
            assert total > 9
            # After the first page: its three rows in the table, the tab's count marked as incomplete, and the
            # status line saying how far the load is.
            held, rows, tabs, status = during[0]
            assert (held, rows) == (3, 3)
            assert "Everything 3…" in tabs
            assert "loading 3" in status
            # Once Jira's approximate count is in (asked alongside the first page), "of M" too.
            assert any(f"loading {held} of {total}" in line for held, _, _, line in during)
            # At the end every row is there, in the table's full order, and the tab shows the whole count.
            assert table.row_count == total
            order = [str(table.get_row_at(i)[0]).split(" ", 1)[0] for i in range(total)]
            table.resort(app.now)
            assert order == [str(table.get_row_at(i)[0]).split(" ", 1)[0] for i in range(total)]
            assert f"Everything {total}]" in str(app.main.query_one(QueueTabs).render())
            assert "loading" not in str(app.main.query_one(StatusBar).render())
