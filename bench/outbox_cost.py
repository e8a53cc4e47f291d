"""What the durable outbox adds to one action (issue 8): a take from `pipeline.take(key)` to CONFIRMED.

- take, durable:   a `CommandPipeline` with the SQLite outbox on disk (synchronous writes: every state the
                   command passes through, queued, sending, confirmed, is recorded before the next step);
- take, in memory: the same pipeline with `Outbox.in_memory()` (nothing on disk);
- record:          one `Outbox.record` on its own (a transaction with its fsync), the raw cost per state.

Both pipelines share one simulator over loopback and one client, and their runs are interleaved (durable,
memory, durable, ...) so the machine's noise hits both alike. Between runs the incident is unassigned again
(untimed). The outbox file goes to a temporary directory next to the app's own state directory (the same
disk and filesystem the app writes to), removed afterwards.

    python bench/outbox_cost.py [--runs 40] [--records 200] [--dir PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

from machine import describe

from oncall_tui.cli_tui import demo_config
from oncall_tui.config_schema import Secret
from oncall_tui.jira.client import JiraClient
from oncall_tui.sim.server import SimServer, build_site
from oncall_tui.sync import commands as cmds
from oncall_tui.sync.commands import Command, State
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.outbox import Outbox, default_path
from oncall_tui.sync.pipeline import CommandChanged, CommandPipeline
from oncall_tui.sync.store import IncidentStore

KEY = "OPS-4"  # open and unassigned in the default scenario


def stats(samples: list[float]) -> str:
    """Median, quartiles and range in milliseconds, to a tenth (a record is well under a millisecond on SSDs)."""
    ordered = sorted(samples)
    n = len(ordered)

    def at(q: float) -> float:
        return ordered[min(n - 1, round(q * (n - 1)))] * 1000

    return f"{at(0.5):7.2f} ms  (quartiles {at(0.25):.2f}-{at(0.75):.2f}, min {at(0):.2f}, max {at(1):.2f}, n={n})"


def median(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2]


def filesystem(path: Path) -> str:
    """The mount holding `path`: device, filesystem type and mount point (from /proc/mounts)."""
    best = ("?", "?", "/")
    try:
        with open("/proc/mounts", encoding="utf-8") as fh:
            for line in fh:
                device, point, kind = line.split()[:3]
                if str(path).startswith(point) and len(point) >= len(best[2]):
                    best = (device, kind, point)
    except OSError:
        pass
    return f"{best[1]} on {best[0]} (mounted at {best[2]})"


class Taker:
    """One pipeline; `take()` returns seconds from `pipeline.take` to CONFIRMED."""

    def __init__(self, client: JiraClient, outbox: Outbox, site: str) -> None:
        self.client = client
        self.store = IncidentStore()
        self.bus = EventBus()
        self.pipeline = CommandPipeline(client, self.store, outbox, self.bus, site=site)
        self._done: asyncio.Event | None = None
        self._id = ""
        self.last: Command | None = None
        self.bus.subscribe(self._heard)

    def _heard(self, event: object) -> None:
        if not (isinstance(event, CommandChanged) and event.command.id == self._id and self._done is not None):
            return
        if event.command.state not in (State.QUEUED, State.SENDING):
            self.last = event.command
            self._done.set()

    async def take(self) -> float:
        self._done = asyncio.Event()
        start = time.perf_counter()
        command = self.pipeline.take(KEY)
        self._id = command.id
        await self._done.wait()
        seconds = time.perf_counter() - start
        if self.last is None or self.last.state is not State.CONFIRMED:
            raise SystemExit(f"the take did not land: {self.last}")
        return seconds


async def takes(server: SimServer, state_dir: Path, runs: int) -> tuple[list[float], list[float]]:
    login = server.login()
    config = demo_config(login.url, login.email)
    client = JiraClient(config.jira, Secret(login.token))
    durable_outbox = Outbox(state_dir / "outbox.sqlite3")
    if not durable_outbox.durable:
        raise SystemExit(f"the outbox cannot be used: {durable_outbox.problem}")
    try:
        me = await client.myself()
        durable = Taker(client, durable_outbox, login.url)
        memory = Taker(client, Outbox.in_memory(), login.url)
        results: dict[int, list[float]] = {id(durable): [], id(memory): []}
        for run in range(runs + 2):  # the first two warm up connections and caches, and are not counted
            for taker in (durable, memory) if run % 2 == 0 else (memory, durable):
                await client.assign(KEY, None)  # untimed: the incident is free again
                taker.pipeline.me = me
                taker.store.put(await client.get_issue(KEY))
                seconds = await taker.take()
                if run >= 2:
                    results[id(taker)].append(seconds)
        return results[id(durable)], results[id(memory)]
    finally:
        await client.aclose()
        durable_outbox.close()


def records(state_dir: Path, count: int) -> list[float]:
    outbox = Outbox(state_dir / "records.sqlite3")
    command = cmds.comment(
        KEY, "A comment of ordinary length, about as long as one on an incident.", public=False, seen=None
    )
    samples = []
    try:
        for n in range(count + 5):
            start = time.perf_counter()
            ok = outbox.record("https://bench.example", "bench", command.with_state(State.QUEUED, attempts=n))
            if n >= 5:
                samples.append(time.perf_counter() - start)
            if not ok:
                raise SystemExit(f"record failed: {outbox.problem}")
    finally:
        outbox.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=default_path().parent.parent, help="where the temp dir goes")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    state_dir = Path(tempfile.mkdtemp(prefix="oncall-tui-bench-", dir=args.dir))
    print(describe())
    print(f"state:    {state_dir} ({filesystem(state_dir.resolve())})")
    server = SimServer(build_site(scenario="default")).start()
    try:
        durable, memory = asyncio.run(takes(server, state_dir, args.runs))
        recorded = records(state_dir, args.records)
    finally:
        server.stop()
        shutil.rmtree(state_dir, ignore_errors=True)
    print(f"take -> confirmed, durable outbox:  {stats(durable)}")
    print(f"take -> confirmed, in memory:       {stats(memory)}")
    print(f"one record (transaction + fsync):   {stats(recorded)}")
    added = median(durable) - median(memory)
    print(f"difference of the medians:          {added * 1000:7.2f} ms per take ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
