"""The last-known-state cache at 10,000 incidents (the simulator's `large` scenario), against what it replaces.

- save:        `SnapshotCache.save` of the whole queue (encode, zlib, private atomic write with fsyncs);
- load:        `SnapshotCache.load` of it (read, inflate, JSON, strict decode into incidents);
- first page:  the client's first search page (100 issues) over loopback from the simulator: the least the
               app waits for before it can show anything without the cache;
- full fetch:  the whole queue through the client, which is what the table waits for today on start.

Loopback to the simulator is the best case for the network; a real Jira answers a page in 0.3-1 s.

    python bench/snapshot_10k.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from machine import describe, stats

from oncall_tui.cli_tui import demo_config
from oncall_tui.config_schema import Secret
from oncall_tui.domain.incident import Incident
from oncall_tui.jira.client import JiraClient
from oncall_tui.sim.server import SimServer, build_site
from oncall_tui.sync.snapshot import SnapshotCache

JQL = "project = OPS ORDER BY key"


async def fetch(server: SimServer, repeat: int) -> tuple[list[Incident], list[float], list[float]]:
    login = server.login()
    config = demo_config(login.url, login.email)
    client = JiraClient(config.jira, Secret(login.token))
    try:
        await client.detect()
        await client.sla_fields()
        first: list[float] = []
        for _ in range(repeat):
            start = time.perf_counter()
            async for _page in client.search_pages(JQL):
                first.append(time.perf_counter() - start)
                break
        start = time.perf_counter()
        incidents = list(await client.search(JQL))
        return incidents, first, [time.perf_counter() - start]
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(describe())
    server = SimServer(build_site(scenario="large")).start()
    try:
        incidents, first_page, full = asyncio.run(fetch(server, args.repeat))
    finally:
        server.stop()
    taken_at = datetime.now(UTC)
    saves: list[float] = []
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        cache = SnapshotCache(Path(directory), server.login().url)
        for _ in range(args.repeat):
            start = time.perf_counter()
            assert cache.save("All", JQL, incidents, taken_at)
            saves.append(time.perf_counter() - start)
            start = time.perf_counter()
            snapshot = cache.load("All", JQL)
            loads.append(time.perf_counter() - start)
            assert snapshot is not None and snapshot.incidents == tuple(incidents)
        size = cache.path("All", JQL).stat().st_size
        small: list[float] = []
        cache.save("500", JQL, incidents[:500], taken_at)
        for _ in range(args.repeat):
            start = time.perf_counter()
            assert cache.load("500", JQL) is not None
            small.append(time.perf_counter() - start)
    print(f"incidents: {len(incidents)} (scenario large), file {size / 1e6:.2f} MB\n")
    print(f"save        {stats(saves)}")
    print(f"load        {stats(loads)}")
    print(f"load of 500 {stats(small)}")
    print(f"first page  {stats(first_page)}")
    print(f"full fetch  {stats(full)}")


if __name__ == "__main__":
    main()
