"""Typed, frozen settings objects for oncall-tui and the error type its config loader raises.

Loading, profiles, secrets and saving live in `oncall_tui.config`, which re-exports everything here;
import from there.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from oncall_tui.config_notify import NOTIFY_KEYS, NotifyConfig

if TYPE_CHECKING:
    from oncall_tui.config_escalation import EscalationConfig

Deployment = Literal["cloud", "datacenter", "auto"]
Language = Literal["en", "de"]
TokenSource = Literal["env", "file", "cmd", "inline"]

DEFAULT_TOKEN_ENV = "JIRA_API_TOKEN"  # noqa: S105 - the name of a variable, the convention of other Jira tools
TOKEN_KEYS = ("token_env", "token_file", "token_cmd", "token")

# Textual's built-in themes (`textual.theme.BUILTIN_THEMES`), kept here so loading a config never imports
# Textual; a test checks the two are the same list.
BUILTIN_THEMES = (
    "ansi-dark",
    "ansi-light",
    "atom-one-dark",
    "atom-one-light",
    "catppuccin-frappe",
    "catppuccin-latte",
    "catppuccin-macchiato",
    "catppuccin-mocha",
    "dracula",
    "flexoki",
    "gruvbox",
    "monokai",
    "nord",
    "rose-pine",
    "rose-pine-dawn",
    "rose-pine-moon",
    "solarized-dark",
    "solarized-light",
    "textual-dark",
    "textual-light",
    "tokyo-night",
)

# Every queue but the visible one costs a count request per counts_interval_seconds (a watched one a whole
# search), and only 1-9 have keys: 50 is more than a shift ever watches, and 50 counts a minute stay well
# inside Jira Cloud's burst limits next to the active poll. 20,001 queues would be 333 requests a second.
MAX_QUEUES = 50


class Secret:
    """A string that never shows up in a repr, a log line or a traceback's locals dump."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file: where (dotted key path, "" for the whole file) and what."""

    key: str
    message: str

    def render(self, path: Path | str | None) -> str:
        parts = [str(p) for p in (path, self.key) if p]
        return ": ".join([*parts, self.message])


class ConfigError(Exception):
    """Every problem found in one config file, one per line, each naming the file and the key path."""

    def __init__(self, path: Path | str | None, problems: Sequence[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        self.path = Path(path) if path is not None else None
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(p.render(self.path) for p in self.problems))


@dataclass(frozen=True)
class JiraConfig:
    url: str
    deployment: Deployment = "auto"
    email: str | None = None
    username: str | None = None
    token_env: str | None = None
    token_file: Path | None = None
    # Not in the repr: a command's arguments can be secret too (`curl -u user:password ...`).
    token_cmd: str | None = field(default=None, repr=False)
    token: Secret | None = field(default=None, repr=False)
    ca_bundle: Path | Literal["system"] = "system"
    client_cert: Path | None = None
    client_key: Path | None = None
    timeout_seconds: float = 20.0
    verify_tls: bool = True
    # Where the token setting came from, so resolve_token() can name the file and key it failed on.
    token_key: str = field(default="jira.token_env", repr=False, compare=False)
    source: Path | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.token, str):
            object.__setattr__(self, "token", Secret(self.token))
        if all(getattr(self, k) is None for k in TOKEN_KEYS):
            object.__setattr__(self, "token_env", DEFAULT_TOKEN_ENV)

    @property
    def token_source(self) -> TokenSource:
        if self.token is not None:
            return "inline"
        if self.token_cmd is not None:
            return "cmd"
        if self.token_file is not None:
            return "file"
        return "env"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


@dataclass(frozen=True)
class QueueConfig:
    name: str
    jql: str
    watch: bool = False
    poll_seconds: float | None = None
    # The queue holds only the incidents whose escalation is due (issue 9); its JQL is the scope to look in.
    escalation_due: bool = False


@dataclass(frozen=True)
class SlaConfig:
    at_risk_minutes: int = 30
    at_risk_fraction: float = 0.2


