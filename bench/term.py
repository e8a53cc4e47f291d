"""A real terminal for benchmarks: a private tmux server, its panes' screens, and their output with timestamps.

`Tmux` runs one resident session (so a run's clock starts at `new-window`, not at the tmux server's start) and
opens a window per run. `PaneLog` attaches `pipe-pane` to a window: a small reader process appends every chunk
the program writes to a raw file and its arrival time (CLOCK_MONOTONIC, the clock `time.monotonic()` reads in
this process too) to an index, so "screen changed" can be dated to the byte, not to a capture-pane poll.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

COMMAND = Path(sys.executable).parent / "oncall-tui"

# Runs under tmux's `pipe-pane`: stdin is the pane's output. One index line per read: "<monotonic> <length>".
_READER = (
    "import os, sys, time\n"
    "raw = open(sys.argv[1], 'ab', buffering=0); index = open(sys.argv[2], 'a', buffering=1)\n"
    "while True:\n"
    "    data = os.read(0, 65536)\n"
    "    if not data: break\n"
    "    now = time.monotonic(); raw.write(data); index.write(f'{now} {len(data)}\\n')\n"
)


class Tmux:
    def __init__(self, width: int = 80, height: int = 24) -> None:
        tmux = shutil.which("tmux")
        if tmux is None:
            sys.exit("tmux is required: apt-get install tmux")
        self.base = [tmux, "-L", f"oncall-bench-{os.getpid()}-{time.monotonic_ns()}", "-f", os.devnull]
        self.env = {**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        self.width, self.height = width, height
        self.run("new-session", "-d", "-s", "bench", "-x", str(width), "-y", str(height), "sleep 3600")

    def run(self, *args: str) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, env=self.env, timeout=10)
        if done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def open(self, name: str, argv: list[str], env: Mapping[str, str] | None = None) -> str:
        """Start `argv` in a new window (its own environment additions first); returns the target."""
        command = shlex.join(["env", *(f"{k}={v}" for k, v in (env or {}).items()), *argv])
        self.run("new-window", "-d", "-t", "bench", "-n", name, command)
        target = f"bench:{name}"
        return target  # detached, a new window takes the session's size

    def screen(self, target: str) -> str:
        return self.run("capture-pane", "-p", "-t", target)

    def keys(self, target: str, *keys: str) -> None:
        self.run("send-keys", "-t", target, *keys)

    def kill(self, target: str) -> None:
        subprocess.run([*self.base, "kill-window", "-t", target], capture_output=True, check=False, timeout=10)

    def close(self) -> None:
        socket = subprocess.run(
            [*self.base, "display-message", "-p", "#{socket_path}"], capture_output=True, text=True, check=False
        ).stdout.strip()
        subprocess.run([*self.base, "kill-server"], capture_output=True, env=self.env, check=False, timeout=10)
        if socket:
            Path(socket).unlink(missing_ok=True)


def wait(what: str, probe: Callable[[], T | None], timeout: float, poll: float = 0.005) -> T:
    """Poll `probe` until it returns something, or fail after `timeout` seconds saying what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


class PaneLog:
    """Every byte a pane's program writes, with the time it arrived (see the module docstring)."""

    def __init__(self, tmux: Tmux, target: str, directory: Path) -> None:
        self.raw = directory / f"{target.replace(':', '-')}.raw"
        self.index = directory / f"{target.replace(':', '-')}.idx"
        self.raw.write_bytes(b"")
        self.index.write_text("")
        reader = shlex.join([sys.executable, "-c", _READER, str(self.raw), str(self.index)])
        tmux.run("pipe-pane", "-o", "-t", target, reader)

    def chunks(self) -> list[tuple[float, int, int]]:
        """(arrival time, start offset, end offset) of every chunk so far."""
        result, offset = [], 0
        for line in self.index.read_text().splitlines():
            parts = line.split()
            if len(parts) != 2:
                continue  # a line being written right now
            stamp, length = float(parts[0]), int(parts[1])
            result.append((stamp, offset, offset + length))
            offset += length
        return result

    def size(self) -> int:
        chunks = self.chunks()
        return chunks[-1][2] if chunks else 0

    def last_arrival(self) -> float | None:
        chunks = self.chunks()
        return chunks[-1][0] if chunks else None

    def first_after(self, since: float, markers: list[bytes]) -> float | None:
        """When the first of `markers` arrived in output written after `since`; with no markers (or none
        found), when the first byte after `since` arrived."""
        chunks = [c for c in self.chunks() if c[0] >= since]
        if not chunks:
            return None
        data = self.raw.read_bytes()
        start = chunks[0][1]
        found = [p for m in markers if (p := data.find(m, start)) >= 0]
        if not found:
            return chunks[0][0]
        end = min(found) + 1
        return next((stamp for stamp, lo, hi in chunks if lo < end <= hi), chunks[0][0])
