"""Injected faults, over HTTP: rate limiting, server errors, SSO login pages, dropped connections, latency.

Faults are set through the control API (`POST /_sim/faults`), seeded so every run sees the same dice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from oncall_tui.sim.faults import Faults, FaultSpecError, parse_faults
from oncall_tui.sim.server import SimServer
from tests.conftest import http_client
from tests.openapi_check import validate_response

MYSELF = "/rest/api/3/myself"
SERVER_INFO = "/rest/api/3/serverInfo"
RESET_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z")


def set_faults(client: httpx.Client, spec: str) -> dict[str, Any]:
    response = client.post("/_sim/faults", json={"spec": spec})
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


@pytest.fixture
def api(sim_ro: SimServer, api_ro: httpx.Client) -> Iterator[httpx.Client]:
    """The module's simulator, with its faults cleared after each test (faults are per site)."""
    yield api_ro
    sim_ro.set_faults(None)


def answers_normally(client: httpx.Client, path: str = MYSELF) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    validate_response(response)


# ---- the spec ------------------------------------------------------------------------------------------------


def test_parse_faults_reads_every_key() -> None:
    spec = "rate=0.2,retry-after=3,5xx=0.1,latency=50-300ms,drop=0.05,html=0.01,status=403,paths=/rest/api/3,seed=9"
    assert parse_faults(spec) == Faults(
        rate=0.2,
        retry_after=3,
        server_error=0.1,
        latency_ms=(50, 300),
        drop=0.05,
        html=0.01,
        status=403,
        paths="/rest/api/3",
        seed=9,
    )
    assert parse_faults("latency=1-2s").latency_ms == (1000, 2000)
    assert parse_faults("latency=0.5s").latency_ms == (500, 500)
    assert parse_faults(" 429=1 , ").rate == 1.0
    assert parse_faults(None) == parse_faults("") == Faults()
    assert not Faults().active and parse_faults("latency=5ms").active


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rate", "faults: 'rate': expected key=value"),
        ("rate=2", "faults: rate=2: expected a ratio between 0 and 1"),
        ("5xx=-0.1", "faults: 5xx=-0.1: expected a ratio between 0 and 1"),
        ("drop=often", "faults: drop=often: expected a ratio between 0 and 1"),
        ("html=1.5", "faults: html=1.5: expected a ratio between 0 and 1"),
        ("retry-after=2.5", "faults: retry-after=2.5: expected whole seconds"),
        ("latency=soon", "faults: latency=soon: expected a duration like 200ms or 1.5s"),
        ("latency=300-50ms", "faults: latency=300-50ms: expected MIN-MAX with MIN <= MAX"),
        ("status=200", "faults: status=200: expected an HTTP error status 400-599"),
        ("status=teapot", "faults: status=teapot: expected an HTTP error status 400-599"),
        ("seed=x", "faults: seed=x: expected an integer"),
        ("speed=2", "faults: unknown key 'speed' (known: rate, retry-after, 5xx, latency, drop, html, status"),
    ],
)
def test_parse_faults_explains_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        parse_faults(spec)
    assert str(caught.value).startswith(message)


def test_control_api_refuses_bad_specs_and_keeps_the_faults(api: httpx.Client) -> None:
    set_faults(api, "rate=0.5,seed=1")
    response = api.post("/_sim/faults", json={"spec": "rate=2"})
    assert response.status_code == 400
    assert response.json()["errorMessages"] == ["faults: rate=2: expected a ratio between 0 and 1"]
    assert api.get("/_sim/state").json()["faults"]["rate"] == 0.5
    assert api.post("/_sim/faults", json={"spec": 7}).status_code == 400


# ---- what the client sees --------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_jira_headers(api: httpx.Client) -> None:
    set_faults(api, "rate=1,retry-after=7,seed=1")
    for path in (MYSELF, SERVER_INFO, "/rest/servicedeskapi/servicedesk"):
        response = api.get(path)
        assert response.status_code == 429, path
        validate_response(response)
        headers = response.headers
        assert headers["retry-after"] == "7"
        assert int(headers["x-ratelimit-limit"]) > 0
        assert int(headers["x-ratelimit-remaining"]) == 0
        assert RESET_FORMAT.fullmatch(headers["x-ratelimit-reset"]), headers["x-ratelimit-reset"]
        assert headers["ratelimit-reason"].startswith("jira-")
        assert response.json()["errorMessages"]


