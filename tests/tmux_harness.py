"""Driving the installed `oncall-tui` in a real terminal: a private tmux server, `oncall-tui sim` as a process.

Both programs are external processes, so the tests wait on them in short bounded polls; on a timeout they fail
with the captured screen. Shared by the end-to-end tests (`test_e2e_tmux.py`, `test_e2e_terminal.py`).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

T = TypeVar("T")

EXITED = re.compile(r"\[oncall-tui exited with (-?\d+) \]")


def installed_command() -> Path:
    """The console script installed next to this interpreter (the venv's bin), not the source tree."""
    path = Path(sys.executable).parent / "oncall-tui"
    if not path.exists():
        pytest.fail(f"the installed console script {path} is missing: run `pip install -e .` in this venv")
    return path


def tmux_command() -> str:
    path = shutil.which("tmux")
    if path is None:
        pytest.fail(
            "tmux is not installed: the end-to-end test drives the TUI in a real terminal. "
            "Install it (Debian/Ubuntu: `apt-get install tmux`; macOS: `brew install tmux`)."
        )
    return path


@dataclass
class Terminal:
    """One private tmux server (its own socket) with one session running the TUI."""

    tmux: str
    socket: str
    env: dict[str, str]
    width: int = 100
    height: int = 30
    budget: float = 20.0  # seconds for everything from starting the TUI to the last check
    deadline: float = 0.0

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [self.tmux, "-L", self.socket, "-f", os.devnull, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=10,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def start(self, command: list[str], *, env: Mapping[str, str] | None = None, record: Path | None = None) -> None:
        """Run `command` in the pane; afterwards the shell prints its exit status and keeps the pane open.

        `env` is set for the command only (an empty value sets the variable to ""). With `record`, every byte
        the pane's programs write is appended to that file, from the first one on: the shell waits for a
        keypress until tmux's pipe is in place."""
        argv = ["env", *(f"{k}={v}" for k, v in (env or {}).items()), *command]
        # If the TUI dies, keep its last words on screen for the failure message.
        shell = f"{shlex.join(argv)}; echo '[oncall-tui exited with' $? ']'; sleep 60"
        if record is not None:
            shell = f"read -r _; {shell}"
        self.deadline = time.monotonic() + self.budget
        self.run("new-session", "-d", "-s", "e2e", "-x", str(self.width), "-y", str(self.height), shell)
        if record is not None:
            self.run("pipe-pane", "-o", "-t", "e2e", f"cat >> {shlex.quote(str(record))}")
            self.keys("Enter")

    def exec(self, command: list[str]) -> None:
        """Run `command` as the pane's only process (its session leader, as a login shell is), no shell after."""
        self.deadline = time.monotonic() + self.budget
        self.run("new-session", "-d", "-s", "e2e", "-x", str(self.width), "-y", str(self.height), shlex.join(command))

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "e2e")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "e2e", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "e2e", "-l", text)

    def show(self, fmt: str) -> str:
        """A tmux format evaluated for the pane, e.g. "#{alternate_on}"."""
        return self.run("display-message", "-p", "-t", "e2e", fmt).strip()

    def flags(self, *names: str) -> dict[str, str]:
        values = self.show("\t".join(f"#{{{name}}}" for name in names)).split("\t")
        return dict(zip(names, values, strict=True))

    def exit_status(self) -> int | None:
        """The status the shell echoed after the TUI ended, or None while it runs."""
        match = EXITED.search(self.screen())
        return int(match.group(1)) if match else None

    def process(self) -> int:
        """The pid of the pane's command: the child of the pane's shell (or the pane's process itself)."""
        shell = int(self.show("#{pane_pid}"))
        return self.wait("the pane's command to start", lambda: next(iter(children(shell)), None))

    def wait(self, what: str, probe: Callable[[], T | None], timeout: float = 10.0) -> T:
        """Poll `probe` until it returns a value other than None/False; bounded by the test's overall budget."""
        end = min(time.monotonic() + timeout, self.deadline)
        while True:
            value = probe()
            if value is not None and value is not False:
                return value
            if time.monotonic() >= end:
                try:
                    screen = self.screen()
                except AssertionError as exc:  # the pane (or the whole server) is gone
                    screen = f"({exc})"
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{screen}")
            time.sleep(0.05)

    def kill(self) -> None:
        """Stop this test's own tmux server (and the TUI in it) and remove its socket file."""
        found = subprocess.run(
            [self.tmux, "-L", self.socket, "display-message", "-p", "#{socket_path}"],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=10,
            check=False,
        )
        subprocess.run(
            [self.tmux, "-L", self.socket, "kill-server"], capture_output=True, env=self.env, timeout=10, check=False
        )
        if found.returncode == 0 and found.stdout.strip():
            Path(found.stdout.strip()).unlink(missing_ok=True)
        else:
            # The server is gone already (its only pane ended): its socket is where tmux puts it by default.
            tmpdir = self.env.get("TMUX_TMPDIR") or "/tmp"
            (Path(tmpdir) / f"tmux-{os.getuid()}" / self.socket).unlink(missing_ok=True)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextmanager
