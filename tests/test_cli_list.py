"""`oncall-tui list`: the queue as JSON (docs/list-json.md), tab-separated and as a table, and its exit codes."""

from __future__ import annotations

import asyncio
import io
import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oncall_tui.cli import main
from oncall_tui.cli_list import colour_enabled, display_width, fetch_snapshot, render_table
from oncall_tui.cli_sim import sim_config
from oncall_tui.config import load_config, save_config
from oncall_tui.sim.server import SimServer
from tests.conftest import FROZEN_START, TEST_TOKEN, http_client, start_sim
from tests.sim_process import PROXY_VARS, run_cli, running_sim

SLA_STATES = {"running", "at_risk", "breached", "paused", "outside_hours", "met", "failed"}
ISSUE_FIELDS = {
    "key",
    "url",
    "summary",
    "status",
    "status_category",
    "priority",
    "assignee",
    "sla",
    "slas",
    "created",
    "updated",
}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def write_sim_config(
    tmp_path: Path,
    server: SimServer,
    *,
    token: str | None = None,
    queues: list[dict[str, Any]] | None = None,
    **jira: Any,
) -> Path:
    """A config for `server` whose token lives in a 0600 file (as a careful user would set it up)."""
    login = server.login()
    data = sim_config(login.url, login.flavour, login.email, login.username, login.token)
    token_file = tmp_path / "token"
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write((token if token is not None else login.token) + "\n")
    del data["jira"]["token"]
    if "token_env" not in jira:
        data["jira"]["token_file"] = str(token_file)
    data["jira"].update(jira)
    if queues is not None:
        data["queues"] = queues
    return save_config(tmp_path / "config.toml", data, validate=False)


def run_list(capsys: pytest.CaptureFixture[str], config: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), "list", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def epoch_ms(value: dict[str, Any]) -> int:
    return int(value["epochMillis"])


# --- JSON against the simulator, checked against the simulator's own SLA records -----------------------


@pytest.fixture(scope="module")
def cloud_json(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SimServer, dict[str, Any]]]:
    server = start_sim()
    try:
        config = write_sim_config(tmp_path_factory.mktemp("list"), server)
        with pytest.MonkeyPatch.context() as mp:
            for name in PROXY_VARS:
                mp.delenv(name, raising=False)
            out = io.StringIO()
            mp.setattr(sys, "stdout", out)
            assert main(["--config", str(config), "list", "--json", "--queue", "All open"]) == 0
        yield server, json.loads(out.getvalue())
    finally:
        server.stop()


def test_json_has_the_documented_top_level_and_issue_fields(cloud_json: tuple[SimServer, dict[str, Any]]) -> None:
    server, doc = cloud_json
    assert doc["schema_version"] == 1
    assert doc["site"] == server.url
    assert doc["queue"]["name"] == "All open"
    assert doc["queue"]["jql"].startswith("project = OPS")
    assert doc["count"] == len(doc["issues"]) > 30
    for issue in doc["issues"]:
        assert set(issue) == ISSUE_FIELDS
        assert issue["url"] == f"{server.url}/browse/{issue['key']}"
        assert issue["status_category"] in {"new", "indeterminate", "done", "undefined"}
        for sla in issue["slas"]:
            assert set(sla) == {"name", "state", "remaining_seconds", "breach_time", "goal_seconds"}
            assert sla["state"] in SLA_STATES
        if issue["assignee"] is not None:
            assert set(issue["assignee"]) == {"display_name", "account_id", "username"}
            assert issue["assignee"]["account_id"]  # Cloud identifies people by accountId


def test_json_lists_exactly_the_queue_in_jira_order(cloud_json: tuple[SimServer, dict[str, Any]]) -> None:
    server, doc = cloud_json
    with http_client(server) as api:
        keys: list[str] = []
        token = None
        while True:
            body: dict[str, Any] = {"jql": doc["queue"]["jql"], "fields": ["summary"], "maxResults": 100}
            if token:
                body["nextPageToken"] = token
            page = api.post("/rest/api/3/search/jql", json=body).json()
            keys += [i["key"] for i in page["issues"]]
            token = page.get("nextPageToken")
            if page.get("isLast", True) or not token:
                break
    assert [i["key"] for i in doc["issues"]] == keys


