"""The headless engine against the simulator over loopback HTTP: no Textual, timers stepped by hand, the site
clock frozen, elapsed time controlled by the test. Polls are re-armed and never overlap, failures back off
(never sooner than a Retry-After) and recover by themselves, watched queues are polled, news is told apart from
a first fill and from our own writes, and stop() leaves nothing running."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import RateLimited
from oncall_tui.jira.transport import RetryPolicy
from oncall_tui.sync.commands import State
from oncall_tui.sync.connection import BACKOFF, LinkState
from oncall_tui.sync.engine import Engine
from oncall_tui.sync.engine_events import (
    Arrived,
    Connected,
    ConnectionChanged,
    CountsRefreshed,
    QueuePolled,
    Tick,
    WatchFailed,
    WatchRecovered,
)
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.pipeline import CommandChanged
from oncall_tui.sync.session import QueueSpec, Session
from tests.conftest import FROZEN_START, CheckedSimServer, start_sim

QUEUES = [
    QueueSpec("Open", "project = OPS AND statusCategory != Done ORDER BY priority DESC"),
    QueueSpec("Mine", "assignee = currentUser() AND statusCategory != Done"),
    QueueSpec("Urgent", "project = OPS AND priority in (Highest, High) AND statusCategory != Done", watch=True),
]
DEADLINE = 15.0  # seconds an awaited event may take over loopback before the test fails


class _Handle:
    def __init__(self, timers: ManualTimers, name: str) -> None:
        self._timers, self._name = timers, name

    def cancel(self) -> None:
        pending = self._timers.pending.get(self._name)
        if pending is not None and pending[2] is self:
            del self._timers.pending[self._name]


class ManualTimers:
    """Timers that fire only when the test says: every delay the engine chose is recorded."""

    def __init__(self) -> None:
        self.pending: dict[str, tuple[float, Callable[[], None], _Handle]] = {}
        self.armed: list[tuple[str, float]] = []

    def call_later(self, delay: float, callback: Callable[[], None], *, name: str) -> _Handle:
        handle = _Handle(self, name)
        self.pending[name] = (delay, callback, handle)
        self.armed.append((name, delay))
        return handle

    def delay(self, name: str) -> float:
        return self.pending[name][0]

    def fire(self, name: str) -> None:
        _, callback, _ = self.pending.pop(name)
        callback()

    def delays(self, name: str) -> list[float]:
        return [d for n, d in self.armed if n == name]


@dataclass
class Rig:
    sim: CheckedSimServer
    engine: Engine
    timers: ManualTimers
    elapsed: list[float]
    events: list[Any] = field(default_factory=list)
    _waiters: list[tuple[Callable[[Any], bool], asyncio.Future[Any]]] = field(default_factory=list)

    def hear(self, event: Any) -> None:
        self.events.append(event)
        for check, future in list(self._waiters):
            if not future.done() and check(event):
                future.set_result(event)

    async def next(self, kind: type, check: Callable[[Any], bool] = lambda e: True) -> Any:
        """The next event of `kind` published from now on (waits with a deadline, never for a fixed time)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append((lambda e: isinstance(e, kind) and check(e), future))
        return await asyncio.wait_for(future, DEADLINE)

    def faults(self, spec: str) -> None:
        httpx.post(f"{self.sim.url}/_sim/faults", json={"spec": spec}, timeout=10).raise_for_status()

    def new_incident(self, summary: str, priority: str) -> str:
        created = httpx.post(
            f"{self.sim.url}/_sim/incidents", json={"summary": summary, "priority": priority}, timeout=10
        )
        created.raise_for_status()
        key: str = created.json()["key"]
        return key

    def kinds(self, since: int = 0) -> list[str]:
        return [type(e).__name__ for e in self.events[since:] if not isinstance(e, Tick)]


async def no_sleep(seconds: float) -> None:
    """The client's own retries back off without waiting."""


def client_for(url: str, email: str, token: str) -> JiraClient:
    config = JiraConfig(url=url, deployment="cloud", email=email, timeout_seconds=5.0)
    return JiraClient(config, Secret(token), sleep=no_sleep, retry=RetryPolicy(attempts=1), now=lambda: FROZEN_START)


@pytest.fixture
def sim() -> Iterator[CheckedSimServer]:
    server = start_sim()
    yield server
    server.stop()


