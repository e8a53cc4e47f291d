"""Config layer: loading, validation messages, profiles, path resolution, token sources, saving."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from oncall_tui import config as config_module
from oncall_tui.config import (
    Config,
    ConfigError,
    JiraConfig,
    PollConfig,
    QueueConfig,
    Secret,
    SlaConfig,
    UiConfig,
    config_warnings,
    find_config_path,
    load_config,
    resolve_token,
    save_config,
)

MINIMAL = """
[jira]
url = "https://example.atlassian.net"
deployment = "cloud"
email = "anna.schmidt@example.com"

[[queues]]
name = "Open incidents"
jql = "project = OPS AND statusCategory != Done ORDER BY priority DESC"
"""

BASE: dict[str, Any] = {
    "jira": {"url": "https://example.atlassian.net", "email": "anna.schmidt@example.com"},
    "queues": [{"name": "Open", "jql": "statusCategory != Done"}],
}

NO_LOCALE: dict[str, str] = {}


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def write_data(tmp_path: Path, data: dict[str, Any], name: str = "config.toml") -> Path:
    return write(tmp_path, tomli_w.dumps(data), name)


def with_jira(**jira: Any) -> dict[str, Any]:
    return {**BASE, "jira": {**BASE["jira"], **jira}}


def problems_of(path: Path, profile: str | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, profile, env=NO_LOCALE)
    lines = str(info.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    return [line.removeprefix(f"{path}: ") for line in lines]


# ----------------------------------------------------------------------------------------- loading


def test_minimal_file_gets_documented_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    cfg = load_config(path, env=NO_LOCALE)
    assert cfg.jira == JiraConfig(
        url="https://example.atlassian.net",
        deployment="cloud",
        email="anna.schmidt@example.com",
        token_env="JIRA_API_TOKEN",
    )
    assert cfg.jira.token_source == "env"
    assert cfg.jira.ca_bundle == "system"
    assert cfg.jira.timeout_seconds == 20.0
    assert cfg.jira.verify_tls is True
    assert cfg.queues == (
        QueueConfig("Open incidents", "project = OPS AND statusCategory != Done ORDER BY priority DESC"),
    )
    assert (cfg.sla.at_risk_minutes, cfg.sla.at_risk_fraction) == (30, 0.2)
    assert (cfg.poll.interval_seconds, cfg.poll.counts_interval_seconds, cfg.poll.full_resync_minutes) == (
        15.0,
        60.0,
        10.0,
    )
    assert cfg.ui == UiConfig(theme="textual-dark", language="en", time_zone="local", mouse=True, bell=True)
    assert cfg.ui.ascii is False
    assert dict(cfg.keymap) == {}
    assert cfg.profile is None and cfg.profiles == ()
    assert cfg.path == path


def test_every_key_is_read(tmp_path: Path) -> None:
    data = {
        "jira": {
            "url": "https://jira.example.net/jira/",
            "deployment": "datacenter",
            "username": "aschmidt",
            "token_file": "secrets/pat",
            "ca_bundle": "~/corp-ca.pem",
            "client_cert": "/etc/tls/me.crt",
            "client_key": "/etc/tls/me.key",
            "timeout_seconds": 7.5,
            "verify_tls": False,
        },
        "queues": [{"name": " P1 ", "jql": "priority = P1", "watch": True, "poll_seconds": 6}],
        "sla": {"at_risk_minutes": 45, "at_risk_fraction": 0.5},
        "poll": {"interval_seconds": 9, "counts_interval_seconds": 120, "full_resync_minutes": 3},
        "ui": {
            "theme": "nord",
            "language": "de",
            "time_zone": "Europe/Lisbon",
            "mouse": False,
            "bell": False,
            "ascii": True,
        },
        "keymap": {"incident.assign": "a, ctrl+a", "app.quit": "ctrl+x"},
    }
    cfg = load_config(write_data(tmp_path, data), env=NO_LOCALE)
    assert cfg.jira.url == "https://jira.example.net/jira"
    assert cfg.jira.deployment == "datacenter"
    assert cfg.jira.username == "aschmidt"
    assert cfg.jira.token_file == tmp_path / "secrets" / "pat"  # relative to the config file
    assert cfg.jira.token_env is None and cfg.jira.token_source == "file"
    assert cfg.jira.ca_bundle == Path.home() / "corp-ca.pem"
    assert (cfg.jira.client_cert, cfg.jira.client_key) == (Path("/etc/tls/me.crt"), Path("/etc/tls/me.key"))
    assert (cfg.jira.timeout_seconds, cfg.jira.verify_tls) == (7.5, False)
    assert cfg.queues == (QueueConfig("P1", "priority = P1", watch=True, poll_seconds=6.0),)
    assert cfg.sla == SlaConfig(45, 0.5)
    assert cfg.poll == PollConfig(9.0, 120.0, 3.0)
    assert cfg.ui == UiConfig("nord", "de", "Europe/Lisbon", mouse=False, bell=False, ascii=True)
    assert dict(cfg.keymap) == {"incident.assign": "a,ctrl+a", "app.quit": "ctrl+x"}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "de_AT"}, "de"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "de_DE.UTF-8"}, "en"),
        ({"LC_MESSAGES": "de_CH.UTF-8", "LANG": "fr_FR.UTF-8"}, "de"),
        ({}, "en"),
    ],
)
def test_language_defaults_from_locale(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    assert load_config(write(tmp_path, MINIMAL), env=env).ui.language == expected


def test_explicit_language_beats_locale(tmp_path: Path) -> None:
    path = write_data(tmp_path, {**BASE, "ui": {"language": "en"}})
    assert load_config(path, env={"LANG": "de_DE.UTF-8"}).ui.language == "en"


def test_config_is_frozen(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, MINIMAL), env=NO_LOCALE)
    with pytest.raises(AttributeError):
        cfg.jira.url = "https://other.example.net"  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.keymap["x"] = "y"  # type: ignore[index]


# ------------------------------------------------------------------------------------ error messages


def test_message_names_file_key_expected_and_found(tmp_path: Path) -> None:
    path = write_data(tmp_path, with_jira(url="jira.example.net"))
    assert problems_of(path) == ['jira.url: expected an https:// URL, got "jira.example.net"']


def test_plain_http_to_a_remote_host_says_use_https(tmp_path: Path) -> None:
    path = write_data(tmp_path, with_jira(url="http://jira.example.net"))
    [problem] = problems_of(path)
    assert problem.startswith('jira.url: expected an https:// URL, got "http://jira.example.net"')
    assert "use https://" in problem


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:9000/", "http://[::1]:8080"])
def test_plain_http_is_allowed_on_loopback(tmp_path: Path, url: str) -> None:
    cfg = load_config(write_data(tmp_path, with_jira(url=url)), env=NO_LOCALE)
    assert cfg.jira.url == url.rstrip("/")


def test_url_with_credentials_is_refused_without_echoing_them(tmp_path: Path) -> None:
    path = write_data(tmp_path, with_jira(url="https://anna:hunter2@jira.example.net"))
    [problem] = problems_of(path)
    assert problem.startswith("jira.url: expected a URL without user name or password")
    assert "hunter2" not in problem


@pytest.mark.parametrize(
    ("jira", "expected"),
    [
        ({"url": 42}, 'jira.url: expected an https:// URL such as "https://example.atlassian.net", got 42'),
        ({"url": "ftp://x.example.net"}, 'jira.url: expected an https:// URL, got "ftp://x.example.net"'),
        (
            {"url": "https://x.example.net/?a=1"},
            'jira.url: expected a base URL without ?query or #fragment, got "https://x.example.net/?…"',
        ),
        ({"deployment": "dc"}, 'jira.deployment: expected one of "cloud", "datacenter", "auto", got "dc"'),
        (
            {"deployment": "clod"},
            'jira.deployment: expected one of "cloud", "datacenter", "auto", got "clod" (did you mean "cloud"?)',
        ),
        ({"email": "anna"}, 'jira.email: expected an e-mail address, got "anna"'),
        ({"timeout_seconds": "20"}, 'jira.timeout_seconds: expected a number of seconds > 0, got "20"'),
        ({"timeout_seconds": 0}, "jira.timeout_seconds: expected a number of seconds > 0, got 0"),
        ({"verify_tls": "no"}, 'jira.verify_tls: expected true or false, got "no"'),
        ({"token_env": "JIRA-TOKEN"}, 'jira.token_env: expected the name of an environment variable, got "JIRA-TOKEN"'),
        (
            {"token_cmd": "pass 'show"},
            "jira.token_cmd: expected a command line, got one that does not split into words (No closing quotation)",
        ),
        (
            {"client_key": "me.key"},
            "jira.client_cert: expected the client certificate that goes with "
            "jira.client_key, got nothing (the key is missing)",
        ),
    ],
)
def test_jira_value_errors(tmp_path: Path, jira: dict[str, Any], expected: str) -> None:
    assert problems_of(write_data(tmp_path, with_jira(**jira))) == [expected]


def test_cloud_requires_email(tmp_path: Path) -> None:
    path = write_data(tmp_path, {**BASE, "jira": {"url": "https://jira.example.net", "deployment": "cloud"}})
    assert problems_of(path) == [
        "jira.email: expected an e-mail address (Jira Cloud authenticates with e-mail + API token), "
        "got nothing (the key is missing)"
    ]


def test_auto_deployment_on_an_atlassian_net_host_requires_email(tmp_path: Path) -> None:
    path = write_data(tmp_path, {**BASE, "jira": {"url": "https://example.atlassian.net"}})
    [problem] = problems_of(path)
    assert problem.startswith("jira.email: expected an e-mail address")


def test_datacenter_needs_no_email(tmp_path: Path) -> None:
    jira = {"url": "https://jira.example.net", "deployment": "datacenter"}
    cfg = load_config(write_data(tmp_path, {**BASE, "jira": jira}), env=NO_LOCALE)
    assert cfg.jira.email is None and cfg.jira.deployment == "datacenter"


def test_two_token_sources_are_refused(tmp_path: Path) -> None:
    path = write_data(tmp_path, with_jira(token_env="X", token="s3cr3t-value"))
    [problem] = problems_of(path)
    assert problem == "jira: expected exactly one of token_env, token_file, token_cmd, token, got token_env and token"


def test_bad_inline_token_type_is_described_without_its_value(tmp_path: Path) -> None:
    path = write_data(tmp_path, with_jira(token=12345678))
    assert problems_of(path) == ["jira.token: expected a non-empty string, got an integer"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"jria": {}}, ['jria: unknown key; did you mean "jira"?']),
        ({"jira": {"tokn_env": "X"}}, ['jira.tokn_env: unknown key; did you mean "token_env"?']),
        ({"jira": {"URL": "X"}}, ['jira.URL: unknown key; did you mean "url"?']),
        (
            {"ui": {"colour": "x"}},
            ["ui.colour: unknown key; expected one of: ascii, bell, confirm_take, language, mouse, theme, time_zone"],
        ),
        ({"poll": {"interval": 20}}, ['poll.interval: unknown key; did you mean "interval_seconds"?']),
    ],
)
def test_unknown_keys_are_errors_with_suggestions(tmp_path: Path, data: dict[str, Any], expected: list[str]) -> None:
    merged = {**BASE, **data, "jira": {**BASE["jira"], **data.get("jira", {})}}
    assert problems_of(write_data(tmp_path, merged)) == expected


def test_unknown_key_inside_a_queue_uses_its_index(tmp_path: Path) -> None:
    queues = [{"name": "A", "jql": "x"}, {"name": "B", "jql": "y"}, {"name": "C", "jqll": "z"}]
    path = write_data(tmp_path, {**BASE, "queues": queues})
    assert problems_of(path) == [
        'queues[2].jqll: unknown key; did you mean "jql"?',
        "queues[2].jql: expected a JQL query, got nothing (the key is missing)",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"queues": []}, "queues: expected at least one [[queues]] table with name and jql, got none"),
        ({"queues": {"name": "A", "jql": "x"}}, "queues: expected an array of tables ([[queues]]), got a table"),
        ({"queues": [{"name": "A", "jql": "  "}]}, 'queues[0].jql: expected a JQL query, got "  "'),
        ({"queues": [{"name": "A", "jql": "x", "watch": 1}]}, "queues[0].watch: expected true or false, got 1"),
        (
            {"queues": [{"name": "A", "jql": "x", "poll_seconds": 1}]},
            "queues[0].poll_seconds: expected a number of seconds >= 5, got 1",
        ),
        (
            {"queues": [{"name": "A", "jql": "x"}, {"name": "A", "jql": "y"}]},
            'queues[1].name: expected a unique queue name, got "A" (also queues[0])',
        ),
        ({"sla": {"at_risk_minutes": 2.5}}, "sla.at_risk_minutes: expected a whole number of minutes >= 0, got 2.5"),
        ({"sla": {"at_risk_fraction": 1.5}}, "sla.at_risk_fraction: expected a fraction from 0 to 1, got 1.5"),
        ({"poll": {"interval_seconds": 2}}, "poll.interval_seconds: expected a number of seconds >= 5, got 2"),
        ({"poll": {"interval_seconds": True}}, "poll.interval_seconds: expected a number of seconds >= 5, got true"),
        (
            {"poll": {"counts_interval_seconds": float("inf")}},
            "poll.counts_interval_seconds: expected a number of seconds >= 5, got inf",
        ),
        ({"poll": {"full_resync_minutes": 0}}, "poll.full_resync_minutes: expected a number of minutes >= 1, got 0"),
        ({"ui": {"mouse": "yes"}}, 'ui.mouse: expected true or false, got "yes"'),
        ({"ui": {"language": "fr"}}, 'ui.language: expected one of "en", "de", got "fr"'),
        (
            {"ui": {"time_zone": "Europe/Berln"}},
            'ui.time_zone: expected "local" or an IANA time zone such as '
            '"Europe/Berlin", got "Europe/Berln" (did you mean "Europe/Berlin"?)',
        ),
        ({"ui": "dark"}, 'ui: expected a table ([ui]), got "dark"'),
        (
            {"keymap": {"incident.assign": "ctrl a"}},
            'keymap."incident.assign": expected a key such as "ctrl+k" or "f2" (comma-separated for several), '
            'got "ctrl a"',
        ),
        (
            {"keymap": {"app.quit": ""}},
            'keymap."app.quit": expected a key such as "ctrl+k" or "f2" (comma-separated for several), got ""',
        ),
    ],
)
def test_section_value_errors(tmp_path: Path, data: dict[str, Any], expected: str) -> None:
    assert problems_of(write_data(tmp_path, {**BASE, **data})) == [expected]


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[jira]
url = "jira.example.net"
email = "anna@example.com"
tiemout_seconds = 3
[[queues]]
name = "A"
[poll]
interval_seconds = 1
""",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env=NO_LOCALE)
    assert [p.key for p in info.value.problems] == [
        "jira.tiemout_seconds",
        "jira.url",
        "queues[0].jql",
        "poll.interval_seconds",
    ]
    assert info.value.path == path
    assert len(str(info.value).splitlines()) == 4