def test_server_errors_are_5xx_and_503_says_when_to_retry(api: httpx.Client) -> None:
    set_faults(api, "5xx=1,retry-after=4,seed=6")
    statuses = []
    for _ in range(6):
        response = api.get(SERVER_INFO)
        statuses.append(response.status_code)
        assert response.status_code in (500, 502, 503, 504)
        assert response.json()["errorMessages"]
        if response.status_code == 503:
            validate_response(response)
            assert response.headers["retry-after"] == "4"
    assert 503 in statuses and len(set(statuses)) > 1, statuses


def test_the_same_seed_throws_the_same_dice(api: httpx.Client) -> None:
    runs = []
    for _ in range(2):
        set_faults(api, "rate=0.5,seed=11")
        runs.append([api.get(SERVER_INFO).status_code for _ in range(8)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 429}, runs[0]


def test_html_login_page(api: httpx.Client) -> None:
    set_faults(api, "html=1")
    response = api.get(MYSELF)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<form" in response.text and "password" in response.text
    with pytest.raises(ValueError):
        response.json()
    with pytest.raises(AssertionError, match="expected a JSON body"):
        validate_response(response)


def test_dropped_connection(api: httpx.Client) -> None:
    set_faults(api, "drop=1")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.get(MYSELF)


@pytest.mark.parametrize(("status", "message"), [(403, "permission"), (404, "does not exist"), (401, "authenticated")])
def test_fixed_status(api: httpx.Client, status: int, message: str) -> None:
    set_faults(api, f"status={status}")
    response = api.get(SERVER_INFO)
    assert response.status_code == status
    assert message in response.json()["errorMessages"][0]
    if status == 401:  # the only one of them getServerInfo documents
        assert response.headers["www-authenticate"]
        validate_response(response)


def test_paths_limit_the_faults(api: httpx.Client) -> None:
    set_faults(api, f"status=500,paths={MYSELF}")
    assert api.get(MYSELF).status_code == 500
    answers_normally(api, SERVER_INFO)
    answers_normally(api, "/rest/api/3/priority")


def test_latency_still_answers(api: httpx.Client) -> None:
    set_faults(api, "latency=1-5ms,seed=2")
    answers_normally(api)
    answers_normally(api, SERVER_INFO)


def test_control_api_is_never_faulted(api: httpx.Client) -> None:
    set_faults(api, "status=500")
    assert api.get(MYSELF).status_code == 500
    state = api.get("/_sim/state")
    assert state.status_code == 200 and state.json()["faults"]["status"] == 500
    assert api.get("/_sim/issues/OPS-1").status_code == 200
    cleared = set_faults(api, "")
    assert cleared["faults"]["status"] is None
    answers_normally(api)


# ---- lose: the request is carried out, the answer is lost -------------------------------------------------------


def test_parse_faults_reads_lose() -> None:
    faults = parse_faults("lose=0.25,paths=/rest/api/3/issue/OPS-1/comment")
    assert faults.lose == 0.25 and faults.active
    assert faults.paths == "/rest/api/3/issue/OPS-1/comment"
    assert faults.describe()["lose"] == 0.25
    assert not parse_faults("lose=0").active
    with pytest.raises(FaultSpecError, match=r"^faults: lose=1\.5: expected a ratio between 0 and 1$"):
        parse_faults("lose=1.5")
    with pytest.raises(FaultSpecError, match=r"known: .*lose"):
        parse_faults("loose=1")


def test_lost_answer_after_the_comment_was_stored(sim: SimServer) -> None:
    path = "/rest/api/3/issue/OPS-1/comment"
    body = {"body": {"type": "doc", "version": 1, "content": [_paragraph("Rolled back the deploy")]}}
    with http_client(sim) as client:
        before = len(client.get("/_sim/issues/OPS-1").json()["comments"])
        sim.set_faults(f"lose=1,paths={path}")
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(path, json=body)
        comments = client.get("/_sim/issues/OPS-1").json()["comments"]
        assert len(comments) == before + 1
        assert comments[-1]["text"] == "Rolled back the deploy"
        # Only the targeted path loses answers; reads still work.
        assert client.get("/rest/api/3/issue/OPS-1").status_code == 200


def test_dropped_request_stores_nothing(sim: SimServer) -> None:
    path = "/rest/api/3/issue/OPS-1/comment"
    body = {"body": {"type": "doc", "version": 1, "content": [_paragraph("Never arrives")]}}
    with http_client(sim) as client:
        before = len(client.get("/_sim/issues/OPS-1").json()["comments"])
        sim.set_faults(f"drop=1,paths={path}")
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(path, json=body)
        assert len(client.get("/_sim/issues/OPS-1").json()["comments"]) == before


def _paragraph(text: str) -> dict[str, Any]:
    return {"type": "paragraph", "content": [{"type": "text", "text": text}]}
