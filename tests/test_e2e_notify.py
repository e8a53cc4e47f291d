"""End to end: a new P1 in a watched queue reaches the real terminal as the bell and a desktop notification
(OSC 9 / OSC 777, wrapped for tmux's passthrough), read from the bytes the installed `oncall-tui` writes
(`tmux pipe-pane -o`); in quiet mode none of them. The incident is created through the simulator's control API.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w

from tests.tmux_harness import Sim, Terminal, installed_command, running_sim, tmux_terminal

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 100, 30
BUDGET = 40.0
# Hostile text in Jira: an escape sequence and OSC field separators in the summary must never reach the terminal.
OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
SUMMARY = "Checkout down \x1b]0;pwned\x07; really"


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    with running_sim(tmp_path) as server:
        yield server


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with tmux_terminal(tmp_path, width=WIDTH, height=HEIGHT, budget=BUDGET) as term:
        yield term


def config_for(sim: Sim, tmp_path: Path, **notify: object) -> Path:
    data = tomllib.loads(sim.config.read_text())
    # The watched queue ("P1/P2") is polled with the counts: every 5 s instead of every minute.
    data["poll"] = {"counts_interval_seconds": 5}
    data["notify"] = {"min_interval_seconds": 0, **notify}
    path = tmp_path / "notify.toml"
    path.write_text(tomli_w.dumps(data))
    path.chmod(0o600)
    return path


def recorded(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


def start(terminal: Terminal, config: Path, record: Path) -> None:
    terminal.start([str(installed_command()), "--config", str(config), "--no-mouse"], record=record)
    terminal.wait("the first poll", lambda: ("Mine" in terminal.screen() and "live" in terminal.screen()) or None)


@pytest.mark.parametrize(
    ("desktop", "expected"),
    [
        ("osc777", b"\x1b\x1b]777;notify;oncall-tui;New P1: {key}\x07"),
        ("osc9", b"\x1b\x1b]9;oncall-tui: New P1: {key}\x07"),
    ],
)
def test_a_new_p1_in_a_watched_queue_rings_and_notifies_through_tmux(
    sim: Sim, terminal: Terminal, tmp_path: Path, desktop: str, expected: bytes
) -> None:
    record = tmp_path / "pane.bytes"
    start(terminal, config_for(sim, tmp_path, desktop=desktop), record)
    created = sim.control("POST", "/incidents", json={"summary": SUMMARY, "priority": "Highest"})
    key = created["key"].encode()
    want = expected.replace(b"{key}", key)
    # Wrapped for tmux: DCS `tmux;`, every ESC inside doubled, ended by ST.
    wrapped = b"\x1bPtmux;" + want + b"\x1b\\"
    terminal.wait("the notification", lambda: wrapped in recorded(record) or None, timeout=30)
    data = recorded(record)
    before = data[: data.index(wrapped)]
    assert before.endswith(b"\x07"), "the bell goes bare, right before the desktop notification"
    assert b"pwned" not in data, "the summary's escape sequence never reaches the terminal"


def test_quiet_mode_writes_no_bell_and_no_notification(sim: Sim, terminal: Terminal, tmp_path: Path) -> None:
    record = tmp_path / "pane.bytes"
    start(terminal, config_for(sim, tmp_path, desktop="osc777", quiet=True), record)
    terminal.wait("the header's quiet mark", lambda: "quiet" in terminal.screen() or None)
    created = sim.control("POST", "/incidents", json={"summary": "Checkout down", "priority": "Highest"})
    # The app saw it (the P1/P2 tab's count moves with the watched queue's poll), and said nothing.
    terminal.keys("3")
    terminal.wait("the new P1 on screen", lambda: created["key"] in terminal.screen() or None, timeout=30)
    data = recorded(record)
    assert b"]777;notify" not in data and b"]9;" not in data, "no desktop notification"
    # Textual ends its own OSCs (OSC 22, the pointer shape) with BEL: outside them, no BEL was written.
    assert b"\x07" not in OSC.sub(b"", data), "no bell"