def test_toml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[jira]\nurl = "https://example.atlassian.net"\nemail = anna\n')
    [problem] = problems_of(path)
    assert problem.startswith("invalid TOML: ")
    assert "line 3, column 9" in problem


def test_missing_file_points_at_init(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    [problem] = problems_of(path)
    assert "not found" in problem and "oncall-tui init" in problem


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[jira]\nurl = "https://\xff.example.net"\n')
    assert problems_of(path) == ["expected UTF-8 text, found an invalid byte (at line 2, column 16)"]


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_config(path, env=NO_LOCALE).jira.email == "anna.schmidt@example.com"


# ------------------------------------------------------------------------------------------ profiles

PROFILED: dict[str, Any] = {
    "default_profile": "prod",
    "jira": {"url": "https://jira.example.net", "deployment": "datacenter", "token_env": "PROD_PAT"},
    "queues": [{"name": "Prod", "jql": "project = INC"}],
    "ui": {"language": "de", "bell": False},
    "keymap": {"incident.assign": "a", "incident.take": "m"},
    "profiles": {
        "prod": {},
        "staging": {
            "jira": {"url": "https://jira-staging.example.net", "token_cmd": "pass show staging"},
            "queues": [{"name": "Staging", "jql": "project = STG"}],
            "ui": {"bell": True},
            "keymap": {"incident.take": "x"},
        },
    },
}


def test_default_profile_is_used(tmp_path: Path) -> None:
    cfg = load_config(write_data(tmp_path, PROFILED), env=NO_LOCALE)
    assert cfg.profile == "prod"
    assert cfg.profiles == ("prod", "staging")
    assert cfg.jira.url == "https://jira.example.net"
    assert [q.name for q in cfg.queues] == ["Prod"]


def test_profile_merges_over_top_level(tmp_path: Path) -> None:
    cfg = load_config(write_data(tmp_path, PROFILED), "staging", env=NO_LOCALE)
    assert cfg.profile == "staging"
    assert cfg.jira.url == "https://jira-staging.example.net"
    assert cfg.jira.deployment == "datacenter"  # inherited
    # The profile's token source replaces the top-level one instead of clashing with it.
    assert (cfg.jira.token_cmd, cfg.jira.token_env) == ("pass show staging", None)
    assert [q.name for q in cfg.queues] == ["Staging"]  # queues are replaced, not appended
    assert (cfg.ui.language, cfg.ui.bell) == ("de", True)  # tables merge key by key
    assert dict(cfg.keymap) == {"incident.assign": "a", "incident.take": "x"}


def test_unknown_profile_suggests_a_name(tmp_path: Path) -> None:
    path = write_data(tmp_path, PROFILED)
    assert problems_of(path, "stagin") == [
        'profiles: no profile named "stagin"; did you mean "staging"? (profiles: prod, staging)'
    ]


def test_profile_argument_without_profiles(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, MINIMAL), "prod")
    assert problem == 'profiles: expected the name of a [profiles.NAME] table, got "prod"; the file defines no profiles'


