"""Key-to-screen latency in a real terminal, `large` scenario (10,000 open incidents), tmux at 160×48.

`oncall-tui sim --scenario large` runs as its own process (as Jira is elsewhere) and `oncall-tui --config` with the
configuration it writes in tmux; the "All open" queue (10,000 rows) is chosen and left to load.
Then, one key at a time, each waited for before the next:

- 200 cursor moves (Down), once every row has loaded and 3 s more (the queue's snapshot is written then, a
  second of CPU in a thread): timed to the output that writes the new row highlighted (its key), and separately
  to the output that shows it in the detail pane (the pane follows the cursor a frame later); each move is
  waited for until the detail pane shows another incident;
- the first visit to Unassigned (about 4,000 rows, not loaded yet), timed on its own and left to load; then
  30 queue switches (2 and 5 in turn: Unassigned and All open, both loaded): done when the table changed;
- 30 filter keystrokes: "/" opens the field (untimed), "7" is timed until the table's rows changed, Esc
  clears it (untimed, waited for);
- 30 sort changes (s cycles the five sorts): done when the table changed.

The app's resident memory (VmRSS) is read before the cursor moves (3 s after the load ended: the snapshot is
written meanwhile) and after them: with 10,000 incidents held, what the moves leave behind (cyclic garbage the
collector does not reach) would show as growth.

30 of each, not 10: the p95 of 10 samples is simply the slowest one. Before each of these (not before a cursor
move) the previous action's output is let finish (nothing written for 200 ms), then a pause drawn at random
between 0 and 1 s (seeded), so that the keys land anywhere in the app's 1 Hz tick, as a person's do, rather than
always just after the previous action's last frame.

The time is from just before `tmux send-keys` is started (so it includes starting the tmux client, reported
on its own as "tmux send-keys itself") to the arrival of the pane output that carries the change (the
`pipe-pane` log's timestamps, not a capture-pane poll): the first chunk after the key holding the new detail
link or a word the new table shows and the old did not; a repaint of the old screen in between (the 1 Hz tick)
does not count. Where no such word is found, the first output after the key is taken.

    python bench/latency.py [--quick] [--json]
"""

from __future__ import annotations

import random
import re
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from netsim import running_sim
from suite import Row, percentile, script_main
from term import COMMAND, PaneLog, Tmux, wait

GROUP = "Scale"
DETAIL = re.compile(r"│ ([A-Z][A-Z0-9]+-\d+) · ")
KEY_ROW = re.compile(r"^\s*[A-Z][A-Z0-9]+-\d+\s.*\sP\d\s", re.MULTILINE)
UNASSIGNED_LOADED = re.compile(r"\[2 Unassigned \d+\]")  # its count without the "…" of a load under way
ALL_OPEN_LOADED = re.compile(r"\[5 All open \d+\]")
NOTES = {
    "first visit to a queue": "Unassigned (about 4,000), not loaded yet: to its first rows; no floor (loads: above)",
    "cursor move": "10,000 incidents, key sent to the row highlighted",
    "detail pane follows a cursor move": "the same moves, to the detail pane showing the incident; no floor",
}
FLOORS = {"cursor move": 20.0, "queue switch": 100.0, "filter keystroke": 50.0, "sort change": 150.0}


def table(screen: str) -> str:
    """The table's side of the screen (left of the detail pane), without the header and tab lines."""
    return "\n".join(line.split("│", 1)[0] for line in screen.splitlines()[2:-1])


def rows(screen: str) -> list[str]:
    return [line for line in table(screen).splitlines() if KEY_ROW.match(line)]


def detail(screen: str) -> str | None:
    match = DETAIL.search(screen)
    return match.group(1) if match else None


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def new_words(old: str, new: str) -> list[bytes]:
    before = set(old.split())
    return [w.encode() for w in dict.fromkeys(new.split()) if len(w) >= 4 and w not in before][:20]


class Session:
    def __init__(self, tmux: Tmux, target: str, log: PaneLog) -> None:
        self.tmux, self.target, self.log = tmux, target, log
        self.send_costs: list[float] = []  # how long `tmux send-keys` itself took, each time
        self.then: list[float] = []
        self.rng = random.Random(10)

    def settle(self) -> None:
        """The previous action's output is over (nothing written for 200 ms); then a random pause of 0-1 s."""

        def quiet() -> bool:
            last = self.log.last_arrival()
            return last is None or time.monotonic() - last > 0.2

        wait("the output to settle", quiet, 10, poll=0.02)
        time.sleep(self.rng.uniform(0.0, 1.0))

    def screen(self) -> str:
        return self.tmux.screen(self.target)

    def timed(
        self,
        key: str,
        changed: Callable[[str, str], bool],
        markers: Callable[[str, str], list[bytes]],
        then: Callable[[str, str], list[bytes]] | None = None,
    ) -> float:
        """Send `key`; wait until `changed(old, new)`; milliseconds to the output carrying the change (`then`:
        also to the output carrying these markers, kept in `self.then`)."""
        old = self.screen()
        sent = time.monotonic()
        self.tmux.keys(self.target, key)
        sent_done = time.monotonic()
        # Polled every 50 ms, not every 5: each look starts a tmux client, and on two cores a tight loop of them
        # takes the CPU the app needs (the time itself comes from the output log, not from this loop).
        new = wait(
            f"the screen to change after {key}", lambda: (s := self.screen()) and changed(old, s) and s, 30, poll=0.05
        )
        # The pipe-pane reader writes its index a moment after the bytes arrive.
        arrived = wait("the output log", lambda: self.log.first_after(sent, markers(old, new)), 5)
        self.send_costs.append((sent_done - sent) * 1000)
        if then is not None:
            followed = wait("the output log", lambda: self.log.first_after(sent, then(old, new)), 5)
            self.then.append(max(0.0, followed - sent) * 1000)
        return max(0.0, arrived - sent) * 1000


