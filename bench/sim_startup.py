"""`oncall-tui sim --scenario default --config-out PATH`: process start to the first answered request (issue 2:
under 2 s).

The clock starts just before the process is spawned and stops when `GET /rest/api/3/myself`, sent with the
credentials from the written config, has answered 200: what a client (or a CI script) waits for. The `large`
scenario (10,000 incidents) is measured too, for scale.

    python bench/sim_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import httpx
from machine import describe, stats

COMMAND = Path(sys.executable).parent / "oncall-tui"
POLL = 0.005
TIMEOUT = 30.0


def one_run(scenario: str, workdir: Path) -> tuple[float, float]:
    """(config written, first 200) in seconds from spawning the process."""
    config = workdir / f"{scenario}.toml"
    config.unlink(missing_ok=True)
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(COMMAND), "sim", "--scenario", scenario, "--config-out", str(config), "--exit-after", "60"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not config.exists():
            if process.poll() is not None or time.perf_counter() - start > TIMEOUT:
                raise SystemExit(f"oncall-tui sim did not write {config}")
            time.sleep(POLL)
        written = time.perf_counter() - start
        jira = tomllib.loads(config.read_text())["jira"]
        with httpx.Client(timeout=5) as client:
            while True:
                try:
                    response = client.get(f"{jira['url']}/rest/api/3/myself", auth=(jira["email"], jira["token"]))
                except httpx.TransportError:
                    response = None
                if response is not None and response.status_code == 200:
                    return written, time.perf_counter() - start
                if time.perf_counter() - start > TIMEOUT:
                    raise SystemExit("oncall-tui sim did not answer")
                time.sleep(POLL)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(describe())
    print(f"command:  {COMMAND} sim --scenario NAME --config-out PATH; polled every {POLL * 1000:.0f} ms\n")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        one_run("default", workdir)  # warm the OS file cache and .pyc files; not counted
        for scenario in ("default", "large"):
            results = [one_run(scenario, workdir) for _ in range(args.runs)]
            print(f"scenario {scenario}, process start to:")
            print(f"  config written         {stats([r[0] for r in results])}")
            print(f"  first answered request {stats([r[1] for r in results])}")

    start = time.perf_counter()
    for _ in range(args.runs):
        subprocess.run([str(COMMAND), "--version"], capture_output=True, check=True)
    baseline = (time.perf_counter() - start) / args.runs
    print(f"\nbaseline: oncall-tui --version {baseline * 1000:.0f} ms per run")


if __name__ == "__main__":
    main()
