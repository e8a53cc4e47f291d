"""Start-up: process start to the first queue painted with its countdowns, in tmux at 80×24 (issue 10).

- demo:  `oncall-tui demo` (the embedded simulator in the same process; it keeps everything in memory, so
         every start is cold);
- cold:  `oncall-tui --config` against `oncall-tui sim --scenario default` (its own process, started once),
         with a fresh, empty XDG_CACHE_HOME and XDG_STATE_HOME for every run;
- warm:  the same with the cache a previous session left (its saved queue is painted before the first poll).

The floor is a bare `python -c "import textual.app"` timed in the same run, interleaved with the starts so the
machine's load hits them alike. "Painted" is `demo_startup.one_run`'s "populated": incident rows in the table
and the selected incident, with its countdowns, in the detail pane.

    python bench/start.py [--quick] [--json]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from demo_startup import one_run
from netsim import clean_env, running_sim
from suite import Row, median, row, script_main
from term import COMMAND, Tmux, wait

GROUP = "Start"


def bare_import() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import textual.app"], check=True, capture_output=True)
    return time.perf_counter() - start


def _dirs(base: Path, name: str) -> dict[str, str]:
    cache, state = base / name / "cache", base / name / "state"
    cache.mkdir(parents=True)
    state.mkdir(parents=True)
    return clean_env(XDG_CACHE_HOME=str(cache), XDG_STATE_HOME=str(state))


def measure(quick: bool) -> list[Row]:
    runs = 1 if quick else 7
    samples: dict[str, list[float]] = {"bare": [], "demo": [], "cold": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix="oncall-bench-start-") as tmp:
        base = Path(tmp)
        tmux = Tmux(80, 24)
        try:
            with running_sim(base, "--scenario", "default") as (_data, config):
                app = [str(COMMAND), "--config", str(config), "--no-mouse"]
                warm_env = _dirs(base, "warm")
                # Untimed: warms the OS file cache and .pyc files, and leaves the warm directories' saved queue.
                one_run(tmux, 0, app, warm_env, tick=False)
                snapshots = Path(warm_env["XDG_CACHE_HOME"])
                wait("the saved queue", lambda: any(snapshots.rglob("*")) and list(snapshots.rglob("*")), 20)
                one_run(tmux, 1, tick=False)
                for i in range(runs):
                    samples["bare"].append(bare_import())
                    samples["demo"].append(one_run(tmux, 10 + i, tick=False)[1])
                    samples["cold"].append(one_run(tmux, 100 + i, app, _dirs(base, f"cold{i}"), tick=False)[1])
                    samples["warm"].append(one_run(tmux, 200 + i, app, warm_env, tick=False)[1])
        finally:
            tmux.close()
    bare = median(samples["bare"])
    ms = {k: [s * 1000 for s in v] for k, v in samples.items()}

    def ratio(key: str) -> float:
        return median(samples[key]) / bare

    return [
        row(GROUP, 'bare `python -c "import textual.app"` (the floor)', ms["bare"], "ms"),
        row(
            GROUP,
            "warm cache, first queue painted",
            ms["warm"],
            "ms",
            ratio=ratio("warm"),
            ratio_to="bare import",
            floor="≤ 3× bare import",
            meets=ratio("warm") <= 3,
        ),
        row(
            GROUP,
            "cold (no cache), first queue painted",
            ms["cold"],
            "ms",
            ratio=ratio("cold"),
            ratio_to="bare import",
            limit=1000,
            floor="≤ 1.0 s",
            note="`default` scenario, simulator in its own process",
        ),
        row(
            GROUP,
            "`oncall-tui demo`, first queue painted",
            ms["demo"],
            "ms",
            ratio=ratio("demo"),
            ratio_to="bare import",
            limit=1000,
            floor="≤ 1.0 s",
            note="cold by nature; includes building and starting the embedded simulator",
        ),
    ]


if __name__ == "__main__":
    script_main(__doc__, measure)
