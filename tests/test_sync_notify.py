"""Notifications decided headless (issue 9 item 6), the engine against the simulator: a new urgent incident in a
watched queue, SLA transitions (not every tick), escalation due; rate-limited with what comes meanwhile merged
into the next one, quiet mode, and never for the user's own changes. Clocks injected, nothing sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from oncall_tui.domain.oncall import Contact, FixedContacts, Level, MatchRule, Policy
from oncall_tui.domain.sla import SlaState
from oncall_tui.sync.commands import State
from oncall_tui.sync.engine import Engine
from oncall_tui.sync.engine_events import CountsRefreshed
from oncall_tui.sync.notify import Notifier, Notify, NotifyKind, NotifyRules
from oncall_tui.sync.pipeline import CommandChanged
from oncall_tui.sync.session import QueueSpec, Session
from tests.conftest import FROZEN_START, CheckedSimServer
from tests.test_sync_engine import ManualTimers, Rig, client_for, sim, started

__all__ = ["sim"]

QUEUES = [
    QueueSpec("Open", "project = OPS AND statusCategory != Done ORDER BY priority DESC"),
    QueueSpec("Mine", "assignee = currentUser() AND statusCategory != Done", watch=True),
    QueueSpec("Urgent", "project = OPS AND priority in (Highest, High) AND statusCategory != Done", watch=True),
]


class Clocks:
    def __init__(self) -> None:
        self.site = FROZEN_START
        self.elapsed = 1000.0


@pytest.fixture
async def rig(sim: CheckedSimServer) -> AsyncIterator[tuple[Rig, Clocks]]:
    login = sim.login()
    clocks = Clocks()
    async with client_for(login.url, login.email, login.token) as client:
        timers = ManualTimers()
        engine = Engine(
            Session(client, QUEUES, site_url=sim.url),
            clock=lambda: clocks.site,
            monotonic=lambda: clocks.elapsed,
            timers=timers,
            tick=False,
            policies=(
                Policy(
                    "Notify test",
                    (Level("L1", FixedContacts((Contact(account_id="x"),)), timedelta(minutes=5)), Level("L2", FIXED)),
                    rules=(MatchRule(label="notify-test"),),
                ),
            ),
        )
        rig = Rig(sim, engine, timers, [clocks.elapsed])
        engine.bus.subscribe(rig.hear)
        yield rig, clocks
        await engine.stop()


FIXED = FixedContacts((Contact(account_id="y"),))


def create(sim: CheckedSimServer, summary: str, priority: str, labels: list[str] | None = None) -> str:
    body: dict[str, Any] = {"summary": summary, "priority": priority, "labels": labels or []}
    created = httpx.post(f"{sim.url}/_sim/incidents", json=body, timeout=10)
    created.raise_for_status()
    key: str = created.json()["key"]
    return key


def sim_post(sim: CheckedSimServer, path: str, body: dict[str, Any]) -> None:
    httpx.post(f"{sim.url}{path}", json=body, timeout=10).raise_for_status()


def notified(rig: Rig, since: int = 0) -> list[Notify]:
    return [e for e in rig.events[since:] if isinstance(e, Notify)]


async def watch_round(rig: Rig) -> None:
    """Fire the counts timer: the watched queues are polled (what the event loop does every minute)."""
    done = asyncio.ensure_future(rig.next(CountsRefreshed))
    rig.timers.fire("counts")
    await done


async def test_new_urgent_in_a_watched_queue_is_rate_limited_and_merged_never_dropped(
    rig: tuple[Rig, Clocks],
) -> None:
    r, clocks = rig
    await started(r)
    assert notified(r) == [], "the first fill is not news"
    first = create(r.sim, "Checkout returns 500", "Highest")
    create(r.sim, "Typo on the imprint page", "Lowest")
    await watch_round(r)
    [one] = notified(r)
    assert one.kind is NotifyKind.NEW_URGENT and one.keys == (first,)
    [part] = one.parts
    assert part.message == "New {priority}: {key}" and part.params == {"key": first, "priority": "Highest"}

    # Within 30 s: held back, then merged into one notification once the interval passed.
    clocks.elapsed += 10
    second, third = create(r.sim, "Login fails", "High"), create(r.sim, "Payments slow", "Highest")
    await watch_round(r)
    assert len(notified(r)) == 1 and r.engine.notifier.waiting == 2
    clocks.elapsed += 10
    r.engine.tick()
    assert len(notified(r)) == 1, "still inside the interval"
    clocks.elapsed += 11
    r.engine.tick()
    merged = notified(r)[-1]
    assert sorted(merged.keys) == sorted((second, third)) and merged.kind is NotifyKind.NEW_URGENT
    assert merged.parts[0].message == "{count} new P1/P2 incidents: {keys}"
    assert merged.parts[0].params == {"count": 2, "keys": ", ".join(merged.keys)}
    assert r.engine.notifier.waiting == 0


async def test_quiet_mode_tells_nothing_and_counts_what_it_kept_quiet(rig: tuple[Rig, Clocks]) -> None:
    r, _ = rig
    r.engine.notifier.rules = NotifyRules(min_interval_seconds=0)
    await started(r)
    assert r.engine.notifier.toggle_quiet() is True
    create(r.sim, "Checkout returns 500", "Highest")
    await watch_round(r)
    assert notified(r) == [] and r.engine.notifier.suppressed == 1
    assert r.engine.notifier.toggle_quiet() is False
    create(r.sim, "Login fails", "High")
    await watch_round(r)
    assert len(notified(r)) == 1


async def test_a_kind_switched_off_is_not_told(rig: tuple[Rig, Clocks]) -> None:
    r, _ = rig
    r.engine.notifier.rules = NotifyRules(new_urgent=False, min_interval_seconds=0)
    await started(r)
    create(r.sim, "Checkout returns 500", "Highest")
    await watch_round(r)
    assert notified(r) == []


async def test_never_for_the_users_own_changes(rig: tuple[Rig, Clocks]) -> None:
    r, clocks = rig
    r.engine.notifier.rules = NotifyRules(min_interval_seconds=0)
    await started(r)
    key = create(r.sim, "Checkout returns 500", "Highest")
    await watch_round(r)
    assert [n.keys for n in notified(r)] == [(key,)]
    mark = len(r.events)
    session = r.engine.session
    command = session.pipeline.take(key)
    confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def hear(event: object) -> None:
        mine = isinstance(event, CommandChanged) and event.command.id == command.id
        if mine and event.command.state is State.CONFIRMED and not confirmed.done():
            confirmed.set_result(None)

    unsubscribe = session.bus.subscribe(hear)
    await asyncio.wait_for(confirmed, 15)
    unsubscribe()
    # A customer writes a minute later: the incident changed after our take (the pipeline no longer explains
    # it), and only now the watched "Mine" sees it enter. We just took it: no news.
    sim_post(r.sim, "/_sim/clock", {"advance": 60})
    sim_post(r.sim, f"/_sim/issues/{key}/customer-comment", {"text": "any news?"})
    clocks.elapsed += 5
    await watch_round(r)
    assert key in session.store.keys("Mine")
    assert notified(r, mark) == []


async def test_sla_transitions_are_told_once_each_not_every_tick(rig: tuple[Rig, Clocks]) -> None:
    r, clocks = rig
    r.engine.notifier.rules = NotifyRules(min_interval_seconds=0, escalation_due=False)
    key = create(r.sim, "Search is slow", "Low")
    await started(r)
    incident = r.engine.session.store.get(key)
    assert incident is not None and incident.slas
    sla = min(incident.slas, key=lambda s: s.remaining_ms or 0)
    assert sla.state_at(clocks.site, r.engine.session.thresholds) is SlaState.RUNNING
    remaining = timedelta(milliseconds=sla.remaining_ms or 0)
    window = r.engine.session.thresholds.window(sla.goal_ms)

    def at(moment: datetime) -> list[Notify]:
        clocks.site = moment
        clocks.elapsed += 1
        mark = len(r.events)
        r.engine.tick()
        return [n for n in notified(r, mark) if key in n.keys]

    assert at(FROZEN_START + remaining - window - timedelta(seconds=1)) == [], "running: the baseline"
    [risk] = at(FROZEN_START + remaining - window + timedelta(seconds=1))
    assert risk.parts[0].kind is NotifyKind.SLA_AT_RISK and risk.parts[0].message == "SLA at risk: {key}"
    assert at(FROZEN_START + remaining - window + timedelta(seconds=2)) == [], "still at risk: told once"
    [breach] = at(FROZEN_START + remaining + timedelta(seconds=1))
    assert breach.kind is NotifyKind.SLA_BREACHED
    assert at(FROZEN_START + remaining + timedelta(seconds=2)) == []


async def test_escalation_due_is_told_when_it_becomes_due(rig: tuple[Rig, Clocks]) -> None:
    r, clocks = rig
    r.engine.notifier.rules = NotifyRules(min_interval_seconds=0, sla_at_risk=False, sla_breached=False)
    key = create(r.sim, "Search is slow", "Low", ["notify-test"])
    await started(r)
    clocks.site = FROZEN_START + timedelta(minutes=6)
    mark = len(r.events)
    r.engine.tick()
    [due] = notified(r, mark)
    assert due.kind is NotifyKind.ESCALATION_DUE and due.keys == (key,)
    assert due.parts[0].message == "Escalation due: {key}"
    clocks.elapsed += 1
    mark = len(r.events)
    r.engine.tick()
    assert notified(r, mark) == [], "told when it becomes due, not on every tick"


async def test_an_sla_breaching_on_an_incident_the_user_took_is_told(rig) -> None:
    """Own changes silence arrivals only: an SLA running out is the clock's doing, whoever took the incident."""
    r, clocks = rig
    r.engine.notifier.rules = NotifyRules(min_interval_seconds=0, escalation_due=False)
    key = create(r.sim, "Search is slow", "Low")
    await started(r)
    session = r.engine.session
    incident = session.store.get(key)
    assert incident is not None
    sla = min(incident.slas, key=lambda s: s.remaining_ms or 0)
    remaining = timedelta(milliseconds=sla.remaining_ms or 0)
    command = session.pipeline.take(key)
    confirmed = asyncio.get_running_loop().create_future()

    def hear(event: object) -> None:
        done = isinstance(event, CommandChanged) and event.command.id == command.id
        if done and event.command.state is State.CONFIRMED and not confirmed.done():  # type: ignore[union-attr]
            confirmed.set_result(None)

    session.bus.subscribe(hear)
    await asyncio.wait_for(confirmed, 15)
    assert session.pipeline.explains(key, session.store.get(key)), "the incident is as the user's take left it"
    clocks.site = FROZEN_START + timedelta(seconds=1)
    clocks.elapsed += 1
    r.engine.tick()
    clocks.elapsed += 3600
    clocks.site = FROZEN_START + remaining + timedelta(seconds=1)
    mark = len(r.events)
    r.engine.tick()
    told = [n for n in notified(r, mark) if key in n.keys]
    assert [n.kind for n in told] == [NotifyKind.SLA_BREACHED]


