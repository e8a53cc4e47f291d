"""The benchmark harness runs and writes its table (`bench/run.py --smoke`); no time is asserted: benchmarks
are not tests, this only keeps the one documented command from rotting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.tmux_harness import installed_command, tmux_command

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_smoke_run_writes_the_table_with_its_machine(tmp_path: Path) -> None:
    tmux_command()
    installed_command()
    out = tmp_path / "PERFORMANCE.md"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    assert "nproc" in text and "load:" in text, text
    assert "| group | figure | median | spread (min–max, n) |" in text, text
    table = [line for line in text.splitlines() if line.startswith("| Start |")]
    figures = " ".join(table)
    for figure in ("bare", "warm cache", "cold (no cache)", "`oncall-tui demo`"):
        assert figure in figures, text
    # Every start is a ratio to the bare import measured in the same run.
    assert sum("× bare import" in line for line in table) == 3, text
    assert "Smoke run" in text
