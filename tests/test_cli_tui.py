"""Is this terminal UTF-8? Decided from the locale variables, as the C library reads them, not from Python."""

from __future__ import annotations

import subprocess
import sys

from oncall_tui.cli_tui import utf8_terminal

DECISIONS = [
    # (the locale variables, whether the terminal is UTF-8)
    ({}, False),  # no locale at all: the C locale
    ({"LANG": "C"}, False),
    ({"LANG": "POSIX"}, False),
    ({"LANG": "C.UTF-8"}, True),
    ({"LANG": "de_DE.UTF-8"}, True),
    ({"LANG": "de_DE.utf8"}, True),  # glibc's own spelling (`locale -a`)
    ({"LANG": "de_DE.UTF-8@euro"}, True),
    ({"LANG": "de_DE.ISO-8859-15@euro"}, False),
    ({"LANG": "en_US"}, False),  # no codeset: ISO-8859-1 to the C library
    ({"LC_CTYPE": "UTF-8"}, True),  # macOS's bare codeset, forwarded by ssh
    ({"LANG": "C.UTF-8", "LC_ALL": "C"}, False),  # LC_ALL first ...
    ({"LANG": "C", "LC_ALL": "en_GB.UTF-8"}, True),
    ({"LANG": "C.UTF-8", "LC_CTYPE": "POSIX"}, False),  # ... then LC_CTYPE ...
    ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, True),
    ({"LANG": "C.UTF-8", "LC_ALL": "", "LC_CTYPE": ""}, True),  # ... then LANG: empty counts as unset
    ({"LANG": "C", "LC_MESSAGES": "de_DE.UTF-8"}, False),  # messages are not the character set
]


def test_utf8_terminal_follows_lc_all_then_lc_ctype_then_lang() -> None:
    wrong = {str(env): expected for env, expected in DECISIONS if utf8_terminal(env) is not expected}
    assert not wrong, f"expected these decisions: {wrong}"


def decide_in_a_fresh_python(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "from oncall_tui.cli_tui import utf8_terminal; print(utf8_terminal())"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


def test_utf8_terminal_is_not_fooled_by_pythons_utf8_mode_or_locale_coercion() -> None:
    # In the C locale Python runs in UTF-8 mode (its stdout says UTF-8) and sets LC_CTYPE=C.UTF-8 in its own
    # os.environ (PEP 538): neither says anything about the terminal.
    assert decide_in_a_fresh_python({"LANG": "C", "LC_ALL": ""}) == "False"
    assert decide_in_a_fresh_python({"LC_ALL": "POSIX"}) == "False"
    assert decide_in_a_fresh_python({"LANG": "C.UTF-8"}) == "True"
