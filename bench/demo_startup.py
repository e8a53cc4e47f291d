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
import re
import subprocess
import sys
import time
from collections.abc import Mapping

from machine import describe, stats
from term import COMMAND, Tmux

# A row: its key (after a bulk mark, before the due and write marks), then its priority.
KEY_ROW = re.compile(r"^\s*(?:[●*] )?[A-Z][A-Z0-9]+-\d+(?: [»>↑^!])*\s+P\d\s", re.MULTILINE)
DETAIL = re.compile(r"[A-Z][A-Z0-9]+-\d+ · ")
COUNTDOWN = re.compile(r"(-?\d+:\d\d:\d\d) (?:left|over)")
POLL = 0.005
TIMEOUT = 20.0


def one_run(
    tmux: Tmux,
    index: int,
    argv: list[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    tick: bool = True,
) -> tuple[float, float, float]:
    """Seconds from spawning `argv` (default: the demo) to first paint, populated queue, first countdown tick
    (`tick=False`: not waited for, 0; the selected incident's clocks may all be stopped, out of business hours)."""
    start = time.perf_counter()
    target = tmux.open(f"run{index}", argv or [str(COMMAND), "demo", "--no-mouse"], env)
    first_paint = populated = ticking = 0.0
    first_countdown: str | None = None
    try:
        while True:
            now = time.perf_counter() - start
            if now > TIMEOUT:
                raise RuntimeError(f"run {index}: timed out; screen:\n{tmux.screen(target)}")
            screen = tmux.screen(target)
            # The header (with the brand while there is room) or the queue tabs: whichever paints first.
            if not first_paint and ("oncall-tui ·" in screen or "[1 " in screen):
                first_paint = now
            if not populated and KEY_ROW.search(screen) and DETAIL.search(screen):
                populated = now
            if populated and not tick:
                return first_paint, populated, 0.0
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
        tmux.kill(target)


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
