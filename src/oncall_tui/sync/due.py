"""Which incidents in the store are due for escalation, kept up to date at every engine Tick (nothing is escalated).

The policy of an incident and its levels come from callables, so the on-call book (resolved levels, cached) and
the config (policies) can be plugged in by whoever owns them; by default the configured policies are matched
first-match-wins with `match_policy` and their levels as configured are used.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from oncall_tui.domain.due import DueReason, HasTimeout, due_from, escalation_due
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.oncall import IncidentFacts, Policy, match_policy
from oncall_tui.domain.sla import AtRiskThresholds
from oncall_tui.sync.engine_events import Tick
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.oncall import OnCallLoaded
from oncall_tui.sync.slices import SLICE, Defer, SlicedRun
from oncall_tui.sync.store import IncidentStore, StoreDiff

__all__ = ["DueWatch", "EscalationDueChanged", "facts_of"]

PolicyFor = Callable[[Incident], Policy | None]
LevelsFor = Callable[[Policy], Sequence[HasTimeout] | None]


@dataclass(frozen=True, slots=True)
class EscalationDueChanged:
    """The set of incidents due for escalation changed: `due` all of them now (with why), `new` those that were
    not due at the previous Tick (the notifier tells only these)."""

    due: Mapping[str, DueReason]
    new: frozenset[str]


def facts_of(incident: Incident, queues: frozenset[str] = frozenset()) -> IncidentFacts:
    """What a policy can match on. The project is the key's prefix (Jira keys are PROJECT-N)."""
    project = incident.key.rsplit("-", 1)[0] if "-" in incident.key else None
    return IncidentFacts(
        project=project,
        components=frozenset(incident.components),
        labels=frozenset(incident.labels),
        issue_type=incident.issue_type,
        queues=queues,
    )


