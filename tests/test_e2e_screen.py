"""What a real terminal (tmux) shows of two things Pilot cannot see: a line and ctrl+s typed in one burst, as a
laggy SSH link delivers them, land in Jira exactly as typed; and with NO_COLOR the states differ by attributes,
breached the most prominent (read back with `capture-pane -e`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmux_harness import Sim, Terminal, installed_command, running_sim, table_lines, tmux_terminal

pytestmark = pytest.mark.e2e

SGR = re.compile(r"\x1b\[([0-9;]*)m")


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    with running_sim(tmp_path) as server:
        yield server


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with tmux_terminal(tmp_path, width=200, height=60, budget=30.0) as term:
        yield term


def rows_shown(term: Terminal) -> list[str]:
    def shown() -> list[str] | None:
        lines = table_lines(term.screen())
        return lines[1] if lines is not None and lines[1] else None

    return term.wait("the queue table", shown)


def detail_key(screen: str) -> str | None:
    match = re.search(r"\b([A-Z]+-\d+) · P", screen)
    return match.group(1) if match else None


def test_a_line_and_ctrl_s_in_one_burst_land_exactly_as_typed(terminal: Terminal, sim: Sim) -> None:
    terminal.start([str(installed_command()), "--config", str(sim.config), "--no-mouse"])
    rows_shown(terminal)
    key = terminal.wait("the detail pane", lambda: detail_key(terminal.screen()))
    before = len(sim.issue(key)["comments"])
    lines = [f"W{n}: Restarted the consumer group, lag is dropping; next update at 09:{30 + n}." for n in range(1, 5)]
    for n, line in enumerate(lines, start=1):
        terminal.keys("c")
        terminal.wait("the comment dialog", lambda: f"Comment on {key}" in terminal.screen())
        terminal.type(line)
        terminal.keys("C-s")
        terminal.wait(f"comment {n} in Jira", lambda n=n: len(sim.issue(key)["comments"]) == before + n, timeout=10)
        terminal.wait("the dialog to close", lambda: f"Comment on {key}" not in terminal.screen())
    stored = [c["text"] for c in sim.issue(key)["comments"][before:]]
    assert stored == lines


def sgr_state_at(line: str, char: str) -> set[int]:
    """The SGR attributes (1 bold, 7 reverse, ...) in force where `char` first appears in a `capture-pane -e`
    line."""
    state: set[int] = set()
    pos = 0
    for match in SGR.finditer(line):
        text = line[pos : match.start()]
        if char in text:
            return state
        codes = [int(c) for c in match.group(1).split(";") if c] or [0]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                state.clear()
            elif code in (38, 48):  # colours: 38;5;N or 38;2;R;G;B
                i += 2 if i + 1 < len(codes) and codes[i + 1] == 5 else 4
            elif code in (22, 27, 23, 24):
                state.discard({22: 1, 27: 7, 23: 3, 24: 4}[code])
                if code == 22:
                    state.discard(2)
            elif code < 10:
                state.add(code)
            i += 1
        pos = match.end()
    if char in line[pos:]:
        return state
    raise AssertionError(f"{char!r} not in {line!r}")


def test_without_colour_breached_is_reversed_and_bold_and_running_is_plain(terminal: Terminal, sim: Sim) -> None:
    terminal.start([str(installed_command()), "--config", str(sim.config), "--no-mouse"], env={"NO_COLOR": "1"})
    rows_shown(terminal)
    terminal.keys("5")  # All open: breached, at-risk and running SLAs side by side
    terminal.wait("All open", lambda: any("✖" in row for row in (table_lines(terminal.screen()) or ("", []))[1]))
    screen = terminal.run("capture-pane", "-e", "-p", "-t", "e2e")
    lines = screen.splitlines()

    def row_with(glyph: str) -> str:
        return next(line for line in lines if re.search(r"[A-Z]+-\d+", SGR.sub("", line)) and glyph in line)

    breached = sgr_state_at(row_with("✖"), "✖")
    running = sgr_state_at(row_with("●"), "●")
    assert {1, 7} <= breached, breached
    assert 7 not in running and 1 not in running, running
    # No colour at all reaches the terminal for these cells' foreground in NO_COLOR mode other than greys.
    assert "\x1b[31m" not in screen and "38;2;185;60;91" not in screen


@pytest.mark.parametrize(("locale", "utf8"), [({"LANG": "C", "LC_ALL": ""}, False), ({}, True)])
@pytest.mark.parametrize("width", [200, 100])
def test_list_on_a_terminal_follows_the_locale(
    terminal: Terminal, sim: Sim, locale: dict[str, str], utf8: bool, width: int
) -> None:
    terminal.width = width  # at 100 columns the summaries are cut: with "..." where only ASCII shows
    terminal.start([str(installed_command()), "--config", str(sim.config), "list", "--queue", "All open"], env=locale)

    def finished() -> str | None:
        screen = terminal.screen()
        return screen if "[oncall-tui exited with 0 ]" in screen else None

    screen = terminal.wait("list to finish", finished)
    assert re.search(r"OPS-\d+", screen), screen
    glyphs = set("●⚠✖‖☾✔✗…—")
    if utf8:
        assert glyphs & set(screen), screen
    else:
        assert not glyphs & set(screen), screen
        assert re.search(r"\bX breached\s+-\d+:\d\d", screen), "breached in ASCII"
