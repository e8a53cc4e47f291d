"""`oncall-tui init`: a config is written only after Jira accepted the token and the queues' JQL; it is
private, never holds the token, and works with `list`."""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall_tui.cli import build_parser, main
from oncall_tui.config import load_config
from oncall_tui.sim.server import SimServer
from tests.conftest import TEST_TOKEN, start_sim
from tests.test_cli_list import PROXY_VARS
from tests.test_cli_sim_config import assert_agrees, new_p1_minutes_ago


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*PROXY_VARS, "JIRA_API_TOKEN", "ONCALL_TUI_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def token_file(tmp_path: Path, token: str = TEST_TOKEN) -> Path:
    path = tmp_path / "jira-token"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    return path


def init(config: Path, *flags: str) -> int:
    return main(["--config", str(config), "init", *flags])


def cloud_flags(server: SimServer, *more: str) -> list[str]:
    login = server.login()
    return ["--non-interactive", "--url", login.url, "--email", login.email, *more]


def test_non_interactive_writes_a_private_working_config(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "new" / "config.toml"
    tok = token_file(tmp_path)
    assert init(config, *cloud_flags(sim_ro, "--token-file", str(tok))) == 0
    out, err = capsys.readouterr()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    data = tomllib.loads(config.read_text())
    assert data["jira"] == {
        "url": sim_ro.url,
        "deployment": "cloud",  # detected from serverInfo
        "email": "anna.schmidt@example.com",
        "token_file": str(tok),
    }
    assert [q["name"] for q in data["queues"]] == ["Mine", "Unassigned", "At risk"]
    assert all("OPS" not in q["jql"] and "statusCategory != Done" in q["jql"] for q in data["queues"])
    assert f"Wrote {config}" in out and "Anna Schmidt" in out
    assert TEST_TOKEN not in out + err + config.read_text()
    # ... and `list` works with it.
    assert main(["--config", str(config), "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["queue"]["name"] == "Mine" and listed["issues"]


def test_init_adds_an_at_risk_queue_that_is_what_the_table_marks(
    sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Goals learned from the open issues' SLA fields; every SLA field covered, first response included.
    key = new_p1_minutes_ago(sim.url, 10)
    config = tmp_path / "config.toml"
    assert init(config, *cloud_flags(sim, "--token-file", str(token_file(tmp_path)))) == 0
    assert 'Queue "At risk": JQL valid' in capsys.readouterr().out
    loaded = load_config(config, env={})
    assert [q.name for q in loaded.queues] == ["Mine", "Unassigned", "At risk"]
    assert_agrees(loaded, sim.state.clock.now, "statusCategory != Done", key)


def test_init_scopes_the_at_risk_queue_to_the_projects(
    sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = new_p1_minutes_ago(sim.url, 10)
    config = tmp_path / "config.toml"
    assert init(config, *cloud_flags(sim, "--token-file", str(token_file(tmp_path)), "--project", "OPS")) == 0
    loaded = load_config(config, env={})
    at_risk = next(q for q in loaded.queues if q.name == "At risk")
    assert at_risk.jql.startswith("project = OPS AND ")
    assert_agrees(loaded, sim.state.clock.now, "project = OPS AND statusCategory != Done", key)


def test_wrong_token_is_refused_before_anything_is_written(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    assert init(config, *cloud_flags(sim_ro, "--token-file", str(token_file(tmp_path, "wrong-5551234")))) == 4
    _, err = capsys.readouterr()
    assert not config.exists()
    assert "did not accept the credentials" in err and "Nothing was written" in err
    assert "wrong-5551234" not in err


def test_unreachable_url_is_exit_4_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = start_sim()
    flags = cloud_flags(server, "--token-file", str(token_file(tmp_path)))
    server.stop()
    config = tmp_path / "config.toml"
    assert init(config, *flags) == 4
    assert "Cannot reach Jira" in capsys.readouterr().err
    assert not config.exists()


def test_html_login_page_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = start_sim(faults="html=1")
    try:
        config = tmp_path / "config.toml"
        assert init(config, *cloud_flags(server, "--token-file", str(token_file(tmp_path)))) == 4
    finally:
        server.stop()
    assert "HTML page answered" in capsys.readouterr().err
    assert not config.exists()


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        ("--url", "--url"),
        ("--email", "--email"),
        ("--token-file", "--token-env, --token-file or --token-cmd"),
    ],
)
def test_non_interactive_names_the_missing_flag(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], drop: str, named: str
) -> None:
    flags = cloud_flags(sim_ro, "--token-file", str(token_file(tmp_path)))
    i = flags.index(drop)
    del flags[i : i + 2]
    config = tmp_path / "config.toml"
    assert init(config, *flags) == 2
    assert f"missing {named} (needed with --non-interactive)" in capsys.readouterr().err
    assert not config.exists()


def test_existing_config_needs_force(sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("# mine, hands off\n")
    flags = cloud_flags(sim_ro, "--token-file", str(token_file(tmp_path)))
    assert init(config, *flags) == 1
    assert "pass --force" in capsys.readouterr().out
    assert config.read_text() == "# mine, hands off\n"
    assert init(config, *flags, "--force") == 0
    assert tomllib.loads(config.read_text())["jira"]["url"] == sim_ro.url


def test_token_from_environment_variable_and_own_queues(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_JIRA_TOKEN", TEST_TOKEN)
    config = tmp_path / "config.toml"
    flags = cloud_flags(
        sim_ro,
        "--token-env",
        "MY_JIRA_TOKEN",
        "--queue-jql",
        "project = OPS AND priority = Highest",
        "--queue-name",
        "P1",
        "--queue-jql",
        "project = OPS",
    )
    assert init(config, *flags) == 0
    data = tomllib.loads(config.read_text())
    assert data["jira"]["token_env"] == "MY_JIRA_TOKEN"
    assert data["queues"] == [
        {"name": "P1", "jql": "project = OPS AND priority = Highest"},
        {"name": "Queue 2", "jql": "project = OPS"},
    ]
    assert TEST_TOKEN not in capsys.readouterr().out + config.read_text()


def test_token_env_that_is_not_set_is_a_config_error(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    assert init(config, *cloud_flags(sim_ro, "--token-env", "JIRA_API_TOKEN")) == 3
    assert "JIRA_API_TOKEN" in capsys.readouterr().err and not config.exists()


def test_invalid_queue_jql_is_refused(sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    flags = cloud_flags(sim_ro, "--token-file", str(token_file(tmp_path)), "--queue-jql", "project = = OPS")
    assert init(config, *flags) == 3
    err = capsys.readouterr().err
    assert "queues[0].jql" in err and "Jira rejected the JQL" in err and "Nothing was written" in err
    assert not config.exists()


def test_project_flag_scopes_the_default_queues(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    assert init(config, *cloud_flags(sim_ro, "--token-file", str(token_file(tmp_path)), "--project", "ops")) == 0
    queues = tomllib.loads(config.read_text())["queues"]
    assert all(q["jql"].startswith("project = OPS AND ") for q in queues)
    assert init(tmp_path / "x.toml", *cloud_flags(sim_ro, "--token-cmd", "true", "--project", "OPS; DROP")) == 2
    assert "--project" in capsys.readouterr().err


def test_data_center_takes_the_username_from_jira(
    dc_sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    flags = ["--non-interactive", "--url", dc_sim.url, "--token-file", str(token_file(tmp_path))]
    assert init(config, *flags) == 0
    jira = tomllib.loads(config.read_text())["jira"]
    assert jira["deployment"] == "datacenter"
    assert jira["username"] == dc_sim.login().username
    assert "email" not in jira
    assert "bearer (personal access token)" in capsys.readouterr().out


def test_bad_url_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    assert init(config, "--non-interactive", "--url", "http://jira.example.com", "--token-env", "X") == 2
    err = capsys.readouterr().err
    assert "--url: expected an https:// URL" in err and "loopback" in err
    assert not config.exists()


def test_the_token_itself_is_never_a_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["init", "--help"])
    options = set(re.findall(r"--[a-z][a-z-]*", capsys.readouterr().out))
    assert {"--token-env", "--token-file", "--token-cmd", "--force", "--username", "--queue-jql"} <= options
    assert not {"--token", "--api-token", "--password", "--pat"} & options


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Feed interactive answers; the hidden token prompt answers from the same queue."""
    queue: list[str] = []
    prompts: list[str] = []

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        if not queue:
            raise EOFError
        return queue.pop(0)

    def fake_getpass(prompt: str = "Password: ", stream: object = None) -> str:
        prompts.append("(hidden) " + prompt)
        if not queue:
            raise EOFError
        return queue.pop(0)

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr("getpass.getpass", fake_getpass)
    yield queue
    assert not queue, f"unused answers: {queue}"


def test_interactive_paste_stores_the_token_in_a_private_file_next_to_the_config(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: list[str]
) -> None:
    config = tmp_path / "config.toml"
    answers += [
        sim_ro.url + "/",  # the URL, as pasted from a browser
        sim_ro.login().email,  # e-mail
        "4",  # paste it now
        TEST_TOKEN,  # the hidden prompt
        "ops",  # project keys
    ]
    assert init(config) == 0
    out, err = capsys.readouterr()
    data = tomllib.loads(config.read_text())
    stored = Path(data["jira"]["token_file"])
    assert stored == config.with_suffix(".token")
    assert stored.read_text().strip() == TEST_TOKEN
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert TEST_TOKEN not in out + err + config.read_text()
    assert all(q["jql"].startswith("project = OPS AND") for q in data["queues"])


def test_interactive_wrong_pasted_token_writes_neither_file(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: list[str]
) -> None:
    config = tmp_path / "config.toml"
    answers += [sim_ro.url, sim_ro.login().email, "4", "not-the-token-000", ""]
    assert init(config) == 4
    assert not config.exists() and not config.with_suffix(".token").exists()
    assert "not-the-token-000" not in "".join(capsys.readouterr())


def test_interactive_asks_again_after_a_bad_answer_and_confirms_overwrite(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: list[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("old = true\n")
    tok = token_file(tmp_path)
    answers += ["n"]
    assert init(config) == 1
    assert config.read_text() == "old = true\n"
    answers += ["y", "http://jira.example.com", sim_ro.url, "not-an-email", sim_ro.login().email, "2", str(tok), ""]
    assert init(config) == 0
    out = capsys.readouterr().out
    assert "plain http is allowed only for loopback hosts" in out
    assert "Expected an e-mail address." in out
    assert tomllib.loads(config.read_text())["jira"]["token_file"] == str(tok)


def test_closed_standard_input_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: list[str]
) -> None:
    assert init(tmp_path / "config.toml") == 2
    assert "standard input closed" in capsys.readouterr().err


def test_a_url_without_scheme_to_a_plain_http_server_says_so_and_offers_http(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: list[str]
) -> None:
    config = tmp_path / "config.toml"
    bare = sim_ro.url.removeprefix("http://")
    # Without a prompt: the message says what the server speaks, not that a certificate failed.
    assert init(config, "--non-interactive", "--url", bare, "--email", sim_ro.login().email, "--token-env", "X") == 4
    err = capsys.readouterr().err
    assert f"The server at https://{bare} speaks plain HTTP, not HTTPS" in err and "certificate" not in err
    assert not config.exists()
    # At the prompt: it offers the http:// URL instead of asking for a company CA.
    answers += [bare, "y", sim_ro.login().email, "4", TEST_TOKEN, "ops"]
    assert init(config) == 0
    out = capsys.readouterr().out
    assert "speaks plain HTTP" in out and "CA certificate" not in out
    assert tomllib.loads(config.read_text())["jira"]["url"] == sim_ro.url
