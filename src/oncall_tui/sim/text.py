"""What text the simulated site accepts: only strings that can travel back out as UTF-8 JSON.

Python's `json` decodes `"\\ud800"` (and the raw bytes of an encoded surrogate) into a str holding a lone
surrogate, which no UTF-8 encoder accepts. Jira's database refuses such text on the way in; the simulator must
too, or the first response that carries it (a search, say) fails to encode long after the write was accepted.
So every JSON body is checked when it is read, and every state change that stores text checks it again, so a
scheduled scenario event or a direct caller cannot store what a request could not.
"""

from __future__ import annotations

import math
from typing import Any

# Deeper than any Jira payload (ADF nests a few levels); also keeps the checks below off the recursion limit.
MAX_DEPTH = 100


def _shown(text: str, limit: int = 60) -> str:
    """`text` safe to put in an error message: lone surrogates become visible \\uXXXX escapes."""
    shown = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _is_clean(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _member(path: str, key: str) -> str:
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{_shown(key)!r}]"


def find_invalid(value: Any, path: str = "$", depth: int = 0) -> str | None:
    """Why `value` (decoded JSON) cannot be stored, naming where; None when it can.

    Refused: strings (values or keys) that UTF-8 cannot encode, numbers that are not finite (JSON has no
    NaN or Infinity), and nesting deeper than MAX_DEPTH.
    """
    if depth > MAX_DEPTH:
        return f"{path} is nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, str):
        return None if _is_clean(value) else f"{path} holds text that is not valid Unicode: '{_shown(value)}'"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path} is not a finite number"
    if isinstance(value, dict):
        for key, item in value.items():
            if not _is_clean(key):
                return f"{path} has a key that is not valid Unicode: '{_shown(key)}'"
            problem = find_invalid(item, _member(path, key), depth + 1)
            if problem:
                return problem
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            problem = find_invalid(item, f"{path}[{index}]", depth + 1)
            if problem:
                return problem
    return None
