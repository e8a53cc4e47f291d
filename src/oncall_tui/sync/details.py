"""The full issues (description, every comment) behind the detail pane, and whether each is still current.

Searches carry only the list fields, so the selected incident is read in full on its own. That copy goes stale
the moment Jira's `updated` moves past it (a customer replied), and a read can fail; either way it must be read
again, and until then the pane must say how old it is. This keeps one copy per key and that bookkeeping.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from oncall_tui.domain.incident import Incident
from oncall_tui.jira.errors import JiraError


class IssueClient(Protocol):
    async def get_issue(self, key: str) -> Incident: ...


@dataclass(frozen=True, slots=True)
class Detail:
    # The full issue as last read (None: never read successfully).
    incident: Incident | None = None
    read_at: datetime | None = None
    # The last attempt to read it failed with this (None after a success).
    error: JiraError | None = None
    failed_at: datetime | None = None

    def stale_for(self, listed: Incident) -> bool:
        """Whether the search's copy shows a change this full copy does not have."""
        held = self.incident
        if held is None:
            return True
        return listed.updated is not None and (held.updated is None or listed.updated > held.updated)


class DetailCache:
    """Full copies of recently selected issues, oldest dropped first beyond `limit`."""

    def __init__(self, client: IssueClient, *, limit: int = 200) -> None:
        self.client = client
        self.limit = limit
        self._entries: OrderedDict[str, Detail] = OrderedDict()
        self._reading: set[str] = set()

    def get(self, key: str) -> Detail | None:
        return self._entries.get(key)

    def reading(self, key: str) -> bool:
        return key in self._reading

    def wanted(self, listed: Incident, *, retry_failed: bool = False) -> bool:
        """Whether `listed` needs a (new) full read: never read, or older than the search's copy. A copy whose
        last read failed is read again only when `retry_failed` (with the next poll, or on `r`), never in a loop
        of its own; a read under way is not started twice."""
        if listed.key in self._reading:
            return False
        entry = self._entries.get(listed.key)
        if entry is None:
            return True
        if entry.error is not None and not retry_failed:
            return False
        return entry.error is not None or entry.stale_for(listed)

    async def read(self, key: str, now: datetime) -> Detail:
        """Read `key` in full; a failure is recorded (the old copy stays, marked) and not raised."""
        self._reading.add(key)
        try:
            incident = await self.client.get_issue(key)
        except JiraError as exc:
            old = self._entries.get(key) or Detail()
            return self._keep(key, Detail(old.incident, old.read_at, exc, now))
        finally:
            self._reading.discard(key)
        return self._keep(key, Detail(incident, now))

    def put(self, incident: Incident, now: datetime) -> None:
        """A full copy read elsewhere (the action runner re-reads an issue after writing to it)."""
        held = self._entries.get(incident.key)
        if held is not None and held.error is None and not held.stale_for(incident):
            return  # what we hold is as new as this copy
        self._keep(incident.key, Detail(incident, now))

    def _keep(self, key: str, entry: Detail) -> Detail:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)
        return entry
