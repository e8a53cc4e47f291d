"""A search read to the end asks for what comes next while the caller reads this page (Jira works on it
meanwhile), and costs no request more than its pages (Cloud: plus one page of keys); a search with a limit asks
for nothing ahead (issue 10)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.jira.client import JiraClient
from tests.conftest import FROZEN_START, CheckedSimServer, start_sim
from tests.tui_harness import no_sleep

OPEN = "project = OPS AND statusCategory != Done ORDER BY priority DESC"
SEARCH = {"cloud": "/rest/api/3/search/jql", "datacenter": "/rest/api/2/search"}


@pytest.fixture(params=["cloud", "datacenter"])
def sim(request: pytest.FixtureRequest) -> Iterator[CheckedSimServer]:
    server = start_sim(flavour=request.param)
    yield server
    server.stop()


def client_for(sim: CheckedSimServer) -> JiraClient:
    login = sim.login()
    cloud = login.flavour == "cloud"
    config = JiraConfig(
        url=login.url, deployment="cloud" if cloud else "datacenter", email=login.email if cloud else None
    )
    # Small pages, so the default scenario's open incidents take many of them.
    return JiraClient(config, Secret(login.token), now=lambda: FROZEN_START, page_size=4, sleep=no_sleep)


def searches(sim: CheckedSimServer) -> int:
    path = SEARCH[sim.login().flavour]
    return sum(1 for ex in sim.exchanges if ex.method == "POST" and ex.path == path)


def bulk_fetches(sim: CheckedSimServer) -> int:
    return sum(1 for ex in sim.exchanges if ex.method == "POST" and ex.path == "/rest/api/3/issue/bulkfetch")


async def until(condition: Callable[[], bool], *, timeout: float = 10.0) -> bool:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.005)
    return False


async def test_the_next_page_is_asked_for_while_the_caller_still_reads_this_one(sim: CheckedSimServer) -> None:
    cloud = sim.login().flavour == "cloud"
    async with client_for(sim) as jira:
        await jira.sla_fields()
        before = searches(sim)
        pages = jira.search_pages(OPEN)
        first = await pages.__anext__()
        assert len(first) == 4
        # The caller holds the first page and has not asked for the second: Jira is serving what comes next
        # already (Cloud: the keys-only listing of the rest; Data Center: the next pages, several at once).
        assert await until(lambda: searches(sim) >= before + 2), "nothing was asked for ahead"
        rest = [page async for page in pages]
        total = len(first) + sum(len(page) for page in rest)
        assert total > 4 * 3
        if cloud:
            # One search page, one page of keys (up to 5,000), then bulk fetches of the page size.
            assert searches(sim) - before == 2
            assert bulk_fetches(sim) == len(rest) == -(-(total - 4) // 4)
        else:
            # Asking ahead costs nothing: one request per page, as reading them one after the other would.
            assert searches(sim) - before == 1 + len(rest) == -(-total // 4)

        # A search that stops early (doctor's one-issue probe) asks for nothing it will not read.
        before = searches(sim)
        assert len(await jira.search(OPEN, page_size=1, limit=1)) == 1
        await jira.myself()  # one more round trip, so a page sent ahead would have arrived by now
        assert searches(sim) - before == 1
