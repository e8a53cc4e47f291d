"""Which incidents in the store are due for escalation, recomputed on every engine Tick (nothing is escalated).

The policy of an incident and its levels come from callables, so the on-call book (resolved levels, cached) and
the config (policies) can be plugged in by whoever owns them; by default the configured policies are matched
first-match-wins with `match_policy` and their levels as configured are used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from oncall_tui.domain.due import DueReason, HasTimeout, escalation_due
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.oncall import IncidentFacts, Policy, match_policy
from oncall_tui.domain.sla import AtRiskThresholds
from oncall_tui.sync.engine_events import Tick
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.store import IncidentStore

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


RECOMPUTE_EVERY = timedelta(seconds=10)


@dataclass
class DueWatch:
    store: IncidentStore
    bus: EventBus
    policies: Sequence[Policy] = ()
    thresholds: AtRiskThresholds = field(default_factory=AtRiskThresholds)
    policy_for: PolicyFor | None = None
    levels_for: LevelsFor | None = None
    # With nothing new, the due set is recomputed this often, not at every 1 Hz tick: it is a scan of the whole
    # store (50-100 ms at 10,000 incidents), and response times and SLA thresholds are minutes long.
    every: timedelta = RECOMPUTE_EVERY
    _due: dict[str, DueReason] = field(default_factory=dict, init=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, init=False)
    _unsubscribe_store: Callable[[], None] | None = field(default=None, init=False)
    _computed_at: datetime | None = field(default=None, init=False)
    _dirty: bool = field(default=True, init=False)

    @property
    def due(self) -> Mapping[str, DueReason]:
        return MappingProxyType(self._due)

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self.bus.subscribe(self._hear)
            self._unsubscribe_store = self.store.subscribe(self._changed)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._unsubscribe_store is not None:
            self._unsubscribe_store()
            self._unsubscribe_store = None

    def _changed(self, _diff: object) -> None:
        self._dirty = True

    def _hear(self, event: object) -> None:
        if isinstance(event, EscalationDueChanged):
            return  # its own news
        if not isinstance(event, Tick):
            # Anything that happened (a poll, a write, levels resolved) may change what is due: at the next tick.
            self._dirty = True
            return
        last = self._computed_at
        if self._dirty or last is None or abs(event.now - last) >= self.every:
            self.update(event.now)

    def _policy(self, incident: Incident, queues: frozenset[str]) -> Policy | None:
        if self.policy_for is not None:
            return self.policy_for(incident)
        return match_policy(self.policies, facts_of(incident, queues))

    def _levels(self, policy: Policy) -> Sequence[HasTimeout] | None:
        if self.levels_for is not None:
            return self.levels_for(policy)
        return policy.levels

    def compute(self, now: datetime) -> dict[str, DueReason]:
        """Every incident in the store (in any queue) that is due at `now`, with why."""
        queues_of: dict[str, set[str]] = {}
        for queue in self.store.queues():
            for key in self.store.keys(queue):
                queues_of.setdefault(key, set()).add(queue)
        due: dict[str, DueReason] = {}
        if self.policy_for is None and not self.policies:
            return due
        for key, queues in queues_of.items():
            incident = self.store.get(key)
            if incident is None:
                continue
            policy = self._policy(incident, frozenset(queues))
            if policy is None:
                continue
            levels = self._levels(policy)
            if not levels:
                continue
            reason = escalation_due(incident, levels, now, self.thresholds)
            if reason is not None:
                due[key] = reason
        return due

    def update(self, now: datetime) -> EscalationDueChanged | None:
        """Recompute; publish and return the change when the set of due keys moved."""
        due = self.compute(now)
        self._computed_at, self._dirty = now, False
        previous = self._due
        self._due = due
        if due.keys() == previous.keys():
            return None
        event = EscalationDueChanged(MappingProxyType(dict(due)), frozenset(due.keys() - previous.keys()))
        self.bus.publish(event)
        return event
