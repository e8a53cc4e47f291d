"""The process and the terminal, in a real terminal (tmux): what the installed `oncall-tui` leaves behind.

- `q` (and `demo`) ends with exit status 0 and no traceback;
- SIGTERM and SIGHUP restore the terminal exactly as `q` does, also when the terminal is already gone;
- the ASCII fallback follows the locale variables, not Python's own encoding.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmux_harness import (
    Sim,
    Terminal,
    alive,
    installed_command,
    running_sim,
    table_lines,
    tmux_terminal,
)

pytestmark = pytest.mark.e2e

MOUSE_FLAGS = ("mouse_any_flag", "mouse_button_flag", "mouse_all_flag", "mouse_standard_flag", "mouse_sgr_flag")
TRACEBACK_WORDS = ("Traceback", "Error", "Exception")


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    with running_sim(tmp_path) as server:
        yield server


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with tmux_terminal(tmp_path, width=200, height=60, budget=20.0) as term:
        yield term


def wait_for_table(term: Terminal) -> tuple[str, list[str]]:
    """The table's header and rows, once it shows some."""

    def shown() -> tuple[str, list[str]] | None:
        lines = table_lines(term.screen())
        return lines if lines is not None and lines[1] else None

    return term.wait("the queue table", shown)


def wait_for_exit(term: Terminal) -> int:
    return term.wait("the TUI to exit", term.exit_status)


def assert_no_traceback(screen: str) -> None:
    found = [word for word in TRACEBACK_WORDS if word in screen]
    assert not found, f"the terminal shows {found} after the TUI ended:\n{screen}"


def assert_restored(term: Terminal, raw: bytes) -> None:
    """The terminal as before the TUI: normal screen, no mouse tracking, cursor visible, bracketed paste off."""
    flags = term.flags("alternate_on", "cursor_flag", *MOUSE_FLAGS)
    assert flags == {"alternate_on": "0", "cursor_flag": "1", **dict.fromkeys(MOUSE_FLAGS, "0")}, flags
    # tmux has no format for bracketed paste: read the app's last word on it from the bytes it wrote.
    assert b"\x1b[?2004h" in raw, "the TUI never turned bracketed paste on: nothing to check"
    assert raw.rindex(b"\x1b[?2004l") > raw.rindex(b"\x1b[?2004h"), "bracketed paste left on"


# ---- item 16: every quit used to be a crash ------------------------------------------------------------------


def test_q_exits_with_status_0_and_no_traceback(terminal: Terminal, sim: Sim, tmp_path: Path) -> None:
    raw = tmp_path / "pane.raw"
    terminal.start([str(installed_command()), "--config", str(sim.config)], record=raw)
    wait_for_table(terminal)
    terminal.keys("q")
    assert wait_for_exit(terminal) == 0
    assert_no_traceback(terminal.screen())
    assert_restored(terminal, raw.read_bytes())


def test_demo_q_exits_with_status_0_and_no_traceback(terminal: Terminal) -> None:
    terminal.start([str(installed_command()), "demo"])
    wait_for_table(terminal)
    terminal.keys("q")
    assert wait_for_exit(terminal) == 0
    assert_no_traceback(terminal.screen())


# ---- item 17: SIGTERM / SIGHUP ----------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_restores_the_terminal_as_q_does(
    terminal: Terminal, sim: Sim, tmp_path: Path, signum: signal.Signals
) -> None:
    raw = tmp_path / "pane.raw"
    # Mouse tracking on (the default), so that there is something to switch off.
    terminal.start([str(installed_command()), "--config", str(sim.config)], record=raw)
    wait_for_table(terminal)
    assert terminal.flags("alternate_on", "mouse_any_flag") == {"alternate_on": "1", "mouse_any_flag": "1"}
    os.kill(terminal.process(), signum)
    # The shell's convention for "ended by signal N", reached through the app's own exit path.
    assert wait_for_exit(terminal) == 128 + signum
    assert_no_traceback(terminal.screen())
    assert_restored(terminal, raw.read_bytes())