def test_remaining_time_uses_jiras_clock_and_matches_the_sla_records(
    cloud_json: tuple[SimServer, dict[str, Any]],
) -> None:
    server, doc = cloud_json
    # The simulator's clock is frozen months away from this machine's: only Jira's clock gives these numbers.
    generated = datetime.fromisoformat(doc["generated_at"])
    assert abs(generated - FROZEN_START) < timedelta(seconds=2)
    seen_states: set[str] = set()
    with http_client(server) as api:
        for issue in doc["issues"][:25]:
            records = api.get(f"/rest/servicedeskapi/request/{issue['key']}/sla").json()["values"]
            by_name = {r["name"]: r for r in records}
            assert [s["name"] for s in issue["slas"]] == [r["name"] for r in records]
            for sla in issue["slas"]:
                record = by_name[sla["name"]]
                ongoing = record.get("ongoingCycle")
                seen_states.add(sla["state"])
                if ongoing is None:
                    last = record["completedCycles"][-1]
                    assert sla["state"] == ("failed" if last["breached"] else "met")
                    continue
                if ongoing["breached"]:
                    assert sla["state"] == "breached"
                elif ongoing["paused"]:
                    assert sla["state"] == "paused"
                    assert sla["remaining_seconds"] == math.floor(ongoing["remainingTime"]["millis"] / 1000)
                else:
                    assert sla["state"] in {"running", "at_risk"}
                    # Working time left, as JSM reports it (the simulator's clock is frozen: no ticking).
                    left_ms = ongoing["remainingTime"]["millis"]
                    assert abs(sla["remaining_seconds"] - left_ms / 1000) <= 2
                    window = max(30 * 60, 0.2 * ongoing["goalDuration"]["millis"] / 1000)
                    expected = "at_risk" if left_ms / 1000 <= window else "running"
                    assert sla["state"] == expected
    assert {"breached", "running"} <= seen_states


def test_headline_sla_is_the_most_urgent_ticking_one(cloud_json: tuple[SimServer, dict[str, Any]]) -> None:
    _, doc = cloud_json
    with_headline = 0
    for issue in doc["issues"]:
        ticking = [s for s in issue["slas"] if s["state"] in {"breached", "at_risk", "running"}]
        stopped = [s for s in issue["slas"] if s["state"] in {"paused", "outside_hours"}]
        pool = ticking or stopped
        if not pool:
            assert issue["sla"] is None
            continue
        with_headline += 1
        assert issue["sla"] == min(pool, key=lambda s: s["remaining_seconds"])
    assert with_headline > 20