def make_rig(sim: CheckedSimServer, client: JiraClient, **kwargs: Any) -> Rig:
    timers = ManualTimers()
    elapsed = [1000.0]
    session = Session(client, QUEUES, site_url=sim.url)
    engine = Engine(
        session,
        clock=lambda: FROZEN_START,
        monotonic=lambda: elapsed[0],
        timers=timers,
        **{"tick": False, **kwargs},
    )
    rig = Rig(sim, engine, timers, elapsed)
    engine.bus.subscribe(rig.hear)
    return rig


@pytest.fixture
async def rig(sim: CheckedSimServer) -> AsyncIterator[Rig]:
    login = sim.login()
    async with client_for(login.url, login.email, login.token) as client:
        rig = make_rig(sim, client)
        yield rig
        await rig.engine.stop()


async def started(rig: Rig) -> None:
    """Start the engine and wait for its first poll and the counts round that follows the connection."""
    counted = asyncio.ensure_future(rig.next(CountsRefreshed))
    await rig.engine.start()
    await counted


async def poll(rig: Rig) -> QueuePolled:
    """Fire the armed poll timer (what the event loop would do when it is due) and wait for its end."""
    polled = asyncio.ensure_future(rig.next(QueuePolled))
    rig.timers.fire("poll")
    result: QueuePolled = await polled
    return result


async def test_the_first_poll_connects_fills_and_is_rearmed_after_it_ends(rig: Rig) -> None:
    await started(rig)
    assert rig.kinds() == ["Connected", "ConnectionChanged", "QueuePolled", "CountsRefreshed"]
    assert isinstance(rig.events[0], Connected) and rig.events[0].me.display_name
    change = rig.events[1]
    assert change.previous.state is LinkState.CONNECTING and change.connection.state is LinkState.LIVE
    polled = rig.events[2]
    assert polled.queue == "Open" and polled.error is None and polled.diff is not None and polled.diff.added
    connection = rig.engine.connection
    assert connection.last_ok_at == FROZEN_START and connection.last_ok_monotonic == 1000.0
    assert connection.failures == 0 and connection.error is None
    # One-shot timers, re-armed after each round ends: the poll in 15 s, the counts in 60 s.
    assert rig.timers.delays("poll") == [15.0] and rig.timers.delays("counts") == [60.0]
    assert rig.engine.seconds_to_next_poll() == 15
    rig.elapsed[0] += 5
    assert rig.engine.seconds_to_next_poll() == 10
    assert not any(isinstance(e, Arrived) for e in rig.events), "a first fill is not news"
    assert rig.engine.session.status["Urgent"].loaded, "the watched queue was polled in the counts round"
    assert rig.engine.session.status["Mine"].count is not None, "the other queue was counted"
    mark = len(rig.events)
    await poll(rig)
    assert rig.kinds(mark) == ["QueuePolled"], "a healthy poll says nothing about the connection"
    assert rig.timers.delays("poll") == [15.0, 15.0]


async def test_polls_asked_for_while_one_runs_follow_it_and_never_overlap(rig: Rig) -> None:
    await started(rig)
    before = len(rig.sim.exchanges)
    first = asyncio.ensure_future(rig.next(QueuePolled))
    rig.engine.poll_now()
    assert rig.engine.polling and rig.engine.seconds_to_next_poll() is None
    assert "poll" not in rig.timers.pending, "the armed timer is stopped while a poll runs"
    rig.engine.poll_now(full=True)  # `r` while the poll runs: not a second request at once
    rig.engine.poll_now()
    await first
    second = await rig.next(QueuePolled)
    assert second.error is None
    assert not rig.engine.polling
    assert rig.timers.delays("poll") == [15.0, 15.0], "armed once after the first poll, once after the follow-up"
    searches = [ex for ex in rig.sim.exchanges[before:] if ex.path.startswith("/rest/api/3/search")]
    # One incremental poll (two searches), then one full search: the three asks became two polls.
    assert len(searches) == 3
    await asyncio.sleep(0)  # let any stray third poll start, were there one
    assert not rig.engine.polling


async def test_a_count_refresh_asked_for_while_a_round_runs_follows_it(rig: Rig) -> None:
    """`r` (or a watched queue's check) during a counts round is not lost: one more round follows it."""
    await started(rig)
    rounds = rig.engine.counts_rounds
    first = asyncio.ensure_future(rig.next(CountsRefreshed))
    rig.engine.refresh_counts_now()
    rig.engine.refresh_counts_now()  # while the first runs
    rig.engine.refresh_counts_now()
    await first
    await rig.next(CountsRefreshed)
    assert rig.engine.counts_rounds == rounds + 2, "the asks made during the round became one more round"


