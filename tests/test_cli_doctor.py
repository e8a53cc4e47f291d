"""`oncall-tui doctor`: every check in order against the simulator, the failures it must explain, and that
the API token never appears in its output."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from oncall_tui.cli import main
from oncall_tui.cli_sim import sim_config, write_private_toml
from oncall_tui.sim.server import SimServer, build_site
from tests.conftest import FROZEN_START, TEST_TOKEN, start_sim
from tests.sim_process import PROXY_VARS, run_cli, running_sim
from tests.test_cli_list import write_sim_config

ORDER = [
    "Config",
    "Token",
    "DNS",
    "TCP",
    "TLS",
    "Proxy",
    "Jira",
    "Auth",
    "Permissions",
    "JSM agent",
    "SLA fields",
    "Queue",
    "Clock",
]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def doctor(capsys: pytest.CaptureFixture[str], config: Path) -> tuple[int, str, str]:
    code = main(["--config", str(config), "doctor"])
    out, err = capsys.readouterr()
    return code, out, err


def lines_of(out: str) -> dict[str, list[tuple[str, str]]]:
    """Check name -> [(mark, detail)] from the doctor's output."""
    found: dict[str, list[tuple[str, str]]] = {}
    for line in out.splitlines():
        if line.startswith(" ") and not line.startswith("   "):
            mark, rest = line[1:].split(" ", 1)
            name = next((n for n in sorted(ORDER, key=len, reverse=True) if rest.startswith(n)), None)
            if name is not None:
                found.setdefault(name, []).append((mark, rest[len(name) :].strip()))
    return found


def marks(out: str) -> dict[str, set[str]]:
    return {name: {m for m, _ in entries} for name, entries in lines_of(out).items()}