def tmux_terminal(tmp_path: Path, *, width: int = 100, height: int = 30, budget: float = 20.0) -> Iterator[Terminal]:
    """A private tmux server with a clean environment (its own HOME, a UTF-8 locale); killed afterwards."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    term = Terminal(tmux_command(), f"oncall-e2e-{os.getpid()}-{tmp_path.name}", env, width, height, budget)
    try:
        yield term
    finally:
        term.kill()


@dataclass
class Sim:
    process: subprocess.Popen[str]
    url: str
    auth: tuple[str, str]
    config: Path

    def issue(self, key: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/_sim/issues/{key}", timeout=5)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def myself(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/rest/api/3/myself", auth=self.auth, timeout=5)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def control(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The simulator's control API (`/_sim/...`)."""
        response = httpx.request(method, f"{self.url}/_sim{path}", timeout=5, **kwargs)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data


def start_sim(command: Path, config: Path, log: Path, *extra: str) -> Sim:
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(command), "sim", "--scenario", "default", "--config-out", str(config), "--exit-after", "300", *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    end = time.monotonic() + 15
    while True:
        if process.poll() is not None:
            raise AssertionError(f"oncall-tui sim exited with {process.returncode}:\n{log.read_text()}")
        if config.exists():
            jira = tomllib.loads(config.read_text())["jira"]
            sim = Sim(process, jira["url"].rstrip("/"), (jira["email"], jira["token"]), config)
            try:
                sim.myself()
            except httpx.HTTPError:
                pass
            else:
                return sim
        if time.monotonic() > end:
            process.kill()
            raise AssertionError(f"oncall-tui sim did not answer within 15 s:\n{log.read_text()}")
        time.sleep(0.05)


@contextmanager
def running_sim(tmp_path: Path, *extra: str) -> Iterator[Sim]:
    """`oncall-tui sim` (the installed command) with a config for it in tmp_path; stopped afterwards."""
    server = start_sim(installed_command(), tmp_path / "sim.toml", tmp_path / "sim.log", *extra)
    try:
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)


# ---- reading the screen ------------------------------------------------------------------------------------

HEADER = re.compile(r"\s*Key\s+P\s+Status\s+Assignee\s+SLA")
KEY = re.compile(r"\b([A-Z][A-Z0-9]+-\d+)\b")


def table_lines(screen: str) -> tuple[str, list[str]] | None:
    """The queue table's header line and the lines of its visible rows (those starting with an issue key)."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if HEADER.match(line):
            rows = []
            for row in lines[i + 1 :]:
                if KEY.match(row.strip()) is None:
                    break
                rows.append(row)
            return line, rows
    return None
