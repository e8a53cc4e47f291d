"""A comment draft typed just before SIGTERM or SIGHUP (a closed SSH session) is there after the restart, in a
real terminal against the installed command: the signal saves what the debounce had not written yet."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crash_harness import keep_server_alive, select
from tests.tmux_harness import Sim, Terminal, installed_command, running_sim, table_lines, tmux_terminal

pytestmark = pytest.mark.e2e

DRAFT = "Half a status update: failover to eu-west"


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    with running_sim(tmp_path) as server:
        yield server


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with tmux_terminal(tmp_path, width=160, height=40, budget=30.0) as term:
        yield term


def start(terminal: Terminal, sim: Sim) -> str:
    """Start the app (in a new tmux session: the ended app's shell still holds the old pane); returns the key of
    the first row."""
    with contextlib.suppress(AssertionError):  # the first start: no session yet
        terminal.run("has-session", "-t", "e2e")
        keep_server_alive(terminal)
        terminal.run("kill-session", "-t", "e2e")
    terminal.start([str(installed_command()), "--config", str(sim.config)])

    def shown() -> list[str] | None:
        lines = table_lines(terminal.screen())
        return lines[1] if lines is not None and lines[1] else None

    rows = terminal.wait("the queue table", shown)
    return rows[0].split()[0]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_draft_typed_right_before_the_signal_is_offered_after_the_restart(
    terminal: Terminal, sim: Sim, signum: signal.Signals
) -> None:
    key = start(terminal, sim)
    select(terminal, key)
    terminal.keys("c")
    terminal.wait("the comment dialog", lambda: f"Comment on {key}" in terminal.screen())
    terminal.type(DRAFT)
    terminal.wait("the typed text", lambda: DRAFT in terminal.screen())
    # At once: before the debounced save (a few hundred ms) could have written it.
    os.kill(terminal.process(), signum)
    assert terminal.wait("the app to exit", terminal.exit_status) == 128 + signum
    start(terminal, sim)
    select(terminal, key)
    terminal.keys("c")
    terminal.wait(f"the comment dialog on {key}", lambda: f"Comment on {key}" in terminal.screen())
    terminal.wait("the draft, offered again", lambda: DRAFT in terminal.screen())
    terminal.keys("Escape")
    terminal.wait("the dialog closed", lambda: f"Comment on {key}" not in terminal.screen())
    terminal.keys("q")
    # Quitting asks first: the draft is still unsent.
    terminal.wait("the quit question", lambda: "again to quit" in " ".join(terminal.screen().split()))


def saved_draft(tmp_path: Path, key: str) -> str | None:
    """The draft on `key` as the outbox holds it on disk (what another process would read), or None."""
    path = tmp_path / "home" / ".local/state" / "oncall-tui" / "outbox.sqlite3"
    if not path.exists():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
    try:
        row = db.execute("SELECT text FROM drafts WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return row[0] if row else None


def test_a_draft_saved_as_it_was_typed_survives_kill_9(terminal: Terminal, sim: Sim, tmp_path: Path) -> None:
    key = start(terminal, sim)
    select(terminal, key)
    terminal.keys("c")
    terminal.wait("the comment dialog", lambda: f"Comment on {key}" in terminal.screen())
    terminal.type(DRAFT)
    # No signal to save anything: only what the debounced save already wrote survives.
    terminal.wait("the draft on disk", lambda: saved_draft(tmp_path, key) == DRAFT)
    os.kill(terminal.process(), signal.SIGKILL)
    terminal.wait("the app gone", lambda: terminal.exit_status() is not None)
    start(terminal, sim)
    select(terminal, key)
    terminal.keys("c")
    terminal.wait(f"the comment dialog on {key}", lambda: f"Comment on {key}" in terminal.screen())
    terminal.wait("the draft, offered again", lambda: DRAFT in terminal.screen())
