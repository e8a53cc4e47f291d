"""The interface between `bench/run.py` and the benchmark scripts it runs, and the table they end up in.

A benchmark script `bench/NAME.py` takes part in the suite in one of two ways:

- it has a function `measure(quick: bool) -> list[Row]` (the runner imports it, with `bench/` on `sys.path`);
- or, when it has none, it prints a JSON list of rows with `--json` (and shortens itself with `--quick`), each
  row an object with the fields of `Row` (`Row.to_json` / `Row.from_json`).

`quick` means "a smoke run": fewest repetitions and shortest windows that still exercise the whole harness; the
numbers are then not worth publishing. Every figure is a median of several samples with its spread (min, max);
where it has a natural floor measured in the same run (a bare `import textual.app`, the bytes that really
changed), `ratio` is figure / that floor and `ratio_to` names it. `limit` is the issue's floor for the figure
(the value it must not exceed, in the row's unit) and `floor` says it in words; `meets` is then worked out.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# The order of the scripts in the table; scripts that are not present yet are skipped by the runner.
SCRIPTS = ("start", "idle_bytes", "large_queue", "latency", "network")


@dataclass
class Row:
    group: str  # the table's section: "Start", "Scale", "Idle cost", "Network", "Slow link"
    figure: str  # what was measured, e.g. "warm cache, first queue painted"
    median: float
    unit: str  # "ms", "s", "MB", "KB/s", "%", "requests", "KB", "requests/min"
    low: float  # the spread: the smallest and largest sample
    high: float
    n: int
    ratio: float | None = None  # median / the floor measured in the same run
    ratio_to: str = ""
    limit: float | None = None  # the floor in `unit`; a figure meets it when median (or p95) <= limit
    floor: str = ""
    note: str = ""
    meets: bool | None = field(default=None)

    def __post_init__(self) -> None:
        if self.meets is None and self.limit is not None:
            self.meets = self.median <= self.limit

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in names})


def median(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(samples: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100): a sample that was really seen, never an interpolation."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def row(group: str, figure: str, samples: Sequence[float], unit: str, **extra: Any) -> Row:
    """A row from raw samples (already in `unit`): their median and spread."""
    if not samples:
        raise ValueError(f"{group} / {figure}: no samples")
    return Row(group, figure, median(samples), unit, min(samples), max(samples), len(samples), **extra)


def _num(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def markdown(rows: Sequence[Row]) -> str:
    lines = [
        "| group | figure | median | spread (min–max, n) | ratio to floor | issue's floor | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        ratio = f"{r.ratio:.2f}× {r.ratio_to}" if r.ratio is not None else ""
        verdict = "" if r.meets is None else ("meets" if r.meets else "**misses**")
        figure = f"{r.figure} ({r.note})" if r.note else r.figure
        spread = f"{_num(r.low)}–{_num(r.high)}, n={r.n}"
        lines.append(
            f"| {r.group} | {figure} | {_num(r.median)} {r.unit} | {spread} | {ratio} | {r.floor} | {verdict} |"
        )
    return "\n".join(lines)


def script_main(doc: str | None, measure: Callable[[bool], list[Row]]) -> None:
    """The command line of a suite script: `--quick` for the fewest samples, `--json` for `run.py`."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0] if doc else None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = measure(args.quick)
    print(json.dumps([r.to_json() for r in rows]) if args.json else markdown(rows))
