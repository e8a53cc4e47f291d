"""The command-line contract: names, --help for every subcommand, and `oncall-tui sim` as a real process."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from oncall_tui import __version__
from oncall_tui.cli import build_parser, main
from tests.sim_process import SimProcess, run_cli, running_sim

SUBCOMMANDS = ("demo", "sim", "init", "list", "doctor", "report")


def test_version_names_the_program() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"oncall-tui {__version__}"


def test_top_level_help_lists_every_subcommand() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([name, "--help"])
    assert exc.value.code == 0
    assert f"usage: oncall-tui {name}" in capsys.readouterr().out


def test_contract_options_of_sim_exist() -> None:
    args = build_parser().parse_args(
        [
            "sim",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--scenario",
            "outage",
            "--flavour",
            "datacenter",
            "--speed",
            "5",
            "--faults",
            "rate=0.1",
            "--token",
            "t",
            "--config-out",
            "x.toml",
        ]
    )
    assert (args.scenario, args.flavour, args.speed, args.faults, args.port) == (
        "outage",
        "datacenter",
        5.0,
        "rate=0.1",
        0,
    )


def test_bad_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["sim", "--port", "70000"])
    assert exc.value.code == 2
    assert "expected a port number" in capsys.readouterr().err


@pytest.mark.parametrize("speed", ["nan", "inf", "-1", "1e7"])
def test_a_speed_the_simulator_cannot_run_is_a_usage_error(speed: str, capsys: pytest.CaptureFixture[str]) -> None:
    from oncall_tui import cli
    from oncall_tui.sim.clock import MAX_SPEED

    assert cli._MAX_SPEED == MAX_SPEED
    with pytest.raises(SystemExit) as exit_info:
        main(["sim", "--speed", speed])
    assert exit_info.value.code == 2
    assert "expected a number from 0 to 1e+06" in capsys.readouterr().err


def test_unknown_scenario_names_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--scenario", "nope"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "default" in err and "outage" in err and "large" in err


def test_bad_fault_spec_says_what_is_expected(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--faults", "rate=2"]) == 2
    assert "expected a ratio between 0 and 1" in capsys.readouterr().err


@pytest.fixture
def sim_process(tmp_path: Path) -> Iterator[SimProcess]:
    with running_sim("--scenario", "default", "--config-out", str(tmp_path / "cfg.toml")) as sim:
        yield sim


def test_sim_prints_url_and_credentials_and_writes_a_private_config(sim_process: SimProcess, tmp_path: Path) -> None:
    url = sim_process.value("URL")
    assert url.startswith("http://127.0.0.1:")
    cfg_path = tmp_path / "cfg.toml"
    assert stat.S_IMODE(os.stat(cfg_path).st_mode) == 0o600
    config = tomllib.loads(cfg_path.read_text())
    jira = config["jira"]
    assert jira["url"] == url
    assert jira["deployment"] == "cloud"
    assert jira["email"] == sim_process.value("E-mail")
    assert jira["token"] == sim_process.value("API token")
    assert config["queues"], "the written config must define queues"
    # The written config really connects: basic auth with the printed e-mail and token.
    me = httpx.get(f"{url}/rest/api/3/myself", auth=(jira["email"], jira["token"]), timeout=10)
    assert me.status_code == 200
    assert me.json()["emailAddress"] == jira["email"]
    wrong = httpx.get(f"{url}/rest/api/3/myself", auth=(jira["email"], "wrong"), timeout=10)
    assert wrong.status_code == 401


def test_sim_stops_by_itself_after_exit_after(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "sim", "--exit-after", "0.5"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0
    assert "URL:" in proc.stdout