def measure(quick: bool) -> list[Row]:
    counts = {"cursor move": 20, "queue switch": 4, "filter keystroke": 3, "sort change": 3}
    if not quick:
        counts = {"cursor move": 200, "queue switch": 30, "filter keystroke": 30, "sort change": 30}
    samples: dict[str, list[float]] = {name: [] for name in counts}
    tmux = Tmux(160, 48)
    try:
        with tempfile.TemporaryDirectory(prefix="oncall-bench-latency-") as tmp, ExitStack() as stack:
            # The simulator in its own process, as Jira is elsewhere: `demo` would run it in the app's process,
            # where answering a poll of 10,000 incidents holds the interpreter while keys wait.
            _, config = stack.enter_context(running_sim(Path(tmp), "--scenario", "large"))
            home = Path(tmp) / "home"
            env = {"HOME": str(home), "XDG_CONFIG_HOME": f"{home}/config", "XDG_STATE_HOME": f"{home}/state",
                   "XDG_CACHE_HOME": f"{home}/cache"}  # fmt: skip
            target = tmux.open("large", [str(COMMAND), "--config", str(config), "--no-mouse"], env)
            log = PaneLog(tmux, target, Path(tmp))
            s = Session(tmux, target, log)
            wait("the main screen", lambda: "All open 10000" in s.screen() and "c comment" in s.screen(), 60)
            tmux.keys(target, "5")
            wait("All open loaded", lambda: ALL_OPEN_LOADED.search(s.screen()) and detail(s.screen()), 60, poll=0.05)
            pid = int(tmux.run("display-message", "-p", "-t", target, "#{pane_pid}").strip())
            time.sleep(3)
            memory = [resident_mb(pid)]
            keys_from = time.monotonic()

            def detail_moved(old: str, new: str) -> bool:
                return detail(new) not in (None, detail(old))

            def detail_link(_old: str, new: str) -> list[bytes]:
                return [f"/browse/{detail(new)}\x1b\\".encode()]

            def cursor_row(_old: str, new: str) -> list[bytes]:
                # The row the cursor moved to is written again (highlighted) with its key; the detail pane's
                # header, which names it too, comes after.
                return [f"{detail(new)} ".encode()]

            def table_changed(old: str, new: str) -> bool:
                return table(new) != table(old) and bool(rows(new))

            def rows_changed(old: str, new: str) -> bool:
                return rows(new) != rows(old) and bool(rows(new))

            def table_words(old: str, new: str) -> list[bytes]:
                return new_words(table(old), table(new))

            for _ in range(counts["cursor move"]):
                samples["cursor move"].append(s.timed("Down", detail_moved, cursor_row, then=detail_link))
            memory.append(resident_mb(pid))
            keys_for = time.monotonic() - keys_from
            # The first visit to a queue loads it (its first page shows at once, the rest streams in): timed on
            # its own; the switches below are between queues already loaded.
            samples["first visit to a queue"] = [s.timed("2", table_changed, table_words)]
            wait("Unassigned loaded", lambda: UNASSIGNED_LOADED.search(s.screen()), 60, poll=0.05)
            s.timed("5", table_changed, table_words)
            for i in range(counts["queue switch"]):
                s.settle()
                samples["queue switch"].append(s.timed("2" if i % 2 == 0 else "5", table_changed, table_words))
            if counts["queue switch"] % 2:
                s.timed("5", table_changed, table_words)
            for _ in range(counts["filter keystroke"]):
                tmux.keys(target, "/")
                wait("the filter field", lambda: "c comment" not in s.screen().splitlines()[-1], 10)
                s.settle()
                samples["filter keystroke"].append(s.timed("7", rows_changed, table_words))
                before = s.screen()
                tmux.keys(target, "Escape")
                wait("the filter cleared", lambda before=before: rows(s.screen()) != rows(before), 30)
                wait("the table focused", lambda: "c comment" in s.screen().splitlines()[-1], 10)
            for _ in range(counts["sort change"]):
                s.settle()
                samples["sort change"].append(s.timed("s", table_changed, table_words))
        send_costs = s.send_costs
        samples["detail pane follows a cursor move"] = s.then
    finally:
        tmux.close()
    result = [
        Row(
            GROUP,
            "tmux send-keys itself, p50",
            percentile(send_costs, 50),
            "ms",
            min(send_costs),
            max(send_costs),
            len(send_costs),
            note="part of every latency below: the key's way into the terminal",
        )
    ]
    moves = f"the {counts['cursor move']} cursor moves below ({keys_for:.0f} s)"
    for when, value in zip((f"before {moves}", "after them"), memory, strict=True):
        result.append(Row(GROUP, f"10,000 incidents held: resident memory {when}", value, "MB", value, value, 1))
    for name, values in samples.items():
        for p in (50, 95):
            limit = FLOORS.get(name) if p == 95 else None
            value = percentile(values, p)
            result.append(
                Row(
                    GROUP,
                    f"{name}, p{p}",
                    value,
                    "ms",
                    min(values),
                    max(values),
                    len(values),
                    limit=limit,
                    floor=f"p95 ≤ {limit:.0f} ms" if limit else "",
                    note=NOTES.get(name, "") if p == 50 else "",
                )
            )
    return result


if __name__ == "__main__":
    script_main(__doc__, measure)