def test_json_on_data_center_names_people_by_username(
    dc_sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_list(capsys, write_sim_config(tmp_path, dc_sim), "--json", "--queue", "All open")
    assert code == 0, err
    doc = json.loads(out)
    assignees = [i["assignee"] for i in doc["issues"] if i["assignee"]]
    assert assignees
    assert all(a["username"] and a["account_id"] is None for a in assignees)
    assert any(i["sla"] and i["sla"]["state"] == "breached" for i in doc["issues"])


# --- acceptance: the real commands as processes ------------------------------------------------------------


def test_sim_config_out_then_list_json_prints_the_queue_with_sla_states(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    with running_sim("--config-out", str(config)) as sim:
        token = sim.value("API token")
        done = run_cli("--config", str(config), "list", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["queue"]["name"] == "Mine"  # the first queue of the written config
    assert doc["issues"], "the simulator's user owns incidents"
    assert all(i["assignee"]["display_name"] == "Anna Schmidt" for i in doc["issues"])
    assert {i["sla"]["state"] for i in doc["issues"] if i["sla"]} <= SLA_STATES
    assert any(i["sla"] for i in doc["issues"])
    assert token not in done.stdout + done.stderr


# --- --plain and the table ---------------------------------------------------------------------------------


def test_plain_is_tab_separated_without_header(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_sim_config(tmp_path, sim_ro)
    code, plain, _ = run_list(capsys, config, "--plain", "--queue", "P1/P2")
    assert code == 0
    code, out, _ = run_list(capsys, config, "--json", "--queue", "P1/P2")
    doc = json.loads(out)
    lines = plain.splitlines()
    assert len(lines) == doc["count"] > 0
    for line, issue in zip(lines, doc["issues"], strict=True):
        fields = line.split("\t")
        assert len(fields) == 8
        sla = issue["sla"] or {}
        assert fields[0] == issue["key"]
        assert fields[3] == (issue["assignee"]["display_name"] if issue["assignee"] else "")
        assert fields[5] == sla.get("state", "")
        assert fields[6] == str(sla.get("remaining_seconds", ""))
        assert fields[7] == issue["summary"]


def test_table_is_aligned_and_plain_when_not_a_terminal(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, _ = run_list(capsys, write_sim_config(tmp_path, sim_ro), "--queue", "All open")
    assert code == 0
    assert "\x1b" not in out
    lines = out.splitlines()
    assert lines[0].startswith("All open: ")
    header = lines[1]
    assert header.split() == ["Key", "Priority", "Status", "Assignee", "SLA", "State", "Left", "Summary"]
    start = header.index("Summary")
    rows = lines[2:]
    assert len(rows) > 30
    # Every row's summary starts in the header's column: the columns are aligned.
    assert all(row[start - 2 : start] == "  " and row[start] != " " for row in rows)
    assert any("✖ breached" in row for row in rows)
    assert any(re.search(r"\s-\d+:\d\d\s", row) for row in rows)


def test_unassigned_issues_show_a_dash(sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_list(capsys, write_sim_config(tmp_path, sim_ro), "--queue", "Unassigned")
    assert code == 0
    header, *rows = out.splitlines()[1:]
    column = header.index("Assignee")
    assert rows and all(row[column : column + 2] == "— " for row in rows)


def test_colour_only_for_a_terminal_without_no_color() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert colour_enabled(Tty(), {})
    assert not colour_enabled(Tty(), {"NO_COLOR": "1"})
    assert not colour_enabled(Tty(), {"TERM": "dumb"})
    assert not colour_enabled(io.StringIO(), {})


def test_table_colours_states_and_keeps_words_and_fits_a_width(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_config(write_sim_config(tmp_path, sim_ro))
    snapshot = asyncio.run(fetch_snapshot(config, config.queues[-1], sim_ro.login().token))
    coloured = render_table(snapshot, colour=True, width=100)
    assert "\x1b[31;1m" in coloured and "breached" in coloured
    plain = re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert max(display_width(line) for line in plain.splitlines()[1:]) <= 100
    ascii_table = render_table(snapshot, ascii_only=True)
    assert "X breached" in ascii_table
    assert not set("●⚠✖‖☾✔✗—·") & set(ascii_table)


# --- hostile text ------------------------------------------------------------------------------------------


def test_text_from_jira_is_sanitized_in_every_format(
    sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = "Evil\x1b]0;owned\x07 \x1b[2J\x1b[31mred\tsummary\nsecond line\u202e"
    sim.state.issues["OPS-48"].summary = hostile
    config = write_sim_config(tmp_path, sim)
    for fmt in ([], ["--plain"], ["--json"]):
        code, out, _ = run_list(capsys, config, *fmt)
        assert code == 0
        text = json.dumps(json.loads(out)) if fmt == ["--json"] else out
        if fmt == ["--json"]:
            summary = next(i["summary"] for i in json.loads(out)["issues"] if i["key"] == "OPS-48")
            assert summary == "Evil red summary second line"
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert "owned" not in text


# --- exit codes --------------------------------------------------------------------------------------------


def test_unknown_queue_is_a_config_error_listing_the_queues(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_sim_config(tmp_path, sim_ro)
    code, out, err = run_list(capsys, config, "--queue", "Nope")
    assert code == 3
    assert out == ""
    assert str(config) in err and '"Nope"' in err
    for name in ("Mine", "Unassigned", "P1/P2", "At risk", "All open"):
        assert f'"{name}"' in err


def test_missing_or_invalid_config_is_exit_3_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.toml"
    code, _, err = run_list(capsys, missing)
    assert code == 3 and str(missing) in err and "oncall-tui init" in err
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[jira]\nurl = "https://x.atlassian.net"\nemail = "a@b.c"\ncolour = 1\n[[queues]]\nname="q"\njql="x"\n'
    )
    code, _, err = run_list(capsys, bad)
    assert code == 3 and str(bad) in err and "jira.colour" in err


def test_unreadable_token_source_is_exit_3(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_sim_config(tmp_path, sim_ro)
    (tmp_path / "token").chmod(0o644)
    code, _, err = run_list(capsys, config)
    assert code == 3
    assert "jira.token_file" in err and "chmod 600" in err


def test_rejected_jql_is_exit_3_naming_the_queue(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_sim_config(tmp_path, sim_ro, queues=[{"name": "Broken", "jql": "project = = OPS ORDER"}])
    code, out, err = run_list(capsys, config)
    assert code == 3 and out == ""
    assert str(config) in err and '"Broken"' in err and "JQL" in err


def test_wrong_token_is_exit_4_with_a_hint_and_no_secret(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_sim_config(tmp_path, sim_ro, token="wrong-token-987654321")
    code, out, err = run_list(capsys, config, "--json")
    assert code == 4 and out == ""
    assert "did not accept the credentials" in err and "fix:" in err
    assert "wrong-token-987654321" not in err and TEST_TOKEN not in err


def test_closed_port_is_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = start_sim()
    config = write_sim_config(tmp_path, server)
    server.stop()  # the port is closed now
    code, out, err = run_list(capsys, config)
    assert code == 4 and out == ""
    assert "Cannot reach Jira" in err


def test_html_login_page_is_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = start_sim(faults="html=1")
    try:
        code, out, err = run_list(capsys, write_sim_config(tmp_path, server))
    finally:
        server.stop()
    assert code == 4 and out == ""
    assert "HTML page answered" in err and "Sign in - Corporate SSO" in err


def test_json_output_never_crashes_on_a_narrow_encoding(
    sim_ro: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", stream)
    config = write_sim_config(tmp_path, sim_ro)
    assert main(["--config", str(config), "list", "--json", "--queue", "All open"]) == 0
    assert main(["--config", str(config), "list", "--queue", "All open"]) == 0
    stream.flush()
    text = raw.getvalue().decode("ascii")
    doc = json.loads(text[: text.index("\n}\n") + 3])
    assert any("ö" in i["summary"] or "ü" in i["summary"] for i in doc["issues"])  # escaped, not lost
    assert "X breached" in text  # the table fell back to ASCII glyphs


def test_list_help_is_fast_and_does_not_import_the_client() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from oncall_tui.cli import main\n"
            "try:\n    main(['list', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('oncall_tui.jira.client' in sys.modules, 'httpx' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.stdout.strip().splitlines()[-1] == "False False"
