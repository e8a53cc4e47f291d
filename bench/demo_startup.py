"""`oncall-tui demo`: time from process start to a populated queue with ticking countdowns (issue 4: < 1 s).

Runs the installed command in a real terminal (tmux, 80×24) and watches the screen:

- first paint:  the header line is on screen;
- populated:    the queue table shows incident rows and the detail pane shows the selected incident;
- ticking:      the detail pane's h:mm:ss countdown has changed once (the 1 Hz tick is live). This one
                includes up to a second of waiting for the next tick by nature.

Also, for the breakdown: bare interpreter start, `oncall-tui --version`, and importing the TUI modules.

    python bench/demo_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from machine import describe, stats

COMMAND = Path(sys.executable).parent / "oncall-tui"
KEY_ROW = re.compile(r"^\s*[A-Z][A-Z0-9]+-\d+\s+P\d\s", re.MULTILINE)
DETAIL = re.compile(r"[A-Z][A-Z0-9]+-\d+ · ")
COUNTDOWN = re.compile(r"(-?\d+:\d\d:\d\d) (?:left|over)")
POLL = 0.005
TIMEOUT = 20.0


class Tmux:
    def __init__(self) -> None:
        tmux = shutil.which("tmux")
        if tmux is None:
            sys.exit("tmux is required: apt-get install tmux")
        self.base = [tmux, "-L", f"oncall-bench-{os.getpid()}", "-f", os.devnull]
        self.env = {**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        # A resident session, so each run's clock starts at new-window, not at the tmux server's start.
        self.run("new-session", "-d", "-s", "bench", "-x", "80", "-y", "24", "sleep 3600")

    def run(self, *args: str) -> str:
        return subprocess.run(
            [*self.base, *args], capture_output=True, text=True, env=self.env, check=True, timeout=10
        ).stdout

    def close(self) -> None:
        socket = self.run("display-message", "-p", "#{socket_path}").strip()
        subprocess.run([*self.base, "kill-server"], capture_output=True, env=self.env, check=False, timeout=10)
        if socket:
            Path(socket).unlink(missing_ok=True)


def one_run(tmux: Tmux, index: int) -> tuple[float, float, float]:
    window = f"run{index}"
    command = shlex.join([str(COMMAND), "demo", "--no-mouse"])
    start = time.perf_counter()
    tmux.run("new-window", "-d", "-t", "bench", "-n", window, command)
    target = f"bench:{window}"
    first_paint = populated = ticking = 0.0
    first_countdown: str | None = None
    try:
        while True:
            now = time.perf_counter() - start
            if now > TIMEOUT:
                raise SystemExit(f"run {index}: timed out; screen:\n{tmux.run('capture-pane', '-p', '-t', target)}")
            screen = tmux.run("capture-pane", "-p", "-t", target)
            # The header (with the brand while there is room) or the queue tabs: whichever paints first.
            if not first_paint and ("oncall-tui ·" in screen or "[1 " in screen):
                first_paint = now
            if not populated and KEY_ROW.search(screen) and DETAIL.search(screen):
                populated = now
            if populated:
                match = COUNTDOWN.search(screen)
                if match:
                    if first_countdown is None:
                        first_countdown = match.group(1)
                    elif match.group(1) != first_countdown:
                        ticking = now
                        return first_paint, populated, ticking
            time.sleep(POLL)
    finally:
        tmux.run("kill-window", "-t", target)


def timed(argv: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(describe())
    print(f"command:  {COMMAND} demo --no-mouse, tmux 80x24, screen polled every {POLL * 1000:.0f} ms\n")

    tmux = Tmux()
    try:
        one_run(tmux, 0)  # warm the OS file cache and .pyc files; not counted
        results = [one_run(tmux, i) for i in range(1, args.runs + 1)]
        for i, (paint, rows, tick) in enumerate(results, start=1):
            print(f"  run {i}: paint {paint * 1000:.0f} ms, populated {rows * 1000:.0f} ms, tick {tick * 1000:.0f} ms")
    finally:
        tmux.close()
    print("demo, process start to:")
    print(f"  first paint           {stats([r[0] for r in results])}")
    print(f"  populated queue       {stats([r[1] for r in results])}")
    print(f"  first countdown tick  {stats([r[2] for r in results])}")

    python = sys.executable
    print("\nbreakdown (separate processes):")
    print(f"  python -c pass        {stats(timed([python, '-c', 'pass'], args.runs))}")
    print(f"  oncall-tui --version  {stats(timed([str(COMMAND), '--version'], args.runs))}")
    imports = "import oncall_tui.ui.app, oncall_tui.sim.server, oncall_tui.jira.client"
    print(f"  import TUI+sim+client {stats(timed([python, '-c', imports], args.runs))}")


if __name__ == "__main__":
    main()
