"""End to end: the installed `oncall-tui` in a real terminal (tmux) against `oncall-tui sim`, keystrokes only.

Take an unassigned incident, comment on it and resolve it, and read every result back from the simulator's own
view of the issue (`/_sim/issues/{key}`), not from the screen. Both programs are external processes, so this
test waits on them in short bounded polls; on a timeout it fails with the captured screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tmux_harness import Sim, Terminal, installed_command, running_sim, tmux_terminal

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 100, 30
BUDGET = 20.0  # seconds for everything from starting the TUI to the last check
COMMENT = "Rolled back the 14:00 deploy; watching the error rate."
KEY = re.compile(r"\b([A-Z][A-Z0-9]+-\d+)\b")
DETAIL_HEADER = re.compile(r"\b([A-Z][A-Z0-9]+-\d+) · ")
BORDERS = "█▀▄▊▎▔▁│ "  # Textual's thick and tall borders as tmux shows them


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    with running_sim(tmp_path) as server:
        yield server


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with tmux_terminal(tmp_path, width=WIDTH, height=HEIGHT, budget=BUDGET) as term:
        yield term


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
    # The footer first: rows can be on screen (a saved copy) before the screen takes keys, and a "/" sent then
    # is lost, so the key typed next would reach the table ("3" switches queue).
    term.wait("the main screen's keys", lambda: "c comment" in footer(term.screen()))
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

    # The dialog closes once the confirmation (Jira's copy read after the write) is in: a key before that would
    # land in the read-only comment box.
    term.wait("the comment dialog closed", lambda: f"Comment on {key}" not in term.screen())
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