def test_passes_against_the_simulator_in_order_and_never_prints_the_token(
    sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    login = sim.login()
    config = tmp_path / "inline.toml"
    # The inline token of `sim --config-out`: the worst case for leaking it.
    write_private_toml(config, sim_config(login.url, login.flavour, login.email, login.username, login.token))
    code, out, err = doctor(capsys, config)
    assert code == 0, out
    assert TEST_TOKEN not in out + err
    names = [n for n in lines_of(out)]
    assert names == ORDER
    found = marks(out)
    for name in ORDER:
        assert "✗" not in found[name] and "–" not in found[name], (name, out)
    assert found["Auth"] == {"✓"} and found["Permissions"] == {"✓"} and found["JSM agent"] == {"✓"}
    details = lines_of(out)
    assert "Anna Schmidt" in details["Auth"][0][1]
    assert "Time to resolution (customfield_10030)" in details["SLA fields"][0][1]
    assert len(details["Queue"]) == 5 and all("JQL valid" in d for _, d in details["Queue"])
    # The inline token and the frozen clock (months off this machine's) are warnings, not failures.
    assert any(m == "!" and "the API token is stored in the config file" in d for m, d in details["Config"])
    assert details["Clock"][0][0] == "!"
    assert "All checks passed" in out.splitlines()[-1]


def test_data_center_passes_with_bearer_auth(
    dc_sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = doctor(capsys, write_sim_config(tmp_path, dc_sim))
    assert code == 0, out
    details = lines_of(out)
    assert "Data Center" in details["Jira"][0][1]
    assert "bearer (personal access token)" in details["Auth"][0][1]
    assert "from the file" in details["Token"][0][1]


def test_sim_process_config_passes_doctor_as_a_process(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    with running_sim("--config-out", str(config)) as sim:
        token = sim.value("API token")
        done = run_cli("--config", str(config), "doctor")
    assert done.returncode == 0, done.stdout
    assert token not in done.stdout + done.stderr
    # The simulator runs on this machine's clock: no skew.
    assert marks(done.stdout)["Clock"] == {"✓"}


def test_wrong_token_fails_auth_and_skips_what_needs_it(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "wrong-token-5551234"
    code, out, err = doctor(capsys, write_sim_config(tmp_path, sim_ro, token=wrong))
    assert code == 1
    assert wrong not in out + err and TEST_TOKEN not in out + err
    found = marks(out)
    assert found["Jira"] == {"✓"}
    assert found["Auth"] == {"✗"}
    assert "did not accept the credentials (auth: basic" in out
    assert "→ Check `email` and the API token" in out
    for name in ("Permissions", "JSM agent", "SLA fields", "Queue"):
        assert found[name] == {"–"}
    assert "skipped: needs Auth" in out
    assert "1 check failed" in out.splitlines()[-1]


def test_closed_port_fails_tcp_with_a_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = start_sim()
    config = write_sim_config(tmp_path, server)
    server.stop()
    code, out, _ = doctor(capsys, config)
    assert code == 1
    found = marks(out)
    assert found["DNS"] == {"✓"} and found["TCP"] == {"✗"}
    assert "Connection refused" in out and "→ Is Jira up" in out
    for name in ("TLS", "Jira", "Auth", "Queue", "Clock"):
        assert found[name] == {"–"}, name


def test_html_answering_endpoint_fails_jira_with_the_login_page_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_sim(faults="html=1")
    try:
        code, out, _ = doctor(capsys, write_sim_config(tmp_path, server))
    finally:
        server.stop()
    assert code == 1
    found = marks(out)
    assert found["TCP"] == {"✓"} and found["Jira"] == {"✗"}
    assert "An HTML page answered instead of Jira" in out and "Sign in - Corporate SSO" in out
    assert found["Auth"] == {"–"}


@pytest.fixture
def tls_sim(tmp_path: Path) -> Iterator[tuple[SimServer, Path]]:
    ca = trustme.CA()
    server_pem = tmp_path / "server.pem"
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(str(server_pem))
    ca_pem = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    state = build_site(flavour="cloud", speed=0.0, start=FROZEN_START, token=TEST_TOKEN)
    server = SimServer(state, ssl_certfile=str(server_pem)).start()
    yield server, ca_pem
    server.stop()


def test_untrusted_certificate_fails_tls_with_the_ca_bundle_fix(
    tls_sim: tuple[SimServer, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server, ca_pem = tls_sim
    code, out, _ = doctor(capsys, write_sim_config(tmp_path, server))
    assert code == 1
    found = marks(out)
    assert found["TCP"] == {"✓"} and found["TLS"] == {"✗"} and found["Jira"] == {"–"}
    assert "certificate is not trusted" in out
    assert 'ca_bundle = "/path/to/company-ca.pem"' in out and 'ca_bundle = "system"' in out
    # With the company CA configured, the same server passes.
    code, out, _ = doctor(capsys, write_sim_config(tmp_path, server, ca_bundle=str(ca_pem)))
    assert code == 0, out
    assert "TLSv1" in lines_of(out)["TLS"][0][1]


def test_missing_config_is_exit_3_pointing_to_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = doctor(capsys, tmp_path / "none.toml")
    assert code == 3
    assert marks(out)["Config"] == {"✗"} and "oncall-tui init" in out
    assert marks(out)["Auth"] == {"–"}


def test_missing_token_env_fails_token_but_checks_the_network(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ONCALL_TEST_TOKEN", raising=False)
    config = write_sim_config(tmp_path, sim_ro, token_env="ONCALL_TEST_TOKEN")
    code, out, _ = doctor(capsys, config)
    assert code == 1
    found = marks(out)
    assert found["Token"] == {"✗"} and "ONCALL_TEST_TOKEN" in out
    assert found["TCP"] == {"✓"} and found["Jira"] == {"✓"}
    assert found["Auth"] == {"–"} and "skipped: needs Token" in out


def test_missing_permissions_and_agent_role_fail_with_fixes(
    sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.state.denied_permissions = {"ASSIGN_ISSUES", "SERVICEDESK_AGENT"}
    code, out, _ = doctor(capsys, write_sim_config(tmp_path, sim))
    assert code == 1
    details = lines_of(out)
    assert details["Permissions"][0] == ("✗", "missing: assign (have: browse, comment, transition)")
    assert details["JSM agent"][0][0] == "✗" and "not an agent" in details["JSM agent"][0][1]
    assert "Service Desk Team" in out
    assert marks(out)["SLA fields"] == {"✓"}  # the rest still runs


def test_invalid_queue_jql_fails_that_queue_only(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queues = [
        {"name": "Good", "jql": "project = OPS ORDER BY priority DESC"},
        {"name": "Broken", "jql": "project = = OPS"},
    ]
    config = write_sim_config(tmp_path, sim_ro, queues=queues)
    code, out, _ = doctor(capsys, config)
    assert code == 1
    queue_lines = lines_of(out)["Queue"]
    assert queue_lines[0][0] == "✓" and queue_lines[0][1].startswith('"Good": JQL valid, about ')
    assert queue_lines[1][0] == "✗" and queue_lines[1][1].startswith('"Broken": Jira rejected the JQL')
    assert f"Fix the queue's jql in {config}" in out


def test_proxy_from_the_environment_is_what_dns_and_tcp_check(
    sim_ro: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_sim_config(tmp_path, sim_ro)
    monkeypatch.setenv("HTTP_PROXY", "http://user:secret@127.0.0.1:9")
    code, out, _ = doctor(capsys, config)
    assert code == 1
    details = lines_of(out)
    assert details["TCP"][0][0] == "✗" and "127.0.0.1:9" in details["TCP"][0][1]
    assert "→ Is the proxy 127.0.0.1:9 from HTTP_PROXY right" in out
    assert details["Proxy"][0] == ("✓", f"HTTP_PROXY = http://127.0.0.1:9 applies to {sim_ro.url}")
    assert "secret" not in out
    # NO_PROXY exempts the host: a direct connection again.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    code, out, _ = doctor(capsys, config)
    assert code == 0, out
    assert "NO_PROXY excludes it" in lines_of(out)["Proxy"][0][1]


def test_ascii_fallback_when_the_output_cannot_encode_the_marks(
    sim_ro: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", stream)
    code = main(["--config", str(write_sim_config(tmp_path, sim_ro, token="wrong-token-5551234")), "doctor"])
    stream.flush()
    out = raw.getvalue().decode("ascii")
    assert code == 1
    assert " ok DNS" in out and " XX Auth" in out and " -- Permissions" in out and " !! Clock" in out
    assert "-> Check `email`" in out


def test_site_that_hides_server_info_from_anonymous_callers_still_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_sim(faults="status=401,paths=/rest/api/2/serverInfo")
    try:
        code, out, _ = doctor(capsys, write_sim_config(tmp_path, server, deployment="cloud"))
    finally:
        server.stop()
    assert code == 0, out
    details = lines_of(out)
    assert details["Jira"][0] == ("✓", f"Jira answers at {server.url} (it wants a login even for serverInfo)")
    assert details["Auth"][0][0] == "✓"
    assert details["Clock"][0] == ("–", "not checked: Jira does not tell its time without a login")
