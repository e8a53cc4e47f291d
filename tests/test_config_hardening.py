"""Config files that used to crash or overload oncall-tui, and messages that used to quote secrets.

A theme Textual does not have, TOML nested thousands deep, twenty thousand queues: each is refused at load
time with the file and the key. A failing token command, a pasted token in the wrong key, a URL with a
credential in it: the message says what is wrong without repeating what may be the secret.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from textual.theme import BUILTIN_THEMES as TEXTUAL_THEMES

from oncall_tui.cli import main
from oncall_tui.config import ConfigError, JiraConfig, load_config, resolve_token
from tests.sim_process import PROXY_VARS
from tests.tmux_harness import Terminal, installed_command, tmux_command

BASE: dict[str, Any] = {
    "jira": {"url": "https://example.atlassian.net", "email": "anna.schmidt@example.com"},
    "queues": [{"name": "Open", "jql": "statusCategory != Done"}],
}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, data: dict[str, Any] | str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(data if isinstance(data, str) else tomli_w.dumps(data), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    lines = str(info.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    return [line.removeprefix(f"{path}: ") for line in lines]


def with_jira(**jira: Any) -> dict[str, Any]:
    return {**BASE, "jira": {**BASE["jira"], **jira}}


# ---- [ui] theme --------------------------------------------------------------------------------------------------

THEMES_LISTED = ", ".join(sorted(TEXTUAL_THEMES))


def test_the_theme_list_is_textuals() -> None:
    from oncall_tui.config_schema import BUILTIN_THEMES

    assert list(BUILTIN_THEMES) == sorted(TEXTUAL_THEMES)


@pytest.mark.parametrize(
    ("theme", "hint"),
    [("no-such-theme", ""), ("Nord", ' (did you mean "nord"?)'), ("dracla", ' (did you mean "dracula"?)')],
)
def test_only_textuals_themes_are_accepted(tmp_path: Path, theme: str, hint: str) -> None:
    for good in sorted(TEXTUAL_THEMES):
        assert load_config(write(tmp_path, {**BASE, "ui": {"theme": good}}), env={}).ui.theme == good
    path = write(tmp_path, {**BASE, "ui": {"theme": theme}})
    assert problems_of(path) == [f'ui.theme: expected one of Textual\'s themes ({THEMES_LISTED}), got "{theme}"{hint}']


def test_list_refuses_an_unknown_theme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before, `list` ignored it (and only the TUI crashed): nothing here may reach Jira first.
    path = write(tmp_path, {**with_jira(url="http://127.0.0.1:9", token="t-1"), "ui": {"theme": "no-such-theme"}})
    assert main(["--config", str(path), "list"]) == 3
    assert f'{path}: ui.theme: expected one of Textual\'s themes ({THEMES_LISTED}), got "no-such-theme"' in (
        capsys.readouterr().err
    )


@pytest.fixture
def terminal(tmp_path: Path) -> Any:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    term = Terminal(tmux_command(), f"oncall-theme-{tmp_path.name}", env)
    yield term
    term.kill()


def test_the_tui_refuses_an_unknown_theme_before_it_starts(terminal: Terminal, tmp_path: Path) -> None:
    """In a real terminal: exit status 3 and the file and key, not a traceback from inside Textual."""
    path = write(tmp_path, {**with_jira(url="http://127.0.0.1:9", token="t-1"), "ui": {"theme": "no-such-theme"}})
    terminal.start([str(installed_command()), "--config", str(path), "--no-mouse"])

    def exited() -> str | None:
        # -J joins the lines the terminal wrapped: the message is longer than the window is wide.
        screen = terminal.run("capture-pane", "-p", "-J", "-t", "e2e")
        return screen if "[oncall-tui exited with" in screen else None

    screen = terminal.wait("oncall-tui to exit", exited)
    assert "[oncall-tui exited with 3 ]" in screen, screen
    assert f"oncall-tui: {path}: ui.theme: expected one of Textual's themes" in screen, screen
    assert "Traceback" not in screen


# ---- nesting -----------------------------------------------------------------------------------------------------

TOO_DEEP = "invalid TOML: arrays or tables nested more than 20 levels deep"


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5000 + "]" * 5000,
        "a = " + "{b = " * 5000 + "1" + "}" * 5000,
        '[jira]\nurl = "https://example.atlassian.net"\nx = ' + "[" * 25 + "]" * 25,
    ],
    ids=["arrays-5000", "inline-tables-5000", "arrays-25"],
)
def test_deep_nesting_is_a_config_error_naming_the_file(tmp_path: Path, text: str) -> None:
    # However deep the parser gets before its stack runs out, the answer is the same clear one.
    assert problems_of(write(tmp_path, text)) == [TOO_DEEP]


def test_list_reports_deep_nesting_instead_of_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "a = " + "[" * 5000 + "]" * 5000)
    assert main(["--config", str(path), "list"]) == 3
    err = capsys.readouterr().err
    assert f"{path}: {TOO_DEEP}" in err and "RecursionError" not in err


# ---- queues ------------------------------------------------------------------------------------------------------

MAX_QUEUES = 50  # the cap (config_schema.MAX_QUEUES), spelled out: the test states the contract


def test_queues_are_capped_with_one_message_naming_queues(tmp_path: Path) -> None:
    queues = [{"name": f"Q{i}", "jql": f"project = P{i}"} for i in range(MAX_QUEUES)]
    assert len(load_config(write(tmp_path, {"jira": BASE["jira"], "queues": queues}), env={}).queues) == MAX_QUEUES
    # One more is too many; here every one of them is broken too (no jql): one message, not 20,001.
    path = write(tmp_path, {"jira": BASE["jira"], "queues": [{"name": f"Q{i}"} for i in range(20_001)]})
    problems = problems_of(path)
    assert problems[0] == (
        f"queues: expected at most {MAX_QUEUES} [[queues]] tables, got 20001; every queue costs a count request "
        "to Jira each counts_interval_seconds, so keep the ones a shift watches"
    )
    assert len(problems) <= 1 + MAX_QUEUES


# ---- secrets never quoted ------------------------------------------------------------------------------------

PASTED_CLOUD_TOKEN = "ATATT3xFfGF0Zq9-secretPart_4711=AbC"
PASTED_PAT = "NjM4MDk0NzQ1OTkxOk2XyZaBcD1234secret"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://anna:hunter2@jira.example.net:99999",
            "jira.url: expected a URL without user name or password; credentials go in email and token_*",
        ),
        (
            "https://jira.example.net/?os_authToken=hunter2",
            'jira.url: expected a base URL without ?query or #fragment, got "https://jira.example.net/?…"',
        ),
        (
            "http://jira.example.net/#hunter2",
            'jira.url: expected an https:// URL, got "http://jira.example.net/#…"; plain http is allowed only for '
            "loopback hosts (localhost, 127.0.0.1, ::1), use https://",
        ),
    ],
)
def test_url_problems_never_quote_a_credential(tmp_path: Path, url: str, expected: str) -> None:
    assert problems_of(write(tmp_path, with_jira(url=url))) == [expected]


def test_an_unsplittable_token_command_is_not_quoted(tmp_path: Path) -> None:
    path = write(tmp_path, with_jira(token_cmd="curl -u 'anna:hunter2 https://vault.example.net"))
    assert problems_of(path) == [
        "jira.token_cmd: expected a command line, got one that does not split into words (No closing quotation)"
    ]


def test_a_token_pasted_as_token_env_is_not_quoted(tmp_path: Path) -> None:
    path = write(tmp_path, with_jira(token_env=PASTED_CLOUD_TOKEN))
    assert problems_of(path) == [
        "jira.token_env: expected the name of an environment variable, got what looks like a token (not shown); "
        "token_env names the variable that holds the token"
    ]


def token_message(tmp_path: Path, env: dict[str, str] | None = None, **jira: Any) -> str:
    config = load_config(write(tmp_path, with_jira(**jira)), env={})
    with pytest.raises(ConfigError) as info:
        resolve_token(config.jira, env or {})
    return str(info.value)


def test_a_pat_pasted_as_token_env_is_not_quoted_when_it_is_unset(tmp_path: Path) -> None:
    # A Data Center PAT can be a valid variable name; when no such variable exists, it was probably the token.
    message = token_message(tmp_path, token_env=PASTED_PAT)
    assert PASTED_PAT not in message
    assert message.endswith("token_env takes the variable's name, not the token")
    assert token_message(tmp_path, token_env="WORK_JIRA").endswith(
        "environment variable WORK_JIRA, but it is not set or empty"
    )


def test_a_token_pasted_as_token_file_is_not_quoted(tmp_path: Path) -> None:
    message = token_message(tmp_path, token_file=PASTED_PAT)
    assert PASTED_PAT not in message
    assert message.endswith("token_file takes the path of a file that holds the token")


def test_an_assignment_in_front_of_the_token_command_is_not_quoted(tmp_path: Path) -> None:
    # Not run through a shell: `VAR=value cmd` runs a program called "VAR=value", which is not found.
    message = token_message(tmp_path, token_cmd="JIRA_TOKEN=hunter2 pass show jira")
    assert "hunter2" not in message
    assert message.endswith(
        "token command not found: (its first word, not shown); check the program's name or give its full path"
    )


def test_a_token_command_killed_by_a_signal_says_so(tmp_path: Path) -> None:
    script = tmp_path / "helper.py"
    script.write_text("import os, signal\nprint('hunter2-partial', flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n")
    message = token_message(tmp_path, token_cmd=f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} --vault x")
    assert f"token command {sys.executable} was stopped by signal 9; run the command in a terminal" in message
    assert "hunter2" not in message and "--vault" not in message


def test_the_token_command_is_not_in_the_repr() -> None:
    jira = JiraConfig(url="https://x.example.net", token_cmd="curl -u anna:hunter2 https://vault")
    assert "hunter2" not in repr(jira)


def test_a_token_command_is_named_wherever_it_lives_but_a_token_pasted_in_its_place_is_not(tmp_path: Path) -> None:
    # A venv under a randomly named directory (CI's temporary clone, say) has a path that looks like a token;
    # it is a real program, so the message names it.
    odd = tmp_path / "ci.Jvw0Xq7" / "p" / ".venv" / "bin"
    odd.mkdir(parents=True)
    program = odd / "vault-helper"
    program.write_text("#!/bin/sh\nexit 3\n")
    program.chmod(0o700)
    message = token_message(tmp_path, token_cmd=shlex.quote(str(program)))
    assert f"token command {program} failed with exit status 3" in message
    # What is not a program (a token pasted as the command, or `TOKEN=... cmd`) stays out of the message.
    for pasted in ("Ab3xYz9QwErTy1234567890", "TOKEN=abc vault-helper"):
        message = token_message(tmp_path, token_cmd=pasted)
        assert pasted.split()[0] not in message and "(its first word, not shown)" in message, message