def test_bad_default_profile(tmp_path: Path) -> None:
    path = write_data(tmp_path, {**PROFILED, "default_profile": "prdo"})
    assert problems_of(path) == [
        'default_profile: no profile named "prdo"; did you mean "prod"? (profiles: prod, staging)'
    ]


def test_errors_in_unselected_profiles_are_reported(tmp_path: Path) -> None:
    data = {
        **PROFILED,
        "profiles": {**PROFILED["profiles"], "dr": {"jira": {"url": "http://dr.example.net"}, "ui": {"tz": "UTC"}}},
    }
    problems = problems_of(write_data(tmp_path, data), "prod")
    assert (
        problems[0] == "profiles.dr.ui.tz: unknown key; expected one of: "
        "ascii, bell, confirm_take, language, mouse, theme, time_zone"
    )
    assert problems[1].startswith('profiles.dr.jira.url: expected an https:// URL, got "http://dr.example.net"')
    assert len(problems) == 2


def test_inherited_bad_value_is_reported_once_at_its_top_level_path(tmp_path: Path) -> None:
    data = {**PROFILED, "poll": {"interval_seconds": 1}}
    assert problems_of(write_data(tmp_path, data)) == [
        "poll.interval_seconds: expected a number of seconds >= 5, got 1"
    ]


