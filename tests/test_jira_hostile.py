"""The client against hostile and failing servers, for real: the simulator's hostile faults over loopback HTTP
(a trickling answer, a gzip bomb, a 20 MB summary, unreadable issues, endless paging, echoed credentials)
and real network failures. Retries never wait for real (injected sleep); only the deadline test measures
real time, because a deadline is about real time.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest

from oncall_tui.config_schema import JiraConfig
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import (
    BadResponse,
    ConnectionLost,
    DeadlineExceeded,
    HtmlInsteadOfJson,
    JiraError,
    NetworkError,
    NotFound,
    PermissionDenied,
    PlainHttpServer,
    RateLimited,
    ServerError,
    ServiceUnavailable,
)
from oncall_tui.jira.parse import BODY_LIMIT, CUT_MARK, LINE_LIMIT
from oncall_tui.jira.transport import RetryPolicy, basic_auth_header, bearer_auth_header
from oncall_tui.sim.server import SimServer
from tests.conftest import TEST_TOKEN, start_sim
from tests.hostile_server import Answer, hostile_server
from tests.test_jira_client import FLAVOURS, FakeTime, Recorder, jira_config, make_client, ops_open, sim_post
from tests.test_jira_client import _no_proxy_env as _no_proxy_env  # autouse here too
from tests.test_jira_client_errors import closed_port

MYSELF = "/rest/api/3/myself"
OPEN = "project = OPS AND statusCategory != Done ORDER BY key ASC"


@pytest.fixture(params=FLAVOURS)
def site(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    server = start_sim(flavour=request.param)
    yield server
    server.stop()


def faults(sim: SimServer, spec: str) -> None:
    sim_post(sim, "faults", {"spec": spec})


def texts_of(error: JiraError) -> list[str]:
    """Everything of an error a person or a log could ever see."""
    params = {**getattr(error, "message_params", {}), **getattr(error, "hint_params", {})}
    return [
        str(error),
        repr(error),
        error.full_text,
        getattr(error, "message_id", ""),
        getattr(error, "hint_id", None) or "",
        error.detail or "",
        repr(error.args),
        *(str(v) for v in params.values()),
    ]


# Item 18: a trickling answer ------------------------------------------------------------------------------


async def test_a_trickling_answer_is_given_up_after_the_attempt_deadline(sim: SimServer) -> None:
    # 20 bytes a second: httpx's read timeout (0.5 s) never fires, the answer would take half a minute.
    faults(sim, f"trickle=20,paths={MYSELF}")
    config = jira_config(sim, timeout_seconds=0.5)  # the attempt deadline is 2 x timeout_seconds = 1 s
    async with JiraClient(config, TEST_TOKEN, retry=RetryPolicy(attempts=3)) as jira:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as caught:
            await jira.myself()
        elapsed = time.monotonic() - started
        faults(sim, "")
        me = await jira.myself()  # the next call is a fresh attempt on a healthy pool
    # The deadline, plus at most one silent read, plus slack for a busy machine; not retried meanwhile.
    assert 1.0 <= elapsed < 1.0 + 0.5 + 1.5, elapsed
    assert caught.value.message == "Jira's answer was still arriving after 1 s."
    assert caught.value.message_params == {"seconds": 1}
    assert not caught.value.unreachable
    assert me.account_id == sim.state.credentials[0].account_id


# Item 20: limits ------------------------------------------------------------------------------------------


async def test_a_gzip_bomb_is_stopped_at_the_decoded_size_cap(sim: SimServer) -> None:
    faults(sim, f"bomb=256,paths={MYSELF}")  # 256 KB on the wire, 256 MB inflated
    tracemalloc.start()
    try:
        async with make_client(sim) as jira:
            with pytest.raises(BadResponse) as caught:
                await jira.myself()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.message == "Jira's answer was larger than 32 MB; oncall-tui stopped reading it."
    assert caught.value.message_params == {"megabytes": 32}
    # The 32 MB read so far plus one inflation step, not the bomb's 256 MB.
    assert peak < 40 * 1024 * 1024, peak


async def test_a_20_mb_summary_is_cut_before_it_reaches_the_store(sim: SimServer) -> None:
    key = ops_open(sim.state)[0].key
    faults(sim, "huge-text=20000000")
    async with make_client(sim) as jira:
        found = await jira.search(f"key = {key}")
    (incident,) = found
    assert len(incident.summary) == LINE_LIMIT and incident.summary.endswith(CUT_MARK)
    assert incident.summary.startswith(sim.state.issues[key].summary)
    assert incident.cut_fields == ("summary",) and incident.was_cut


async def test_long_descriptions_and_comments_are_cut_and_marked(sim: SimServer) -> None:
    issue = next(i for i in ops_open(sim.state) if i.comments)
    faults(sim, "huge-text=1000000")
    async with make_client(sim) as jira:
        incident = await jira.get_issue(issue.key)
    assert len(incident.description_text) == BODY_LIMIT and incident.description_text.endswith(CUT_MARK)
    assert set(incident.cut_fields) == {"summary", "description"}
    assert incident.comments and all(c.cut and len(c.body_text) == BODY_LIMIT for c in incident.comments)
    faults(sim, "")
    async with make_client(sim) as jira:
        whole = await jira.get_issue(issue.key)
    assert whole.cut_fields == () and not whole.was_cut and not any(c.cut for c in whole.comments)


async def test_endless_empty_pages_stop_after_a_few(sim: SimServer) -> None:
    faults(sim, "endless-pages=empty")
    recorder = Recorder()
    async with make_client(sim, recorder=recorder) as jira:
        with pytest.raises(BadResponse) as caught:
            await jira.search(OPEN)
    # The first page (empty, yet promising more), then three empty pages of the keys-only listing of the rest.
    assert len(recorder.calls("POST", "/search/jql")) == 1 + 3
    assert caught.value.message_id == (
        "Jira's search sent {pages} empty pages in a row that still promised more; oncall-tui stopped."
    )
    assert caught.value.message_params == {"pages": 3}


async def test_endless_pages_stop_at_the_issue_cap(sim: SimServer) -> None:
    faults(sim, "endless-pages=same")  # the first page again and again, each time with a new token
    recorder = Recorder()
    open_now = len(ops_open(sim.state))
    async with JiraClient(
        jira_config(sim), TEST_TOKEN, http_transport=recorder, max_search_issues=3 * open_now
    ) as jira:
        with pytest.raises(BadResponse) as caught:
            await jira.search(OPEN)
    # The first page, then the keys-only listing of the rest: the same issues again until 3x the queue is passed.
    assert len(recorder.calls("POST", "/search/jql")) == 1 + 4
    assert caught.value.message == f"Jira's search found more than {3 * open_now} issues; oncall-tui stopped there."
    assert caught.value.hint == "Narrow the queue's JQL, or check what answers in Jira's place"


async def test_endless_small_pages_stop_at_the_page_cap(sim: SimServer) -> None:
    key = ops_open(sim.state)[0].key
    faults(sim, "endless-pages=same")  # one issue a page, forever
    recorder = Recorder()
    async with JiraClient(jira_config(sim), TEST_TOKEN, http_transport=recorder, max_search_issues=100) as jira:
        with pytest.raises(BadResponse) as caught:
            await jira.search(f"key = {key}", page_size=100)
    # The first page, then the keys-only listing: 100 issues fit a page of 5,000 keys; pages four times smaller
    # are allowed, smaller still is not.
    assert len(recorder.calls("POST", "/search/jql")) == 1 + 4
    assert caught.value.message == "Jira's search paging did not end after 4 pages."


# Item 21: one bad issue ---------------------------------------------------------------------------------


async def test_unreadable_issues_are_skipped_and_counted(site: SimServer) -> None:
    async with make_client(site) as jira:
        whole = await jira.search(OPEN, page_size=100)
        faults(site, "bad-issue=3")
        found = await jira.search(OPEN, page_size=100)
        keys = await jira.search_keys(OPEN, page_size=100)
    assert found.skipped == 3 and keys.skipped == 3
    assert [i.key for i in found] == [i.key for i in whole][3:]
    assert list(keys) == [i.key for i in whole][3:]
    assert whole.skipped == 0 and isinstance(found, list)


# Item 25: secrets -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["400", "html", "redirect"])
async def test_echoed_credentials_never_reach_a_message_or_a_log(
    site: SimServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="oncall_tui")
    login = site.login()
    if login.flavour == "cloud":
        credential = base64.b64encode(f"{login.email}:{login.token}".encode()).decode()
        secrets = (login.token, credential, f"Basic {credential}", f"{login.email}:{login.token}")
    else:
        secrets = (login.token, f"Bearer {login.token}")
    faults(site, f"echo-auth={mode}")
    async with make_client(site) as jira:
        with pytest.raises(JiraError) as caught:
            await jira.myself()
    expected = {"400": JiraError, "html": HtmlInsteadOfJson, "redirect": HtmlInsteadOfJson}[mode]
    assert isinstance(caught.value, expected)
    seen = texts_of(caught.value)
    assert "***" in " ".join(seen), seen  # the echo arrived, and was scrubbed
    for text in [*seen, caplog.text]:
        for secret in secrets:
            assert secret not in text
    if mode == "redirect":
        # The Location is quoted without its query string.
        assert caught.value.message_params == {"location": "https://sso.example.invalid/login/***"}


async def test_no_url_is_quoted_with_its_userinfo_or_query_string(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="oncall_tui")
    port = closed_port()
    url = f"http://anna:userinfo-secret@127.0.0.1:{port}/jira?token=query-secret"
    config = JiraConfig(url=url, deployment="cloud", email="a@example.com", verify_tls=False)
    time = FakeTime()
    async with JiraClient(config, TEST_TOKEN, sleep=time.sleep, clock=time.clock) as jira:
        with pytest.raises(NetworkError) as caught:
            await jira.myself()
    assert caught.value.message == f"Cannot reach Jira (http://127.0.0.1:{port}/jira)."
    for text in [*texts_of(caught.value), caplog.text]:
        assert "userinfo-secret" not in text and "query-secret" not in text


# Item 26: plain HTTP behind an https:// URL -----------------------------------------------------------------


async def test_an_https_url_to_a_plain_http_server_says_so(sim: SimServer) -> None:
    https = sim.url.replace("http://", "https://")
    time = FakeTime()
    async with JiraClient(jira_config(sim, url=https), TEST_TOKEN, sleep=time.sleep, clock=time.clock) as jira:
        with pytest.raises(PlainHttpServer) as caught:
            await jira.myself()
    assert caught.value.message == f"The server at {https} speaks plain HTTP, not HTTPS."
    assert caught.value.hint == f'If plain HTTP is intended, set url = "{sim.url}"; otherwise check the port in `url`'
    assert "certificate" not in caught.value.full_text
    assert caught.value.unreachable and caught.value.sent is False
    assert time.sleeps == []  # asking again does not make it speak TLS


# Items 19 and 22: waits and names -------------------------------------------------------------------------


async def test_an_enormous_retry_after_is_capped_and_not_waited_out(sim: SimServer) -> None:
    time, recorder = FakeTime(), Recorder()
    async with make_client(sim, time=time, recorder=recorder) as jira:
        faults(sim, "rate=1,retry-after=99999999999")
        with pytest.raises(RateLimited) as limited:
            await jira.myself()
        # With this seed the first answer is a 503 with Retry-After.
        faults(sim, f"5xx=1,seed=5,retry-after=99999999999,paths={MYSELF}")
        with pytest.raises(ServiceUnavailable) as unavailable:
            await jira.myself()
    assert limited.value.retry_after == unavailable.value.retry_after == 120.0
    assert limited.value.message == "Jira is rate-limiting requests and asks to wait 120 s."
    assert unavailable.value.message == "Jira is temporarily unavailable (HTTP 503) and asks to wait 120 s."
    assert isinstance(unavailable.value, ServerError) and not isinstance(unavailable.value, RateLimited)
    assert time.sleeps == [] and len(recorder.requests) == 2


async def test_a_503_with_a_short_retry_after_is_waited_out_for_reads_not_for_writes(sim: SimServer) -> None:
    key = ops_open(sim.state)[0].key
    comment = f"/rest/api/3/issue/{key}/comment"
    time, recorder = FakeTime(), Recorder()
    async with make_client(sim, time=time, recorder=recorder) as jira:
        faults(sim, f"5xx=1,seed=5,retry-after=3,paths={comment}")
        with pytest.raises(ServiceUnavailable) as refused:
            await jira.add_comment(key, "Failover started.")
        assert time.sleeps == [] and len(recorder.calls("POST", comment)) == 1
        faults(sim, f"5xx=1,seed=5,retry-after=3,paths={MYSELF}")
        time.on_sleep = lambda _: faults(sim, "")
        me = await jira.myself()
    assert refused.value.retry_after == 3 and not refused.value.unreachable
    assert me.account_id == sim.state.credentials[0].account_id
    assert len(time.sleeps) == 1 and 3.0 <= time.sleeps[0] <= 4.0


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("drop=1", ConnectionLost),
        ("lose=1", ConnectionLost),
        ("rate=1,retry-after=1", RateLimited),
        ("5xx=1,seed=11", ServerError),
        ("html=1", HtmlInsteadOfJson),
        ("status=403", PermissionDenied),
        ("status=404", NotFound),
    ],
)
async def test_jira_answering_badly_is_not_unreachable(sim: SimServer, spec: str, kind: type[JiraError]) -> None:
    faults(sim, f"{spec},paths={MYSELF}")
    async with make_client(sim) as jira:
        with pytest.raises(kind) as caught:
            await jira.myself()
    if kind is ConnectionLost:
        assert "Cannot reach" not in caught.value.full_text
    assert caught.value.unreachable is False


async def test_only_a_jira_that_cannot_be_reached_is_unreachable(sim: SimServer) -> None:
    time = FakeTime()
    refused = JiraConfig(url=f"http://127.0.0.1:{closed_port()}", deployment="cloud", email="a@example.com")
    unknown = JiraConfig(url="https://jira.invalid", deployment="cloud", email="a@example.com")
    caught: list[JiraError] = []
    for config in (refused, unknown):
        async with JiraClient(config, TEST_TOKEN, sleep=time.sleep, clock=time.clock, connect_timeout=3) as jira:
            with pytest.raises(NetworkError) as failed:
                await jira.myself()
        caught.append(failed.value)
    assert [type(e).__name__ for e in caught] == ["NetworkError", "DnsError"]
    assert all(e.unreachable and e.sent is False for e in caught)


# Answers the simulator never gives, from a small real server ------------------------------------------------


def _deflate_bomb(megabytes: int) -> bytes:
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate, as many servers send it
    block = b" " * (1024 * 1024)
    return b"".join(deflate.compress(block) for _ in range(megabytes)) + deflate.flush()


def _answers(method: str, path: str) -> Answer:
    if path.startswith("/rest/api/3/myself"):
        return 200, {"Content-Type": "application/json", "Content-Encoding": "deflate"}, _deflate_bomb(64)
    whole = gzip.compress(json.dumps({"baseUrl": "https://jira.example", "deploymentType": "Cloud"}).encode())
    # A gzip stream that stops before its end: not the whole answer, however well the bytes decode.
    return 200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, whole[: len(whole) // 2]


async def test_a_deflate_bomb_and_a_cut_gzip_stream_are_refused() -> None:
    with hostile_server(_answers) as url:
        config = JiraConfig(url=url, deployment="cloud", email="anna@example.com")
        async with JiraClient(config, TEST_TOKEN, retry=RetryPolicy(attempts=1)) as jira:
            with pytest.raises(BadResponse) as bomb:
                await jira.myself()
            with pytest.raises(BadResponse) as cut:
                await jira.server_info()
    assert bomb.value.message == "Jira's answer was larger than 32 MB; oncall-tui stopped reading it."
    assert cut.value.message == "Jira sent a compressed answer that cannot be decompressed."


def test_every_spelling_of_the_credential_is_redacted() -> None:
    from oncall_tui.jira.redact import Redactor

    token = "ATATT3x+FfGF0/abc=="  # a token with the characters URLs and JSON escape
    header = basic_auth_header("anna@example.com", token)
    redact = Redactor(header)
    basic = header.reveal().split()[1]
    for spelled in (token, quote(token, safe=""), quote_plus(token), basic, f"anna@example.com:{token}"):
        assert redact(f"before {spelled} after") == "before *** after"
    assert redact("Basic authentication failed for anna@example.com") == (
        "Basic authentication failed for anna@example.com"
    )
    assert "ATATT" not in repr(redact)
    # A value too short to tell from a word is left alone rather than eating every "t".
    assert Redactor(bearer_auth_header("t"))("the text stays") == "the text stays"
