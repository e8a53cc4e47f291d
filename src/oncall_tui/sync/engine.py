"""The engine: keeps a session in step with Jira without any UI.

It polls the queue on screen on a one-shot timer re-armed after each poll (polls never overlap or pile up
behind a slow Jira), refreshes the other queues' counts and polls the watched ones, runs the one 1 Hz clock,
keeps the connection's state and reconnects with backoff by itself, and publishes what happened on its
EventBus (see engine_events). Plain asyncio: the Textual app subscribes, a test steps it by hand.

A request in flight is never cancelled casually: a cancelled httpx request can leak a pool slot (httpx #1461).
A poll asked for while one runs starts right after it instead, and `stop()` lets running rounds finish for a
moment before it gives up on them (the session shields the request itself).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from oncall_tui.domain.incident import Incident
from oncall_tui.domain.oncall import Contact, Policy
from oncall_tui.domain.people import Person
from oncall_tui.domain.rota import Rota
from oncall_tui.jira.errors import JiraError
from oncall_tui.jira.ops import OpsClient
from oncall_tui.sync.commands import CommandKind
from oncall_tui.sync.connection import BACKOFF, Connection, LinkState, backoff_delay, breaks_connection, state_for
from oncall_tui.sync.due import DueWatch
from oncall_tui.sync.engine_events import (
    Arrived,
    Connected,
    ConnectionChanged,
    CountsRefreshed,
    EngineFailed,
    LeadsLoaded,
    QueuePolled,
    Tick,
    WatchFailed,
    WatchRecovered,
)
from oncall_tui.sync.escalation_desk import EscalationDesk
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.leads import Leads, ProjectLeads
from oncall_tui.sync.notify import Notifier
from oncall_tui.sync.oncall import OnCallBook
from oncall_tui.sync.pipeline import CommandChanged
from oncall_tui.sync.session import Session
from oncall_tui.sync.slices import SLICE
from oncall_tui.sync.store import StoreDiff
from oncall_tui.sync.timers import Cancellable, LoopTimers, Timers

log = logging.getLogger(__name__)

# An incident the user took or assigned is theirs for this long: whatever queue it enters meanwhile (a watched
# "Mine", a P1 queue after its poll) is no news, even before Jira confirmed the write.
OWN_WINDOW_SECONDS = 300.0

# How long stop() lets a running poll or count finish before it stops waiting for it.
STOP_GRACE_SECONDS = 1.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class Engine:
    def __init__(
        self,
        session: Session,
        *,
        poll_seconds: float = 15.0,
        counts_seconds: float = 60.0,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        watched: Iterable[str] = (),
        tick: bool = True,
        bus: EventBus | None = None,
        queued: Callable[[], int] | None = None,
        explains: Callable[[str, Incident | None], bool] | None = None,
        timers: Timers | None = None,
        backoff: tuple[float, ...] = BACKOFF,
        policies: Sequence[Policy] = (),
        rotas: Mapping[str, Rota] | None = None,
        directory: Mapping[str, Contact] | None = None,
    ) -> None:
        self.session = session
        # The session's bus by default: the command pipeline publishes on it too, so one subscriber hears both.
        self.bus = bus if bus is not None else getattr(session, "bus", None) or EventBus()
        self.poll_seconds = poll_seconds
        self.counts_seconds = counts_seconds
        # Site time (what countdowns are drawn for; fast in drills, frozen in tests) and elapsed real time.
        self.clock = clock
        self.monotonic = monotonic
        self.watched = set(watched) | {q.name for q in session.queues if q.watch}
        self.tick_enabled = tick
        # Commands waiting to be sent (the command pipeline's count), for the degraded banner.
        self.queued = queued if queued is not None else lambda: len(session.pipeline.active())
        # Whether an incident as it is now is the result of our own write (then its arrival is no news).
        self._explains = explains
        self.timers: Timers = timers if timers is not None else LoopTimers()
        self.backoff = backoff
        self.active = session.queues[0].name
        self.connection = Connection()
        # The last poll's failure (None after a success), the queue's own (refused JQL) included.
        self.poll_error: JiraError | None = None
        self.next_poll_in = poll_seconds
        self.counts_rounds = 0  # finished count rounds (a test waits for the next one)
        self.leads = ProjectLeads(
            lambda: self.session.client,
            monotonic=lambda: self.monotonic(),
            loaded=lambda project: self.bus.publish(LeadsLoaded(project)),
            spawn=self._spawn,
        )
        self._priorities: list[tuple[str, str]] | None = None
        self._polling = False
        self._poll_started_at = 0.0
        self._again: bool | None = None  # a poll asked for while one ran: None, or whether to poll fully
        self._counting = False
        self._count_again = False
        self._watch_failing: set[str] = set()
        self._timers: dict[str, Cancellable] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = False
        self._stopped = False
        self._unsubscribe: Callable[[], None] = lambda: None
        self._unsubscribe_own: Callable[[], None] = lambda: None
        # Escalation due, recomputed on every Tick over the store (`policy_for` / `levels_for` may be swapped in
        # by the on-call book); it publishes EscalationDueChanged and never escalates anything itself.
        self.due = DueWatch(session.store, self.bus, policies=policies, thresholds=session.thresholds)
        # Notifications (bell, desktop): decided here from the events above, written to the terminal by the UI.
        # `notifier.rules` comes from [notify]; the UI toggles `notifier.quiet`.
        self.notifier = Notifier(
            session.store,
            self.bus,
            watched=lambda: self.watched,
            own=self.own_change,
            thresholds=session.thresholds,
            monotonic=lambda: self.monotonic(),
        )
        self.slice_size = SLICE  # incidents the due watch and the notifier look at per loop turn
        self._taken: dict[str, float] = {}  # key -> monotonic time the user took or assigned it
        # Who is on call at each level (JSM Ops, rotas, fixed people, the Jira leads as the fallback), and the
        # one place the UI goes to escalate: the pane, the dialog and escalation due see the same levels.
        self.oncall = OnCallBook(
            client=lambda: self.session.client,
            ops=self.ops,
            rotas=rotas or {},
            directory=directory or {},
            bus=self.bus,
            clock=lambda: self.clock(),
            monotonic=lambda: self.monotonic(),
            spawn=self._spawn,
        )
        store = session.store
        self.escalation = EscalationDesk(
            policies=policies,
            pipeline=session.pipeline,
            leads=self.leads_for,
            leads_failed=lambda project: project in self.leads.failed_at,
            queues_of=lambda key: frozenset(q for q in store.queues() if store.holds(q, key)),
            clock=lambda: self.clock(),
            book=self.oncall,
            pages=lambda: self.paging() is not None,
        )
        self.due.policy_for = self.escalation.configured_policy
        self.due.levels_for = self.escalation.levels_for
        # The page step of an escalation goes to JSM Ops, which only Cloud has.
        session.pipeline.ops = self.paging
        self._ops: tuple[Any, OpsClient] | None = None

    def ops(self) -> OpsClient | None:
        """JSM Ops through the session's client (the same credentials). On Data Center it answers every question
        with OpsNotAvailable, which the on-call book shows as such ("Data Center has no JSM Ops")."""
        client = self.session.client
        if client is None:
            return None
        if self._ops is None or self._ops[0] is not client:
            self._ops = (client, OpsClient(client))
        return self._ops[1]

    def paging(self) -> OpsClient | None:
        """JSM Ops for paging: only where the site is known to be Cloud (Data Center has none)."""
        return self.ops() if getattr(self.session.client, "flavour", None) == "cloud" else None

    # ---- life --------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen to the store, start the clock and the first (full) poll, which connects first."""
        if self._started or self._stopped:
            return
        self._started = True
        self._unsubscribe = self.session.store.subscribe(self._arrivals)
        # Their big looks (every incident after a large queue loaded) go in slices, between which the loop runs
        # the keys typed meanwhile; `call_soon` is one loop turn.
        loop = asyncio.get_running_loop()
        self.due.look_in_slices(loop.call_soon, self.slice_size)
        self.notifier.look_in_slices(loop.call_soon, self.slice_size)
        self.due.start()
        self.notifier.start()
        self._unsubscribe_own = self.bus.subscribe(self._hear_own)
        if self.tick_enabled:
            self._arm("tick", 1.0, self._tick)
        # The saved copies and the writes still waiting go on screen while the first poll asks Jira; a poll that
        # answers first wins.
        self.session.take_up_commands()
        self._spawn(self.session.show_snapshots())
        self.poll_now(full=True)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Cancel every timer, let running rounds end for up to `grace` seconds, then stop waiting for them.
        Nothing is re-armed or published after this returns."""
        self._stopped = True
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self._unsubscribe()
        self._unsubscribe = lambda: None
        self.due.stop()
        self.notifier.stop()
        self._unsubscribe_own()
        running = set(self._tasks)
        if not running:
            return
        _, pending = await asyncio.wait(running, timeout=grace)
        for task in pending:
            # What it awaits (Session.poll) is shielded: the request itself runs to its own deadline.
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    @property
    def running_tasks(self) -> int:
        return len(self._tasks)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _arm(self, name: str, delay: float, callback: Callable[[], None]) -> None:
        old = self._timers.pop(name, None)
        if old is not None:
            old.cancel()
        if not self._stopped:
            self._timers[name] = self.timers.call_later(delay, callback, name=name)

    def _disarm(self, name: str) -> None:
        old = self._timers.pop(name, None)
        if old is not None:
            old.cancel()

    # ---- the one clock -------------------------------------------------------------------------------------

    def tick(self) -> None:
        """Publish the site time now (the 1 Hz timer calls this; a test may too)."""
        self.bus.publish(Tick(self.clock()))

    def _tick(self) -> None:
        self.tick()
        if self.tick_enabled:
            self._arm("tick", 1.0, self._tick)

    # ---- polling the active queue --------------------------------------------------------------------------

    def activate(self, queue: str) -> None:
        """The queue on screen: the one polled every `poll_seconds` (others only counted, or watched)."""
        self.session.queue(queue)  # KeyError for a queue the session does not have
        self.active = queue

    @property
    def polling(self) -> bool:
        return self._polling

    @property
    def counting(self) -> bool:
        return self._counting

    def poll_running_for(self) -> float | None:
        return self.monotonic() - self._poll_started_at if self._polling else None

    def seconds_to_next_poll(self) -> int | None:
        next_at = self.connection.next_try_at
        if self._polling or next_at is None:
            return None
        return max(0, round(next_at - self.monotonic()))

    def poll_now(self, *, full: bool = False) -> None:
        """Poll the active queue now, connecting first if need be, whatever the wait (a Retry-After's too: the
        user asked). A poll in flight is never cancelled; the new one runs as soon as it is done."""
        if self._stopped:
            return
        if self._polling:
            self._again = full or bool(self._again)
            return
        self._polling = True
        self._poll_started_at = self.monotonic()
        self._disarm("poll")
        self._spawn(self._poll_round(full))

    async def _poll_round(self, full: bool) -> None:
        queue = self.active
        diff: StoreDiff | None = None
        error: JiraError | None = None
        bug: Exception | None = None
        try:
            if self.session.me is None:
                me: Person = await self.session.connect()
                self.bus.publish(Connected(me))
                full = True
            diff = await self.session.poll(queue, self.clock(), full=full)
        except JiraError as exc:
            error = exc
        except Exception as exc:  # a bug below: said once, and polling goes on
            bug = exc
        finally:
            self._polling = False
        previous = self.connection
        if bug is not None:
            delay = self.poll_seconds
        elif error is None:
            delay = self.poll_seconds
            self.connection = dataclasses.replace(
                previous,
                state=LinkState.LIVE,
                since=previous.since if previous.state is LinkState.LIVE else self.clock(),
                error=None,
                last_ok_at=self.clock(),
                last_ok_monotonic=self.monotonic(),
                failures=0,
            )
        elif breaks_connection(error):
            failures = previous.failures + 1
            delay = backoff_delay(failures, error.retry_after, self.backoff)
            self.connection = dataclasses.replace(
                previous,
                state=state_for(error),
                since=previous.since if previous.degraded else self.clock(),
                error=error,
                failures=failures,
            )
        else:
            # Jira answered (it refused the queue's JQL): the connection is fine, the queue is not.
            delay = max(self.poll_seconds, error.retry_after or 0.0)
        self.poll_error = error
        again, self._again = self._again, None
        self.next_poll_in = delay
        if again is None:
            # Re-armed after each poll finishes: polls never overlap or pile up behind a slow Jira.
            self.connection = dataclasses.replace(self.connection, next_try_at=self.monotonic() + delay)
            self._arm("poll", delay, self.poll_now)
        if self._stopped:
            return
        current = self.connection
        if (current.state, current.error, current.failures) != (previous.state, previous.error, previous.failures):
            self.bus.publish(ConnectionChanged(current, previous))
            if previous.degraded and not current.degraded:
                # Jira answers again: writes waiting for it go now, not at their next backoff step.
                self.session.pipeline.wake()
        if bug is not None:
            self.bus.publish(EngineFailed(bug))
        self.bus.publish(QueuePolled(queue, diff, error))
        if error is None and bug is None and (previous.degraded or previous.state is LinkState.CONNECTING):
            # Connected, or back after trouble: every count is as old as the trouble.
            self.refresh_counts_now()
        if again is not None:
            self.poll_now(full=again)

    # ---- counts and watched queues ------------------------------------------------------------------------------

    def refresh_counts_now(self) -> None:
        if self._stopped:
            return
        if self._counting:
            # As with polls: never cancel one in flight; the round asked for follows when it ends (what it
            # would have found may have changed since the running one started).
            self._count_again = True
            return
        self._counting = True
        self._disarm("counts")
        self._spawn(self._counts_round())

    async def _counts_round(self) -> None:
        active = self.active
        polled = [active]
        bug: Exception | None = None
        try:
            # Watched queues are polled for real, not just counted: a P1 landing in one must ring the bell
            # while the engineer looks at another queue. Their first poll is the baseline, not news.
            for spec in self.session.queues:
                if spec.name not in self.watched or spec.name == active:
                    continue
                polled.append(spec.name)
                try:
                    await self.session.poll(spec.name, self.clock())
                except JiraError as exc:
                    self._watch_failing.add(spec.name)
                    self.bus.publish(WatchFailed(spec.name, exc))
                    continue
                if spec.name in self._watch_failing:
                    self._watch_failing.discard(spec.name)
                    self.bus.publish(WatchRecovered(spec.name))
            await self.session.refresh_counts(self.clock(), skip=polled)
        except JiraError:
            # Recorded per queue (the tabs show it); the active queue's poll reports the connection itself.
            pass
        except Exception as exc:
            bug = exc
        finally:
            self._counting = False
        self.counts_rounds += 1
        self._arm("counts", self.counts_seconds, self.refresh_counts_now)
        if self._stopped:
            return
        if bug is not None:
            self.bus.publish(EngineFailed(bug))
        self.bus.publish(CountsRefreshed())
        if self._count_again:
            self._count_again = False
            self.refresh_counts_now()

    # ---- news ----------------------------------------------------------------------------------------------------

    def _arrivals(self, diff: StoreDiff) -> None:
        if diff.queue is None or not diff.added:
            return
        if not self.session.status[diff.queue].loaded:
            return  # the first fill of a queue is not news (the poll delivering it has not finished yet)
        # An incident that entered because of our own write (we raised its priority, we took it) is not news;
        # one that someone else changed after that is.
        store = self.session.store
        news = tuple(key for key in diff.added if not self.own_change(key, store.get(key)))
        if news:
            self.bus.publish(Arrived(diff.queue, news))

    def own_change(self, key: str, incident: Incident | None) -> bool:
        """Whether `incident` as it is now comes from the user's own doing: the result of their last write (the
        pipeline's `explains`), a write of theirs still on its way, or an incident they just took or assigned."""
        explains = self._explains or self.session.pipeline.explains
        if explains(key, incident) or self.session.store.has_pending(key):
            return True
        taken = self._taken.get(key)
        return taken is not None and self.monotonic() - taken < OWN_WINDOW_SECONDS

    def _hear_own(self, event: object) -> None:
        if isinstance(event, CommandChanged) and event.command.kind in (CommandKind.TAKE, CommandKind.ASSIGN):
            self._taken[event.command.key] = self.monotonic()
            while len(self._taken) > 500:
                self._taken.pop(next(iter(self._taken)))

    # ---- look-ups the panes and dialogs need ---------------------------------------------------------------------

    def leads_for(self, project: str) -> Leads | None:
        """The project's leads if known; starts the look-up otherwise (`LeadsLoaded` says when it is done)."""
        return self.leads.get(project)

    async def priorities(self) -> list[tuple[str, str]]:
        if self._priorities is None:
            found = await self.session.client.priorities()
            self._priorities = [(p.id or p.name, p.name) for p in found]
        return self._priorities