def test_profile_only_jira_without_a_selection_hints_at_profiles(tmp_path: Path) -> None:
    data = {
        "queues": BASE["queues"],
        "profiles": {"a": {"jira": BASE["jira"]}, "b": {"jira": BASE["jira"]}},
    }
    path = write_data(tmp_path, data)
    assert problems_of(path) == [
        "jira: expected a [jira] table with at least url, got nothing; or choose a profile with --profile "
        "or default_profile (a, b)"
    ]
    assert load_config(path, "b", env=NO_LOCALE).profile == "b"


def test_queues_may_come_from_the_profile_only(tmp_path: Path) -> None:
    data = {"jira": BASE["jira"], "default_profile": "x", "profiles": {"x": {"queues": BASE["queues"]}}}
    cfg = load_config(write_data(tmp_path, data), env=NO_LOCALE)
    assert [q.name for q in cfg.queues] == ["Open"]


def test_unknown_key_inside_a_profile(tmp_path: Path) -> None:
    data = {**PROFILED, "profiles": {"prod": {"jira": {"urll": "https://x.example.net"}, "default_profile": "y"}}}
    problems = problems_of(write_data(tmp_path, data))
    assert sorted(problems) == [
        "profiles.prod.default_profile: unknown key; expected one of: contact, escalation, jira, keymap, notify, poll, "
        "queues, rota, sla, ui",
        'profiles.prod.jira.urll: unknown key; did you mean "url"?',
    ]


