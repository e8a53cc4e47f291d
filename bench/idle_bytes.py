"""Idle cost (issue 10): bytes written to the terminal per second and CPU of the TUI while nothing happens.

The installed `oncall-tui` against `oncall-tui sim --speed 1` (a separate process, so the CPU figure is the TUI's
alone) in a private tmux at 80×24 and 200×60, on the "All open" queue (40 running countdowns in the `default`
scenario). After the queue settled, `tmux pipe-pane -o` records every byte the TUI writes for `--seconds`; the
TUI's utime+stime over the same window (/proc/<pid>/stat) gives its CPU share of one core.

The floor: `capture-pane` once a second, and count the cells whose character changed between snapshots (the
bytes of those characters in UTF-8). Whatever is written beyond that is repaint overhead (cursor moves, styles,
cells redrawn unchanged). `--decode` prints which screen rows the recorded bytes went to.

    python bench/idle_bytes.py [--seconds 60] [--sizes 80x24,200x60] [--decode]
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from machine import describe

COMMAND = Path(sys.executable).parent / "oncall-tui"
KEY_ROW = re.compile(r"^\s*[A-Z][A-Z0-9]+-\d+\s+P\d\s", re.MULTILINE)
ALL_OPEN = re.compile(r"\[5 All open (\d+)\]")
SETTLE_SECONDS = 4.0  # after the queue shows: the first poll's detail read and the counts land
CURSOR_MOVE = re.compile(rb"\x1b\[(\d+);(\d+)H")
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    size: str
    seconds: float
    bytes_written: int
    floor_bytes: int
    changed_cells: int
    cpu_seconds: float
    countdowns: int
    rows: Counter[int]

    @property
    def rate(self) -> float:
        return self.bytes_written / self.seconds

    @property
    def floor_rate(self) -> float:
        return self.floor_bytes / self.seconds

    @property
    def cpu_percent(self) -> float:
        return 100 * self.cpu_seconds / self.seconds


class Tmux:
    def __init__(self, name: str, env: dict[str, str]) -> None:
        tmux = shutil.which("tmux")
        if tmux is None:
            sys.exit("tmux is required: apt-get install tmux")
        self.base = [tmux, "-L", name, "-f", os.devnull]
        self.env = env

    def run(self, *args: str) -> str:
        return subprocess.run(
            [*self.base, *args], capture_output=True, text=True, env=self.env, check=True, timeout=10
        ).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "idle")

    def close(self) -> None:
        try:
            socket = self.run("display-message", "-p", "#{socket_path}").strip()
        except subprocess.CalledProcessError:
            socket = ""
        subprocess.run([*self.base, "kill-server"], capture_output=True, env=self.env, check=False, timeout=10)
        if socket:
            Path(socket).unlink(missing_ok=True)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat(5))


def changed_cells(before: str, after: str) -> tuple[int, int]:
    """Cells whose character differs, and the UTF-8 bytes of the new characters (a blank for a cell emptied)."""
    cells = size = 0
    old_lines, new_lines = before.splitlines(), after.splitlines()
    for i in range(max(len(old_lines), len(new_lines))):
        old = old_lines[i] if i < len(old_lines) else ""
        new = new_lines[i] if i < len(new_lines) else ""
        for j in range(max(len(old), len(new))):
            a = old[j] if j < len(old) else " "
            b = new[j] if j < len(new) else " "
            if a != b:
                cells += 1
                size += len(b.encode())
    return cells, size


def rows_written(raw: bytes) -> Counter[int]:
    """Bytes per screen row (1-based), from the absolute cursor moves Textual writes before each run of cells."""
    rows: Counter[int] = Counter()
    moves = list(CURSOR_MOVE.finditer(raw))
    for move, following in zip(moves, [*moves[1:], None], strict=True):
        end = following.start() if following is not None else len(raw)
        rows[int(move.group(1))] += end - move.start()
    return rows


def wait_for(tmux: Tmux, what: str, probe: re.Pattern[str], timeout: float = 20.0) -> re.Match[str]:
    end = time.monotonic() + timeout
    while True:
        match = probe.search(tmux.screen())
        if match:
            return match
        if time.monotonic() > end:
            raise SystemExit(f"timed out waiting for {what}; the screen:\n{tmux.screen()}")
        time.sleep(0.1)


def measure_size(width: int, height: int, seconds: float, config: Path, work: Path) -> Result:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work),
        "XDG_CONFIG_HOME": str(work / ".config"),
        "XDG_DATA_HOME": str(work / ".local/share"),
        "XDG_STATE_HOME": str(work / ".local/state"),
        "XDG_CACHE_HOME": str(work / ".cache"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    tmux = Tmux(f"oncall-idle-{os.getpid()}-{width}x{height}", env)
    raw = work / f"idle-{width}x{height}.bytes"
    command = "exec " + shlex.join([str(COMMAND), "--config", str(config), "--no-mouse"])
    try:
        tmux.run("new-session", "-d", "-s", "idle", "-x", str(width), "-y", str(height), command)
        pid = int(tmux.run("display-message", "-p", "-t", "idle", "#{pane_pid}").strip())
        wait_for(tmux, "the first queue's rows", KEY_ROW)
        tmux.run("send-keys", "-t", "idle", "5")
        countdowns = int(wait_for(tmux, "the All open queue", ALL_OPEN).group(1))
        time.sleep(SETTLE_SECONDS)
        snapshots = [tmux.screen()]
        tmux.run("pipe-pane", "-o", "-t", "idle", f"cat >> {shlex.quote(str(raw))}")
        start, ticks = time.monotonic(), cpu_ticks(pid)
        while time.monotonic() - start < seconds:
            time.sleep(max(0.0, len(snapshots) - (time.monotonic() - start)))
            snapshots.append(tmux.screen())
        elapsed, used = time.monotonic() - start, cpu_ticks(pid) - ticks
        tmux.run("pipe-pane", "-t", "idle")  # stop recording
    finally:
        tmux.close()
    data = raw.read_bytes() if raw.exists() else b""
    cells = floor = 0
    for before, after in itertools.pairwise(snapshots):
        c, b = changed_cells(before, after)
        cells, floor = cells + c, floor + b
    return Result(
        f"{width}×{height}", elapsed, len(data), floor, cells, used / CLOCK_TICK, countdowns, rows_written(data)
    )


def start_sim(work: Path, seconds: float) -> tuple[subprocess.Popen[bytes], Path]:
    config = work / "sim.toml"
    log = (work / "sim.log").open("wb")
    process = subprocess.Popen(
        [
            str(COMMAND),
            "sim",
            "--scenario",
            "default",
            "--speed",
            "1",
            "--config-out",
            str(config),
            "--exit-after",
            str(int(seconds) + 120),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    end = time.monotonic() + 20
    while not (config.exists() and tomllib.loads(config.read_text()).get("jira")):
        if process.poll() is not None or time.monotonic() > end:
            process.kill()
            raise SystemExit(f"oncall-tui sim did not start:\n{(work / 'sim.log').read_text()}")
        time.sleep(0.05)
    return process, config


def table(results: list[Result]) -> str:
    lines = [
        "| terminal | countdowns | seconds | bytes/s | floor bytes/s (changed cells/s) | ratio to floor "
        "| CPU % of a core |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        ratio = f"{r.rate / r.floor_rate:.1f}×" if r.floor_rate else "—"
        lines.append(
            f"| {r.size} | {r.countdowns} | {r.seconds:.0f} | {r.rate:,.0f} | {r.floor_rate:,.0f} "
            f"({r.changed_cells / r.seconds:.1f}) | {ratio} | {r.cpu_percent:.2f} |"
        )
    return "\n".join(lines)


def measure(quick: bool) -> list[Any]:
    """The suite's interface (bench/suite.py): idle bytes/s and CPU at 80×24 and 200×60, 60 s each (20 s quick),
    with the floor (the bytes of the characters that really changed) from the same run."""
    import suite

    seconds = 20.0 if quick else 60.0
    sizes = [(80, 24, 1024.0), (200, 60, 2048.0)]
    rows: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="oncall-idle-") as tmp:
        work = Path(tmp)
        sim, config = start_sim(work, seconds * len(sizes))
        try:
            for width, height, limit in sizes:
                r = measure_size(width, height, seconds, config, work)
                rows.append(
                    suite.row(
                        "Idle cost",
                        f"terminal output at {width}×{height} ({r.countdowns} countdowns)",
                        [r.rate],
                        "B/s",
                        ratio=r.rate / r.floor_rate if r.floor_rate else None,
                        ratio_to="bytes of the changed cells",
                        limit=limit,
                        floor=f"≤ {limit / 1024:.0f} KB/s",
                    )
                )
                rows.append(
                    suite.row(
                        "Idle cost",
                        f"CPU at {width}×{height}",
                        [r.cpu_percent],
                        "% of a core",
                        limit=1.0,
                        floor="≤ 1 %",
                    )
                )
        finally:
            sim.terminate()
            sim.wait(timeout=10)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="recording window per size (default 60)")
    parser.add_argument("--sizes", default="80x24,200x60", help="terminal sizes, comma-separated WxH")
    parser.add_argument("--decode", action="store_true", help="print the bytes written per screen row")
    parser.add_argument("--raw", type=Path, help="copy the recorded bytes (idle-WxH.bytes) into this directory")
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]
    print(describe())
    print(f"command:  {COMMAND} --config <sim> --no-mouse, against `oncall-tui sim --speed 1`, queue 5 (All open)\n")
    results = []
    with tempfile.TemporaryDirectory(prefix="oncall-idle-") as tmp:
        work = Path(tmp)
        sim, config = start_sim(work, args.seconds * len(sizes))
        try:
            for width, height in sizes:
                results.append(measure_size(width, height, args.seconds, config, work))
                if args.raw is not None:
                    args.raw.mkdir(parents=True, exist_ok=True)
                    raw = work / f"idle-{width}x{height}.bytes"
                    if raw.exists():
                        shutil.copy(raw, args.raw / raw.name)
        finally:
            sim.terminate()
            sim.wait(timeout=10)
    print(table(results))
    if args.decode:
        for r in results:
            print(f"\n{r.size}: bytes per screen row over {r.seconds:.0f} s (row: bytes)")
            print("  " + ", ".join(f"{row}: {n}" for row, n in sorted(r.rows.items())))


if __name__ == "__main__":
    main()
