"""The whole benchmark suite, one command: prints a Markdown table and writes it to docs/PERFORMANCE.md.

    .venv/bin/python bench/run.py            # the full suite (under 10 minutes on 2 cores)
    .venv/bin/python bench/run.py --smoke    # the harness only (start-up, fewest runs; < 30 s), numbers not kept
    .venv/bin/python bench/run.py --only start,latency --out /tmp/perf.md

Each script named in `suite.SCRIPTS` that is present in bench/ is run in turn (see `suite.py` for the
interface: `measure(quick) -> list[Row]`, or `--json`). A script that is missing or fails is listed under the
table with the reason, and the others still run; the exit status is 1 when
one failed.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from machine import describe, load  # noqa: E402
from suite import SCRIPTS, Row, markdown  # noqa: E402

DEFAULT_OUT = HERE.parent / "docs" / "PERFORMANCE.md"
SMOKE = ("start",)


def run_script(name: str, quick: bool) -> list[Row]:
    """One script's rows: through its `measure(quick)` when it has one, else through `--json` in a process."""
    module = importlib.import_module(name)
    measure = getattr(module, "measure", None)
    if measure is not None and list(inspect.signature(measure).parameters) == ["quick"]:
        return list(measure(quick))
    argv = [sys.executable, str(HERE / f"{name}.py"), "--json", *(["--quick"] if quick else [])]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=HERE, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`{name}.py --json` exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return [Row.from_json(item) for item in json.loads(done.stdout.strip().splitlines()[-1])]


def document(rows: list[Row], machine: str, problems: list[str], seconds: float, smoke: bool) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Performance",
        "",
        "Written by `bench/run.py` (see bench/README.md); rerun it to refresh. Every figure is the median of the",
        "samples with their spread; ratios are to a floor measured in the same run. Benchmarks, not tests: the",
        "machine below was shared, so compare ratios within one run rather than absolute times across runs.",
        "",
    ]
    if smoke:
        lines += ["**Smoke run (`--smoke`): too few samples to mean anything.**", ""]
    lines += [
        f"Run {when}, {seconds:.0f} s in all; load average at the end: {load()}.",
        "",
        "```",
        machine,
        "```",
        "",
        markdown(rows),
        "",
    ]
    if problems:
        lines += ["Not measured in this run:", "", *(f"- {p}" for p in problems), ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="run the harness only: start-up, fewest samples")
    parser.add_argument("--quick", action="store_true", help="every script, fewest samples (a few minutes)")
    parser.add_argument("--only", help="comma-separated script names (default: all of suite.SCRIPTS)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write (default docs/PERFORMANCE.md)")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(SMOKE if args.smoke else SCRIPTS)
    quick = args.smoke or args.quick
    machine = describe()  # the load average as the run starts
    print(machine, flush=True)
    began = time.monotonic()
    rows: list[Row] = []
    problems: list[str] = []
    failed = False
    for name in names:
        if not (HERE / f"{name}.py").exists():
            problems.append(f"`{name}`: bench/{name}.py is not there (yet)")
            continue
        print(f"== {name}", flush=True)
        started = time.monotonic()
        try:
            rows += run_script(name, quick)
        except Exception as exc:  # one broken script must not lose the others' numbers
            traceback.print_exc()
            problems.append(f"`{name}`: {type(exc).__name__}: {exc}")
            failed = True
        print(f"   {time.monotonic() - started:.0f} s", flush=True)
    text = document(rows, machine, problems, time.monotonic() - began, args.smoke)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