def test_profile_names_that_need_quoting(tmp_path: Path) -> None:
    data = {**BASE, "profiles": {"eu west": {"jira": {"url": "jira.example.net"}}}}
    [problem] = problems_of(write_data(tmp_path, data))
    assert problem == 'profiles."eu west".jira.url: expected an https:// URL, got "jira.example.net"'


# ------------------------------------------------------------------------------------- config path


def test_explicit_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_module.platformdirs, "user_config_path", lambda *a, **k: tmp_path / "pd")
    env = {"ONCALL_TUI_CONFIG": str(tmp_path / "env.toml")}
    assert find_config_path(tmp_path / "cli.toml", env) == tmp_path / "cli.toml"
    assert find_config_path(str(tmp_path / "cli.toml"), env) == tmp_path / "cli.toml"


def test_env_is_used_without_explicit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_module.platformdirs, "user_config_path", lambda *a, **k: tmp_path / "pd")
    env = {"ONCALL_TUI_CONFIG": str(tmp_path / "env.toml")}
    assert find_config_path(None, env) == tmp_path / "env.toml"
    assert find_config_path("", env) == tmp_path / "env.toml"


def test_platformdirs_is_the_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []

    def fake(*args: Any, **kwargs: Any) -> Path:
        calls.append((args, kwargs))
        return tmp_path / "pd"

    monkeypatch.setattr(config_module.platformdirs, "user_config_path", fake)
    assert find_config_path(None, {"ONCALL_TUI_CONFIG": ""}) == tmp_path / "pd" / "config.toml"
    assert calls == [(("oncall-tui",), {"appauthor": False})]


