"""End to end: the installed `oncall-tui` in a real terminal (tmux) against `oncall-tui sim`, keystrokes only.

Take an unassigned incident, comment on it and resolve it, and read every result back from the simulator's own
view of the issue (`/_sim/issues/{key}`), not from the screen. Both programs are external processes, so this
test waits on them in short bounded polls; on a timeout it fails with the captured screen.
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

pytestmark = pytest.mark.e2e

T = TypeVar("T")

WIDTH, HEIGHT = 100, 30
BUDGET = 20.0  # seconds for everything from starting the TUI to the last check
COMMENT = "Rolled back the 14:00 deploy; watching the error rate."
KEY = re.compile(r"\b([A-Z][A-Z0-9]+-\d+)\b")
DETAIL_HEADER = re.compile(r"\b([A-Z][A-Z0-9]+-\d+) · ")
BORDERS = "█▀▄▊▎▔▁│ "  # Textual's thick and tall borders as tmux shows them


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

    def start(self, command: list[str]) -> None:
        # If the TUI dies, keep its last words on screen for the failure message.
        shell = f"{shlex.join(command)}; echo '[oncall-tui exited with' $? ']'; sleep 60"
        self.deadline = time.monotonic() + BUDGET
        self.run("new-session", "-d", "-s", "e2e", "-x", str(WIDTH), "-y", str(HEIGHT), shell)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "e2e")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "e2e", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "e2e", "-l", text)

    def wait(self, what: str, probe: Callable[[], T | None], timeout: float = 10.0) -> T:
        """Poll `probe` until it returns a value other than None/False; bounded by the test's overall budget."""
        end = min(time.monotonic() + timeout, self.deadline)
        while True:
            value = probe()
            if value is not None and value is not False:
                return value
            if time.monotonic() >= end:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{self.screen()}")
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


@dataclass
class Sim:
    process: subprocess.Popen[str]
    url: str
    auth: tuple[str, str]

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


def start_sim(command: Path, config: Path, log: Path) -> Sim:
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(command), "sim", "--scenario", "default", "--config-out", str(config), "--exit-after", "300"],
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
            sim = Sim(process, jira["url"].rstrip("/"), (jira["email"], jira["token"]))
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


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    server = start_sim(installed_command(), tmp_path / "sim.toml", tmp_path / "sim.log")
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    home = tmp_path / "home"
    home.mkdir()
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
    term = Terminal(tmux_command(), f"oncall-e2e-{os.getpid()}-{tmp_path.name}", env)
    yield term
    term.kill()


# ---- reading the screen ------------------------------------------------------------------------------------


def table_rows(screen: str) -> list[dict[str, str]]:
    """The queue table's visible rows, cut at the header's column positions."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\s*Key\s+P\s+Status\s+Assignee\s+SLA", line):
            header = line
            body = lines[i + 1 :]
            break
    else:
        return []
    starts = {name: header.index(name) for name in ("Key", "P ", "Status", "Assignee", "SLA")}
    rows = []
    for line in body:
        match = KEY.match(line.strip())
        if match is None:
            break
        rows.append(
            {
                "key": match.group(1),
                "assignee": line[starts["Assignee"] : starts["SLA"]].strip(),
                "status": line[starts["Status"] : starts["Assignee"]].strip(),
            }
        )
    return rows


def selected_key(screen: str) -> str | None:
    """The incident in the detail pane, i.e. the table's selection."""
    match = DETAIL_HEADER.search(screen)
    return match.group(1) if match else None


def footer(screen: str) -> str:
    lines = screen.rstrip("\n").splitlines()
    return lines[-1] if lines else ""


def dialog_lines(screen: str, title: str, end: str) -> list[str] | None:
    """The inner lines of a modal dialog between its title line and its hint line, borders stripped."""
    inner = []
    for line in screen.splitlines():
        if "█" in line:  # the dialog's thick frame: keep what is inside it, not the screen behind
            line = line[line.index("█") + 1 : line.rindex("█")]
        inner.append(line.strip(BORDERS))
    try:
        top = next(i for i, line in enumerate(inner) if line.startswith(title))
        bottom = next(i for i in range(top + 1, len(inner)) if inner[i].startswith(end))
    except StopIteration:
        return None
    return [line for line in inner[top + 1 : bottom] if line]