def test_a_tick_looks_only_at_changed_incidents_and_at_clocks_reaching_a_threshold() -> None:
    """10,000 incidents held: a second passing looks at none of them, unless one changed or one of its clocks
    enters at risk or breaches by now (issue 10: the 1 Hz look at every SLA took 50-100 ms)."""
    from oncall_tui.domain.incident import Incident
    from oncall_tui.domain.sla import SlaClock
    from oncall_tui.sync.engine_events import Tick
    from oncall_tui.sync.events import EventBus
    from oncall_tui.sync.store import IncidentStore

    minute = 60_000

    def incident(number: int, remaining_minutes: int, updated: datetime = FROZEN_START) -> Incident:
        clock = SlaClock("TTR", fetched_at=FROZEN_START, goal_ms=60 * minute, remaining_ms=remaining_minutes * minute)
        return Incident(key=f"OPS-{number}", id=str(number), summary="x", slas=(clock,), updated=updated)

    store, bus = IncidentStore(), EventBus()
    # A clock is at risk in its last 30 minutes: OPS-1 (31 minutes left) in 60 s, the others in a day.
    store.replace_queue("All", [incident(1, 31), *(incident(n, 25 * 60) for n in range(2, 10_001))])
    notifier = Notifier(store, bus, rules=NotifyRules(min_interval_seconds=0))
    notifier.start()
    told: list[Notify] = []
    bus.subscribe(lambda event: told.append(event) if isinstance(event, Notify) else None)

    def tick(seconds: int) -> None:
        bus.publish(Tick(FROZEN_START + timedelta(seconds=seconds)))

    tick(0)
    assert notifier.looked_at == 10_000, "the first tick sees every clock (the baseline)"
    tick(1)
    assert notifier.looked_at == 0 and told == []
    store.merge_queue("All", [incident(7, 20 * 60, FROZEN_START + timedelta(seconds=2))])
    tick(2)
    assert notifier.looked_at == 1, "a changed incident is looked at again"
    for second in range(3, 60):
        tick(second)
        assert notifier.looked_at == 0, second
    tick(60)
    assert notifier.looked_at == 1 and [n.kind for n in told] == [NotifyKind.SLA_AT_RISK]
    assert told[0].keys == ("OPS-1",)
    tick(61)
    assert notifier.looked_at == 0
    tick(31 * 60)  # no time left: breached just after
    assert notifier.looked_at == 0 and len(told) == 1
    tick(31 * 60 + 1)
    assert [n.kind for n in told] == [NotifyKind.SLA_AT_RISK, NotifyKind.SLA_BREACHED]
