"""Issue 10: the engine's big looks (every incident held, after a large queue loaded or when an on-call answer
changed the levels) took 50-100 ms at one go, and a key typed meanwhile waited for all of it. They go in slices
now, with the loop free between them; what comes of a look is published once, when its last slice is done.
An on-call answer that leaves the levels as they were no longer makes the due watch look at everything again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from oncall_tui.domain.incident import Incident, StatusCategory
from oncall_tui.domain.oncall import Contact, FixedContacts, Level, MatchRule, Policy
from oncall_tui.domain.sla import SlaClock
from oncall_tui.sync.due import DueWatch, EscalationDueChanged
from oncall_tui.sync.engine_events import Tick
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.notify import Notifier, Notify, NotifyKind, NotifyRules
from oncall_tui.sync.oncall import OnCallLoaded
from oncall_tui.sync.slices import SlicedRun
from oncall_tui.sync.store import IncidentStore
from tests.conftest import FROZEN_START
from tests.test_sync_due import due_events, due_rig, new_incident
from tests.test_sync_engine import Rig, sim, started

__all__ = ["due_rig", "sim"]  # fixtures shared with the due watch's tests

FIXED = FixedContacts((Contact(account_id="someone"),))
MANY = 1_000
SIZE = 300


def incidents(count: int = MANY, labels: tuple[str, ...] = ("svc",)) -> list[Incident]:
    # Created 20 minutes ago, unassigned and new: past a 10-minute response time. TTR breaches 40 minutes on.
    created = FROZEN_START - timedelta(minutes=20)
    clock = SlaClock("TTR", fetched_at=FROZEN_START, goal_ms=3_600_000, remaining_ms=40 * 60_000)
    return [
        Incident(
            key=f"OPS-{n}",
            id=str(n),
            summary="x",
            status_category=StatusCategory.NEW,
            labels=labels,
            created=created,
            updated=created,
            slas=(clock,),
        )
        for n in range(1, count + 1)
    ]


class Loop:
    """The deferred slices, run by hand one at a time."""

    def __init__(self) -> None:
        self.waiting: list[Callable[[], None]] = []

    def defer(self, step: Callable[[], None]) -> None:
        self.waiting.append(step)

    def turn(self) -> None:
        self.waiting.pop(0)()


def policy(timeout: timedelta = timedelta(minutes=10)) -> Policy:
    return Policy(
        "Svc", (Level("L1", FIXED, response_timeout=timeout), Level("L2", FIXED)), rules=(MatchRule(label="svc"),)
    )


def watch_of(store: IncidentStore, bus: EventBus, loop: Loop | None) -> DueWatch:
    watch = DueWatch(store, bus, policies=(policy(),))
    if loop is not None:
        watch.look_in_slices(loop.defer, SIZE)
    watch.start()
    return watch


def test_a_due_look_at_many_incidents_goes_in_slices_and_is_published_once_when_done() -> None:
    store, bus = IncidentStore(), EventBus()
    store.replace_queue("All", incidents())
    events: list[object] = []
    bus.subscribe(events.append)
    loop = Loop()
    watch = watch_of(store, bus, loop)
    bus.publish(Tick(FROZEN_START))
    turns = 0
    while loop.waiting:
        assert not [e for e in events if isinstance(e, EscalationDueChanged)], f"published after {turns} turns"
        # Another second passes before the look is done: it does not start a second look.
        bus.publish(Tick(FROZEN_START + timedelta(seconds=1)))
        assert len(loop.waiting) == 1
        loop.turn()
        turns += 1
    assert turns == -(-MANY // SIZE) - 1, "the first slice in the tick itself, the others one loop turn each"
    [event] = [e for e in events if isinstance(e, EscalationDueChanged)]
    # The same as a look at everything at once.
    alone = EventBus()
    at_once = watch_of(store, alone, None)
    alone.publish(Tick(FROZEN_START))
    assert set(event.due) == set(at_once.due) == {f"OPS-{n}" for n in range(1, MANY + 1)}
    assert set(watch.due) == set(event.due)


def test_an_on_call_answer_that_leaves_the_levels_as_they_were_looks_at_nothing_again() -> None:
    store, bus = IncidentStore(), EventBus()
    store.replace_queue("All", incidents(50))
    levels = [policy().levels]
    watch = watch_of(store, bus, None)
    watch.levels_for = lambda _policy: levels[0]
    bus.publish(Tick(FROZEN_START))
    assert watch.looked_at == 50
    # The same names and response times (the people on call may differ): nothing to look at again.
    levels[0] = (Level("L1", FixedContacts((Contact(account_id="other"),)), response_timeout=timedelta(minutes=10)),
                 Level("L2", FIXED))  # fmt: skip
    bus.publish(OnCallLoaded("Svc"))
    bus.publish(Tick(FROZEN_START + timedelta(seconds=1)))
    assert watch.looked_at == 0
    # A longer response time: every incident is looked at again, and none is due any more.
    levels[0] = policy(timedelta(hours=1)).levels
    bus.publish(OnCallLoaded("Svc"))
    bus.publish(Tick(FROZEN_START + timedelta(seconds=2)))
    assert watch.looked_at == 50 and not watch.due


def notifier_past_its_baseline() -> tuple[EventBus, Loop, list[Notify]]:
    """A notifier over `MANY` incidents looking in slices, its first look (the baseline) done."""
    store, bus = IncidentStore(), EventBus()
    store.replace_queue("All", incidents())
    told: list[Notify] = []
    bus.subscribe(lambda event: told.append(event) if isinstance(event, Notify) else None)
    loop = Loop()
    notifier = Notifier(store, bus, rules=NotifyRules(min_interval_seconds=60))
    notifier.look_in_slices(loop.defer, SIZE)
    notifier.start()
    bus.publish(Tick(FROZEN_START))
    while loop.waiting:
        loop.turn()
    return bus, loop, told


def test_an_sla_look_at_many_incidents_goes_in_slices_and_tells_once_when_done() -> None:
    bus, loop, told = notifier_past_its_baseline()
    assert told == [], "the first look is the baseline"
    # 41 minutes on, every TTR clock has breached: one notification naming all of them, after the last slice.
    bus.publish(Tick(FROZEN_START + timedelta(minutes=41)))
    turns = 0
    while loop.waiting:
        assert told == [], f"told after {turns} turns, before the look was done"
        loop.turn()
        turns += 1
    assert turns == -(-MANY // SIZE) - 1
    [notify] = told
    assert [part.kind for part in notify.parts] == [NotifyKind.SLA_BREACHED]
    assert len(notify.parts[0].keys) == MANY


async def test_the_engine_lets_the_loop_run_between_the_slices_of_a_look(
    due_rig: tuple[Rig, list[datetime]],
) -> None:
    rig, now = due_rig
    key = new_incident(rig.sim)["key"]
    rig.engine.slice_size = 2
    await started(rig)
    held = {k for queue in rig.engine.session.store.queues() for k in rig.engine.session.store.keys(queue)}
    assert len(held) > 6, "enough incidents for a few slices"
    order: list[str] = []
    published = asyncio.get_running_loop().create_future()

    def hear(event: object) -> None:
        if isinstance(event, EscalationDueChanged):
            order.append("due")
            published.set_result(None)

    rig.engine.bus.subscribe(hear)
    now[0] = FROZEN_START + timedelta(minutes=11)
    rig.engine.tick()
    # What the loop had to do meanwhile (a key typed): it runs before the look is done.
    asyncio.get_running_loop().call_soon(order.append, "other")
    await asyncio.wait_for(published, 10)
    assert order == ["other", "due"]
    [event] = due_events(rig)
    assert key in event.due


def test_a_new_run_ends_the_one_before_without_its_end() -> None:
    loop = Loop()
    run = SlicedRun(2)
    run.defer = loop.defer
    seen: list[int] = []
    ended: list[str] = []
    run.run([1, 2, 3, 4], seen.append, lambda: ended.append("first"))
    run.run([5, 6, 7], seen.append, lambda: ended.append("second"))
    while loop.waiting:
        loop.turn()
    assert seen == [1, 2, 5, 6, 7] and ended == ["second"] and not run.running


def test_a_look_that_fails_half_way_is_made_again_whole_at_the_next_tick() -> None:
    store, bus = IncidentStore(), EventBus()
    store.replace_queue("All", incidents())
    events: list[object] = []
    bus.subscribe(events.append)
    loop = Loop()
    watch = watch_of(store, bus, loop)
    broken = [True]
    configured = policy()

    def policy_for(incident: Incident) -> Policy | None:
        if broken[0] and incident.key == f"OPS-{SIZE + 5}":
            raise RuntimeError("a bug in a policy")
        return configured

    watch.policy_for = policy_for
    bus.publish(Tick(FROZEN_START))
    while loop.waiting:
        loop.turn()  # the second slice fails (logged, as a failing subscriber is)
    assert not [e for e in events if isinstance(e, EscalationDueChanged)] and not watch.due
    broken[0] = False
    bus.publish(Tick(FROZEN_START + timedelta(seconds=1)))
    assert watch.looked_at == MANY, "everything is looked at again, not only what changed"
    while loop.waiting:
        loop.turn()
    [event] = [e for e in events if isinstance(e, EscalationDueChanged)]
    assert len(event.due) == MANY


def test_news_heard_while_an_sla_look_is_under_way_goes_out_with_what_the_look_finds() -> None:
    bus, loop, told = notifier_past_its_baseline()
    bus.publish(Tick(FROZEN_START + timedelta(minutes=41)))
    loop.turn()
    # The due watch's news comes in the middle of the look: not told on its own, before the breaches.
    bus.publish(EscalationDueChanged({}, frozenset({"OPS-1"})))
    assert told == []
    while loop.waiting:
        loop.turn()
    [notify] = told
    assert {part.kind for part in notify.parts} == {NotifyKind.SLA_BREACHED, NotifyKind.ESCALATION_DUE}