def pick(term: Terminal, title: str, wanted: Callable[[str], bool]) -> str:
    """Choose the option matching `wanted` in a PickDialog, with arrow keys and Enter."""
    options = term.wait(f"the dialog {title!r}", lambda: dialog_lines(term.screen(), title, "enter choose"))
    index = next((i for i, text in enumerate(options) if wanted(text)), None)
    assert index is not None, f"no matching option in {options}"
    if index:
        term.keys(*(["Down"] * index))
    term.keys("Enter")
    return options[index]


def select(term: Terminal, key: str) -> None:
    """Put the table's cursor on `key`: filter the queue down to it, then walk to its row."""
    term.keys("/")
    # While the field has the focus, the footer hides the single-letter keys (the field consumes them);
    # they return once Enter has handed the focus back to the table. Keys sent before that land in the field.
    term.wait("the filter field focused", lambda: "c comment" not in footer(term.screen()))
    term.type(key)
    term.keys("Enter")
    term.wait("the table focused again", lambda: "c comment" in footer(term.screen()))

    def rows_and_selection() -> tuple[list[str], str] | None:
        screen = term.screen()
        keys = [row["key"] for row in table_rows(screen)]
        current = selected_key(screen)
        return (keys, current) if key in keys and current in keys else None

    for _ in range(3):
        keys, current = term.wait(f"{key} in the filtered table", rows_and_selection)
        if current == key:
            return
        # The filter matches substrings (OPS-5 also finds OPS-50): walk the rest of the way.
        steps = keys.index(key) - keys.index(current)
        term.keys(*(["Down" if steps > 0 else "Up"] * abs(steps)))
        term.wait("the cursor to move", lambda current=current: selected_key(term.screen()) != current)
    raise AssertionError(f"could not select {key}; the screen:\n{term.screen()}")


# ---- the test ---------------------------------------------------------------------------------------------------


def test_take_comment_and_resolve_with_keystrokes_only(terminal: Terminal, sim: Sim, tmp_path: Path) -> None:
    me = sim.myself()
    config = tmp_path / "sim.toml"
    terminal.start([str(installed_command()), "--config", str(config), "--no-mouse"])
    term = terminal

    # The first queue is "Mine"; 2 switches to "Unassigned".
    term.wait("the queue table", lambda: table_rows(term.screen()) or None)
    term.keys("2")

    def unassigned_selection() -> str | None:
        screen = term.screen()
        rows = table_rows(screen)
        if rows and all(row["assignee"] == "—" for row in rows) and selected_key(screen) == rows[0]["key"]:
            return rows[0]["key"]
        return None

    key = term.wait("the Unassigned queue", unassigned_selection)
    assert sim.issue(key)["assignee"] is None

    # Take: one key.
    term.keys("m")
    term.wait(f"{key} assigned to me in Jira", lambda: sim.issue(key)["assignee"] == me["accountId"])

    # The taken incident leaves Unassigned at the next poll; act on it in "All open", where it stays.
    term.keys("5")
    mine = me["displayName"].split()[0][0] + ". " + " ".join(me["displayName"].split()[1:])
    term.wait(
        "the All open queue",
        lambda: any(r["assignee"] not in ("—", mine) for r in table_rows(term.screen())),
    )
    select(term, key)

    # Comment: internal by default, sent with ctrl+s.
    term.keys("c")
    term.wait("the comment dialog", lambda: f"Comment on {key}" in term.screen())
    term.type(COMMENT)
    term.wait("the typed comment", lambda: COMMENT[:30] in term.screen())
    term.keys("C-s")

    def comment_in_jira() -> dict[str, Any] | None:
        return next((c for c in sim.issue(key)["comments"] if c["text"].strip() == COMMENT), None)

    comment = term.wait("the comment in Jira", comment_in_jira)
    assert comment["author"] == me["accountId"]
    assert comment["public"] is False, "comments are internal unless toggled public"

    # Transition: Resolve, then a resolution that is not Jira's fallback ("Done"), so the choice must have arrived.
    term.keys("t")
    chosen = pick(term, f"Transition {key}", lambda text: text.startswith("Resolve"))
    assert "Resolved" in chosen
    pick(term, f"Resolution for {key}", lambda text: text == "Fixed")

    def resolved() -> dict[str, Any] | None:
        issue = sim.issue(key)
        return issue if issue["status"] == "Resolved" else None

    issue = term.wait(f"{key} resolved in Jira", resolved)
    assert issue["resolution"] == "Fixed"
    assert issue["assignee"] == me["accountId"]
    assert [c["text"].strip() for c in issue["comments"]].count(COMMENT) == 1, "the comment was sent once"
