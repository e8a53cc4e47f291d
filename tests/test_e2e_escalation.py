"""End to end at 80×24: the installed `oncall-tui` in tmux against `oncall-tui sim` with the config it writes
(its escalation policies). The escalation pane shows three levels and a contact's local time; `e` opens the
escalate dialog with the route to L2 and its contact; escalating records the level in the simulator.

Who is on call, and their local time, are computed here from the simulator's own data (`/_sim/state` and the
rotation maths), not read from the app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from oncall_tui.sim.scenarios.people import AGENTS
from tests.tmux_harness import Sim, Terminal, installed_command, running_sim, tmux_terminal

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 80, 24
DETAIL_HEADER = re.compile(r"\b([A-Z][A-Z0-9]+-\d+) · ")


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    with running_sim(tmp_path) as server:
        yield server


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with tmux_terminal(tmp_path, width=WIDTH, height=HEIGHT, budget=40.0) as term:
        yield term


def pane_lines(screen: str) -> list[str]:
    """The escalation pane's lines, from its title to its key hint."""
    lines = screen.splitlines()
    start = next((i for i, line in enumerate(lines) if "Escalation:" in line), None)
    if start is None:
        return []
    end = next((i for i in range(start, len(lines)) if "P phone" in lines[i]), len(lines) - 1)
    return lines[start : end + 1]


def test_the_pane_shows_three_levels_and_local_time_and_e_escalates_at_80x24(
    terminal: Terminal, sim: Sim, tmp_path: Path
) -> None:
    term = terminal
    terminal.start([str(installed_command()), "--config", str(tmp_path / "sim.toml"), "--no-mouse"])
    term.wait("the queue table", lambda: "Key" in term.screen() and DETAIL_HEADER.search(term.screen()))
    term.keys("5")  # All open

    def three_levels() -> list[str] | None:
        lines = pane_lines(term.screen())
        text = "\n".join(lines)
        levels = [name for name in ("L1 on-call", "L2 secondary", "L3 team lead") if name in text]
        return lines if len(levels) == 3 and "Level 1 of" in text else None

    lines = term.wait("the escalation pane with three levels", three_levels, timeout=20)
    text = "\n".join(lines)
    # A contact's clock in their own zone ("S. Krämer 15:36"), from the scenario's people and the site's time.
    now = datetime.fromisoformat(httpx.get(f"{sim.url}/_sim/state", timeout=10).json()["now"])
    zones = {f"{p.display_name[0]}. {p.display_name.split(' ', 1)[1]}": p.time_zone for p in AGENTS}
    clocks = re.findall(r"([A-ZÀ-Ž]\. [^·│]+?) (\d\d:\d\d)", text)
    assert clocks, text
    for name, clock in clocks:
        assert name in zones, (name, text)
        assert clock == f"{now.astimezone(ZoneInfo(zones[name])):%H:%M}", (name, clock, zones[name])
    assert all(len(line) <= WIDTH for line in term.screen().splitlines())

    key_match = DETAIL_HEADER.search(term.screen())
    assert key_match is not None
    key = key_match.group(1)
    term.keys("e")
    dialog = term.wait("the escalate dialog", lambda: term.screen() if f"Escalate {key}" in term.screen() else None)
    assert "L2 secondary" in dialog and "Reason" in dialog
    # The reason and ctrl+s in one burst, as over a laggy link: every character typed before ctrl+s is sent.
    term.type("db primary failed over, L1 needs help")
    term.keys("C-s")

    def recorded() -> dict[str, object] | None:
        issue = sim.issue(key)
        return issue["properties"].get("oncall-tui.escalation")  # type: ignore[no-any-return]

    record = term.wait("the level recorded in Jira", recorded, timeout=20)
    assert record["level"] == 1 and record["history"][0]["reason"] == "db primary failed over, L1 needs help"  # type: ignore[index]
