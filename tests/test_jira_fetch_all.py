"""A search read to the end, the cheap way (issue 10): on Cloud one search page with the fields, then a keys-only
listing and bulk fetches, several in flight; on Data Center the `startAt` pages in parallel once the first says
`total`. Counted and checked at the simulator (or, for concurrency, at a test server that answers a page only
when a second one is in), never by time."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.domain.incident import Incident
from oncall_tui.jira.client import LIST_FIELDS, JiraClient
from oncall_tui.jira.errors import ServerError
from oncall_tui.jira.paging import SearchResult
from oncall_tui.jira.transport import RetryPolicy
from oncall_tui.sync.poller import LoadProgress, QueuePoller
from oncall_tui.sync.store import IncidentStore
from tests.conftest import FROZEN_START, TEST_TOKEN, CheckedSimServer, start_sim
from tests.openapi_check import validate_request_body
from tests.test_jira_client import FakeTime, Recorder, key_order, sim_post
from tests.test_jira_client import _no_proxy_env as _no_proxy_env  # autouse here too

OPEN = "project = OPS AND statusCategory != Done ORDER BY key ASC"
SEARCH = "/rest/api/3/search/jql"
BULK = "/rest/api/3/issue/bulkfetch"


@pytest.fixture
def sim() -> Iterator[CheckedSimServer]:
    server = start_sim()
    yield server
    server.stop()


class InFlight(Recorder):
    """A real transport that also counts the bulk fetches open at once (sent, answer not yet read)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.open = self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        bulk = request.url.path == BULK
        if bulk:
            self.open += 1
            self.most = max(self.most, self.open)
        try:
            return await super().handle_async_request(request)
        finally:
            if bulk:
                self.open -= 1


def client_for(
    sim: CheckedSimServer,
    *,
    recorder: Recorder | None = None,
    time: FakeTime | None = None,
    retry: RetryPolicy | None = None,
    **kwargs: Any,
) -> JiraClient:
    login = sim.login()
    cloud = login.flavour == "cloud"
    config = JiraConfig(
        url=login.url, deployment="cloud" if cloud else "datacenter", email=login.email if cloud else None
    )
    time = time or FakeTime()
    return JiraClient(
        config,
        Secret(login.token),
        now=lambda: FROZEN_START,
        sleep=time.sleep,
        clock=time.clock,
        http_transport=recorder,
        retry=retry,
        **kwargs,
    )


def open_keys(sim: CheckedSimServer) -> list[str]:
    state = sim.state
    keys = [
        i.key
        for i in state.issues.values()
        if i.project_key == "OPS" and state.statuses[i.status_id].category != "done"
    ]
    return sorted(keys, key=key_order)


def served(sim: CheckedSimServer, path: str) -> list[dict[str, Any]]:
    """The simulator's answers to POST `path` (an exchange is recorded once its answer is sent)."""
    return [json.loads(ex.body) for ex in sim.exchanges if ex.method == "POST" and ex.path == path]


def bodies(recorder: Recorder, path: str) -> list[dict[str, Any]]:
    return [json.loads(r.content) for r in recorder.requests if r.method == "POST" and r.url.path == path]


def keys_of(pages: list[SearchResult[Incident]]) -> list[str]:
    return [i.key for page in sorted(pages, key=lambda p: p.start) for i in page]


# Cloud: keys and bulk fetch ----------------------------------------------------------------------------------


async def test_the_first_page_is_a_full_search_handed_out_before_any_bulk_fetch_is_answered(
    sim: CheckedSimServer,
) -> None:
    expected = open_keys(sim)
    recorder = Recorder()
    async with client_for(sim, recorder=recorder, page_size=4) as jira:
        sla = await jira.sla_fields()
        pages = jira.search_pages(OPEN)
        first = await pages.__anext__()
        # What had been asked and answered when the first rows were in the caller's hands.
        searched, answered = bodies(recorder, SEARCH), len(served(sim, BULK))
        rest = [page async for page in pages]
    assert [i.key for i in first] == expected[:4]
    assert len(searched) == 1 and searched[0]["fields"] == [*LIST_FIELDS, *sla] and answered == 0
    # The rest came by bulk fetch, with the same fields and properties as the search.
    fetches = bodies(recorder, BULK)
    assert fetches and len(fetches) == len(rest) == len(served(sim, BULK))
    assert all(b["fields"] == searched[0]["fields"] and b["properties"] == searched[0]["properties"] for b in fetches)
    assert first.start == 0
    assert keys_of([first, *rest]) == expected


