"""Settings: find the config file, load and validate it, merge a profile, resolve the API token, save.

Loading never touches secrets: `resolve_token()` is a separate step, so `--help`, `list --help` or a
config error never run a user's `token_cmd`. Every problem in a file is collected and reported together,
each naming the file and the dotted key path, because a config is usually fixed in one sitting.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import stat
import subprocess
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from oncall_tui.config_escalation import EscalationConfig
from oncall_tui.config_schema import (
    DEFAULT_TOKEN_ENV,
    ESCALATION_TOP_KEYS,
    JIRA_KEYS,
    POLL_KEYS,
    PROFILE_KEYS,
    QUEUE_KEYS,
    SLA_KEYS,
    TOP_KEYS,
    UI_KEYS,
    Config,
    ConfigError,
    Deployment,
    JiraConfig,
    Language,
    PollConfig,
    Problem,
    QueueConfig,
    Secret,
    SlaConfig,
    TokenSource,
    UiConfig,
    looks_like_token,
)
from oncall_tui.config_validate import config_from_data
from oncall_tui.private_files import write_private_atomic

__all__ = [
    "APP_NAME",
    "CONFIG_ENV",
    "DEFAULT_TOKEN_ENV",
    "ESCALATION_TOP_KEYS",
    "JIRA_KEYS",
    "POLL_KEYS",
    "PROFILE_KEYS",
    "QUEUE_KEYS",
    "SLA_KEYS",
    "TOKEN_CMD_TIMEOUT",
    "TOP_KEYS",
    "UI_KEYS",
    "Config",
    "ConfigError",
    "Deployment",
    "EscalationConfig",
    "JiraConfig",
    "Language",
    "PollConfig",
    "Problem",
    "QueueConfig",
    "Secret",
    "SlaConfig",
    "TokenSource",
    "UiConfig",
    "config_warnings",
    "default_config_path",
    "find_config_path",
    "load_config",
    "resolve_token",
    "save_config",
]

APP_NAME = "oncall-tui"
CONFIG_ENV = "ONCALL_TUI_CONFIG"
TOKEN_CMD_TIMEOUT = 10.0


# --------------------------------------------------------------------------------------------- paths


def default_config_path() -> Path:
    # appauthor=False: on Windows, avoid the doubled "oncall-tui\oncall-tui" directory.
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def find_config_path(explicit: str | os.PathLike[str] | None, env: Mapping[str, str] = os.environ) -> Path:
    """`--config PATH`, else `$ONCALL_TUI_CONFIG`, else the platform's user config dir."""
    if explicit is not None and os.fspath(explicit) != "":
        return Path(explicit).expanduser()
    from_env = env.get(CONFIG_ENV, "")
    if from_env:
        return Path(from_env).expanduser()
    return default_config_path()


# ------------------------------------------------------------------------------------------- loading


def load_config(
    path: str | os.PathLike[str],
    profile: str | None = None,
    *,
    env: Mapping[str, str] = os.environ,
) -> Config:
    """Read, validate and return the config; `profile` (else `default_profile`) is merged over the top level.

    `env` supplies LC_ALL/LC_MESSAGES/LANG for the default UI language. Raises ConfigError listing
    every problem found, including those in profiles that were not selected.
    """
    file = Path(path).expanduser()
    return config_from_data(_read_toml(file), file, profile, env)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            path, "config file not found; create one with `oncall-tui init` or pass --config PATH"
        ) from None
    except IsADirectoryError:
        raise ConfigError(path, "expected a TOML file, found a directory") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot read the config file: {exc.strerror or exc}") from None
    try:
        # utf-8-sig: editors on Windows like to start the file with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            path, f"expected UTF-8 text, found an invalid byte (at line {line}, column {column})"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"invalid TOML: {exc}") from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively: `a = [[[[...]]]]` 5,000 deep exhausts
        # the stack. Where exactly depends on the caller's stack, so the explicit limit below says the same.
        raise ConfigError(path, _TOO_DEEP) from None
    if _depth(data) > MAX_NESTING:
        raise ConfigError(path, _TOO_DEEP)
    return data


# A config nests at most five levels (profiles.NAME.keymap.incident.take); anything far deeper is a mistake or
# an attack, and is refused the same way however deep the parser got.
MAX_NESTING = 20
_TOO_DEEP = f"invalid TOML: arrays or tables nested more than {MAX_NESTING} levels deep"


