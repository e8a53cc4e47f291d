"""What deserves a notification in the user's own terminal, decided from the engine's events (headless, no words).

Four kinds (issue 9 item 6): a new urgent incident in a watched queue (`Arrived`), an SLA entering at risk or
breaching (seen on `Tick`, transitions only: a clock that was already at risk when first seen is the baseline,
not news), and an incident becoming due for escalation (`EscalationDueChanged.new`). Never for the user's own
changes (`own(key, incident)`, the engine's `own_change`). At most one `Notify` per `min_interval_seconds`;
what comes meanwhile waits and is merged into the next one, never dropped. Quiet mode tells nothing (the
header says it is on) and what it kept quiet is counted.

`Notify` carries message ids and parameters; the UI translates and writes them to the terminal.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from oncall_tui.domain.incident import Incident
from oncall_tui.domain.sla import AtRiskThresholds, SlaState
from oncall_tui.sync.due import EscalationDueChanged
from oncall_tui.sync.engine_events import Arrived, Tick
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.slices import SLICE, Defer, SlicedRun
from oncall_tui.sync.store import IncidentStore, StoreDiff

__all__ = ["Notifier", "Notify", "NotifyKind", "NotifyPart", "NotifyRules"]


class NotifyKind(StrEnum):
    # In the order a merged notification names them: the most pressing first.
    SLA_BREACHED = "sla_breached"
    NEW_URGENT = "new_urgent"
    ESCALATION_DUE = "escalation_due"
    SLA_AT_RISK = "sla_at_risk"


_ORDER = tuple(NotifyKind)

# (one incident, several): English message ids, translated by the UI. `{keys}` lists the keys.
MESSAGES: Mapping[NotifyKind, tuple[str, str]] = MappingProxyType(
    {
        NotifyKind.NEW_URGENT: ("New {priority}: {key}", "{count} new P1/P2 incidents: {keys}"),
        NotifyKind.SLA_AT_RISK: ("SLA at risk: {key}", "{count} SLAs at risk: {keys}"),
        NotifyKind.SLA_BREACHED: ("SLA breached: {key}", "{count} SLAs breached: {keys}"),
        NotifyKind.ESCALATION_DUE: ("Escalation due: {key}", "{count} incidents due for escalation: {keys}"),
    }
)
# How many keys a merged part names; the count says how many there are.
KEYS_NAMED = 5


@dataclass(frozen=True, slots=True)
class NotifyPart:
    kind: NotifyKind
    keys: tuple[str, ...]
    message: str  # English message id
    params: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Notify:
    """One notification: `kind` the most pressing of its parts, `keys` every incident it is about."""

    kind: NotifyKind
    keys: tuple[str, ...]
    parts: tuple[NotifyPart, ...]


@dataclass(frozen=True, slots=True)
class NotifyRules:
    """The headless half of `[notify]` (config_notify.NotifyConfig): which events, how often."""

    new_urgent: bool = True
    urgent_priorities: tuple[str, ...] = ("Highest", "High")
    sla_at_risk: bool = True
    sla_breached: bool = True
    escalation_due: bool = True
    min_interval_seconds: float = 30.0
    quiet: bool = False

    @classmethod
    def of(cls, settings: object) -> NotifyRules:
        """The rules from anything that has their fields (the config's `[notify]`), so they are listed once."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls) if hasattr(settings, f.name)})

    def enabled(self, kind: NotifyKind) -> bool:
        return bool(getattr(self, kind.value))

    def urgent(self, incident: Incident) -> bool:
        wanted = {p.strip().casefold() for p in self.urgent_priorities}
        return bool(
            (incident.priority and incident.priority.casefold() in wanted)
            or (incident.priority_id and incident.priority_id.casefold() in wanted)
        )


@dataclass
class Notifier:
    store: IncidentStore
    bus: EventBus
    rules: NotifyRules = field(default_factory=NotifyRules)
    watched: Callable[[], Iterable[str]] = lambda: ()
    own: Callable[[str, Incident | None], bool] = lambda key, incident: False
    thresholds: AtRiskThresholds = field(default_factory=AtRiskThresholds)
    monotonic: Callable[[], float] = time.monotonic
    quiet: bool = False
    # What quiet mode kept quiet (the UI may say so when it is switched off).
    suppressed: int = field(default=0, init=False)
    _pending: dict[NotifyKind, dict[str, Incident | None]] = field(default_factory=dict, init=False)
    _last_sent: float | None = field(default=None, init=False)
    # The SLA states last seen, per incident and SLA name. A tick looks again only at incidents the store changed
    # and at those whose clocks reach a threshold by now (`_next`), not at every incident held: 10,000 of them
    # take 50-100 ms, every second.
    _sla_states: dict[str, dict[str, SlaState]] = field(default_factory=dict, init=False)
    _changed: set[str] = field(default_factory=set, init=False)
    _next: list[tuple[datetime, str]] = field(default_factory=list, init=False)  # a heap
    _next_for: dict[str, datetime] = field(default_factory=dict, init=False)
    _seen_all: bool = field(default=False, init=False)
    _last_tick: datetime | None = field(default=None, init=False)
    # How many incidents the last tick looked at (for tests and benchmarks).
    looked_at: int = field(default=0, init=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, init=False)
    _unsubscribe_store: Callable[[], None] | None = field(default=None, init=False)
    _run: SlicedRun = field(default_factory=SlicedRun, init=False)

    def __post_init__(self) -> None:
        self.quiet = self.quiet or self.rules.quiet

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self.bus.subscribe(self.hear)
        if self._unsubscribe_store is None:
            self._unsubscribe_store = self.store.subscribe(self._store_changed)

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

    def _store_changed(self, diff: StoreDiff) -> None:
        self._changed.update(diff.added, diff.updated, diff.removed)

    @property
    def waiting(self) -> int:
        """Incidents held back by the rate limit, to go out with the next notification."""
        return sum(len(keys) for keys in self._pending.values())

    def toggle_quiet(self) -> bool:
        self.quiet = not self.quiet
        if self.quiet:
            self.suppressed += self.waiting
            self._pending.clear()
        return self.quiet

    # ---- hearing the engine ---------------------------------------------------------------------------------

    def hear(self, event: object) -> None:
        if isinstance(event, Arrived):
            self._arrived(event)
        elif isinstance(event, EscalationDueChanged):
            for key in sorted(event.new):
                self._add(NotifyKind.ESCALATION_DUE, key)
        elif isinstance(event, Tick):
            self._slas(event)
        else:
            return
        if not self._run.running:
            self.flush()  # otherwise told in one notification, with what the look finds, when it is done

    def _arrived(self, event: Arrived) -> None:
        if event.queue not in set(self.watched()):
            return
        for key in event.keys:
            incident = self.store.get(key)
            if incident is not None and self.rules.urgent(incident):
                self._add(NotifyKind.NEW_URGENT, key, incident)

    def _slas(self, event: Tick) -> None:
        if self._run.running:
            return  # the look under way ends soon; what changed meanwhile waits for the next tick
        now = event.now
        if not self._seen_all or (self._last_tick is not None and now < self._last_tick):
            # The first tick (or a clock set back): every incident held, in the store's order.
            keys = self.store.held_keys()
            stale = self._sla_states.keys() - set(keys)
            self._seen_all = True
            self._next.clear()
            self._next_for.clear()
        else:
            due: dict[str, None] = {}
            while self._next and self._next[0][0] <= now:
                _, key = heapq.heappop(self._next)
                if self._next_for.get(key) is not None and self._next_for[key] <= now:
                    del self._next_for[key]
                    due[key] = None
            # In the order the incidents have in the store's queues, as a full look would take them.
            wanted = self._changed | due.keys()
            keys = [key for key in self.store.held_keys() if key in wanted] if len(wanted) > 50 else sorted(wanted)
            stale = {key for key in wanted if not self._held(key)}
        self._changed.clear()
        self._last_tick = now
        self.looked_at = len(keys)
        for key in stale:
            self._sla_states.pop(key, None)
            self._next_for.pop(key, None)
        # In slices once the engine allows it: what comes of it is told when the last one is done.
        looked = [key for key in keys if key not in stale]
        self._run.run(looked, lambda key: self._look_at(key, now), self.flush, self._failed)

    def _failed(self) -> None:
        self._seen_all = False  # the next tick looks at every incident again

    def _look_at(self, key: str, now: datetime) -> None:
        """Compare the incident's SLA states with those last seen (a transition is news); when the next one can
        come by time alone, look again then."""
        incident = self.store.get(key)
        if incident is None:
            self._sla_states.pop(key, None)
            return
        before = self._sla_states.get(key, {})
        states: dict[str, SlaState] = {}
        soonest: datetime | None = None
        for sla in incident.slas:
            state = sla.state_at(now, self.thresholds)
            states[sla.name] = state
            moment = sla.next_change_at(now, self.thresholds)
            if moment is not None and (soonest is None or moment < soonest):
                soonest = moment
            was = before.get(sla.name)
            if was is None or was == state:
                continue  # first seen: the baseline, not a transition
            if state is SlaState.BREACHED:
                self._add(NotifyKind.SLA_BREACHED, key, incident)
            elif state is SlaState.AT_RISK and was is not SlaState.BREACHED:
                self._add(NotifyKind.SLA_AT_RISK, key, incident)
        self._sla_states[key] = states
        if soonest is not None:
            self._next_for[key] = soonest
            heapq.heappush(self._next, (soonest, key))
            if len(self._next) > 2 * len(self._next_for) + 1000:
                # Superseded entries are skipped when they come up; too many of them and the heap is rebuilt.
                self._next = [(at, k) for k, at in self._next_for.items()]
                heapq.heapify(self._next)
        else:
            self._next_for.pop(key, None)

    def _held(self, key: str) -> bool:
        return any(self.store.holds(queue, key) for queue in self.store.queues())

    def _add(self, kind: NotifyKind, key: str, incident: Incident | None = None) -> None:
        if not self.rules.enabled(kind):
            return
        incident = incident if incident is not None else self.store.get(key)
        # An arrival can be the user's own doing (they raised its priority, moved it into the queue); an SLA
        # running out or a level's response time passing is the clock's, and is news however the incident got
        # there (even one they took themselves an hour ago).
        if kind is NotifyKind.NEW_URGENT and self.own(key, incident):
            return
        if self.quiet:
            self.suppressed += 1
            return
        self._pending.setdefault(kind, {})[key] = incident

    # ---- telling -------------------------------------------------------------------------------------------------

    def flush(self) -> Notify | None:
        """Publish what waits when the rate limit allows; every Tick calls this, so nothing waits for long."""
        if not self._pending or self.quiet:
            return None
        now = self.monotonic()
        if self._last_sent is not None and now - self._last_sent < self.rules.min_interval_seconds:
            return None
        notify = self._merge()
        self._pending.clear()
        self._last_sent = now
        self.bus.publish(notify)
        return notify

    def _merge(self) -> Notify:
        parts: list[NotifyPart] = []
        every: dict[str, None] = {}
        for kind in _ORDER:
            waiting = self._pending.get(kind)
            if not waiting:
                continue
            keys = tuple(waiting)
            every.update(dict.fromkeys(keys))
            one, many = MESSAGES[kind]
            if len(keys) == 1:
                incident = waiting[keys[0]]
                params: dict[str, object] = {"key": keys[0], "priority": (incident.priority if incident else "") or ""}
                parts.append(NotifyPart(kind, keys, one, MappingProxyType(params)))
            else:
                named = ", ".join(keys[:KEYS_NAMED]) + (", …" if len(keys) > KEYS_NAMED else "")
                params = {"count": len(keys), "keys": named}
                parts.append(NotifyPart(kind, keys, many, MappingProxyType(params)))
        return Notify(parts[0].kind, tuple(every), tuple(parts))