async def test_a_dropped_connection_backs_off_then_recovers_by_itself(rig: Rig) -> None:
    await started(rig)
    rig.faults("drop=1")
    seen = []
    for expected in [*BACKOFF, BACKOFF[-1]]:
        rig.elapsed[0] += 1
        polled = await poll(rig)
        assert polled.error is not None
        seen.append(rig.timers.delay("poll"))
        assert rig.engine.seconds_to_next_poll() == round(expected)
    assert seen == [2.0, 4.0, 8.0, 16.0, 30.0, 60.0, 60.0]
    connection = rig.engine.connection
    assert connection.state is LinkState.FAILING, "Jira was reached; the answer broke off"
    assert connection.failures == 7 and connection.since == FROZEN_START
    assert connection.last_ok_monotonic == 1000.0, "the last success stays what it was"
    changes = [e for e in rig.events if isinstance(e, ConnectionChanged)]
    assert [c.connection.failures for c in changes[1:]] == [1, 2, 3, 4, 5, 6, 7]
    rig.faults("")
    mark = len(rig.events)
    await poll(rig)
    await rig.next(CountsRefreshed)
    assert rig.kinds(mark) == ["ConnectionChanged", "QueuePolled", "CountsRefreshed"], "recovered, then counted"
    recovered = rig.events[mark]
    assert recovered.previous.degraded and recovered.connection.state is LinkState.LIVE
    assert rig.engine.connection.failures == 0 and rig.engine.connection.last_ok_monotonic == 1007.0
    assert rig.timers.delay("poll") == 15.0


async def test_server_errors_back_off_but_never_sooner_than_retry_after(rig: Rig) -> None:
    await started(rig)
    rig.faults("5xx=1,retry-after=20,seed=2")
    delays = []
    for _ in range(6):
        polled = await poll(rig)
        assert polled.error is not None and polled.error.status in (500, 502, 503, 504)
        delays.append((rig.timers.delay("poll"), polled.error.retry_after))
    for step, (delay, retry_after) in zip(BACKOFF, delays, strict=True):
        assert delay == max(step, retry_after or 0.0)
    # The seeded run has both: a 503 whose Retry-After outlasts the backoff step, and errors without one.
    assert any(retry_after == 20 and delay == 20 for delay, retry_after in delays[:4]), delays
    assert any(retry_after is None for _, retry_after in delays), delays
    assert rig.engine.connection.state is LinkState.FAILING


async def test_a_rate_limit_waits_as_long_as_jira_asks(rig: Rig) -> None:
    await started(rig)
    rig.faults("rate=1,retry-after=40")
    for expected in (40.0, 40.0, 40.0, 40.0, 40.0, 60.0):
        polled = await poll(rig)
        assert isinstance(polled.error, RateLimited)
        assert rig.timers.delay("poll") == expected
    # `r` tries at once, whatever the wait; and the fault cleared, all is well again.
    rig.faults("")
    polled_again = asyncio.ensure_future(rig.next(QueuePolled))
    rig.engine.poll_now(full=True)
    assert (await polled_again).error is None
    assert rig.engine.connection.state is LinkState.LIVE and rig.timers.delay("poll") == 15.0


