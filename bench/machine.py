"""The machine a benchmark ran on, printed with every result (numbers without it mean little)."""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def describe() -> str:
    try:
        textual = version("textual")
    except PackageNotFoundError:
        textual = "not installed"
    return "\n".join(
        [
            f"machine:  {platform.platform()} ({platform.machine()})",
            f"cpu:      {cpu_model()}, nproc {os.cpu_count()}",
            f"python:   {sys.version.split()[0]} ({platform.python_implementation()})",
            f"textual:  {textual}",
            f"load:     {load()} (1/5/15 min averages when the run started: other work on the machine skews times)",
        ]
    )


def stats(samples: list[float]) -> str:
    """Median (min-max) in milliseconds."""
    ordered = sorted(samples)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return f"{median * 1000:7.0f} ms  (min {ordered[0] * 1000:.0f}, max {ordered[-1] * 1000:.0f}, n={len(ordered)})"
