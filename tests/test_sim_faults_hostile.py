"""The simulator's hostile faults, seen with a plain HTTP client: what a drill gets from each.

trickle, bomb, echo-auth, huge-text, bad-issue and endless-pages (see sim/faults.py). The simulator's own
answers underneath stay valid against Atlassian's specs (the fixtures check every one when they stop).
"""

from __future__ import annotations

import base64
import json
import time
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from oncall_tui.sim.faults import Faults, FaultSpecError, parse_faults
from oncall_tui.sim.server import SimServer
from tests.conftest import TEST_TOKEN, http_client, start_sim
from tests.openapi_check import validate_response

MYSELF = "/rest/api/3/myself"
SEARCH = "/rest/api/3/search/jql"
OPEN = {"jql": "project = OPS AND statusCategory != Done ORDER BY key ASC", "fields": ["summary"], "maxResults": 100}


@pytest.fixture
def api(sim_ro: SimServer, api_ro: httpx.Client) -> Iterator[httpx.Client]:
    yield api_ro
    sim_ro.set_faults(None)


def set_faults(client: httpx.Client, spec: str) -> None:
    response = client.post("/_sim/faults", json={"spec": spec})
    assert response.status_code == 200, response.text


def test_parse_reads_every_hostile_key() -> None:
    spec = "trickle=20,bomb=64,echo-auth=html,huge-text=5000,bad-issue=2,endless-pages=same"
    assert parse_faults(spec) == Faults(
        trickle=20, bomb_mb=64, echo_auth="html", huge_text=5000, bad_issue=2, endless_pages="same"
    )
    assert all(parse_faults(s).active for s in ("trickle=1", "bomb=1", "echo-auth=400", "endless-pages=empty"))
    assert parse_faults("bad-issue=2").describe()["bad-issue"] == 2


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("trickle=0", "faults: trickle=0: expected a whole number from 1 to 10000000"),
        ("bomb=lots", "faults: bomb=lots: expected a whole number from 1 to 4096"),
        ("echo-auth=yes", "faults: echo-auth=yes: expected one of 400, html, redirect"),
        ("endless-pages=forever", "faults: endless-pages=forever: expected one of empty, same, loop"),
    ],
)
def test_parse_explains_bad_hostile_specs(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        parse_faults(spec)
    assert str(caught.value).startswith(message)


def test_unknown_keys_list_the_hostile_ones_too() -> None:
    with pytest.raises(FaultSpecError) as caught:
        parse_faults("teapot=1")
    assert "seed, trickle, bomb, echo-auth, huge-text, bad-issue, endless-pages)" in str(caught.value)


def test_trickle_sends_the_whole_answer_slowly(api: httpx.Client) -> None:
    whole = api.get(MYSELF)
    set_faults(api, f"trickle=2000,paths={MYSELF}")
    started = time.monotonic()
    chunks: list[bytes] = []
    with api.stream("GET", MYSELF) as response:
        chunks.extend(response.iter_raw())
    elapsed = time.monotonic() - started
    assert b"".join(chunks) == whole.content and len(chunks) > 3
    # 200 bytes every 0.1 s: one pause fewer than there are pieces.
    pauses = -(-len(whole.content) // 200) - 1
    assert elapsed >= 0.9 * pauses * 0.1, elapsed


def test_bomb_inflates_far_beyond_its_size(api: httpx.Client) -> None:
    set_faults(api, "bomb=8")
    with api.stream("GET", MYSELF) as response:
        raw = b"".join(response.iter_raw())
    assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
    inflated = zlib.decompress(raw, zlib.MAX_WBITS | 16)
    assert len(inflated) > 8 * 1024 * 1024 > 100 * len(raw)
    assert inflated.startswith(b'{"issues":[')


def test_echo_auth_quotes_the_credentials_back(api: httpx.Client, sim_ro: SimServer) -> None:
    login = sim_ro.login()
    credential = base64.b64encode(f"{login.email}:{login.token}".encode()).decode()
    set_faults(api, "echo-auth=400")
    refused = api.get(MYSELF)
    assert refused.status_code == 400 and login.token in refused.text and credential in refused.text
    set_faults(api, "echo-auth=html")
    page = api.get(MYSELF)
    assert page.headers["content-type"].startswith("text/html") and f"<title>Session {login.token}" in page.text
    set_faults(api, "echo-auth=redirect")
    moved = api.get(MYSELF)
    assert moved.status_code == 302 and f"/login/{login.token}?token={login.token}" in moved.headers["location"]
    assert login.token == TEST_TOKEN


def test_huge_text_pads_every_issue(api: httpx.Client, sim_ro: SimServer) -> None:
    key = next(i.key for i in sim_ro.state.issues.values() if i.project_key == "OPS" and i.comments)
    set_faults(api, "huge-text=5000")
    page = api.post(SEARCH, json=OPEN).json()
    assert page["issues"] and all(len(i["fields"]["summary"]) == 5000 for i in page["issues"])
    issue = api.get(f"/rest/api/3/issue/{key}").json()
    description = issue["fields"]["description"]
    assert description["type"] == "doc" and len(description["content"][-1]["content"][0]["text"]) == 5000
    assert all(
        len(c["body"]["content"][-1]["content"][0]["text"]) == 5000 for c in issue["fields"]["comment"]["comments"]
    )


def test_bad_issue_breaks_the_first_issues_of_a_page(api: httpx.Client) -> None:
    whole = api.post(SEARCH, json=OPEN).json()["issues"]
    set_faults(api, "bad-issue=3")
    broken = api.post(SEARCH, json=OPEN).json()["issues"]
    assert len(broken) == len(whole)
    assert "key" not in broken[0] and isinstance(broken[1]["key"], int) and broken[2] == "not an issue"
    assert broken[3:] == whole[3:]


def test_dc_search_gets_bad_issues_too() -> None:
    server = start_sim(flavour="datacenter")
    try:
        with http_client(server) as client:
            set_faults(client, "bad-issue=1")
            page = client.post("/rest/api/2/search", json={**OPEN, "startAt": 0}).json()
        assert "key" not in page["issues"][0] and all("key" in i for i in page["issues"][1:])
    finally:
        server.stop()


def pages(client: httpx.Client, count: int) -> list[dict[str, Any]]:
    seen, body = [], dict(OPEN)
    for _ in range(count):
        page = client.post(SEARCH, json=body).json()
        seen.append(page)
        body = {**OPEN, "nextPageToken": page["nextPageToken"]}
    return seen


def test_endless_pages(api: httpx.Client) -> None:
    first = api.post(SEARCH, json=OPEN)
    validate_response(first)
    set_faults(api, "endless-pages=empty")
    empty = pages(api, 3)
    assert all(p["issues"] == [] and p["isLast"] is False for p in empty)
    assert len({p["nextPageToken"] for p in empty}) == 3
    set_faults(api, "endless-pages=same")
    same = pages(api, 3)
    assert all(p["issues"] == first.json()["issues"] and p["isLast"] is False for p in same)
    assert len({p["nextPageToken"] for p in same}) == 3
    set_faults(api, "endless-pages=loop")
    loop = pages(api, 2)
    assert loop[0]["nextPageToken"] == loop[1]["nextPageToken"]
    set_faults(api, "")
    assert json.loads(api.post(SEARCH, json=OPEN).content)["isLast"] is True