def _depth(data: Any) -> int:
    """How deeply tables and arrays nest in `data`; iterative, so it cannot overflow the stack itself."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:
            break
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


# ------------------------------------------------------------------------------------------- secrets


def resolve_token(jira: JiraConfig, env: Mapping[str, str] = os.environ) -> str:
    """Fetch the API token from wherever the config says it lives. Messages never include the token."""
    where = jira.token_key
    source = jira.source

    def fail(message: str) -> ConfigError:
        return ConfigError(source, [Problem(where, message)])

    if jira.token is not None:
        token = jira.token.reveal()
        origin = "the inline token"
    elif jira.token_cmd is not None:
        token = _run_token_cmd(jira.token_cmd, fail)
        origin = "the token command's output"
    elif jira.token_file is not None:
        token = _read_token_file(jira.token_file, fail)
        origin = f"token file {jira.token_file}"
    else:
        name = jira.token_env or DEFAULT_TOKEN_ENV
        token = env.get(name, "").strip()
        if not token and looks_like_token(name):
            raise fail(
                "expected the API token in the environment variable token_env names, but it is not set, and the "
                "name looks like a token itself (not shown); token_env takes the variable's name, not the token"
            )
        if not token:
            raise fail(f"expected the API token in environment variable {name}, but it is not set or empty")
        origin = f"environment variable {name}"
    if not token:
        raise fail(f"expected an API token, got an empty value from {origin}")
    if any(c.isspace() or not c.isprintable() for c in token):
        raise fail(f"expected a token without spaces or control characters in {origin}")
    return token


def _read_token_file(path: Path, fail: Any) -> str:
    try:
        info = path.stat()
    except FileNotFoundError:
        if looks_like_token(path.name):
            raise fail(
                "expected a token file, but there is none at the path given, whose name looks like a token "
                "itself (not shown); token_file takes the path of a file that holds the token"
            ) from None
        raise fail(f"expected a token file at {path}, but it does not exist") from None
    except OSError as exc:
        raise fail(f"cannot read token file {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise fail(f"expected {path} to be a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if os.name == "posix" and mode & 0o077:
        raise fail(
            f"token file {path} is accessible by group or others (mode {mode:04o}); expected mode 0600 "
            f"or 0400; fix it with: chmod 600 {shlex.quote(str(path))}"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise fail(f"cannot read token file {path}: {reason}") from None
    return text.strip()


def _run_token_cmd(command: str, fail: Any) -> str:
    argv = shlex.split(command)
    if not argv:
        raise fail("expected a command line, got an empty one")
    argv[0] = os.path.expanduser(argv[0])
    # Messages name the program, never its arguments (`curl -u anna:password`) nor its output (a password
    # manager may print the secret, or part of it, before failing). `TOKEN=abc cmd` is not run through a
    # shell, so its first word is not a program either, and may be the secret itself. A program that exists is
    # named whatever its path looks like (a venv under a random temp directory can look token-like).
    real_program = "=" not in argv[0] and shutil.which(argv[0]) is not None
    shown = "=" not in argv[0] and (real_program or not looks_like_token(argv[0]))
    program = argv[0] if shown else "(its first word, not shown)"
    run_it = "run the command in a terminal to see why (its output is not shown here: it may contain the token)"
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=TOKEN_CMD_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise fail(f"token command not found: {program}; check the program's name or give its full path") from None
    except PermissionError:
        raise fail(f"token command is not executable: {program}") from None
    except subprocess.TimeoutExpired:
        raise fail(
            f"token command {program} did not finish within {TOKEN_CMD_TIMEOUT:g} s; it must not wait for input "
            "(unlock your password manager first)"
        ) from None
    except OSError as exc:
        raise fail(f"cannot run token command {program}: {exc.strerror or exc}") from None
    if done.returncode < 0:
        raise fail(f"token command {program} was stopped by signal {-done.returncode}; {run_it}")
    if done.returncode != 0:
        raise fail(f"token command {program} failed with exit status {done.returncode}; {run_it}")
    out = done.stdout.decode("utf-8", "replace").strip()
    # Password managers (`pass show`) print the secret on the first line and notes after it.
    return out.splitlines()[0].strip() if out else ""


# -------------------------------------------------------------------------------------------- saving


def save_config(path: str | os.PathLike[str], data: Mapping[str, Any], *, validate: bool = True) -> Path:
    """Write `data` as TOML, atomically, with the file 0600 and any directory created 0700.

    With `validate` (the default) the data must load as a config (without a profile argument)
    before anything touches the disk. Returns the path written.
    """
    target = Path(path).expanduser()
    try:
        payload = tomli_w.dumps(dict(data)).encode("utf-8")
    except RecursionError:
        raise ConfigError(target, _TOO_DEEP) from None
    if validate:
        config_from_data(tomllib.loads(payload.decode("utf-8")), target, None, os.environ)
    try:
        write_private_atomic(target, payload)
    except OSError as exc:
        raise ConfigError(target, f"cannot write the config file: {exc.strerror or exc}") from None
    return target


# ------------------------------------------------------------------------------------------- doctor


def config_warnings(config: Config) -> list[str]:
    """Things that load fine but that `oncall-tui doctor` should point out."""
    warnings: list[str] = []
    where = f"{config.path}: " if config.path else ""
    jira = config.jira
    if jira.token is not None:
        warnings.append(
            f"{where}{jira.token_key}: the API token is stored in the config file; "
            "prefer token_env, token_file or token_cmd"
        )
        if config.path is not None and os.name == "posix":
            with contextlib.suppress(OSError):
                mode = stat.S_IMODE(config.path.stat().st_mode)
                if mode & 0o077:
                    warnings.append(
                        f"{where}the file holds a token but is accessible by group or others "
                        f"(mode {mode:04o}); fix it with: chmod 600 {shlex.quote(str(config.path))}"
                    )
    if not jira.verify_tls:
        warnings.append(f"{where}jira.verify_tls: TLS certificate verification is switched off")
    return warnings
