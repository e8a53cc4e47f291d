"""10,000 incidents in one queue, and what a poll costs (issue 10, build item 2).

Two parts, each printed as a Markdown table with the machine it ran on:

- **terminal** (tmux, 120×40, the installed `oncall-tui demo --scenario large`): from process start to the
  first incident rows on screen, and to fully loaded (the active tab's count is the queue's size and the
  table no longer says it is loading); peak RSS of the process (`VmHWM` in /proc/<pid>/status once the
  queue's snapshot, written after the load, is in the cache);
- **network** (headless, the production client and poller against the simulator over loopback): requests
  and response-body bytes the simulator answered (its observed exchanges) for a full load of a 1,000-incident
  queue, an incremental poll when nothing changed, and one after 5 incidents changed.

    .venv/bin/python bench/large_queue.py [--repeat 3] [--skip-terminal] [--skip-network]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import tomli_w
from machine import describe

from oncall_tui.cli_tui import demo_config
from oncall_tui.config_schema import Secret
from oncall_tui.jira.client import JiraClient
from oncall_tui.sim.observe import Exchange
from oncall_tui.sim.server import SimServer, build_site
from oncall_tui.sync.poller import QueuePoller
from oncall_tui.sync.store import IncidentStore

WIDTH, HEIGHT = 120, 40
LARGE = 10_000
ROW = re.compile(r"\bOPS-\d+\b")
# The tab line: the queue's name followed by its count (the demo's first queue holds every open incident).
COUNT = re.compile(r"(\d[\d,]*)")
LOADING = re.compile(r"loading|…", re.IGNORECASE)


# ---- terminal ----------------------------------------------------------------------------------------------


@dataclass
class TerminalRun:
    first_rows: float
    loaded: float | None
    rss_mb: float | None


def _tmux(socket: str, *args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", socket, "-f", os.devnull, *args], capture_output=True, text=True, timeout=10, check=False
    ).stdout


def _vm_hwm(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _snapshot_written(home: Path) -> bool:
    return any((home / "cache").rglob("*.snapshot"))


def _fully_loaded(screen: str, size: int) -> bool:
    tab_line = next((line for line in screen.splitlines()[:4] if "All open" in line), "")
    counts = [int(m.replace(",", "")) for m in COUNT.findall(tab_line)]
    return size in counts and not LOADING.search(tab_line)


@contextmanager
def large_sim_config(home: Path) -> Iterator[Path]:
    """`oncall-tui sim --scenario large` as its own process (started before the clock runs), and a config
    whose first queue is every open incident, so the TUI opens on the 10,000-row queue."""
    written = home / "sim.toml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "oncall_tui", "sim", "--scenario", "large", "--config-out", str(written)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("Press Ctrl-C"):
                break
        data = tomllib.loads(written.read_text())
        queues = [q for q in data["queues"] if q["name"] == "All open"] + [
            q for q in data["queues"] if q["name"] == "Mine"
        ]
        config = home / "bench.toml"
        config.write_text(tomli_w.dumps({"jira": data["jira"], "queues": queues}))
        config.chmod(0o600)
        yield config
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def terminal_run(timeout: float = 60.0) -> TerminalRun:
    command = Path(sys.executable).parent / "oncall-tui"
    socket = f"bench-large-{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp, large_sim_config(Path(tmp)) as config:
        home = Path(tmp)
        env = {
            "HOME": str(home),
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_STATE_HOME": f"{home}/state",
            "XDG_CACHE_HOME": f"{home}/cache",
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
        }
        argv = " ".join(f"{k}={v}" for k, v in env.items())
        start = time.monotonic()
        _tmux(
            socket,
            "new-session",
            "-d",
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            f"exec env {argv} {command} --config {config}",
        )
        try:
            pid = int(_tmux(socket, "display-message", "-p", "#{pane_pid}").strip() or 0)
            first = loaded = None
            while time.monotonic() - start < timeout:
                screen = _tmux(socket, "capture-pane", "-p")
                now = time.monotonic() - start
                if first is None and ROW.search(screen):
                    first = now
                if first is not None and _fully_loaded(screen, LARGE):
                    loaded = now
                    break
                time.sleep(0.02)
            # The load ends with the queue's snapshot written to the cache (off the event loop): the peak counts
            # it too, so wait for the file (or a few seconds) before reading the high-water mark.
            settle = time.monotonic() + 10
            while loaded is not None and time.monotonic() < settle and not _snapshot_written(home):
                time.sleep(0.05)
            rss = _vm_hwm(pid) if pid else None
            if first is None:
                raise RuntimeError("no incident rows appeared:\n" + _tmux(socket, "capture-pane", "-p"))
            return TerminalRun(first, loaded, rss)
        finally:
            _tmux(socket, "kill-server")


# ---- network ------------------------------------------------------------------------------------------------


@dataclass
class Cost:
    requests: int
    received: int

    @staticmethod
    def of(exchanges: list[Exchange]) -> Cost:
        # Response bodies plus a rough status line and headers, as httpx receives them.
        received = sum(len(ex.body) + 17 + sum(len(k) + len(v) + 4 for k, v in ex.headers) for ex in exchanges)
        return Cost(len(exchanges), received)


async def network_run(queue_size: int = 1_000) -> dict[str, Cost]:
    exchanges: list[Exchange] = []
    state = build_site(scenario="large", speed=0.0)
    server = SimServer(state, observer=exchanges.append).start()
    try:
        login = server.login()
        config = demo_config(login.url, login.email, None)
        open_keys = sorted(
            (i.key for i in state.issues.values() if i.project_key == "OPS"), key=lambda k: int(k.split("-")[1])
        )
        last = open_keys[min(queue_size, len(open_keys)) - 1]
        jql = f'project = OPS AND statusCategory != Done AND key <= "{last}" ORDER BY priority DESC, key ASC'
        out: dict[str, Cost] = {}
        async with JiraClient(config.jira, Secret(login.token), now=state.clock.now) as client:
            await client.myself()
            await client.sla_fields()
            store = IncidentStore()
            poller = QueuePoller(client, store, "q", jql)
            now = state.clock.now()
            exchanges.clear()
            await poller.poll(now)
            out[f"full load, {store.count('q')} incidents"] = Cost.of(exchanges)
            exchanges.clear()
            await poller.poll(now + timedelta(seconds=15))
            out["incremental poll, nothing changed"] = Cost.of(exchanges)
            # Five incidents of the queue change (a label each), through the API as a colleague would.
            for key in store.keys("q")[:5]:
                await client.edit_labels(key, add=["bench-touched"])
            exchanges.clear()
            await poller.poll(now + timedelta(seconds=30))
            out["incremental poll, 5 changed"] = Cost.of(exchanges)
        return out
    finally:
        server.stop()


def measure(quick: bool) -> list[Any]:
    """The suite's interface (bench/suite.py): the terminal part (3 runs, 1 quick) and the network part."""
    import suite

    runs = [terminal_run() for _ in range(1 if quick else 3)]
    first = [r.first_rows * 1000 for r in runs if r.first_rows is not None]
    loaded = [r.loaded * 1000 for r in runs if r.loaded is not None]
    rss = [r.rss_mb for r in runs if r.rss_mb is not None]
    rows: list[Any] = [
        suite.row("Scale", f"{LARGE:,} incidents: first rows on screen", first, "ms", limit=1000.0, floor="≤ 1.0 s"),
    ]
    if loaded:
        rows.append(
            suite.row(
                "Scale", f"{LARGE:,} incidents: fully loaded (count, sorted)", loaded, "ms", limit=3000.0, floor="≤ 3 s"
            )
        )
    if rss:
        rows.append(suite.row("Scale", f"{LARGE:,} incidents: peak RSS", rss, "MB", limit=200.0, floor="≤ 200 MB"))
    for name, cost in asyncio.run(network_run()).items():
        unchanged, changed = "nothing changed" in name, "5 changed" in name
        limit = 2.0 if unchanged else 3.0 if changed else None
        floor = "≤ 2 requests" if unchanged else "≤ 3 requests" if changed else ""
        rows.append(
            suite.row(
                "Network",
                f"1,000-incident queue, {name}: requests",
                [cost.requests],
                "requests",
                limit=limit,
                floor=floor,
            )
        )
        kb_limit = 5.0 if unchanged else None
        rows.append(
            suite.row(
                "Network",
                f"1,000-incident queue, {name}: received",
                [cost.received / 1024],
                "KB",
                limit=kb_limit,
                floor="≤ 5 KB" if unchanged else "proportional to the changes" if changed else "",
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-terminal", action="store_true")
    parser.add_argument("--skip-network", action="store_true")
    args = parser.parse_args()
    print("```\n" + describe() + "\n```\n")
    if not args.skip_terminal:
        if shutil.which("tmux") is None:
            print("tmux is not installed: the terminal part needs it", file=sys.stderr)
            return 2
        runs = [terminal_run() for _ in range(args.repeat)]

        def fmt(values: list[float | None], unit: str, scale: float = 1.0) -> str:
            known = [v * scale for v in values if v is not None]
            if not known:
                return "not reached"
            missing = len(values) - len(known)
            text = f"{statistics.median(known):.0f} {unit} (min {min(known):.0f}, max {max(known):.0f}, n={len(known)})"
            return text + (f", {missing} runs never got there" if missing else "")

        print(f"| `large` scenario, tmux {WIDTH}×{HEIGHT} | median (spread) |")
        print("| --- | --- |")
        print(f"| process start → first rows on screen | {fmt([r.first_rows for r in runs], 'ms', 1000)} |")
        print(f"| process start → fully loaded ({LARGE:,} in the tab) | {fmt([r.loaded for r in runs], 'ms', 1000)} |")
        print(f"| peak RSS (VmHWM) | {fmt([r.rss_mb for r in runs], 'MB')} |")
        print()
    if not args.skip_network:
        costs = asyncio.run(network_run())
        print("| poll (headless, simulator's exchanges) | requests | bytes received |")
        print("| --- | --- | --- |")
        for name, cost in costs.items():
            print(f"| {name} | {cost.requests} | {cost.received:,} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
