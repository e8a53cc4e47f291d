"""One connection's live state: who I am, the queues, their pollers, the store and the action runner.

The UI holds a Session and asks it to poll; everything here is plain asyncio, testable without a terminal.
What the session knows about each queue (loaded or not, its count, the last failure) is kept here too, so the
screen can say "unknown" or "failed" instead of showing a zero it does not know.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import AtRiskThresholds
from oncall_tui.jira.errors import InvalidJql, JiraError
from oncall_tui.sync.details import DetailCache
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.outbox import Outbox
from oncall_tui.sync.pipeline import CommandPipeline
from oncall_tui.sync.poller import LoadProgress, QueuePoller, split_order_by
from oncall_tui.sync.snapshot import site_key
from oncall_tui.sync.store import IncidentStore, StoreDiff

# A queue's snapshot is saved at most this often while it changes (and at its first poll of a run).
SNAPSHOT_EVERY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class QueueSpec:
    name: str
    jql: str
    watch: bool = False


@dataclass(slots=True)
class QueueStatus:
    """What is known about one queue, for the tabs and the table's empty state."""

    # A poll of the queue succeeded at least once: the store holds its members.
    loaded: bool = False
    # Issues in the queue: the store's after a poll, Jira's approximate count after a count; None when unknown.
    count: int | None = None
    # The last poll or count of this queue failed with this error (None after a success).
    error: JiraError | None = None
    failed_at: datetime | None = None
    # Issues of the queue that Jira sent in a form that cannot be read, left out of the store.
    skipped: int = 0
    # Site time of the data held for the queue: its last successful poll (or a cached copy's time).
    as_of: datetime | None = None
    # The rows are the saved copy from an earlier run (`as_of` old): no poll of this run has succeeded yet.
    cached: bool = False
    # A first load streaming in page by page: how many of how many are in the store (None when none runs).
    loading: LoadProgress | None = None

    @property
    def jql_refused(self) -> bool:
        return isinstance(self.error, InvalidJql)


@dataclass(frozen=True, slots=True)
class SnapshotShown:
    """The saved copy of a queue from an earlier run is in the store, as of `taken_at` (until Jira answers)."""

    queue: str
    taken_at: datetime


