"""The store and the queue table at 10,000 incidents (the simulator's `large` scenario).

Measures, with the production client fetching over loopback HTTP and the real `QueueTable` in a headless app
(160×48):

- fetch:        the full JQL result, 10,000 issues paged through the client and parsed (for scale);
- full apply:   `IncidentStore.replace_queue` + `QueueTable.apply` of the whole result, then until the table
                has settled (DataTable measures new rows when idle);
- diff of 50:   50 incidents updated (status and assignee: no re-sort), then 50 with a priority change (re-sort),
                50 leaving the queue (row removal);
- tick:         one 1 Hz tick with no visible change, and one a minute later (visible SLA cells change);
- rebuild:      what the diffs avoid: `QueueTable.show` of all 10,000 rows;
- baseline:     settling the app when nothing changed (the floor under every "settled" number).

The ratios at the end are what to compare across machines; absolute numbers move with load.

    python bench/table_10k.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from machine import describe, stats
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from oncall_tui.cli_tui import demo_config
from oncall_tui.config_schema import Secret
from oncall_tui.domain.incident import Incident
from oncall_tui.jira.client import JiraClient
from oncall_tui.sim.server import SimServer, build_site
from oncall_tui.sync.store import IncidentStore, StoreDiff
from oncall_tui.ui.widgets.queue_table import QueueTable

QUEUE = "All open"
JQL = "project = OPS AND statusCategory != Done ORDER BY priority DESC"
SIZE = (160, 48)


class TableApp(App[None]):
    def __init__(self, store: IncidentStore) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield QueueTable(id="queue")

    def on_mount(self) -> None:
        self.query_one(QueueTable).bind_store(self.store.get)


async def settle(pilot: Pilot[Any]) -> None:
    # Twice: the first lets the table's idle handler measure new rows, the second paints the result.
    await pilot.pause()
    await pilot.pause()


async def timed(pilot: Pilot[Any], step: Callable[[], None]) -> tuple[float, float]:
    """(the synchronous call, the call plus settling) in seconds."""
    start = time.perf_counter()
    step()
    called = time.perf_counter() - start
    await settle(pilot)
    return called, time.perf_counter() - start


async def fetch(server: SimServer) -> tuple[list[Incident], float]:
    login = server.login()
    config = demo_config(login.url, login.email)
    client = JiraClient(config.jira, Secret(login.token))
    try:
        await client.detect()
        start = time.perf_counter()
        incidents = await client.search(JQL)
        return incidents, time.perf_counter() - start
    finally:
        await client.aclose()


def changed(incidents: list[Incident], rng: random.Random, count: int, **changes: Any) -> list[Incident]:
    return [dataclasses.replace(inc, **changes) for inc in rng.sample(incidents, count)]


async def run(repeat: int) -> None:
    print(describe())
    server = SimServer(build_site(scenario="large")).start()
    try:
        incidents, fetch_s = await fetch(server)
    finally:
        server.stop()
    print(f"incidents: {len(incidents)} (scenario large, JQL {JQL!r}), table {SIZE[0]}x{SIZE[1]}\n")

    store = IncidentStore()
    app = TableApp(store)
    rng = random.Random(7)
    results: dict[str, list[float]] = {}

    def record(name: str, value: float) -> None:
        results.setdefault(name, []).append(value)

    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(QueueTable)
        now = datetime.now(UTC)
        diffs: list[StoreDiff] = []

        def apply_last() -> None:
            diff = diffs[-1]
            table.apply(diff.added, diff.updated, diff.removed, now)

        start = time.perf_counter()
        diffs.append(store.replace_queue(QUEUE, incidents))
        record("store: full result (10k)", time.perf_counter() - start)
        called, settled = await timed(pilot, apply_last)
        record("table: full apply, call", called)
        record("table: full apply, settled", settled)
        assert table.row_count == len(incidents), table.row_count

        current = store.incidents(QUEUE)
        for round_ in range(repeat):
            people = [inc.assignee for inc in current if inc.assignee is not None]
            stamp = now + timedelta(seconds=round_ + 1)  # every sampled incident really changes
            batch = changed(current, rng, 50, status="In Progress", assignee=rng.choice(people), updated=stamp)
            start = time.perf_counter()
            diffs.append(store.merge_queue(QUEUE, batch))
            record("store: 50 updated", time.perf_counter() - start)
            record("table: 50 updated, no re-sort", (await timed(pilot, apply_last))[1])

            priority = "Highest" if round_ % 2 else "Lowest"
            diffs.append(store.merge_queue(QUEUE, changed(current, rng, 50, priority=priority, updated=stamp)))
            record("table: 50 updated, re-sort", (await timed(pilot, apply_last))[1])

            leaving = [inc.key for inc in rng.sample(store.incidents(QUEUE), 50)]
            diffs.append(store.merge_queue(QUEUE, [], left=leaving))
            record("table: 50 removed", (await timed(pilot, apply_last))[1])
            # Put them back so every round works on 10,000 rows.
            diffs.append(store.merge_queue(QUEUE, [inc for inc in current if inc.key in set(leaving)]))
            await timed(pilot, apply_last)

            record("baseline: settle with no change", (await timed(pilot, lambda: None))[1])
            second = now + timedelta(seconds=1 + round_)
            record("table: tick, nothing visible changes", (await timed(pilot, lambda s=second: table.tick(s)))[1])
            minute = now + timedelta(minutes=1 + round_)
            record("table: tick, visible SLA cells change", (await timed(pilot, lambda m=minute: table.tick(m)))[1])
            current = store.incidents(QUEUE)

        for _ in range(max(1, repeat // 2)):
            keys = store.keys(QUEUE)
            record("table: full rebuild (show 10k)", (await timed(pilot, lambda k=keys: table.show(k, now)))[1])

    per_issue = fetch_s / len(incidents) * 1e6
    print(f"{'fetch + parse 10k via the client':<38} {fetch_s * 1000:7.0f} ms  ({per_issue:.0f} µs/issue)")
    for name, samples in results.items():
        print(f"{name:<38} {stats(samples)}")

    def median(name: str) -> float:
        ordered = sorted(results[name])
        return ordered[len(ordered) // 2]

    full = median("table: full apply, settled")
    print("\nratios (median / median):")
    print(f"  50 updated (no re-sort) / full apply   {median('table: 50 updated, no re-sort') / full:8.4f}")
    print(f"  50 updated (re-sort) / full apply      {median('table: 50 updated, re-sort') / full:8.4f}")
    print(f"  50 removed / full apply                {median('table: 50 removed') / full:8.4f}")
    print(f"  tick (visible change) / full apply     {median('table: tick, visible SLA cells change') / full:8.4f}")
    rebuild = median("table: full rebuild (show 10k)")
    print(f"  full rebuild / 50 updated (no re-sort) {rebuild / median('table: 50 updated, no re-sort'):8.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.repeat))


if __name__ == "__main__":
    main()
