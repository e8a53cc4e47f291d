"""A first load streams in page by page: each page is in the store while the next ones are still unserved,
the progress says how far it is, and the end is the whole result (issue 10: 10,000 incidents)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import JiraError
from oncall_tui.sync.poller import LoadProgress, QueuePoller
from oncall_tui.sync.store import IncidentStore, StoreDiff
from tests.conftest import FROZEN_START, CheckedSimServer, start_sim
from tests.tui_harness import no_sleep

OPEN = "project = OPS AND statusCategory != Done ORDER BY priority DESC"
SEARCH = "/rest/api/3/search/jql"


@pytest.fixture
def sim() -> Iterator[CheckedSimServer]:
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
async def client(sim: CheckedSimServer) -> AsyncIterator[JiraClient]:
    login = sim.login()
    config = JiraConfig(url=login.url, deployment="cloud", email=login.email)
    # Small pages, so the default scenario's open incidents take many of them.
    async with JiraClient(config, Secret(login.token), now=lambda: FROZEN_START, page_size=4, sleep=no_sleep) as jira:
        yield jira


def searches(sim: CheckedSimServer) -> int:
    return sum(1 for ex in sim.exchanges if ex.method == "POST" and ex.path == SEARCH)


def bulk_fetches(sim: CheckedSimServer) -> int:
    return sum(1 for ex in sim.exchanges if ex.method == "POST" and ex.path == "/rest/api/3/issue/bulkfetch")


async def test_the_first_page_is_in_the_store_before_the_later_pages_are_served(
    sim: CheckedSimServer, client: JiraClient
) -> None:
    store = IncidentStore()
    progress: list[LoadProgress | None] = []
    poller = QueuePoller(client, store, "open", OPEN, on_progress=progress.append)
    # What the store held, and how many search pages the simulator had served, each time it changed.
    seen: list[tuple[int, int]] = []

    def listener(diff: StoreDiff) -> None:
        if diff.queue == "open":
            seen.append((store.count("open"), searches(sim)))

    store.subscribe(listener)
    await client.sla_fields()
    diff = await poller.poll(FROZEN_START)

    total = store.count("open")
    # One search page, one page of keys for the rest, then bulk fetches of 4 (several at once, in any order).
    pages = 1 + bulk_fetches(sim)
    assert total > 4 * 3 and searches(sim) == 2 and pages == 1 + -(-(total - 4) // 4)
    # The first page was in the store when only it had been served; every page arrived on its own.
    assert seen[0] == (4, 1)
    counts = [count for count, _ in seen]
    assert len(counts) == pages and counts == sorted(set(counts)) and counts[-1] == total
    # The whole load's diff is the caller's: every key added once.
    assert sorted(diff.added) == sorted(store.keys("open"))
    # Told before each page and cleared at the end; "of M" from Jira's approximate count, then its key list.
    assert progress[-1] is None
    told = [p for p in progress if p is not None]
    assert [p.received for p in told] == [count for count, _ in seen]
    assert told[-1].expected == total


async def test_a_first_load_failing_part_way_leaves_no_partial_queue(sim: CheckedSimServer, client: JiraClient) -> None:
    store = IncidentStore()
    poller = QueuePoller(client, store, "open", OPEN)
    await client.sla_fields()
    held: list[int] = []

    def listener(diff: StoreDiff) -> None:
        held.append(store.count("open"))
        if store.count("open") == 8:
            # Jira stops answering after the second page.
            httpx.post(f"{sim.url}/_sim/faults", json={"spec": "5xx=1.0"}, timeout=10).raise_for_status()

    store.subscribe(listener)
    with pytest.raises(JiraError):
        await poller.poll(FROZEN_START)
    assert held[:2] == [4, 8]
    assert store.count("open") == 0 and poller.last_full is None
