"""Turn a parsed TOML document into a validated `Config`: shape, unknown keys, values, profile merging.

Every problem is collected rather than raised at the first one, each with the dotted key path where
the user wrote (or should write) the value; a value inherited from the top level into a profile is
reported at its top-level path.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from oncall_tui import keys
from oncall_tui.config_escalation import escalation_from_data, identity_is_cloud
from oncall_tui.config_notify import build_notify
from oncall_tui.config_schema import (
    BUILTIN_THEMES,
    MAX_QUEUES,
    PROFILE_KEYS,
    QUEUE_KEYS,
    SECTION_KEYS,
    TOKEN_KEYS,
    TOP_KEYS,
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
    UiConfig,
    describe,
    join_key,
    looks_like_token,
)

MIN_POLL_SECONDS = 5.0
_CLOUD_HOST_SUFFIXES = (".atlassian.net", ".jira.com")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Entries = dict[str, tuple[Any, str]]  # key -> (value, dotted path where the value was written)


@dataclass
class _Layer:
    """One level of settings (the top level or one profile), checked for shape and unknown keys."""

    prefix: str
    sections: dict[str, Entries] = field(default_factory=dict)
    queues: tuple[list[dict[str, Any]], str] | None = None
    invalid: set[str] = field(default_factory=set)  # present but not a table: reported, not "missing"


def _unknown_key(problems: list[Problem], prefix: str, key: str, allowed: Iterable[str]) -> None:
    choices = sorted(allowed)
    lowered = {c.lower(): c for c in choices}
    match = lowered.get(key.lower()) or next(iter(difflib.get_close_matches(key, choices, n=1)), None)
    hint = f'did you mean "{match}"?' if match else f"expected one of: {', '.join(choices)}"
    problems.append(Problem(join_key(prefix, key), f"unknown key; {hint}"))


def _read_layer(table: Mapping[str, Any], prefix: str, allowed: frozenset[str], problems: list[Problem]) -> _Layer:
    layer = _Layer(prefix)
    for key, value in table.items():
        where = join_key(prefix, key)
        if key not in allowed:
            _unknown_key(problems, prefix, key, allowed)
        elif key in SECTION_KEYS or key == "keymap":
            if not isinstance(value, dict):
                problems.append(Problem(where, f"expected a table ([{key}]), got {describe(value)}"))
                layer.invalid.add(key)
                continue
            entries: Entries = {}
            for sub, sub_value in value.items():
                if key == "keymap":
                    _keymap_entries(entries, where, sub, sub_value, problems)
                elif sub not in SECTION_KEYS[key]:
                    _unknown_key(problems, where, sub, SECTION_KEYS[key])
                else:
                    entries[sub] = (sub_value, join_key(where, sub))
            layer.sections[key] = entries
        elif key == "queues":
            if not isinstance(value, list):
                problems.append(Problem(where, f"expected an array of tables ([[queues]]), got {describe(value)}"))
                layer.invalid.add(key)
                continue
            if len(value) > MAX_QUEUES:
                problems.append(
                    Problem(
                        where,
                        f"expected at most {MAX_QUEUES} [[queues]] tables, got {len(value)}; every queue costs a "
                        "count request to Jira each counts_interval_seconds, so keep the ones a shift watches",
                    )
                )
                value = value[:MAX_QUEUES]  # and check only those: 20,001 broken queues are not 20,001 messages
            queues = []
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    problems.append(Problem(f"{where}[{i}]", f"expected a table, got {describe(item)}"))
                    continue
                for sub in item:
                    if sub not in QUEUE_KEYS:
                        _unknown_key(problems, f"{where}[{i}]", sub, QUEUE_KEYS)
                queues.append(item)
            layer.queues = (queues, where)
    return layer


def _keymap_entries(entries: Entries, where: str, sub: str, value: Any, problems: list[Problem]) -> None:
    # Unquoted, `incident.take = "x"` is a dotted key in TOML: it arrives as a table {"incident": {"take": "x"}}.
    # Both spellings mean the binding id "incident.take"; one level only, ids have one dot.
    found = (
        [(f"{sub}.{leaf}", leaf_value, join_key(join_key(where, sub), leaf)) for leaf, leaf_value in value.items()]
        if isinstance(value, dict)
        else [(sub, value, join_key(where, sub))]
    )
    for binding_id, binding_value, path in found:
        if binding_id in entries:
            problems.append(
                Problem(path, f"expected each binding id once, got it twice (also {entries[binding_id][1]})")
            )
        entries[binding_id] = (binding_value, path)


@dataclass
class _Merged:
    sections: dict[str, tuple[Entries, str]]  # section -> (entries, where missing keys should go)
    queues: tuple[list[dict[str, Any]], str] | None
    base_dir: Path
    profile: str | None
    profile_names: tuple[str, ...]
    path: Path
    invalid: set[str]


def _merge(
    top: _Layer, over: _Layer | None
) -> tuple[dict[str, tuple[Entries, str]], tuple[list[dict[str, Any]], str] | None]:
    sections: dict[str, tuple[Entries, str]] = {}
    for name in (*SECTION_KEYS, "keymap"):
        base = dict(top.sections.get(name, {}))
        home = join_key(top.prefix, name)
        if over is not None and name in over.sections:
            extra = over.sections[name]
            if name == "jira" and any(k in extra for k in TOKEN_KEYS):
                # A profile naming its own token source replaces the top level's, not adds to it.
                for k in TOKEN_KEYS:
                    base.pop(k, None)
            base.update(extra)
            if name not in top.sections:
                home = join_key(over.prefix, name)
        if name in top.sections or (over is not None and name in over.sections):
            sections[name] = (base, home)
    queues = over.queues if over is not None and over.queues is not None else top.queues
    return sections, queues


def config_from_data(data: Mapping[str, Any], path: Path, profile: str | None, env: Mapping[str, str]) -> Config:
    problems: list[Problem] = []
    top = _read_layer(data, "", TOP_KEYS, problems)
    profiles: dict[str, _Layer] = {}
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        problems.append(
            Problem("profiles", f"expected a table of [profiles.NAME] tables, got {describe(raw_profiles)}")
        )
        raw_profiles = {}
    for name, table in raw_profiles.items():
        where = join_key("profiles", name)
        if not isinstance(table, dict):
            problems.append(Problem(where, f"expected a table ([{where}]), got {describe(table)}"))
            continue
        profiles[name] = _read_layer(table, where, PROFILE_KEYS, problems)
    names = tuple(profiles)

    default = data.get("default_profile")
    if default is not None and not (isinstance(default, str) and default in profiles):
        problems.append(Problem("default_profile", _no_such_profile(default, names)))
        default = None
    selected = profile if profile is not None else default
    if selected is not None and selected not in profiles:
        raise ConfigError(path, [*problems, Problem("profiles", _no_such_profile(selected, names))])

    # Every profile is validated, selected or not, so a typo in "prod" is not discovered mid-outage.
    result: Config | None = None
    candidates: list[str | None] = [*names] if selected is not None else [None, *names]
    for name in candidates:
        sections, queues = _merge(top, profiles[name] if name is not None else None)
        layer = profiles[name] if name is not None else None
        invalid = top.invalid | (layer.invalid if layer is not None else set())
        merged = _Merged(sections, queues, path.parent, name, names, path, invalid)
        config = _build(merged, problems, env, suggest_profiles=bool(names) and name is None)
        # After _build: a bare id's meaning comes from [jira], a `queue` rule's names from [[queues]].
        escalation = escalation_from_data(
            data,
            raw_profiles[name] if name is not None else None,
            join_key("profiles", name) if name is not None else "",
            problems,
            cloud=identity_is_cloud(config.jira.deployment, config.jira.host, _CLOUD_HOST_SUFFIXES)
            if config is not None
            else None,
            queue_names=[q.name for q in config.queues] if config is not None else None,
        )
        config = replace(config, escalation=escalation) if config is not None else None
        if name == selected:
            result = config
    if problems or result is None:
        unique = list(dict.fromkeys(problems))
        raise ConfigError(path, unique)
    return result


def _no_such_profile(name: Any, names: tuple[str, ...]) -> str:
    if not names:
        return f"expected the name of a [profiles.NAME] table, got {describe(name)}; the file defines no profiles"
    close = difflib.get_close_matches(str(name), names, n=1)
    hint = f'did you mean "{close[0]}"? ' if close else ""
    return f"no profile named {describe(name)}; {hint}(profiles: {', '.join(names)})"


# ---------------------------------------------------------------------------------------- validation

_MISSING: Any = object()


class _Fields:
    """Typed reads from one merged table; a bad value records a problem and yields the default."""

    def __init__(self, entries: Entries, home: str, problems: list[Problem]) -> None:
        self.entries = entries
        self.home = home
        self.problems = problems

    def path(self, key: str) -> str:
        return self.entries[key][1] if key in self.entries else join_key(self.home, key)

    def has(self, key: str) -> bool:
        return key in self.entries

    def get(self, key: str) -> Any:
        return self.entries[key][0] if key in self.entries else _MISSING

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path(key), message))

    def expected(self, key: str, what: str, *, secret: bool = False) -> None:
        value = self.get(key)
        got = "nothing (the key is missing)" if value is _MISSING else describe(value, secret=secret)
        self.fail(key, f"expected {what}, got {got}")

    def text(self, key: str, default: Any = None, *, what: str = "a non-empty string", secret: bool = False) -> Any:
        value = self.get(key)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or not value.strip():
            self.expected(key, what, secret=secret)
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.expected(key, "true or false")
            return default
        return value

    def number(
        self,
        key: str,
        default: Any,
        *,
        minimum: float,
        what: str,
        integer: bool = False,
        maximum: float | None = None,
        above: bool = False,
    ) -> Any:
        value = self.get(key)
        if value is _MISSING:
            return default
        kinds = (int,) if integer else (int, float)
        ok = isinstance(value, kinds) and not isinstance(value, bool) and math.isfinite(value)
        ok = ok and (value > minimum if above else value >= minimum)
        if not ok or (maximum is not None and value > maximum):
            self.expected(key, what)
            return default
        return value if integer else float(value)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.get(key)
        if value is _MISSING:
            return default
        if value not in choices:
            shown = ", ".join(f'"{c}"' for c in choices)
            close = difflib.get_close_matches(str(value), choices, n=1) if isinstance(value, str) else []
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            self.fail(key, f"expected one of {shown}, got {describe(value)}{hint}")
            return default
        return cast(str, value)

    def file_path(self, key: str, base_dir: Path) -> Path | None:
        value = self.text(key, what="a file path")
        return _expand(value, base_dir) if value is not None else None


def _expand(value: str, base_dir: Path) -> Path:
    # Relative paths are relative to the config file, not to wherever the command happened to run.
    path = Path(value).expanduser()
    return path if path.is_absolute() else base_dir / path


def _build(m: _Merged, problems: list[Problem], env: Mapping[str, str], *, suggest_profiles: bool) -> Config | None:
    def fields(name: str) -> _Fields:
        entries, home = m.sections.get(name, ({}, name))
        return _Fields(entries, home, problems)

    jira: JiraConfig | None = None
    if "jira" in m.sections:
        jira = _build_jira(fields("jira"), m)
    elif "jira" not in m.invalid:
        hint = _profile_hint(m) if suggest_profiles else ""
        problems.append(Problem("jira", f"expected a [jira] table with at least url, got nothing{hint}"))

    queues = _build_queues(m, problems, suggest_profiles=suggest_profiles)

    sla = fields("sla")
    sla_config = SlaConfig(
        at_risk_minutes=sla.number(
            "at_risk_minutes", 30, minimum=0, integer=True, what="a whole number of minutes >= 0"
        ),
        at_risk_fraction=sla.number("at_risk_fraction", 0.2, minimum=0, maximum=1, what="a fraction from 0 to 1"),
    )
    poll = fields("poll")
    poll_config = PollConfig(
        interval_seconds=poll.number(
            "interval_seconds", 15.0, minimum=MIN_POLL_SECONDS, what="a number of seconds >= 5"
        ),
        counts_interval_seconds=poll.number(
            "counts_interval_seconds", 60.0, minimum=MIN_POLL_SECONDS, what="a number of seconds >= 5"
        ),
        full_resync_minutes=poll.number("full_resync_minutes", 10.0, minimum=1, what="a number of minutes >= 1"),
    )
    ui_config = _build_ui(fields("ui"), env)
    keymap = _build_keymap(fields("keymap"))
    notify_config = build_notify(fields("notify"))

    if jira is None or queues is None:
        return None
    return Config(
        jira=jira,
        queues=queues,
        sla=sla_config,
        poll=poll_config,
        ui=ui_config,
        keymap=keymap,
        notify=notify_config,
        profile=m.profile,
        profiles=m.profile_names,
        path=m.path,
    )


def _build_jira(f: _Fields, m: _Merged) -> JiraConfig | None:
    url = _check_url(f)
    deployment = cast(Deployment, f.choice("deployment", ("cloud", "datacenter", "auto"), "auto"))

    email = f.text("email", what="an e-mail address")
    if email is not None and "@" not in email:
        f.expected("email", "an e-mail address")
        email = None
    host = (urlsplit(url).hostname or "") if url else ""
    cloud = deployment == "cloud" or (deployment == "auto" and host.endswith(_CLOUD_HOST_SUFFIXES))
    if cloud and email is None and not f.has("email"):
        f.expected("email", "an e-mail address (Jira Cloud authenticates with e-mail + API token)")
    username = f.text("username")

    given = [k for k in TOKEN_KEYS if f.has(k)]
    if len(given) > 1:
        f.problems.append(
            Problem(f.home, f"expected exactly one of {', '.join(TOKEN_KEYS)}, got {' and '.join(given)}")
        )
    token_env = f.text("token_env", what="the name of an environment variable")
    if token_env is not None and not _ENV_NAME.fullmatch(token_env):
        if looks_like_token(token_env):
            f.fail(
                "token_env",
                "expected the name of an environment variable, got what looks like a token (not shown); "
                "token_env names the variable that holds the token",
            )
        else:
            f.expected("token_env", "the name of an environment variable")
        token_env = None
    token_file = f.file_path("token_file", m.base_dir)
    token_cmd = f.text("token_cmd", what="a command line")
    if token_cmd is not None:
        try:
            shlex.split(token_cmd)
        except ValueError as exc:
            # Not quoted: the command's arguments may be secret.
            f.fail("token_cmd", f"expected a command line, got one that does not split into words ({exc})")
            token_cmd = None
    token = f.text("token", what="a non-empty string", secret=True)
    token_key = f.path(given[0]) if given else f.path("token_env")

    ca_bundle: Path | Literal["system"] = "system"
    ca_value = f.text("ca_bundle", what='"system" or the path of a PEM file')
    if ca_value is not None and ca_value != "system":
        ca_bundle = _expand(ca_value, m.base_dir)
    client_cert = f.file_path("client_cert", m.base_dir)
    client_key = f.file_path("client_key", m.base_dir)
    if client_key is not None and client_cert is None and not f.has("client_cert"):
        f.expected("client_cert", "the client certificate that goes with jira.client_key")

    timeout = f.number("timeout_seconds", 20.0, minimum=0, above=True, what="a number of seconds > 0")
    verify_tls = f.flag("verify_tls", True)
    if url is None:
        return None
    return JiraConfig(
        url=url,
        deployment=deployment,
        email=email,
        username=username,
        token_env=token_env,
        token_file=token_file,
        token_cmd=token_cmd,
        token=Secret(token) if token is not None else None,
        ca_bundle=ca_bundle,
        client_cert=client_cert,
        client_key=client_key,
        timeout_seconds=timeout,
        verify_tls=verify_tls,
        token_key=token_key,
        source=m.path,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown_url(value: str) -> str:
    """A URL as an error message may quote it: a query (`?os_authToken=...`) or fragment could hold a secret."""
    base, query, _ = value.partition("?")
    base, fragment, _ = base.partition("#")
    return base + ("?…" if query else "") + ("#…" if fragment else "")


def _check_url(f: _Fields) -> str | None:
    value = f.get("url")
    want = 'an https:// URL such as "https://example.atlassian.net"'
    if not isinstance(value, str):
        f.expected("url", want)
        return None
    credentials = "expected a URL without user name or password; credentials go in email and token_*"
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        # Never echo user info: it may hold a password.
        f.fail("url", credentials if "@" in value else f"expected {want}, got {describe(_shown_url(value))}")
        return None
    if parts.username is not None or parts.password is not None:
        f.fail("url", credentials)
        return None
    shown = describe(_shown_url(value))
    if parts.scheme not in ("https", "http") or not host:
        f.fail("url", f"expected an https:// URL, got {shown}")
        return None
    if parts.scheme == "http" and not _is_loopback(host):
        f.fail(
            "url",
            f"expected an https:// URL, got {shown}; plain http is allowed only for "
            "loopback hosts (localhost, 127.0.0.1, ::1), use https://",
        )
        return None
    if parts.query or parts.fragment:
        f.fail("url", f"expected a base URL without ?query or #fragment, got {shown}")
        return None
    return value.strip().rstrip("/")


def _profile_hint(m: _Merged) -> str:
    return f"; or choose a profile with --profile or default_profile ({', '.join(m.profile_names)})"


def _build_queues(m: _Merged, problems: list[Problem], *, suggest_profiles: bool) -> tuple[QueueConfig, ...] | None:
    if m.queues is None and "queues" in m.invalid:
        return None
    if m.queues is None or not m.queues[0]:
        where = m.queues[1] if m.queues is not None else "queues"
        hint = _profile_hint(m) if suggest_profiles else ""
        problems.append(Problem(where, f"expected at least one [[queues]] table with name and jql, got none{hint}"))
        return None
    tables, where = m.queues
    result: list[QueueConfig] = []
    first_index: dict[str, int] = {}
    for i, table in enumerate(tables):
        entries = {k: (v, join_key(f"{where}[{i}]", k)) for k, v in table.items() if k in QUEUE_KEYS}
        f = _Fields(entries, f"{where}[{i}]", problems)
        name = f.text("name", _MISSING, what="a queue name")
        jql = f.text("jql", _MISSING, what="a JQL query")
        for key, value in (("name", name), ("jql", jql)):
            if value is _MISSING and not f.has(key):
                f.expected(key, "a queue name" if key == "name" else "a JQL query")
        watch = f.flag("watch", False)
        escalation_due = f.flag("escalation_due", False)
        poll_seconds = f.number("poll_seconds", None, minimum=MIN_POLL_SECONDS, what="a number of seconds >= 5")
        if isinstance(name, str) and name in first_index:
            f.fail(
                "name",
                f"expected a unique queue name, got {describe(name)} (also {where}[{first_index[name]}])",
            )
        elif isinstance(name, str):
            first_index[name] = i
        if isinstance(name, str) and isinstance(jql, str):
            result.append(
                QueueConfig(
                    name=name.strip(),
                    jql=jql.strip(),
                    watch=watch,
                    poll_seconds=poll_seconds,
                    escalation_due=escalation_due,
                )
            )
    return tuple(result)


def language_from_env(env: Mapping[str, str]) -> Language:
    # POSIX precedence: the first of these that is set decides.
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "de" if value.split(".")[0].split("_")[0].lower() == "de" else "en"
    return "en"


def _build_ui(f: _Fields, env: Mapping[str, str]) -> UiConfig:
    time_zone = f.text("time_zone", "local", what='"local" or an IANA time zone such as "Europe/Berlin"')
    if time_zone != "local":
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(time_zone, sorted(available_timezones()), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            f.fail(
                "time_zone",
                f'expected "local" or an IANA time zone such as "Europe/Berlin", got {describe(time_zone)}{hint}',
            )
            time_zone = "local"
    return UiConfig(
        theme=_theme(f),
        language=cast(Language, f.choice("language", ("en", "de"), language_from_env(env))),
        time_zone=time_zone,
        mouse=f.flag("mouse", True),
        bell=f.flag("bell", True),
        ascii=f.flag("ascii", False),
        confirm_take=f.flag("confirm_take", True),
    )


def _theme(f: _Fields) -> str:
    theme: str = f.text("theme", "textual-dark", what="a theme name")
    if theme in BUILTIN_THEMES:
        return theme
    close = {t.lower(): t for t in BUILTIN_THEMES}.get(theme.lower()) or next(
        iter(difflib.get_close_matches(theme, BUILTIN_THEMES, n=1)), None
    )
    hint = f' (did you mean "{close}"?)' if close else ""
    f.fail("theme", f"expected one of Textual's themes ({', '.join(BUILTIN_THEMES)}), got {describe(theme)}{hint}")
    return "textual-dark"


_KEY_WANTED = 'a key such as "ctrl+k" or "f2" (comma-separated for several)'


def _build_keymap(f: _Fields) -> dict[str, str]:
    keymap: dict[str, tuple[str, ...]] = {}
    for binding_id in f.entries:
        if binding_id not in keys.BY_ID:
            close = keys.suggest_id(binding_id)
            hint = f'did you mean "{close}"?' if close else f"expected one of: {', '.join(sorted(keys.BY_ID))}"
            f.fail(binding_id, f"unknown binding id; {hint}")
            continue
        value = f.text(binding_id, what=_KEY_WANTED)
        if value is None:
            continue
        if any(not part.strip() or any(c.isspace() for c in part.strip()) for part in value.split(",")):
            f.expected(binding_id, _KEY_WANTED)
            continue
        try:
            keymap[binding_id] = keys.normalize_keys(value)
        except keys.KeyNameError as exc:
            f.fail(binding_id, f"expected {_KEY_WANTED}, got {describe(value)}: {exc}")
    _check_key_clashes(f, keymap)
    return {binding_id: ",".join(found) for binding_id, found in keymap.items()}


def _check_key_clashes(f: _Fields, keymap: Mapping[str, tuple[str, ...]]) -> None:
    """One key, one action per scope, counting the defaults of bindings the keymap leaves alone: Textual would
    otherwise let the screen's binding win silently (`"incident.take" = "q"` made q assign incidents)."""
    for scope in keys.Scope:
        where = f"{'on' if scope is keys.Scope.MAIN else 'in'} the {scope}"
        owner: dict[str, str] = {}
        for spec in (b for b in keys.BINDINGS if b.scope is scope):
            rebound = spec.id in keymap
            for key in keymap.get(spec.id, spec.keys):
                reason = keys.reserved_reason(scope, key) if rebound and key not in spec.keys else None
                if reason is not None:
                    f.fail(spec.id, f"expected a key that is free {where}, got {describe(key)}, which {reason}")
                    continue
                other = owner.setdefault(key, spec.id)
                if other == spec.id:
                    continue
                # Reported where the user wrote the clashing key; named after the binding it clashes with.
                here, there = (spec.id, other) if rebound else (other, spec.id)
                how = f"at {f.path(there)}" if there in keymap else "its default"
                f.fail(
                    here,
                    f"expected a key that no other action {where} uses, got {describe(key)}, "
                    f"which is also the key of {there} ({how})",
                )