async def test_a_big_queue_arrives_complete_and_once_through_keys_and_bulk_fetch() -> None:
    server = start_sim(scenario="large")
    try:
        keys = open_keys(server)[:1050]
        # Every open incident up to the 1,050th: 3 pages of keys at 500 a page.
        jql = f'project = OPS AND statusCategory != Done AND key <= "{keys[-1]}" ORDER BY key ASC'
        recorder = InFlight()
        async with client_for(server, recorder=recorder, keys_page_size=500) as jira:
            await jira.sla_fields()
            pages = [page async for page in jira.search_pages(jql)]
            in_order = await jira.search(jql)
    finally:
        server.stop()
    assert keys_of(pages) == keys and sum(len(p) for p in pages) == len(keys) == 1050
    # In Jira's order when collected, whatever order the pages came in.
    assert [i.key for i in in_order] == keys
    # 1 search page + ceil(1050 / 500) key pages + ceil((1050 - 100) / 100) bulk fetches, for each of the two reads.
    searches, fetches = bodies(recorder, SEARCH), bodies(recorder, BULK)
    assert len(searches) == 2 * (1 + 3) and len(fetches) == 2 * 10
    assert [b["fields"] for b in searches[:4]] == [searches[0]["fields"], ["key"], ["key"], ["key"]]
    assert [b["maxResults"] for b in searches[:4]] == [100, 500, 500, 500]
    assert sorted(k for b in fetches[:10] for k in b["issueIdsOrKeys"]) == sorted(keys[100:])
    assert all(len(b["issueIdsOrKeys"]) <= 100 for b in fetches)
    for body in fetches[:1]:
        validate_request_body("POST", BULK, body)
    # Several at once, never more than the client's limit: only the pages in flight are held.
    assert 1 < recorder.most <= jira.in_flight == 4
    # Once the key list is complete, the pages say how many the search returns.
    assert pages[-1].total == 1050


async def test_an_issue_gone_between_the_key_list_and_the_bulk_fetch_is_left_out(sim: CheckedSimServer) -> None:
    expected = open_keys(sim)
    gone = expected[-1]

    def delete_before_the_first_fetch(request: httpx.Request) -> None:
        if request.url.path == BULK and gone in sim.state.issues:
            httpx.delete(f"{sim.url}/_sim/issues/{gone}", timeout=10).raise_for_status()

    store = IncidentStore()
    progress: list[LoadProgress | None] = []
    async with client_for(sim, recorder=Recorder(fail=delete_before_the_first_fetch), page_size=4) as jira:
        await jira.sla_fields()
        poller = QueuePoller(jira, store, "open", OPEN, on_progress=progress.append)
        await poller.poll(FROZEN_START)
    assert sorted(store.keys("open"), key=key_order) == expected[:-1]
    assert poller.skipped == 0
    # The count the load was told ends at what is really there, not at what the key list said.
    told = [p for p in progress if p is not None]
    assert told[-1] == LoadProgress(len(expected) - 1, len(expected) - 1)


async def test_an_issue_a_bulk_fetch_leaves_out_once_is_asked_for_again_and_kept(sim: CheckedSimServer) -> None:
    """Jira's bulk fetch can leave an issue out for a moment (issueErrors are retriable): asked for again on its
    own; a full resync must not drop an open incident from the queue for that (review of issue 10)."""
    expected = open_keys(sim)
    flaky = expected[-1]
    held: dict[str, Any] = {}

    def away_for_one_fetch(request: httpx.Request) -> None:
        if request.url.path != BULK or flaky not in json.loads(request.content)["issueIdsOrKeys"]:
            return
        if not held and flaky in sim.state.issues:
            held[flaky] = sim.state.issues.pop(flaky)  # not there for this one answer
        elif held:
            sim.state.issues[flaky] = held.pop(flaky)

    recorder = Recorder(fail=away_for_one_fetch)
    store = IncidentStore()
    async with client_for(sim, recorder=recorder, page_size=4) as jira:
        await jira.sla_fields()
        await QueuePoller(jira, store, "open", OPEN).poll(FROZEN_START)
    assert sorted(store.keys("open"), key=key_order) == expected
    asked = [b for b in bodies(recorder, BULK) if flaky in b["issueIdsOrKeys"]]
    assert len(asked) == 2 and asked[1]["issueIdsOrKeys"] == [flaky]


