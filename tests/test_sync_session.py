"""The session against the simulator over HTTP: a queue is never polled twice at once, what is known about each
queue (loaded, count, failure, JQL refused) is kept, and the detail cache knows when its copy is stale."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import InvalidJql, ServerError
from oncall_tui.sync.session import QueueSpec, Session
from tests.conftest import FROZEN_START, CheckedSimServer, start_sim

QUEUES = [
    QueueSpec("Open", "project = OPS AND statusCategory != Done ORDER BY priority DESC"),
    QueueSpec("Broken", "project = OPS AND nosuchfield = 1"),
    QueueSpec("Mine", "assignee = currentUser() AND statusCategory != Done"),
]


@pytest.fixture
def sim() -> Iterator[CheckedSimServer]:
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
async def session(sim: CheckedSimServer) -> AsyncIterator[Session]:
    login = sim.login()
    config = JiraConfig(url=login.url, deployment="cloud", email=login.email)
    async with JiraClient(config, Secret(login.token), now=lambda: FROZEN_START) as jira:
        yield Session(jira, QUEUES, site_url=login.url)


def searches(sim: CheckedSimServer, since: int) -> int:
    return sum(1 for ex in sim.exchanges[since:] if ex.path.startswith("/rest/api/3/search"))


async def test_a_queue_asked_to_poll_while_it_is_polled_is_not_polled_twice(
    sim: CheckedSimServer, session: Session
) -> None:
    await session.poll("Open", FROZEN_START)  # the first (full) poll; the next ones are incremental
    mark = len(sim.exchanges)
    one, two = await asyncio.gather(session.poll("Open", FROZEN_START), session.poll("Open", FROZEN_START))
    assert one is two, "the second caller shares the first poll's result"
    single = searches(sim, mark)
    mark = len(sim.exchanges)
    await session.poll("Open", FROZEN_START)
    assert single == searches(sim, mark) == 2, "one incremental poll's two searches, not four"
    assert not session.polling("Open")
    # A full resync asked for while an incremental poll runs is not swallowed by it: it follows.
    mark = len(sim.exchanges)
    await asyncio.gather(session.poll("Open", FROZEN_START), session.poll("Open", FROZEN_START, full=True))
    assert searches(sim, mark) == 3, "the incremental poll's two searches, then one full search"


async def test_queue_status_says_loaded_counted_failed_or_refused(sim: CheckedSimServer, session: Session) -> None:
    status = session.status
    assert all(st.count is None and not st.loaded for st in status.values()), "nothing known before asking"
    await session.poll("Open", FROZEN_START)
    assert status["Open"].loaded and status["Open"].count == session.store.count("Open") > 0
    await session.refresh_counts(FROZEN_START, skip=["Open"])
    assert status["Broken"].jql_refused and isinstance(status["Broken"].error, InvalidJql)
    assert status["Broken"].count is None, "a refused queue has no count, not 0"
    assert status["Mine"].count is not None and status["Mine"].error is None, "counting went on past it"
    assert session.counts == {"Open": status["Open"].count, "Mine": status["Mine"].count}
    sim.set_faults("status=500")
    with pytest.raises(ServerError):
        await session.poll("Open", FROZEN_START, full=True)
    assert status["Open"].error is not None and status["Open"].loaded, "what was loaded stays loaded"


async def test_the_detail_cache_reads_again_when_the_copy_is_stale_or_the_read_failed(
    sim: CheckedSimServer, session: Session
) -> None:
    await session.poll("Open", FROZEN_START)
    key = session.store.keys("Open")[0]
    listed = session.store.get(key)
    assert listed is not None
    details = session.details
    assert details.wanted(listed)
    read = await details.read(key, FROZEN_START)
    assert read.incident is not None and read.error is None and not details.wanted(listed)
    sim.set_faults(f"status=503,paths=/rest/api/3/issue/{key}")
    failed = await details.read(key, FROZEN_START)
    assert failed.error is not None and failed.incident is read.incident, "the old copy stays, marked"
    assert details.wanted(listed, retry_failed=True), "a failed read is retried (with the next poll, or r)"
    assert not details.wanted(listed), "but not in a loop of its own whenever the pane is drawn"
