"""Escalation due in the engine (issue 9 item 5): the DueWatch recomputes the due set on every Tick over the
store the engine fills from the simulator, publishes EscalationDueChanged only when the set changes, and an
acknowledgement (an assignee) takes the incident out of it. Nothing is escalated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from oncall_tui.domain.due import DueKind
from oncall_tui.domain.oncall import Contact, FixedContacts, Level, MatchRule, Policy
from oncall_tui.sync.due import DueWatch, EscalationDueChanged
from oncall_tui.sync.engine import Engine
from oncall_tui.sync.engine_events import QueuePolled
from oncall_tui.sync.session import Session
from tests.conftest import FROZEN_START, CheckedSimServer
from tests.test_sync_engine import QUEUES, ManualTimers, Rig, client_for, poll, sim, started

__all__ = ["sim"]  # the simulator fixture, shared with the engine's tests

LABEL = "due-watch-test"
FIXED = FixedContacts((Contact(account_id="someone"),))
POLICY = Policy(
    "Due test",
    (Level("L1", FIXED, response_timeout=timedelta(minutes=10)), Level("L2", FIXED)),
    rules=(MatchRule(label=LABEL),),
)


@pytest.fixture
async def due_rig(sim: CheckedSimServer) -> AsyncIterator[tuple[Rig, list[datetime]]]:
    login = sim.login()
    now = [FROZEN_START]
    async with client_for(login.url, login.email, login.token) as client:
        timers = ManualTimers()
        engine = Engine(
            Session(client, QUEUES, site_url=sim.url),
            clock=lambda: now[0],
            monotonic=lambda: 1000.0,
            timers=timers,
            tick=False,
            policies=(POLICY,),
        )
        rig = Rig(sim, engine, timers, [1000.0])
        engine.bus.subscribe(rig.hear)
        yield rig, now
        await engine.stop()


def new_incident(sim: CheckedSimServer) -> dict[str, Any]:
    created = httpx.post(
        f"{sim.url}/_sim/incidents",
        json={"summary": "Checkout slow", "priority": "Low", "labels": [LABEL]},
        timeout=10,
    )
    created.raise_for_status()
    view: dict[str, Any] = created.json()
    return view


def assign(sim: CheckedSimServer, key: str, account_id: str) -> None:
    httpx.post(f"{sim.url}/_sim/issues/{key}/assign", json={"accountId": account_id}, timeout=10).raise_for_status()


def due_events(rig: Rig) -> list[EscalationDueChanged]:
    return [e for e in rig.events if isinstance(e, EscalationDueChanged)]


async def test_an_unacknowledged_incident_becomes_due_after_its_timeout_and_leaves_when_assigned(
    due_rig: tuple[Rig, list[datetime]],
) -> None:
    rig, now = due_rig
    view = new_incident(rig.sim)
    key = view["key"]
    # The simulator's own view: created now, unassigned, in a "new" status: level 0 is not acknowledged.
    assert view["assignee"] is None and view["statusCategory"] == "new"
    await started(rig)
    assert rig.engine.session.store.get(key) is not None
    rig.engine.tick()
    assert due_events(rig) == [], "created just now: its 10 min have not passed"
    now[0] = FROZEN_START + timedelta(minutes=9)
    rig.engine.tick()
    assert due_events(rig) == []
    now[0] = FROZEN_START + timedelta(minutes=11)
    rig.engine.tick()
    [event] = due_events(rig)
    assert set(event.due) == {key}, "only the incident the policy matches"
    assert event.new == frozenset({key})
    assert event.due[key].kind is DueKind.TIMEOUT and event.due[key].overdue == timedelta(minutes=1)
    rig.engine.tick()
    assert len(due_events(rig)) == 1, "an unchanged set is not published again on the next tick"
    assert set(rig.engine.due.due) == {key}

    me = rig.engine.session.me
    assert me is not None and me.account_id
    assign(rig.sim, key, me.account_id)
    polled = asyncio.ensure_future(rig.next(QueuePolled))
    rig.engine.poll_now(full=True)
    await polled
    rig.engine.tick()
    last = due_events(rig)[-1]
    assert key not in last.due and last.new == frozenset(), "assigned: acknowledged, no longer due"


async def test_policy_and_levels_callables_replace_the_configured_match(
    due_rig: tuple[Rig, list[datetime]],
) -> None:
    rig, now = due_rig
    key = new_incident(rig.sim)["key"]
    await started(rig)
    seen: list[str] = []

    def policy_for(incident: Any) -> Policy | None:
        seen.append(incident.key)
        return POLICY if incident.key == key else None

    # The on-call book's levels (here: a shorter timeout) win over the policy's configured ones.
    short = (Level("L1", FIXED, response_timeout=timedelta(minutes=1)), Level("L2", FIXED))
    watch: DueWatch = rig.engine.due
    watch.policy_for = policy_for
    watch.levels_for = lambda policy: short
    now[0] = FROZEN_START + timedelta(minutes=2)
    rig.engine.tick()
    [event] = due_events(rig)
    assert set(event.due) == {key} and key in seen


async def test_a_tick_looks_only_at_what_changed_and_at_incidents_whose_response_time_runs_out(
    due_rig: tuple[Rig, list[datetime]],
) -> None:
    """Issue 10: looking at 10,000 incidents at every tick took 50-100 ms. After the first look, a tick looks at
    the incidents a poll changed and at those whose level's response time (or an SLA threshold) is reached by
    now; nothing else."""
    rig, now = due_rig
    view = new_incident(rig.sim)
    key = view["key"]
    await started(rig)
    watch = rig.engine.due
    held = len({k for queue in rig.engine.session.store.queues() for k in rig.engine.session.store.keys(queue)})
    rig.engine.tick()
    assert watch.looked_at == held > 1, "the first tick looks at every incident held"
    for second in range(1, 10):
        now[0] = FROZEN_START + timedelta(seconds=second)
        rig.engine.tick()
        assert watch.looked_at == 0, f"second {second}: nothing changed, nothing due"
    other = new_incident(rig.sim)["key"]
    await poll(rig)
    now[0] = FROZEN_START + timedelta(seconds=11)
    rig.engine.tick()
    assert watch.looked_at >= 1 and other in watch._matched, "a poll's news is looked at at the next tick"
    now[0] = FROZEN_START + timedelta(seconds=12)
    rig.engine.tick()
    assert watch.looked_at == 0
    # The first incident's 10 minutes run out (the other's a few seconds later): looked at then, and due.
    now[0] = FROZEN_START + timedelta(minutes=10)
    rig.engine.tick()
    assert 1 <= watch.looked_at <= 2 and key in watch.due
    assert watch.due[key].kind is DueKind.TIMEOUT
    now[0] = FROZEN_START + timedelta(minutes=10, seconds=5)
    rig.engine.tick()
    assert watch.looked_at == 0 and key in watch.due, "due by time stays due until the incident changes"
