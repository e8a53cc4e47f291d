"""One store of incidents, kept in step with Jira; it tells listeners *what changed*, never "everything".

Queues are named sets of keys over one shared map of incidents, so an incident in three queues is parsed
once and updated once. Optimistic local changes (an assignment that Jira has not confirmed yet) are kept as
overlays on top of what Jira said, so a poll landing mid-action neither loses nor duplicates them, and a
failed action rolls back exactly its own change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from oncall_tui.domain.incident import Incident

Change = Callable[[Incident], Incident]
Listener = Callable[["StoreDiff"], None]


@dataclass(frozen=True, slots=True)
class StoreDiff:
    """Keys that entered, changed in or left one queue (`queue` None: a change outside any poll)."""

    queue: str | None
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.updated or self.removed)


@dataclass(slots=True)
class _Overlay:
    token: str  # the command's id
    key: str
    change: Change


@dataclass
class IncidentStore:
    _base: dict[str, Incident] = field(default_factory=dict)  # what Jira said last
    _queues: dict[str, dict[str, None]] = field(default_factory=dict)  # queue -> ordered key set
    _overlays: dict[str, list[_Overlay]] = field(default_factory=dict)
    _listeners: list[Listener] = field(default_factory=list)

    # ---- reading ----------------------------------------------------------------------------------------

    def get(self, key: str) -> Incident | None:
        """The incident as the user should see it: Jira's state with pending local changes on top."""
        base = self._base.get(key)
        if base is None:
            return None
        for overlay in self._overlays.get(key, ()):
            base = overlay.change(base)
        return base

    def jira_copy(self, key: str) -> Incident | None:
        """The incident as Jira said it last, without local changes (what "changed under me" is checked on)."""
        return self._base.get(key)

    def keys(self, queue: str) -> list[str]:
        return list(self._queues.get(queue, {}))

    def incidents(self, queue: str) -> list[Incident]:
        return [inc for key in self._queues.get(queue, {}) if (inc := self.get(key)) is not None]

    def count(self, queue: str) -> int:
        return len(self._queues.get(queue, {}))

    def holds(self, queue: str, key: str) -> bool:
        """Whether the queue holds `key` by Jira's last word (the table shows exactly these)."""
        return key in self._queues.get(queue, {})

    def queues(self) -> list[str]:
        return list(self._queues)

    def held_keys(self) -> list[str]:
        """Every key any queue holds, once each, in the queues' order."""
        keys: dict[str, None] = {}
        for members in self._queues.values():
            keys.update(members)
        return list(keys)

    def has_pending(self, key: str) -> bool:
        return bool(self._overlays.get(key))

    def pending(self, key: str) -> list[str]:
        """The ids of the commands whose changes are shown on `key` before Jira confirms them, oldest first."""
        return [overlay.token for overlay in self._overlays.get(key, ())]

    # ---- listening --------------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, diff: StoreDiff) -> StoreDiff:
        if not diff.empty:
            for listener in list(self._listeners):
                listener(diff)
        return diff

    # ---- applying what Jira said ------------------------------------------------------------------------

    def replace_queue(self, queue: str, incidents: Iterable[Incident]) -> StoreDiff:
        """A full result of the queue's JQL: whatever is not in it has left the queue."""
        fresh = list(incidents)
        old = self._queues.get(queue, {})
        new_keys = dict.fromkeys(inc.key for inc in fresh)
        added, updated = self._absorb(fresh, old)
        removed = tuple(k for k in old if k not in new_keys)
        self._queues[queue] = new_keys
        self._forget_unreferenced(removed)
        return self._emit(StoreDiff(queue, added, updated, removed))

    def merge_queue(self, queue: str, changed: Iterable[Incident], left: Iterable[str] = ()) -> StoreDiff:
        """An incremental result: `changed` still match the queue, `left` were updated and no longer match."""
        fresh = list(changed)
        old = self._queues.setdefault(queue, {})
        added, updated = self._absorb(fresh, old)
        for inc in fresh:
            old.setdefault(inc.key, None)
        removed = tuple(k for k in left if k in old and k not in {i.key for i in fresh})
        for key in removed:
            del old[key]
        self._forget_unreferenced(removed)
        return self._emit(StoreDiff(queue, added, updated, removed))

    def _absorb(self, fresh: list[Incident], members: dict[str, None]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        added: list[str] = []
        updated: list[str] = []
        for inc in fresh:
            previous = self._base.get(inc.key)
            if _older(inc, previous):
                # A search that started before an action (or Cloud's lagging search index) must not put back
                # the state the action just replaced; membership still counts, the copy does not.
                assert previous is not None
                inc = previous
            if inc.key not in members:
                added.append(inc.key)
            elif previous != inc:
                updated.append(inc.key)
            self._base[inc.key] = inc
        return tuple(added), tuple(updated)

    def _forget_unreferenced(self, keys: Iterable[str]) -> None:
        for key in keys:
            if not any(key in members for members in self._queues.values()) and not self._overlays.get(key):
                self._base.pop(key, None)

    def put(self, incident: Incident) -> StoreDiff:
        """One incident re-read from Jira (after an action, or the detail pane's refresh)."""
        previous = self._base.get(incident.key)
        if _older(incident, previous):
            return StoreDiff(None)
        self._base[incident.key] = incident
        changed = () if previous == incident else (incident.key,)
        return self._emit(StoreDiff(None, updated=changed))

    # ---- optimistic local changes -------------------------------------------------------------------------

    def apply_local(self, key: str, change: Change, token: str) -> str:
        """Show `change` now, before Jira confirms it; `token` (the command's id) is for confirm() or rollback().
        A change to an incident the store does not hold yet (a command resumed at start-up, before the first
        poll) waits for it and shows as soon as it arrives. Applying the same token again replaces it."""
        overlays = self._overlays.setdefault(key, [])
        overlays[:] = [o for o in overlays if o.token != token]
        overlays.append(_Overlay(token, key, change))
        if key in self._base:
            self._emit(StoreDiff(None, updated=(key,)))
        return token

    def confirm(self, token: str, confirmed: Incident | None = None) -> None:
        """Jira accepted the change: drop the overlay (and take Jira's fresh copy when we have one)."""
        overlay = self._find_overlay(token)
        key = self._drop_overlay(token)
        if key is None or overlay is None:
            return
        base = self._base.get(key)
        if confirmed is not None and not _older(confirmed, base):
            self._base[key] = confirmed
        elif base is not None:
            # Jira accepted the change but we could not re-read it: keep showing it until a poll brings
            # Jira's copy, instead of flipping back to the state before the action.
            self._base[key] = overlay.change(base)
        if key in self._base:
            self._emit(StoreDiff(None, updated=(key,)))

    def rollback(self, token: str) -> str | None:
        """Jira refused the change: the incident shows what Jira says again. Returns the key."""
        key = self._drop_overlay(token)
        if key is not None and key in self._base:
            self._emit(StoreDiff(None, updated=(key,)))
        return key

    def _find_overlay(self, token: str) -> _Overlay | None:
        for overlays in self._overlays.values():
            for overlay in overlays:
                if overlay.token == token:
                    return overlay
        return None

    def _drop_overlay(self, token: str) -> str | None:
        for key, overlays in self._overlays.items():
            for overlay in overlays:
                if overlay.token == token:
                    overlays.remove(overlay)
                    if not overlays:
                        del self._overlays[key]
                    return key
        return None


def _older(incoming: Incident, held: Incident | None) -> bool:
    """True when `incoming` is a copy from before the one the store holds (by Jira's `updated`)."""
    return (
        held is not None
        and incoming.updated is not None
        and held.updated is not None
        and incoming.updated < held.updated
    )
