"""The poller against the simulator over HTTP: full fill, then incremental polls that see arrivals, changes
and departures (someone else taking an incident) with two small searches."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.jira.client import JiraClient
from oncall_tui.sim.server import SimServer
from oncall_tui.sync.poller import QueuePoller, split_order_by, with_updated_window
from oncall_tui.sync.store import IncidentStore
from tests.conftest import FROZEN_START, start_sim

MINE = "assignee = currentUser() AND statusCategory != Done ORDER BY priority DESC"
OPEN = "project = OPS AND statusCategory != Done ORDER BY priority DESC"


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
async def client(sim: SimServer) -> AsyncIterator[JiraClient]:
    login = sim.login()
    config = JiraConfig(url=login.url, deployment="cloud", email=login.email)
    async with JiraClient(config, Secret(login.token), now=lambda: FROZEN_START) as jira:
        yield jira


def control(sim: SimServer, path: str, body: dict[str, object]) -> dict[str, object]:
    response = httpx.post(f"{sim.url}/_sim{path}", json=body, timeout=10)
    response.raise_for_status()
    data: dict[str, object] = response.json()
    return data


def open_keys(sim: SimServer, *, assignee: str | None = None, any_assignee: bool = True) -> set[str]:
    state = sim.state
    return {
        i.key
        for i in state.issues.values()
        if i.project_key == "OPS"
        and state.statuses[i.status_id].category != "done"
        and (any_assignee or i.assignee == assignee)
    }


def test_order_by_is_split_outside_quotes_and_parentheses() -> None:
    assert split_order_by('summary ~ "order by" ORDER BY key') == ('summary ~ "order by"', "ORDER BY key")
    assert split_order_by("(a = 1) order  by b DESC") == ("(a = 1)", "order  by b DESC")
    assert split_order_by("project = BORDER") == ("project = BORDER", "")
    assert with_updated_window(OPEN, 3) == (
        '(project = OPS AND statusCategory != Done) AND updated >= "-3m" ORDER BY priority DESC'
    )
    assert with_updated_window("ORDER BY created", 2) == 'updated >= "-2m" ORDER BY created'


async def test_first_poll_fills_the_queue_with_what_jira_holds(sim: SimServer, client: JiraClient) -> None:
    store = IncidentStore()
    poller = QueuePoller(client, store, "open", OPEN)
    diff = await poller.poll(FROZEN_START)
    assert set(diff.added) == open_keys(sim)
    assert set(store.keys("open")) == open_keys(sim)


async def test_incremental_poll_sees_arrival_change_and_departure(sim: SimServer, client: JiraClient) -> None:
    me = sim.login()
    my_id = next(u.account_id for u in sim.state.users.values() if u.email == me.email)
    store = IncidentStore()
    mine = QueuePoller(client, store, "mine", MINE)
    everything = QueuePoller(client, store, "open", OPEN)
    await mine.poll(FROZEN_START)
    await everything.poll(FROZEN_START)
    taken_away = sorted(store.keys("mine"))[0]
    commented = sorted(store.keys("open"))[-1]

    control(sim, "/clock", {"advance": 60})
    other = next(u for u in sim.state.users.values() if u.agent and u.active and u.account_id != my_id)
    control(sim, f"/issues/{taken_away}/assign", {"accountId": other.account_id})
    created = control(sim, "/incidents", {"summary": "Dealer portal 500 on login", "priority": "High"})
    control(sim, f"/issues/{commented}/customer-comment", {"text": "Any news?"})

    now = FROZEN_START + timedelta(seconds=60)
    assert not mine.needs_full(now) and not everything.needs_full(now), "these must be incremental polls"
    mine_diff = await mine.poll(now)
    open_diff = await everything.poll(now)
    assert mine_diff.removed == (taken_away,)
    assert created["key"] in open_diff.added
    assert commented in open_diff.updated
    assert taken_away in open_diff.updated, "re-assigned but still open"
    assert set(store.keys("open")) == open_keys(sim)
    assert store.get(taken_away).assignee.account_id == other.account_id


async def test_full_resync_after_the_interval_drops_what_left_unseen(sim: SimServer, client: JiraClient) -> None:
    store = IncidentStore()
    poller = QueuePoller(client, store, "open", OPEN, full_resync_every=timedelta(minutes=10))
    await poller.poll(FROZEN_START)
    gone = sorted(store.keys("open"))[0]
    control(sim, f"/issues/{gone}/status", {"status": "Resolved"})
    # Eleven minutes later the periodic full resync is due; it drops what left the queue.
    control(sim, "/clock", {"advance": 660})
    later = FROZEN_START + timedelta(minutes=11)
    assert poller.needs_full(later)
    diff = await poller.poll(later)
    assert gone in diff.removed


def test_queues_whose_membership_moves_with_time_are_always_searched_in_full() -> None:
    from oncall_tui.sync.poller import depends_on_time

    assert depends_on_time('project = OPS AND "Time to resolution" < remaining("2h")')
    assert depends_on_time("created >= -1d ORDER BY created")
    assert depends_on_time('"Time to first response" = breached()')
    assert not depends_on_time("assignee = currentUser() AND statusCategory != Done ORDER BY priority DESC")
    assert not depends_on_time('summary ~ "remaining stock" AND project = OPS-1')
