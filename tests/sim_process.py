"""Running `oncall-tui sim` (and then other commands) as real processes, for the command-line acceptance tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy")


def clean_env() -> dict[str, str]:
    """This environment without proxy variables: loopback traffic must not be sent to a proxy."""
    return {k: v for k, v in os.environ.items() if k not in PROXY_VARS}


@dataclass
class SimProcess:
    proc: subprocess.Popen[str]
    banner: list[str]

    def value(self, label: str) -> str:
        """A value the banner prints, e.g. value("URL") or value("API token")."""
        for line in self.banner:
            if line.strip().startswith(f"{label}:"):
                return line.split(":", 1)[1].strip().split()[0]
        raise AssertionError(f"{label!r} not in the simulator's banner: {self.banner}")


@contextmanager
def running_sim(*args: str, env: dict[str, str] | None = None) -> Iterator[SimProcess]:
    """`oncall-tui sim ARGS` until its banner is printed; stopped afterwards (and by itself after 60 s)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "oncall_tui", "sim", *args, "--exit-after", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env if env is not None else clean_env(),
    )
    try:
        assert proc.stdout is not None
        banner: list[str] = []
        for line in proc.stdout:
            banner.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
        yield SimProcess(proc, banner)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oncall_tui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env if env is not None else clean_env(),
        check=False,
    )