@pytest.mark.parametrize("status", [404, 405])
async def test_a_site_without_bulk_fetch_is_read_on_by_plain_paging(sim: CheckedSimServer, status: int) -> None:
    expected = open_keys(sim)
    sim_post(sim, "faults", {"spec": f"status={status},paths={BULK}"})
    recorder = Recorder()
    async with client_for(sim, recorder=recorder, page_size=4) as jira:
        await jira.sla_fields()
        found = await jira.search(OPEN)
    assert [i.key for i in found] == expected
    assert bodies(recorder, BULK), "bulk fetch was not tried"
    # The first page, the key listing, then the plain pages from the first page's token on.
    searches = bodies(recorder, SEARCH)
    plain = [b for b in searches if b["fields"] != ["key"]]
    assert len(plain) == -(-len(expected) // 4)
    assert "nextPageToken" not in plain[0] and all("nextPageToken" in b for b in plain[1:])


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_failing_bulk_fetch_is_retried_as_reads_are(sim: CheckedSimServer, status: int) -> None:
    expected = open_keys(sim)
    sim_post(sim, "faults", {"spec": f"status={status},times=1,paths={BULK}"})
    time, recorder = FakeTime(), Recorder()
    async with client_for(sim, recorder=recorder, time=time, page_size=4) as jira:
        await jira.sla_fields()
        found = await jira.search(OPEN)
    assert [i.key for i in found] == expected
    chunks = -(-(len(expected) - 4) // 4)
    assert len(bodies(recorder, BULK)) == chunks + 1 and len(time.sleeps) == 1


async def test_a_bulk_fetch_answering_500_fails_the_read_as_any_read(sim: CheckedSimServer) -> None:
    # A 500 is not retried for any read (test_http_500_is_not_retried_but_502_is): the load fails as one whose
    # search page answered 500 would, and the poller's next try reads it again.
    sim_post(sim, "faults", {"spec": f"status=500,times=1,paths={BULK}"})
    store = IncidentStore()
    async with client_for(sim, page_size=4) as jira:
        await jira.sla_fields()
        poller = QueuePoller(jira, store, "open", OPEN)
        with pytest.raises(ServerError) as caught:
            await poller.poll(FROZEN_START)
        assert caught.value.status == 500 and store.count("open") == 0
        await poller.poll(FROZEN_START)
    assert sorted(store.keys("open"), key=key_order) == open_keys(sim)


async def test_a_rate_limited_bulk_fetch_waits_as_long_as_jira_says(sim: CheckedSimServer) -> None:
    sim_post(sim, "faults", {"spec": f"rate=1,retry-after=7,times=1,paths={BULK}"})
    time = FakeTime()
    async with client_for(sim, time=time, page_size=4) as jira:
        await jira.sla_fields()
        found = await jira.search(OPEN)
    assert [i.key for i in found] == open_keys(sim)
    assert len(time.sleeps) == 1 and time.sleeps[0] >= 7


# Data Center: startAt pages in parallel ---------------------------------------------------------------------


async def test_data_center_pages_arrive_complete_and_once() -> None:
    server = start_sim(flavour="datacenter")
    try:
        expected = open_keys(server)
        recorder = Recorder()
        async with client_for(server, recorder=recorder, page_size=4) as jira:
            await jira.sla_fields()
            pages = [page async for page in jira.search_pages(OPEN)]
    finally:
        server.stop()
    assert keys_of(pages) == expected and all(p.total == len(expected) for p in pages)
    starts = sorted(b["startAt"] for b in bodies(recorder, "/rest/api/2/search"))
    assert starts == list(range(0, len(expected), 4))


def _dc_issue(n: int) -> dict[str, Any]:
    return {"id": str(10000 + n), "key": f"OPS-{n}", "fields": {"summary": f"Incident {n}"}}


class HoldingSearch:
    """A Data Center search on 127.0.0.1 with 12 issues in pages of 4: the first page at once, each later page
    only once the other later page has arrived too (both wait at a barrier, at most `deadline` seconds; a page
    left alone answers 500). So the load completes only if its pages are asked for in parallel."""

    def __init__(self, deadline: float = 5.0) -> None:
        self.barrier = threading.Barrier(2, timeout=deadline)
        self.starts: list[int] = []
        holder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the field list: no SLA fields
                self._send(200, [])

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
                start = int(body.get("startAt", 0))
                holder.starts.append(start)
                if start:
                    try:
                        holder.barrier.wait()
                    except threading.BrokenBarrierError:
                        self._send(500, {"errorMessages": ["this page came alone"]})
                        return
                issues = [_dc_issue(n) for n in range(start + 1, min(start + 4, 12) + 1)]
                self._send(200, {"startAt": start, "maxResults": 4, "total": 12, "issues": issues})

            def _send(self, status: int, data: Any) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        # Stops by itself should a test hang.
        self._watchdog = threading.Timer(60, self.server.shutdown)
        self._watchdog.daemon = True

    def __enter__(self) -> HoldingSearch:
        self._thread.start()
        self._watchdog.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._watchdog.cancel()
        self.barrier.abort()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


async def test_data_center_pages_are_asked_for_in_parallel() -> None:
    with HoldingSearch() as site:
        config = JiraConfig(url=site.url, deployment="datacenter")
        async with JiraClient(config, TEST_TOKEN, retry=RetryPolicy(attempts=1), page_size=4) as jira:
            found = await jira.search("project = OPS ORDER BY key ASC")
    # The two later pages were both in the server's hands at once (else one answered 500 and the search failed).
    assert [i.key for i in found] == [f"OPS-{n}" for n in range(1, 13)]
    assert sorted(site.starts) == [0, 4, 8]