@dataclass(frozen=True)
class PollConfig:
    interval_seconds: float = 15.0
    counts_interval_seconds: float = 60.0
    full_resync_minutes: float = 10.0


@dataclass(frozen=True)
class UiConfig:
    theme: str = "textual-dark"
    language: Language = "en"
    time_zone: str = "local"
    mouse: bool = True
    bell: bool = True
    ascii: bool = False
    # `m` on an incident someone else holds asks first, naming them.
    confirm_take: bool = True


@dataclass(frozen=True)
class Config:
    jira: JiraConfig
    queues: tuple[QueueConfig, ...]
    sla: SlaConfig = field(default_factory=SlaConfig)
    poll: PollConfig = field(default_factory=PollConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    keymap: Mapping[str, str] = field(default_factory=dict)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    escalation: EscalationConfig = field(default_factory=lambda: _no_escalation())
    profile: str | None = None
    profiles: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "queues", tuple(self.queues))
        object.__setattr__(self, "keymap", MappingProxyType(dict(self.keymap)))


def _no_escalation() -> EscalationConfig:
    # Imported here: config_escalation builds on this module (Problem, describe), so it cannot be imported above.
    from oncall_tui.config_escalation import EscalationConfig

    return EscalationConfig()


# The keys each table accepts; also used by the tests to check that config/*.toml documents every one.
JIRA_KEYS = frozenset(
    {
        "url",
        "deployment",
        "email",
        "username",
        *TOKEN_KEYS,
        "ca_bundle",
        "client_cert",
        "client_key",
        "timeout_seconds",
        "verify_tls",
    }
)
QUEUE_KEYS = frozenset({"name", "jql", "watch", "poll_seconds", "escalation_due"})
SLA_KEYS = frozenset({"at_risk_minutes", "at_risk_fraction"})
POLL_KEYS = frozenset({"interval_seconds", "counts_interval_seconds", "full_resync_minutes"})
UI_KEYS = frozenset({"theme", "language", "time_zone", "mouse", "bell", "ascii", "confirm_take"})
SECTION_KEYS: Mapping[str, frozenset[str]] = MappingProxyType(
    {"jira": JIRA_KEYS, "sla": SLA_KEYS, "poll": POLL_KEYS, "ui": UI_KEYS, "notify": NOTIFY_KEYS}
)
# [[contact]], [[rota]] and [escalation] (issue 9): read and merged by config_escalation.
ESCALATION_TOP_KEYS = frozenset({"contact", "rota", "escalation"})
PROFILE_KEYS = frozenset({*SECTION_KEYS, "queues", "keymap", *ESCALATION_TOP_KEYS})
TOP_KEYS = frozenset({*PROFILE_KEYS, "profiles", "default_profile"})


def looks_like_token(text: str) -> bool:
    """Whether a value that should be a name (an environment variable, a file, a program) looks like a pasted
    token instead: long, with lower- and upper-case letters and digits. Messages then leave it out."""
    return (
        len(text) >= 20
        and any(c.islower() for c in text)
        and any(c.isupper() for c in text)
        and any(c.isdigit() for c in text)
    )


def key_part(name: str) -> str:
    """A key as TOML would spell it in a dotted path: bare if it can be, quoted otherwise."""
    if name and all(c.isascii() and (c.isalnum() or c in "-_") for c in name):
        return name
    return json.dumps(name, ensure_ascii=False)


def join_key(prefix: str, name: str) -> str:
    return f"{prefix}.{key_part(name)}" if prefix else key_part(name)


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, datetime | date | time):
        return "a date/time"
    return type(value).__name__


def describe(value: Any, *, secret: bool = False) -> str:
    """How a found value is quoted in an error; secrets are described by type only."""
    if secret or isinstance(value, dict | list):
        return type_name(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 80 else value[:79] + "…"
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, datetime | date | time):
        return f"{type_name(value)} ({value.isoformat()})"
    return repr(value)
