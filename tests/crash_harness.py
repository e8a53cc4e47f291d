"""A Jira site the app can lose and a TUI that can be killed: shared by the crash and SSH end-to-end tests.

- `running_site`: `oncall-tui sim` as its own process (it outlives every app run of a test: the app is killed
  and started again against the same site), its clock frozen so no simulated colleague moves an incident
  under the test, a `Relay` in front of it, and an app config whose URL is the relay's. Faults are set over
  the simulator's `/_sim/faults` API; `/_sim/issues/KEY` is the simulator's own view, where results are read.
- `App`: the installed `oncall-tui` in a tmux pane, `kill9()`-ed and `start()`-ed again in the same terminal
  and with the same HOME / XDG directories (so the same outbox, drafts and cache).
- the keystrokes of a comment, a take and a transition, picking the incident by the filter, not by position.
"""

from __future__ import annotations

import os
import re
import signal
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from oncall_tui.config import save_config
from tests.relay import Relay, relay
from tests.test_e2e_tmux import pick, select, table_rows
from tests.tmux_harness import Sim, Terminal, alive, installed_command, running_sim

# What the header or a row shows while commands wait for Jira ("2 queued", as issue 8 words it).
PENDING = re.compile(r"\b\d+ (?:queued|pending|unsent|uncertain)\b")


@dataclass
class Site:
    sim: Sim
    relay: Relay
    config: Path  # the app's config: the simulator's, with the relay's URL

    def faults(self, spec: str) -> None:
        """Replace the simulator's faults (`""` clears them), e.g. `latency=60s-60s,paths=/rest/api/3/issue/X`."""
        self.sim.control("POST", "/faults", json={"spec": spec})

    def issue(self, key: str) -> dict[str, Any]:
        return self.sim.issue(key)

    def comments(self, key: str, text: str) -> int:
        return [c["text"].strip() for c in self.sim.issue(key)["comments"]].count(text)

    def incident(self, *, unassigned: bool | None = None, status: str = "Open", taken: set[str]) -> str:
        """An open incident of the scenario in `status` (and unassigned, or assigned, if asked), not in `taken`."""
        for number in range(1, 400):
            key = f"OPS-{number}"
            if key in taken:
                continue
            try:
                issue = self.sim.issue(key)
            except httpx.HTTPStatusError:
                continue
            if issue["status"] != status:
                continue
            if unassigned is not None and (issue["assignee"] is None) != unassigned:
                continue
            taken.add(key)
            return key
        raise AssertionError(f"the scenario has no {status} incident (unassigned={unassigned}) left")


@contextmanager
def running_site(tmp_path: Path) -> Iterator[Site]:
    with running_sim(tmp_path) as sim:
        # Simulated time stands still: no colleague takes, comments on or moves an incident during the test.
        sim.control("POST", "/clock", json={"speed": 0})
        url = urlsplit(sim.url)
        assert url.hostname is not None and url.port is not None
        with relay(url.hostname, url.port) as front:
            data = tomllib.loads(sim.config.read_text())
            data["jira"]["url"] = front.url
            config = save_config(tmp_path / "app.toml", data)
            yield Site(sim, front, config)


@dataclass
class App:
    """The installed TUI in the test's tmux terminal; started, killed and started again with the same HOME."""

    term: Terminal
    config: Path
    # How the pane runs the app's argv: as it is, or e.g. through `ssh -tt` (tests/ssh_harness.py).
    wrap: Callable[[list[str]], list[str]] | None = None

    def argv(self) -> list[str]:
        return [str(installed_command()), "--config", str(self.config), "--no-mouse"]

    def start(self) -> None:
        if self._session():
            # The killed app's shell still holds the pane: a new session in the same tmux server (same env). A
            # second session keeps the server alive meanwhile: killing its last session ends a tmux server, and
            # the next new-session would race its exit ("server exited unexpectedly").
            keep_server_alive(self.term)
            self.term.run("kill-session", "-t", "e2e")
        argv = self.argv()
        self.term.start(self.wrap(argv) if self.wrap else argv)
        self.term.wait("the queue table", lambda: table_rows(self.term.screen()) or None, timeout=20)

    def _session(self) -> bool:
        try:
            self.term.run("has-session", "-t", "e2e")
        except AssertionError:
            return False
        return True

    def app_pids(self) -> list[int]:
        """The running `oncall-tui` processes of this app's config (over SSH they are not the pane's child)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            ours = str(self.config).encode() in argv and any(a.endswith(b"oncall-tui") for a in argv[:2])
            if ours and alive(int(entry.name)):
                found.append(int(entry.name))
        return found

    def kill9(self) -> None:
        """SIGKILL to the pane's process (the app, or the ssh client in front of it): no handler runs, nothing
        is flushed or saved that was not already."""
        pid = self.term.process()
        os.kill(pid, signal.SIGKILL)
        # Not read from the shell's echo of the status: a killed program leaves the terminal raw, in the
        # alternate screen, so what the shell prints after it lands anywhere on the screen.
        self.term.wait("the killed process to be gone", lambda: not alive(pid))

    def queue(self, number: int) -> None:
        """Switch to queue `number` (5 is "All open", where every open incident is, whoever holds it)."""
        self.term.keys(str(number))
        self.term.wait(f"queue {number} active", lambda: f"[{number} " in self.term.screen() or None)

    def pending_shown(self) -> bool:
        return PENDING.search(self.term.screen()) is not None

    # ---- the writes, with keystrokes only -------------------------------------------------------------------

    def select(self, key: str) -> None:
        """The table's cursor on `key`, found with the filter (`/`), whatever the queue's order."""
        select(self.term, key)

    def comment_typed(self, key: str, text: str) -> None:
        """The comment dialog on `key` with `text` typed, not sent yet (ctrl+s sends it)."""
        self.select(key)
        self.term.keys("c")
        self.term.wait("the comment dialog", lambda: f"Comment on {key}" in self.term.screen())
        self.term.type(text)
        self.term.wait("the typed comment", lambda: text[:30] in self.term.screen())

    def open_transitions(self, key: str) -> None:
        self.select(key)
        self.term.keys("t")

    def choose_transition(self, key: str, name: str) -> str:
        return pick(self.term, f"Transition {key}", lambda text: text.startswith(name))


def keep_server_alive(term: Terminal) -> None:
    """A placeholder session in the tmux server, so that killing the app's session never ends the server."""
    try:
        term.run("has-session", "-t", "keep")
    except AssertionError:
        term.run("new-session", "-d", "-s", "keep", "sleep", "600")