@dataclass
class Session:
    client: Any  # oncall_tui.jira.client.JiraClient (duck-typed so tests and benches can wrap it)
    queues: Sequence[QueueSpec]
    site_url: str
    thresholds: AtRiskThresholds = field(default_factory=AtRiskThresholds)
    readonly: bool = False
    full_resync_every: timedelta = timedelta(minutes=10)
    store: IncidentStore = field(default_factory=IncidentStore)
    me: Person | None = None
    # Where commands and drafts are kept (in memory unless the caller gives a durable one).
    outbox: Outbox = field(default_factory=Outbox.in_memory)
    bus: EventBus = field(default_factory=EventBus)
    # The last-known state of each queue, for a start that shows rows at once (None: nothing kept on disk).
    snapshots: Any | None = None  # oncall_tui.sync.snapshot.SnapshotCache
    pipeline: CommandPipeline = field(init=False)
    details: DetailCache = field(init=False)
    status: dict[str, QueueStatus] = field(init=False)
    _pollers: dict[str, QueuePoller] = field(default_factory=dict, init=False)
    _polls: dict[str, tuple[asyncio.Future[StoreDiff], bool]] = field(default_factory=dict, init=False)
    _resuming: asyncio.Future[Any] | None = field(default=None, init=False)
    _saving: set[asyncio.Future[None]] = field(default_factory=set, init=False)
    # Queues changed since their snapshot was last saved, and when it was (site time).
    _unsaved: set[str] = field(default_factory=set, init=False)
    _saved_at: dict[str, datetime] = field(default_factory=dict, init=False)
    _told_cache_problem: object | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if not self.queues:
            raise ValueError("a session needs at least one queue")
        self.pipeline = CommandPipeline(
            self.client, self.store, self.outbox, self.bus, site=self.site_key, me=self.me, readonly=self.readonly
        )
        self.details = DetailCache(self.client)
        self.status = {spec.name: QueueStatus() for spec in self.queues}

    async def connect(self) -> Person:
        """Learn who the user is; then the commands the outbox holds for this site are taken up."""
        self.me = await self.client.myself()
        self.pipeline.me = self.me
        await asyncio.to_thread(self.outbox.remember_me, self.site_key, self.me)
        self.take_up_commands()
        return self.me

    def take_up_commands(self) -> None:
        """Take up the writes the outbox holds for this site, at start-up, whether or not Jira answers yet: they
        show on their rows, in the header and under `w` at once (so nobody types them again), and go out when
        Jira lets them. Once per session; `connect` calls it too, for a session that never started it."""
        if self._resuming is None:
            self.last_known_me()
            self._resuming = asyncio.ensure_future(self.pipeline.resume())
            self._resuming.add_done_callback(lambda t: t.cancelled() or t.exception())

    def last_known_me(self) -> Person | None:
        """Who the user was the last time this site answered (before Jira answers now: the header, and the
        commands made while Jira is unreachable at start-up)."""
        if self.me is not None:
            return self.me
        if self.pipeline.me is None:
            self.pipeline.me = self.outbox.last_me(self.site_key)
        return self.pipeline.me

    @property
    def site_key(self) -> str:
        """The site as the outbox and the drafts know it: `https://Jira.Example.com/` and `https://jira.example.com`
        are one site (editing the config's URL must not orphan the writes waiting for it)."""
        return site_key(self.site_url)

    def queue(self, name: str) -> QueueSpec:
        for spec in self.queues:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def counts(self) -> dict[str, int]:
        """The known counts (queues whose count is unknown are absent, never 0)."""
        return {name: st.count for name, st in self.status.items() if st.count is not None}

    def poller(self, name: str) -> QueuePoller:
        poller = self._pollers.get(name)
        if poller is None:
            spec = self.queue(name)
            status = self.status[name]

            def progress(loading: LoadProgress | None) -> None:
                status.loading = loading

            poller = QueuePoller(
                self.client,
                self.store,
                spec.name,
                spec.jql,
                full_resync_every=self.full_resync_every,
                on_progress=progress,
            )
            self._pollers[name] = poller
        return poller

    def polling(self, name: str) -> bool:
        return name in self._polls

    async def poll(self, name: str, now: datetime, *, full: bool = False) -> StoreDiff:
        """Poll one queue. A queue already being polled (the active poll and the watched-queue round can ask for
        the same one) is not polled twice at once: the second caller shares the first poll's result, or, when
        it asked for a full resync and the running poll is incremental, gets a full one right after it."""
        running = self._polls.get(name)
        if running is not None:
            task, running_full = running
            # Shielded: a caller giving up must not cancel the request under it (httpx #1461).
            diff = await asyncio.shield(task)
            if not full or running_full:
                return diff
            return await self.poll(name, now, full=True)
        task = asyncio.ensure_future(self._poll(name, now, full))
        self._polls[name] = (task, full)

        def forget(done: asyncio.Future[StoreDiff]) -> None:
            if self._polls.get(name, (None, False))[0] is done:
                del self._polls[name]
            # Every caller may have stopped waiting (the app quitting cancels its workers; the shielded poll
            # goes on): its failure is then nobody's to hear, and must not be logged as never retrieved.
            if not done.cancelled():
                done.exception()

        task.add_done_callback(forget)
        return await asyncio.shield(task)

    async def _poll(self, name: str, now: datetime, full: bool) -> StoreDiff:
        poller = self.poller(name)
        status = self.status[name]
        if full:
            poller.last_full = None
        try:
            diff = await poller.poll(now)
        except JiraError as exc:
            status.error, status.failed_at = exc, now
            raise
        first = not status.loaded or status.cached
        status.loaded, status.error, status.failed_at, status.as_of = True, None, None, now
        status.cached = False
        status.count = self.store.count(name)
        status.skipped = poller.skipped
        if self.snapshots is not None:
            if not diff.empty:
                self._unsaved.add(name)
            saved = self._saved_at.get(name)
            # A 10,000-incident queue takes a second of CPU to save, which a poll with one change would cost
            # every time: saved at its first poll, then at most once a minute while it changes.
            if first or (name in self._unsaved and (saved is None or now - saved >= SNAPSHOT_EVERY)):
                self._unsaved.discard(name)
                self._saved_at[name] = now
                self._save_soon(name, now)
        return diff

    # ---- the last-known state ----------------------------------------------------------------------------

    def _save_soon(self, name: str, now: datetime) -> None:
        """Keep the queue as Jira said it (no pending local changes) for the next start, off the event loop."""
        spec = self.queue(name)
        incidents = [inc for key in self.store.keys(name) if (inc := self.store.jira_copy(key)) is not None]
        cache = self.snapshots
        assert cache is not None

        async def save() -> None:
            await asyncio.to_thread(cache.save, name, spec.jql, incidents, now)
            self._tell_cache_problem()

        task = asyncio.ensure_future(save())
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    async def show_snapshots(self) -> None:
        """Put each queue's saved copy in the store, for the time until its first poll of this run succeeds."""
        cache = self.snapshots
        if cache is None:
            return
        for spec in self.queues:
            snapshot = await asyncio.to_thread(cache.load, spec.name, spec.jql)
            self._tell_cache_problem()
            status = self.status[spec.name]
            if snapshot is None or status.loaded:
                continue  # nothing kept, or Jira answered first
            self.store.replace_queue(spec.name, snapshot.incidents)
            status.loaded, status.cached, status.as_of = True, True, snapshot.taken_at
            status.count = self.store.count(spec.name)
            self.bus.publish(SnapshotShown(spec.name, snapshot.taken_at))

    def _tell_cache_problem(self) -> None:
        cache = self.snapshots
        problem = getattr(cache, "problem", None)
        if problem is not None and problem is not self._told_cache_problem:
            self._told_cache_problem = problem
            self.bus.publish(problem)

    async def refresh_counts(self, now: datetime, *, skip: Sequence[str] = ()) -> None:
        """Counts of the queues not polled this round, cheaply (approximate count, no issues fetched).

        A queue whose JQL Jira refuses is marked and the others are still counted; any other failure (Jira down,
        rate limits) ends the round, since every further request would fail the same way. Raises that failure."""
        for spec in self.queues:
            if spec.name in skip:
                continue
            status = self.status[spec.name]
            where, _ = split_order_by(spec.jql)
            try:
                count = await self.client.approximate_count(where or spec.jql)
            except InvalidJql as exc:
                status.error, status.failed_at = exc, now
                continue
            except JiraError as exc:
                status.error, status.failed_at = exc, now
                raise
            # Fresher than the store's members of a queue not polled lately; a poll sets the store's count again.
            status.error, status.failed_at, status.count = None, None, count
