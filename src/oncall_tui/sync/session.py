"""One connection's live state: who I am, the queues, their pollers, the store and the action runner.

The UI holds a Session and asks it to poll; everything here is plain asyncio, testable without a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import AtRiskThresholds
from oncall_tui.sync.actions import ActionRunner
from oncall_tui.sync.poller import QueuePoller, split_order_by
from oncall_tui.sync.store import IncidentStore, StoreDiff


@dataclass(frozen=True, slots=True)
class QueueSpec:
    name: str
    jql: str
    watch: bool = False


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
    counts: dict[str, int] = field(default_factory=dict)
    runner: ActionRunner = field(init=False)
    _pollers: dict[str, QueuePoller] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if not self.queues:
            raise ValueError("a session needs at least one queue")
        self.runner = ActionRunner(self.client, self.store, self.me, readonly=self.readonly)

    async def connect(self) -> Person:
        self.me = await self.client.myself()
        self.runner.me = self.me
        return self.me

    def queue(self, name: str) -> QueueSpec:
        for spec in self.queues:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def poller(self, name: str) -> QueuePoller:
        poller = self._pollers.get(name)
        if poller is None:
            spec = self.queue(name)
            poller = QueuePoller(self.client, self.store, spec.name, spec.jql, full_resync_every=self.full_resync_every)
            self._pollers[name] = poller
        return poller

    async def poll(self, name: str, now: datetime, *, full: bool = False) -> StoreDiff:
        poller = self.poller(name)
        if full:
            poller.last_full = None
        diff = await poller.poll(now)
        self.counts[name] = self.store.count(name)
        return diff

    async def refresh_counts(self, except_queue: str | None = None) -> dict[str, int]:
        """Counts of the queues not on screen, cheaply (approximate count, no issues fetched)."""
        for spec in self.queues:
            if spec.name == except_queue:
                continue
            where, _ = split_order_by(spec.jql)
            self.counts[spec.name] = await self.client.approximate_count(where or spec.jql)
        return dict(self.counts)