def test_real_platformdirs_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if sys.platform != "linux":  # XDG is the Linux convention; elsewhere the fake above covers it
        return
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert find_config_path(None, {}) == tmp_path / "xdg" / "oncall-tui" / "config.toml"


def test_tilde_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert find_config_path("~/c.toml", {}) == tmp_path / "c.toml"
    assert find_config_path(None, {"ONCALL_TUI_CONFIG": "~/e.toml"}) == tmp_path / "e.toml"


# -------------------------------------------------------------------------------------------- tokens


def jira_from(tmp_path: Path, **jira: Any) -> JiraConfig:
    return load_config(write_data(tmp_path, with_jira(**jira)), env=NO_LOCALE).jira


def token_error(jira: JiraConfig, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        resolve_token(jira, env or {})
    return str(info.value)


def test_token_from_default_env(tmp_path: Path) -> None:
    jira = jira_from(tmp_path)
    assert resolve_token(jira, {"JIRA_API_TOKEN": " tok-123\n"}) == "tok-123"


def test_token_from_named_env(tmp_path: Path) -> None:
    jira = jira_from(tmp_path, token_env="WORK_JIRA")
    assert resolve_token(jira, {"WORK_JIRA": "tok-456", "JIRA_API_TOKEN": "other"}) == "tok-456"


def test_missing_env_token_names_variable_file_and_key(tmp_path: Path) -> None:
    jira = jira_from(tmp_path, token_env="WORK_JIRA")
    assert token_error(jira, {"JIRA_API_TOKEN": "x"}) == (
        f"{tmp_path / 'config.toml'}: jira.token_env: expected the API token in environment variable "
        "WORK_JIRA, but it is not set or empty"
    )


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_token_file_owner_only_is_accepted(tmp_path: Path, mode: int) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("file-token-789\n")
    token_file.chmod(mode)
    assert resolve_token(jira_from(tmp_path, token_file=str(token_file))) == "file-token-789"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_token_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("file-token-789\n")
    token_file.chmod(mode)
    message = token_error(jira_from(tmp_path, token_file="token"))
    assert message.startswith(f"{tmp_path / 'config.toml'}: jira.token_file: token file {token_file} ")
    assert f"(mode {mode:04o})" in message
    assert f"chmod 600 {token_file}" in message
    assert "file-token-789" not in message


def test_missing_token_file(tmp_path: Path) -> None:
    message = token_error(jira_from(tmp_path, token_file="missing-token"))
    assert "jira.token_file: expected a token file at" in message and "does not exist" in message


def test_empty_token_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("\n")
    token_file.chmod(0o600)
    message = token_error(jira_from(tmp_path, token_file=str(token_file)))
    assert message.endswith(f"jira.token_file: expected an API token, got an empty value from token file {token_file}")


def python_cmd(tmp_path: Path, body: str) -> str:
    script = tmp_path / "get_token.py"
    script.write_text(body)
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} --account 'on call'"