async def test_an_unreachable_jira_is_offline_and_retried_with_backoff(sim: CheckedSimServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the socket is closed
    login = sim.login()
    async with client_for(f"http://127.0.0.1:{port}", login.email, login.token) as client:
        rig = make_rig(sim, client)
        polled = asyncio.ensure_future(rig.next(QueuePolled))
        await rig.engine.start()
        assert (await polled).error is not None
        assert rig.kinds() == ["ConnectionChanged", "QueuePolled"], "no Connected: Jira never answered"
        assert rig.engine.connection.state is LinkState.OFFLINE and rig.engine.connection.since == FROZEN_START
        assert rig.timers.delays("poll") == [2.0]
        assert "counts" not in rig.timers.pending, "no counts round before Jira was ever reached"
        await poll(rig)
        assert rig.timers.delays("poll") == [2.0, 4.0]
        await rig.engine.stop()


async def test_watched_queues_are_polled_and_say_when_they_fail_and_recover(rig: Rig) -> None:
    await started(rig)
    assert "Urgent" in rig.engine.watched
    rig.faults("5xx=1")
    failed = asyncio.ensure_future(rig.next(WatchFailed))
    rig.timers.fire("counts")
    assert (await failed).queue == "Urgent"
    await rig.next(CountsRefreshed)
    assert rig.timers.delay("counts") == 60.0
    rig.faults("")
    mark = len(rig.events)
    rig.timers.fire("counts")
    await rig.next(CountsRefreshed)
    assert rig.kinds(mark) == ["WatchRecovered", "CountsRefreshed"]
    assert isinstance(rig.events[mark], WatchRecovered) and rig.events[mark].queue == "Urgent"
    mark = len(rig.events)
    rig.timers.fire("counts")
    await rig.next(CountsRefreshed)
    assert rig.kinds(mark) == ["CountsRefreshed"], "recovered once, not at every round"


async def test_arrivals_are_news_but_not_the_first_fill_nor_our_own_write(rig: Rig) -> None:
    await started(rig)
    assert not any(isinstance(e, Arrived) for e in rig.events)
    key = rig.new_incident("Consent API returns 500", "Highest")
    arrived = asyncio.ensure_future(rig.next(Arrived))
    rig.timers.fire("counts")  # the watched queue's poll sees it arrive
    news = await arrived
    assert news == Arrived("Urgent", (key,))
    await rig.next(CountsRefreshed)
    # Our own take brings the incident into Mine: no news for that.
    rig.engine.activate("Mine")
    await poll(rig)  # Mine's first fill: not news either
    mark = len(rig.events)
    session = rig.engine.session
    command = session.pipeline.take(key)
    confirmed: asyncio.Future[CommandChanged] = asyncio.get_running_loop().create_future()

    def hear(event: object) -> None:
        if (
            isinstance(event, CommandChanged)
            and event.command.id == command.id
            and event.command.state is State.CONFIRMED
            and not confirmed.done()
        ):
            confirmed.set_result(event)

    unsubscribe = session.bus.subscribe(hear)
    await asyncio.wait_for(confirmed, 15)
    unsubscribe()
    await poll(rig)
    assert key in rig.engine.session.store.keys("Mine")
    assert not any(isinstance(e, Arrived) for e in rig.events[mark:]), rig.kinds(mark)


async def test_the_clock_ticks_once_a_second_on_the_site_time(sim: CheckedSimServer) -> None:
    login = sim.login()
    async with client_for(login.url, login.email, login.token) as client:
        rig = make_rig(sim, client, tick=True)
        await rig.engine.start()
        assert rig.timers.delay("tick") == 1.0
        rig.timers.fire("tick")
        rig.timers.fire("tick")
        ticks = [e for e in rig.events if isinstance(e, Tick)]
        assert ticks == [Tick(FROZEN_START), Tick(FROZEN_START)]
        assert rig.timers.delays("tick") == [1.0, 1.0, 1.0], "re-armed after each tick"
        await rig.engine.stop()
        assert "tick" not in rig.timers.pending


async def test_stop_cancels_timers_and_leaves_no_task_behind(rig: Rig) -> None:
    await started(rig)
    others = asyncio.all_tasks() - {asyncio.current_task()}
    rig.engine.poll_now()  # a poll in flight when the app quits
    rig.engine.refresh_counts_now()
    assert rig.engine.running_tasks == 2
    mark = len(rig.events)
    await rig.engine.stop()
    assert rig.engine.running_tasks == 0
    assert rig.timers.pending == {}, "no timer left to fire"
    assert asyncio.all_tasks() - {asyncio.current_task()} <= others, "no task of the engine's or its session's"
    assert rig.events[mark:] == [], "nothing is published after stop"
    rig.engine.poll_now()
    assert not rig.engine.polling, "a stopped engine polls no more"


async def test_stop_stops_waiting_for_a_poll_that_hangs(sim: CheckedSimServer) -> None:
    login = sim.login()
    async with client_for(login.url, login.email, login.token) as client:
        rig = make_rig(sim, client)
        await started(rig)
        rig.faults("latency=3000-3000ms")
        rig.engine.poll_now()
        loop = asyncio.get_running_loop()
        began = loop.time()
        await rig.engine.stop(grace=0.2)
        assert loop.time() - began < 2.0, "stop() waits briefly, not for the hung request"
        assert rig.engine.running_tasks == 0
        rig.faults("")


def test_the_engine_needs_no_bus_of_its_own() -> None:
    session = Session(object(), QUEUES, site_url="http://127.0.0.1:9")
    bus = EventBus()
    assert Engine(session, bus=bus).bus is bus
    assert isinstance(Engine(session).bus, EventBus)
