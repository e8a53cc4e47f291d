"""Every error the Jira client can raise, produced for real: simulator faults, closed ports, unresolvable
names, a dead proxy and an untrusted certificate. Retries are checked by the requests that really went out
and by the waits the injected sleep saw; no test waits for real.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from oncall_tui.config_schema import JiraConfig
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import (
    AuthError,
    ConnectionLost,
    DnsError,
    HtmlInsteadOfJson,
    InvalidJql,
    JiraError,
    NetworkError,
    NotFound,
    PermissionDenied,
    ProxyError,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TlsError,
)
from oncall_tui.jira.transport import RetryPolicy
from oncall_tui.sim.server import SimServer, build_site
from tests.conftest import FROZEN_START, TEST_TOKEN, http_client, start_sim
from tests.test_jira_client import (
    FLAVOURS,
    FakeTime,
    Recorder,
    assert_no_secret,
    jira_config,
    make_client,
    ops_open,
    sim_post,
    sim_view,
)
from tests.test_jira_client import _no_proxy_env as _no_proxy_env  # autouse here too

MYSELF = "/rest/api/3/myself"


@pytest.fixture(params=FLAVOURS)
def site(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    server = start_sim(flavour=request.param)
    yield server
    server.stop()


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def faults(sim: SimServer, spec: str) -> None:
    sim_post(sim, "faults", {"spec": spec})


# Jira says no --------------------------------------------------------------------------------------------


async def test_wrong_token_names_the_auth_mode(site: SimServer) -> None:
    wrong = "wrong-token-9f8e7d6c5b4a"
    async with make_client(site, token=wrong) as jira:
        with pytest.raises(AuthError) as caught:
            await jira.myself()
    cloud = site.login().flavour == "cloud"
    assert caught.value.auth_mode == ("basic" if cloud else "bearer")
    assert ("e-mail + API token" if cloud else "personal access token") in caught.value.message
    assert caught.value.status == 401
    assert_no_secret(caught.value, jira, secrets=(wrong, TEST_TOKEN))


async def test_denied_permission(site: SimServer) -> None:
    issue = next(i for i in ops_open(site.state) if i.assignee is None)
    sim_post(site, "permissions", {"deny": ["ASSIGN_ISSUES"]})
    async with make_client(site) as jira:
        with pytest.raises(PermissionDenied) as caught:
            await jira.assign_to_me(issue.key)
    assert sim_view(site, issue.key)["assignee"] is None
    assert "permission to assign" in caught.value.message
    assert_no_secret(caught.value)


async def test_unknown_issue_is_not_found(site: SimServer) -> None:
    async with make_client(site) as jira:
        with pytest.raises(NotFound) as on_issue:
            await jira.get_issue("OPS-99999")
        with pytest.raises(NotFound) as on_sla:
            await jira.sla("OPS-99999")
    assert on_issue.value.status == on_sla.value.status == 404
    assert_no_secret(on_issue.value, on_sla.value)


def direct_search_error(sim: SimServer, jql: str) -> str:
    """What the simulator itself answers to `jql`, asked without the client."""
    path = "/rest/api/3/search/jql" if sim.login().flavour == "cloud" else "/rest/api/2/search"
    with http_client(sim) as client:
        response = client.post(path, json={"jql": jql, "fields": ["key"]})
    assert response.status_code == 400
    message: str = response.json()["errorMessages"][0]
    return message


async def test_invalid_jql_carries_jiras_message(site: SimServer) -> None:
    jql = "project = OPS AND priority = ORDER BY key"
    jira_message = direct_search_error(site, jql)
    async with make_client(site) as jira:
        with pytest.raises(InvalidJql) as on_search:
            await jira.search(jql)
        with pytest.raises(InvalidJql) as on_count:
            await jira.approximate_count(jql)
    assert on_search.value.detail == jira_message
    assert jira_message in on_search.value.message
    assert on_count.value.detail == jira_message
    assert_no_secret(on_search.value, on_count.value)


# Busy or broken Jira: retries ----------------------------------------------------------------------------


async def test_rate_limited_after_the_configured_attempts_with_retry_after_waits(sim: SimServer) -> None:
    faults(sim, "rate=1,retry-after=1,seed=1")
    time, recorder = FakeTime(), Recorder()
    async with make_client(sim, time=time, recorder=recorder, retry=RetryPolicy(attempts=3)) as jira:
        with pytest.raises(RateLimited) as caught:
            await jira.myself()
    assert len(recorder.calls("GET", MYSELF)) == 3
    assert len(time.sleeps) == 2 and all(1.0 <= s <= 2.0 for s in time.sleeps)
    assert caught.value.retry_after == 1
    assert caught.value.reason == "jira-burst-based"
    assert "1 s" in caught.value.message
    assert_no_secret(caught.value)


async def test_rate_limit_then_success_waits_at_least_the_announced_time(sim: SimServer) -> None:
    faults(sim, "rate=1,retry-after=3,seed=1")
    time = FakeTime(on_sleep=lambda _: faults(sim, ""))
    async with make_client(sim, time=time) as jira:
        me = await jira.myself()
    assert me.account_id == sim.state.credentials[0].account_id
    assert len(time.sleeps) == 1 and 3.0 <= time.sleeps[0] <= 4.0


async def test_retry_after_beyond_the_cap_is_reported_at_once(sim: SimServer) -> None:
    faults(sim, "rate=1,retry-after=120")
    time, recorder = FakeTime(), Recorder()
    async with make_client(sim, time=time, recorder=recorder, retry=RetryPolicy(retry_after_max=60)) as jira:
        with pytest.raises(RateLimited) as caught:
            await jira.myself()
    assert time.sleeps == [] and len(recorder.requests) == 1
    assert caught.value.retry_after == 120
    assert "asks to wait 120 s" in caught.value.message


async def test_the_deadline_bounds_retries(sim: SimServer) -> None:
    faults(sim, "rate=1,retry-after=2")
    time, recorder = FakeTime(), Recorder()
    policy = RetryPolicy(attempts=10, retry_after_jitter=0, deadline=5)
    async with make_client(sim, time=time, recorder=recorder, retry=policy) as jira:
        with pytest.raises(RateLimited):
            await jira.myself()
    assert time.sleeps == [2.0, 2.0]
    assert len(recorder.requests) == 3


async def test_5xx_is_retried_then_server_error(sim: SimServer) -> None:
    # With this seed the simulator answers 504, 502, 504, 502: all worth retrying for a GET.
    faults(sim, f"5xx=1,seed=11,paths={MYSELF}")
    time, recorder = FakeTime(), Recorder()
    async with make_client(sim, time=time, recorder=recorder, retry=RetryPolicy(attempts=4)) as jira:
        with pytest.raises(ServerError) as caught:
            await jira.myself()
    assert len(recorder.requests) == 4 and len(time.sleeps) == 3
    assert caught.value.status in (502, 504)
    assert_no_secret(caught.value)


async def test_http_500_is_not_retried_but_502_is(sim: SimServer) -> None:
    time, recorder = FakeTime(), Recorder()
    async with make_client(sim, time=time, recorder=recorder, retry=RetryPolicy(attempts=3)) as jira:
        faults(sim, "status=500")
        with pytest.raises(ServerError) as on_500:
            await jira.myself()
        sent_500 = len(recorder.requests)
        faults(sim, "status=502")
        with pytest.raises(ServerError) as on_502:
            await jira.myself()
    assert (on_500.value.status, sent_500) == (500, 1)
    assert (on_502.value.status, len(recorder.requests) - sent_500) == (502, 3)


async def test_dropped_connections_are_retried_then_connection_lost(sim: SimServer) -> None:
    faults(sim, "drop=1")
    time, recorder = FakeTime(), Recorder()
    async with make_client(sim, time=time, recorder=recorder, retry=RetryPolicy(attempts=3)) as jira:
        with pytest.raises(NetworkError) as caught:
            await jira.myself()
    # Jira answered, then the connection broke: not "cannot reach Jira", and not offline.
    assert type(caught.value) is ConnectionLost and not caught.value.unreachable
    assert caught.value.message == "The connection broke off before Jira's answer was complete."
    assert len(recorder.requests) == 3 and len(time.sleeps) == 2
    assert_no_secret(caught.value)


async def test_a_dropped_connection_then_success(site: SimServer) -> None:
    faults(site, "drop=1")
    time = FakeTime(on_sleep=lambda _: faults(site, ""))
    async with make_client(site, time=time) as jira:
        found = await jira.search("project = OPS AND statusCategory != Done ORDER BY key ASC", page_size=50)
    assert {i.key for i in found} == {i.key for i in ops_open(site.state)}
    assert len(time.sleeps) == 1


async def test_html_login_page_instead_of_json(sim: SimServer) -> None:
    faults(sim, "html=1")
    time, recorder = FakeTime(), Recorder()
    async with make_client(sim, time=time, recorder=recorder) as jira:
        with pytest.raises(HtmlInsteadOfJson) as caught:
            await jira.myself()
    assert "Sign in - Corporate SSO" in (caught.value.hint or "")
    assert len(recorder.requests) == 1 and time.sleeps == []


async def test_stale_keep_alive_is_retried_for_reads(sim: SimServer) -> None:
    dropped: list[httpx.Request] = []

    def stale_once(request: httpx.Request) -> Exception | None:
        if dropped:
            return None
        dropped.append(request)
        return httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    time = FakeTime()
    async with make_client(sim, time=time, recorder=Recorder(fail=stale_once)) as jira:
        me = await jira.myself()
    assert me.account_id == sim.state.credentials[0].account_id
    assert len(time.sleeps) == 1


async def test_repeated_pool_timeouts_recreate_the_http_client(sim: SimServer) -> None:
    failures = 2

    def exhausted(request: httpx.Request) -> Exception | None:
        nonlocal failures
        if failures:
            failures -= 1
            return httpx.PoolTimeout("no connection available in the pool", request=request)
        return None

    time = FakeTime()
    policy = RetryPolicy(attempts=4, pool_timeouts_before_reset=2)
    async with make_client(sim, time=time, retry=policy, recorder=Recorder(fail=exhausted)) as jira:
        first = jira._http.client
        me = await jira.myself()
        second = jira._http.client
    assert me.account_id == sim.state.credentials[0].account_id
    assert jira.client_resets == 1 and first is not second
    assert len(time.sleeps) == 2


# Writes are never blindly repeated ---------------------------------------------------------------------------


async def test_a_comment_is_not_retried_after_5xx_or_a_dropped_connection(sim: SimServer) -> None:
    issue = ops_open(sim.state)[0]
    path = f"/rest/api/3/issue/{issue.key}/comment"
    before = len(sim_view(sim, issue.key)["comments"])
    time, recorder = FakeTime(), Recorder()
    seen: dict[int | None, type[JiraError]] = {}
    async with make_client(sim, time=time, recorder=recorder) as jira:
        # Seeds whose first answer is 504, 500, 502 and 503 (with Retry-After), and a cut connection.
        for spec in ("5xx=1,seed=0", "5xx=1,seed=1", "5xx=1,seed=3", "5xx=1,seed=5", "drop=1"):
            faults(sim, f"{spec},paths={path}")
            sent = len(recorder.calls("POST", path))
            with pytest.raises(JiraError) as caught:
                await jira.add_comment(issue.key, "Restarted the pool.")
            assert len(recorder.calls("POST", path)) == sent + 1, spec
            seen[caught.value.status] = type(caught.value)
            assert_no_secret(caught.value)
    assert seen == {504: ServerError, 500: ServerError, 502: ServerError, 503: ServiceUnavailable, None: ConnectionLost}
    assert time.sleeps == []
    assert len(sim_view(sim, issue.key)["comments"]) == before


async def test_a_comment_is_not_retried_after_a_stale_connection(sim: SimServer) -> None:
    issue = ops_open(sim.state)[0]
    before = len(sim_view(sim, issue.key)["comments"])

    def stale(request: httpx.Request) -> Exception | None:
        if request.method == "POST":
            return httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return None

    time, recorder = FakeTime(), Recorder(fail=stale)
    async with make_client(sim, time=time, recorder=recorder) as jira:
        with pytest.raises(NetworkError):
            await jira.add_comment(issue.key, "Restarted the pool.")
    assert len(recorder.calls("POST", "/comment")) == 1 and time.sleeps == []
    assert len(sim_view(sim, issue.key)["comments"]) == before


async def test_a_comment_is_retried_when_it_never_reached_jira(sim: SimServer) -> None:
    issue = ops_open(sim.state)[0]
    path = f"/rest/api/3/issue/{issue.key}/comment"
    before = len(sim_view(sim, issue.key)["comments"])
    refused = 2

    def pool_full(request: httpx.Request) -> Exception | None:
        nonlocal refused
        if request.method == "POST" and refused:
            refused -= 1
            return httpx.PoolTimeout("no connection available in the pool", request=request)
        return None

    time, recorder = FakeTime(), Recorder(fail=pool_full)
    async with make_client(sim, time=time, recorder=recorder, retry=RetryPolicy(attempts=4)) as jira:
        faults(sim, f"rate=1,retry-after=1,paths={path}")
        with pytest.raises(RateLimited):
            await jira.add_comment(issue.key, "Rate limited: rejected before Jira did anything.")
        limited = len(recorder.calls("POST", path))
        faults(sim, "")
        comment = await jira.add_comment(issue.key, "Sent once the pool had room.")
    assert limited == 4
    comments = sim_view(sim, issue.key)["comments"][before:]
    assert [c["text"] for c in comments] == ["Sent once the pool had room."]
    assert str(comments[0]["id"]) == comment.id


# The network between us and Jira -------------------------------------------------------------------------


async def test_connection_refused_is_a_network_error_and_retried(sim: SimServer) -> None:
    config = JiraConfig(url=f"http://127.0.0.1:{closed_port()}", deployment="cloud", email="a@example.com")
    time = FakeTime()
    async with JiraClient(
        config, TEST_TOKEN, sleep=time.sleep, clock=time.clock, retry=RetryPolicy(attempts=3)
    ) as jira:
        with pytest.raises(NetworkError) as on_get:
            await jira.myself()
        with pytest.raises(NetworkError) as on_post:
            await jira.add_comment("OPS-1", "never reached Jira, so it may be retried")
    for caught in (on_get, on_post):
        assert type(caught.value) is NetworkError
        assert "127.0.0.1" in caught.value.message
        assert_no_secret(caught.value, jira)
    assert len(time.sleeps) == 4


async def test_unresolvable_host_is_a_dns_error() -> None:
    config = JiraConfig(url="https://jira.invalid", deployment="cloud", email="a@example.com")
    time = FakeTime()
    async with JiraClient(
        config, TEST_TOKEN, sleep=time.sleep, clock=time.clock, connect_timeout=3, retry=RetryPolicy(attempts=2)
    ) as jira:
        with pytest.raises(DnsError) as caught:
            await jira.myself()
    assert "jira.invalid" in caught.value.message
    assert_no_secret(caught.value)


async def test_dead_proxy_from_the_environment_is_a_proxy_error(
    sim: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = f"http://proxyuser:proxy-secret-pw@127.0.0.1:{closed_port()}"
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    time = FakeTime()
    async with JiraClient(jira_config(sim), TEST_TOKEN, sleep=time.sleep, clock=time.clock) as jira:
        with pytest.raises(ProxyError) as caught:
            await jira.myself()
    assert "127.0.0.1" in caught.value.message and "proxy" in caught.value.message
    assert_no_secret(caught.value, secrets=(TEST_TOKEN, "proxy-secret-pw"))
    # The same client settings reach the simulator once the proxy is out of the way.
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.delenv("HTTPS_PROXY")
    async with JiraClient(jira_config(sim), TEST_TOKEN) as jira:
        assert (await jira.myself()).account_id == sim.state.credentials[0].account_id


@pytest.fixture
def tls_sim(tmp_path: Path) -> Iterator[tuple[SimServer, Path]]:
    ca = trustme.CA()
    server_pem = tmp_path / "server.pem"
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(str(server_pem))
    ca_pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    state = build_site(flavour="cloud", speed=0.0, start=FROZEN_START, token=TEST_TOKEN)
    server = SimServer(state, ssl_certfile=str(server_pem)).start()
    yield server, ca_pem
    server.stop()


async def test_untrusted_certificate_is_a_tls_error_suggesting_ca_bundle(tls_sim: tuple[SimServer, Path]) -> None:
    server, ca_pem = tls_sim
    assert server.url.startswith("https://")
    time = FakeTime()
    async with JiraClient(jira_config(server), TEST_TOKEN, sleep=time.sleep, clock=time.clock) as jira:
        with pytest.raises(TlsError) as caught:
            await jira.myself()
    assert "ca_bundle" in caught.value.full_text
    assert time.sleeps == []  # a certificate does not get better by asking again
    assert_no_secret(caught.value, jira)
    async with JiraClient(jira_config(server, ca_bundle=ca_pem), TEST_TOKEN) as jira:
        assert (await jira.myself()).account_id == server.state.credentials[0].account_id


def test_unreadable_ca_bundle_or_client_certificate_is_a_tls_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(TlsError) as on_ca:
        JiraClient(JiraConfig(url="https://jira.example", email="a@example.com", ca_bundle=missing), TEST_TOKEN)
    with pytest.raises(TlsError) as on_cert:
        JiraClient(JiraConfig(url="https://jira.example", email="a@example.com", client_cert=missing), TEST_TOKEN)
    assert str(missing) in on_ca.value.message and str(missing) in on_cert.value.message