@dataclass
class DueWatch:
    """Keeps `due` up to date at every Tick without looking at every incident each time: an incident is looked
    at again when the store changed it, when the moment it can become due by time alone has come (`due_from`),
    (once due by time, it stays due until it changes, so its reason is as it was when it became due). Everything
    is looked at again when an on-call answer changed the levels used, at the first tick and when the clock goes
    back. A look at many incidents goes in slices once the engine allows it (`look_in_slices`): the due set then
    changes when the last slice is done, a few loop turns after the tick."""

    store: IncidentStore
    bus: EventBus
    policies: Sequence[Policy] = ()
    thresholds: AtRiskThresholds = field(default_factory=AtRiskThresholds)
    policy_for: PolicyFor | None = None
    levels_for: LevelsFor | None = None
    # How many incidents the last tick looked at (for tests and benchmarks).
    looked_at: int = field(default=0, init=False)
    _due: dict[str, DueReason] = field(default_factory=dict, init=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, init=False)
    _unsubscribe_store: Callable[[], None] | None = field(default=None, init=False)
    _computed_at: datetime | None = field(default=None, init=False)
    _full: bool = field(default=True, init=False)
    _changed_keys: set[str] = field(default_factory=set, init=False)
    _next: list[tuple[datetime, str]] = field(default_factory=list, init=False)  # a heap
    _next_for: dict[str, datetime] = field(default_factory=dict, init=False)
    # The policy each incident matched, kept while the incident (the store's object) and its queues are the same.
    _matched: dict[str, tuple[Incident, frozenset[str], Policy | None]] = field(default_factory=dict, init=False)
    # What the due set was computed with, per policy: the levels' names and response times.
    _levels_used: dict[int, tuple[Policy, object]] = field(default_factory=dict, init=False)
    # Big looks go in slices (`SlicedRun`): the engine sets `_run.defer`.
    _run: SlicedRun = field(default_factory=SlicedRun, init=False)

    @property
    def due(self) -> Mapping[str, DueReason]:
        return MappingProxyType(self._due)

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self.bus.subscribe(self._hear)
            self._unsubscribe_store = self.store.subscribe(self._changed)

    def stop(self) -> None:
        self._run.cancel()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._unsubscribe_store is not None:
            self._unsubscribe_store()
            self._unsubscribe_store = None

    def look_in_slices(self, defer: Defer | None, size: int = SLICE) -> None:
        """Look at many incidents `size` at a time, `defer` (the loop's `call_soon`) running the next slice."""
        self._run.defer = defer
        self._run.size = size

    def _changed(self, diff: StoreDiff) -> None:
        self._changed_keys.update(diff.added, diff.updated, diff.removed)

    def _hear(self, event: object) -> None:
        if isinstance(event, OnCallLoaded):
            # Everything is looked at again only when the levels used so far (their names and response times)
            # are not what the book now resolves: the answer comes every few minutes and mostly says the same.
            if any(_signature(self._levels(policy)) != used for policy, used in self._levels_used.values()):
                self._full = True
        elif isinstance(event, Tick):
            self._tick(event.now)

    def _tick(self, now: datetime) -> None:
        if self._run.running:
            return  # the look under way ends soon; what changed meanwhile waits for the next tick
        last = self._computed_at
        if self._full or last is None or now < last:
            self._look(self.store.held_keys(), {}, now, full=True)
            return
        wanted = set(self._changed_keys)
        while self._next and self._next[0][0] <= now:
            _, key = heapq.heappop(self._next)
            moment = self._next_for.get(key)
            if moment is not None and moment <= now:
                del self._next_for[key]
                wanted.add(key)
        self._changed_keys.clear()
        self._computed_at = now
        self.looked_at = len(wanted)
        if wanted:
            self._look(sorted(wanted), dict(self._due), now, full=False)

    def _look(self, keys: list[str], due: dict[str, DueReason], now: datetime, *, full: bool) -> None:
        """Look at `keys` (in slices when the engine gave a `defer`), starting from `due`; publish at the end."""
        if full:
            self._next.clear()
            self._next_for.clear()
            self._levels_used.clear()
            held = set(keys)
            for key in [key for key in self._matched if key not in held]:
                del self._matched[key]
            self._full = False
            self._changed_keys.clear()
            self._computed_at = now
            if self.policy_for is None and not self.policies:
                keys = []
            self.looked_at = len(keys)
        levels_of: dict[int, Sequence[HasTimeout] | None] = {}
        queues = self.store.queues()

        def look(key: str) -> None:
            held = frozenset(queue for queue in queues if self.store.holds(queue, key))
            incident = self.store.get(key) if held else None
            reason = self._look_at(key, incident, held, now, levels_of) if incident is not None else None
            if incident is None:
                self._matched.pop(key, None)
                self._next_for.pop(key, None)
            if reason is None:
                due.pop(key, None)
            else:
                due[key] = reason

        def failed() -> None:
            self._full = True  # the next tick looks at everything again

        self._run.run(keys, look, lambda: self._publish(due), failed)

    def _policy(self, incident: Incident, queues: frozenset[str]) -> Policy | None:
        if self.policy_for is not None:
            return self.policy_for(incident)
        return match_policy(self.policies, facts_of(incident, queues))

    def _levels(self, policy: Policy) -> Sequence[HasTimeout] | None:
        if self.levels_for is not None:
            return self.levels_for(policy)
        return policy.levels

    def _look_at(
        self,
        key: str,
        incident: Incident,
        queues: frozenset[str],
        now: datetime,
        levels_of: dict[int, Sequence[HasTimeout] | None],
    ) -> DueReason | None:
        """Whether `incident` is due at `now` (and when to look again if it is not)."""
        known = self._matched.get(key)
        if known is not None and known[0] is incident and known[1] == queues:
            policy = known[2]
        else:
            policy = self._policy(incident, queues)
            self._matched[key] = (incident, queues, policy)
        self._next_for.pop(key, None)
        if policy is None:
            return None
        # A policy's levels are the same for every incident it matches, at one look.
        if id(policy) not in levels_of:
            levels_of[id(policy)] = self._levels(policy)
            self._levels_used[id(policy)] = (policy, _signature(levels_of[id(policy)]))
        levels = levels_of[id(policy)]
        if not levels:
            return None
        reason = escalation_due(incident, levels, now, self.thresholds)
        if reason is None:
            moment = due_from(incident, levels, now, self.thresholds)
            if moment is not None:
                self._next_for[key] = moment
                heapq.heappush(self._next, (moment, key))
                if len(self._next) > 2 * len(self._next_for) + 1000:
                    # Superseded entries are skipped when they come up; too many of them and the heap is rebuilt.
                    self._next = [(at, k) for k, at in self._next_for.items()]
                    heapq.heapify(self._next)
        return reason

    def _publish(self, due: dict[str, DueReason]) -> EscalationDueChanged | None:
        previous = self._due
        self._due = due
        if due.keys() == previous.keys():
            return None
        event = EscalationDueChanged(MappingProxyType(dict(due)), frozenset(due.keys() - previous.keys()))
        self.bus.publish(event)
        return event


def _signature(levels: Sequence[HasTimeout] | None) -> object:
    """What of a policy's levels decides whether an incident is due."""
    return None if levels is None else tuple((level.name, level.response_timeout) for level in levels)