def test_token_from_command(tmp_path: Path) -> None:
    cmd = python_cmd(tmp_path, "import sys\nprint('cmd-token-' + sys.argv[2].replace(' ', '_'))\nprint('notes')\n")
    assert resolve_token(jira_from(tmp_path, token_cmd=cmd)) == "cmd-token-on_call"


def test_failing_command_names_program_and_status_but_never_its_output(tmp_path: Path) -> None:
    cmd = python_cmd(
        tmp_path,
        "import sys\nprint('half-token')\nsys.stderr.write('gpg: decryption failed for s3cr3t\\nmore detail\\n')\n"
        "sys.exit(3)\n",
    )
    message = token_error(jira_from(tmp_path, token_cmd=cmd))
    assert message == (
        f"{tmp_path / 'config.toml'}: jira.token_cmd: token command {sys.executable} failed with exit status 3; "
        "run the command in a terminal to see why (its output is not shown here: it may contain the token)"
    )
    for secret in ("half-token", "s3cr3t", "decryption", "get_token.py", "on call"):
        assert secret not in message


def test_command_not_found(tmp_path: Path) -> None:
    message = token_error(jira_from(tmp_path, token_cmd=str(tmp_path / "no-such-helper")))
    assert message.endswith(
        f"jira.token_cmd: token command not found: {tmp_path / 'no-such-helper'}; "
        "check the program's name or give its full path"
    )


def test_command_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run(argv: list[str], **kwargs: Any) -> Any:
        seen.update(kwargs, argv=argv)
        raise subprocess.TimeoutExpired(argv, kwargs["timeout"])

    monkeypatch.setattr(config_module.subprocess, "run", fake_run)
    message = token_error(jira_from(tmp_path, token_cmd="pass show jira"))
    assert message.endswith(
        "jira.token_cmd: token command pass did not finish within 10 s; it must not wait for input "
        "(unlock your password manager first)"
    )
    assert "show jira" not in message
    assert seen["argv"] == ["pass", "show", "jira"]
    assert seen["timeout"] == 10.0
    assert "shell" not in seen or seen["shell"] is False


def test_inline_token(tmp_path: Path) -> None:
    assert resolve_token(jira_from(tmp_path, token="inline-tok-1")) == "inline-tok-1"


def test_token_with_whitespace_is_refused_without_echo(tmp_path: Path) -> None:
    message = token_error(jira_from(tmp_path, token="abc def-secret"))
    assert message.endswith("jira.token: expected a token without spaces or control characters in the inline token")
    assert "def-secret" not in message


def test_token_error_in_a_profile_names_the_profile_key(tmp_path: Path) -> None:
    jira = load_config(write_data(tmp_path, PROFILED), "staging", env=NO_LOCALE).jira
    assert jira.token_key == "profiles.staging.jira.token_cmd"
    prod = load_config(write_data(tmp_path, PROFILED), env=NO_LOCALE).jira
    assert token_error(prod).endswith(
        "jira.token_env: expected the API token in environment variable PROD_PAT, but it is not set or empty"
    )