# What an interactive login shell does when the SSH connection drops: the kernel hangs up the terminal and
# signals the session leader (the shell), which then sends SIGHUP to its jobs. This stands in for that shell
# and writes the TUI's exit status to a file, as nobody can read it from a terminal that is gone.
HANGUP_SHELL = """
import os, signal, subprocess, sys
status = sys.argv[1]
child = subprocess.Popen(sys.argv[2:])
signal.signal(signal.SIGHUP, lambda signum, frame: child.send_signal(signal.SIGHUP))
code = child.wait()
with open(status + ".tmp", "w") as out:
    out.write(str(code))
os.rename(status + ".tmp", status)
"""


def test_sighup_after_the_terminal_is_gone_ends_cleanly(terminal: Terminal, sim: Sim, tmp_path: Path) -> None:
    status = tmp_path / "status"
    tui = [str(installed_command()), "--config", str(sim.config)]
    terminal.exec([sys.executable, "-c", HANGUP_SHELL, str(status), *tui])
    wait_for_table(terminal)
    pid = terminal.process()
    # Closing the pane closes the terminal (the pty), as sshd does when the connection drops.
    terminal.run("kill-pane", "-t", "e2e")
    code = terminal.wait("the TUI's exit status after the hang-up", lambda: status.exists() and status.read_text())
    # 129: ended through the app's exit path; a traceback would be 1, death by the signal itself -1.
    assert int(code) == 128 + signal.SIGHUP
    assert not alive(pid)


# ---- item 13 (the locale half): is this terminal UTF-8? ------------------------------------------------------

UNICODE_SLA_GLYPHS = set("●⚠✖‖☾✔✗")
ASCII_SLA_GLYPHS = set(">!X=zx+")
BOX_DRAWING = {chr(c) for c in range(0x2500, 0x2580)} | {chr(c) for c in range(0x2580, 0x25A0)}


def sla_glyphs(header: str, rows: list[str]) -> set[str]:
    start, end = header.index("SLA"), header.index("Age")
    return {row[start:end].strip()[:1] for row in rows} - {"", "—", "-"}


def side_border(header: str, rows: list[str]) -> set[str]:
    """The characters drawn in the side pane's border column, on the header line and every row (the
    scenario's own text is all one column per character: string index is screen column here)."""
    at = header.index("Summary") + len("Summary")
    while header[at] == " ":
        at += 1
    return {line[at] for line in [header, *rows] if len(line) > at}


LOCALES = [
    # (the locale variables for the TUI, whether they mean ASCII)
    ({"LANG": "C", "LC_ALL": ""}, True),
    ({"LANG": "C.UTF-8", "LC_ALL": "POSIX"}, True),  # LC_ALL decides first
    ({"LANG": "C.UTF-8", "LC_ALL": "", "LC_CTYPE": "de_DE.ISO-8859-1"}, True),  # then LC_CTYPE
    ({"LANG": "C.UTF-8", "LC_ALL": ""}, False),  # and the same terminal with a UTF-8 locale is not ASCII
]


def test_ascii_fallback_follows_the_locale_variables(terminal: Terminal, sim: Sim) -> None:
    for locale, ascii_only in LOCALES:
        terminal.start([str(installed_command()), "--config", str(sim.config), "--no-mouse"], env=locale)
        header, rows = wait_for_table(terminal)
        glyphs = sla_glyphs(header, rows)
        border = side_border(header, rows)
        terminal.keys("q")
        assert wait_for_exit(terminal) == 0
        terminal.kill()  # the next case starts a fresh tmux server
        if ascii_only:
            assert glyphs and glyphs <= ASCII_SLA_GLYPHS, f"SLA glyphs under {locale}: {glyphs}"
            assert border and not border & BOX_DRAWING, f"side pane border under {locale}: {border}"
        else:
            assert glyphs and glyphs <= UNICODE_SLA_GLYPHS, f"SLA glyphs under {locale}: {glyphs}"
            assert border == {"│"}, f"side pane border under {locale}: {border}"