def test_loading_never_runs_the_token_command(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    cmd = python_cmd(tmp_path, f"open({str(marker)!r}, 'w').write('x')\nprint('t')\n")
    jira = jira_from(tmp_path, token_cmd=cmd)
    assert not marker.exists()
    resolve_token(jira)
    assert marker.exists()


# -------------------------------------------------------------------------------------- repr / secret


def test_repr_never_shows_an_inline_token(tmp_path: Path) -> None:
    cfg = load_config(write_data(tmp_path, with_jira(token="tok-VISIBLE-42")), env=NO_LOCALE)
    for text in (repr(cfg), str(cfg), repr(cfg.jira), str(cfg.jira), f"{cfg.jira.token}", repr(cfg.jira.token)):
        assert "tok-VISIBLE-42" not in text
    assert repr(cfg.jira.token) == "Secret('***')"
    assert cfg.jira.token is not None and cfg.jira.token.reveal() == "tok-VISIBLE-42"


def test_secret_compares_by_value() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert JiraConfig(url="https://x.example.net", token="t").token == Secret("t")  # type: ignore[arg-type]


# -------------------------------------------------------------------------------------------- saving


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_save_creates_private_dirs_and_file(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    target = tmp_path / "a" / "b" / "config.toml"
    old_umask = os.umask(0)  # the strictest test: nothing from the umask helps
    try:
        written = save_config(target, BASE)
    finally:
        os.umask(old_umask)
    assert written == target
    assert mode_of(target) == 0o600
    assert mode_of(tmp_path / "a") == 0o700
    assert mode_of(tmp_path / "a" / "b") == 0o700
    assert mode_of(tmp_path) == 0o755  # existing directories are left alone
    assert sorted(p.name for p in target.parent.iterdir()) == ["config.toml"]


def test_save_is_private_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        seen.append(mode_of(Path(src)))
        real_replace(src, dst)

    monkeypatch.setattr(config_module.os, "replace", spy)
    old_umask = os.umask(0)
    try:
        save_config(tmp_path / "config.toml", BASE)
    finally:
        os.umask(old_umask)
    assert seen == [0o600]


def test_save_replaces_an_existing_file(tmp_path: Path) -> None:
    target = write(tmp_path, MINIMAL)
    target.chmod(0o644)
    save_config(target, with_jira(url="https://other.example.net"))
    assert mode_of(target) == 0o600
    assert load_config(target, env=NO_LOCALE).jira.url == "https://other.example.net"


def test_round_trip(tmp_path: Path) -> None:
    data: dict[str, Any] = {
        **PROFILED,
        "default_profile": "staging",
        "sla": {"at_risk_minutes": 20, "at_risk_fraction": 0.25},
        "ui": {"language": "de", "time_zone": "Europe/Vienna", "ascii": True},
    }
    target = tmp_path / "conf" / "config.toml"
    save_config(target, data)
    cfg = load_config(target, env=NO_LOCALE)
    assert cfg == load_config(write_data(tmp_path, data, "direct.toml"), env=NO_LOCALE)
    assert cfg.profile == "staging"
    assert cfg.sla == SlaConfig(20, 0.25)
    assert cfg.ui.time_zone == "Europe/Vienna"


def test_save_refuses_invalid_data_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new" / "config.toml"
    with pytest.raises(ConfigError) as info:
        save_config(target, with_jira(url="http://jira.example.net"))
    assert str(info.value).startswith(f"{target}: jira.url: expected an https:// URL")
    assert not (tmp_path / "new").exists()


def test_save_without_validation_writes_partial_data(tmp_path: Path) -> None:
    target = save_config(tmp_path / "partial.toml", {"ui": {"language": "de"}}, validate=False)
    assert target.read_text() == '[ui]\nlanguage = "de"\n'


# ----------------------------------------------------------------------------------------- warnings


def test_warnings_for_inline_token_and_open_file(tmp_path: Path) -> None:
    path = write_data(tmp_path, with_jira(token="tok-w-1", verify_tls=False))
    path.chmod(0o644)
    warnings = config_warnings(load_config(path, env=NO_LOCALE))
    assert warnings == [
        f"{path}: jira.token: the API token is stored in the config file; prefer token_env, token_file or token_cmd",
        f"{path}: the file holds a token but is accessible by group or others (mode 0644); "
        f"fix it with: chmod 600 {path}",
        f"{path}: jira.verify_tls: TLS certificate verification is switched off",
    ]
    assert not any("tok-w-1" in w for w in warnings)


def test_no_warnings_for_a_clean_config(tmp_path: Path) -> None:
    assert config_warnings(load_config(write(tmp_path, MINIMAL), env=NO_LOCALE)) == []


# --------------------------------------------------------------------------------------------- misc


def test_config_can_be_built_directly() -> None:
    cfg = Config(jira=JiraConfig(url="https://x.example.net"), queues=[QueueConfig("A", "x")])  # type: ignore[arg-type]
    assert cfg.queues == (QueueConfig("A", "x"),)
    assert cfg.jira.token_env == "JIRA_API_TOKEN"


def test_config_layer_imports_no_textual_and_no_simulator() -> None:
    code = (
        "import sys, oncall_tui.config\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith('oncall_tui.sim'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
