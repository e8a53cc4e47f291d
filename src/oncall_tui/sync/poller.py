"""Keeping one queue in step with Jira: incremental polls with overlapping windows, periodic full resyncs.

An incremental poll costs two small searches whatever the queue's size:
  1. `updated >= "-Nm"` over the whole site, keys only: everything that changed lately;
  2. `(<queue JQL>) AND updated >= "-Nm"` with the fields the app shows: what changed and still matches.
A key from (1) that the store holds for this queue but that is missing from (2) has left the queue (someone
else took it, it was resolved ...). JQL's relative dates have one-minute precision, so the window overlaps
the previous poll generously and the store de-duplicates by key.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from oncall_tui.domain.incident import Incident
from oncall_tui.sync.store import IncidentStore, StoreDiff


class SearchClient(Protocol):
    async def search(self, jql: str, *, fields: Sequence[str] | None = None) -> list[Incident]: ...

    async def search_keys(self, jql: str) -> list[str]: ...


class StreamingClient(SearchClient, Protocol):
    """A client that can hand out a search page by page, and count a query cheaply (the production client)."""

    def search_pages(self, jql: str, *, fields: Sequence[str] | None = None) -> AsyncIterator[list[Incident]]: ...

    async def approximate_count(self, jql: str) -> int: ...


@dataclass(frozen=True, slots=True)
class LoadProgress:
    """A first load under way: `received` issues are in the store, of `expected` (the search's own count once
    Jira has said it, before that its approximate count; None while unknown)."""

    received: int
    expected: int | None = None


def split_order_by(jql: str) -> tuple[str, str]:
    """Split JQL into its condition and its `ORDER BY ...` tail (outside quotes and parentheses)."""
    depth = 0
    quote: str | None = None
    i = 0
    upper = jql.upper()
    while i < len(jql):
        ch = jql[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and upper.startswith("ORDER", i) and (i == 0 or not jql[i - 1].isalnum()):
            rest = upper[i + 5 :].lstrip()
            if rest.startswith("BY") and (len(rest) == 2 or not rest[2].isalnum()):
                return jql[:i].strip(), jql[i:].strip()
        i += 1
    return jql.strip(), ""


# Membership of such a query changes with time alone (an SLA crossing `remaining("2h")`, an issue aging past
# `created <= -1d`): no update marks it, so only a full search sees it.
_TIME_DEPENDENT = re.compile(
    r"""\b(remaining|elapsed|now|startOf\w*|endOf\w*|breached|running|paused|completed|withinCalendarHours)\s*\(
      | ["']?-\d+\s*[mhdw]\b""",
    re.IGNORECASE | re.VERBOSE,
)


def depends_on_time(jql: str) -> bool:
    return bool(_TIME_DEPENDENT.search(jql))


def with_updated_window(jql: str, minutes: int) -> str:
    where, order = split_order_by(jql)
    window = f'updated >= "-{minutes}m"'
    condition = f"({where}) AND {window}" if where else window
    return f"{condition} {order}".strip()


@dataclass
class QueuePoller:
    """Polls one queue into the store. `poll()` decides between an incremental and a full search."""

    client: SearchClient
    store: IncidentStore
    queue: str
    jql: str
    full_resync_every: timedelta = timedelta(minutes=10)
    last_full: datetime | None = None
    last_poll: datetime | None = None
    # Issues Jira sent for this queue that could not be read (no key, not an object) and were left out, as of
    # the last full search; an incremental search that meets such an issue raises it.
    skipped: int = 0
    # Told before each page of a first load goes into the store (so a listener of the store already knows the
    # queue is incomplete), and with None when the load ends, well or not.
    on_progress: Callable[[LoadProgress | None], None] | None = field(default=None, repr=False)

    def _window_minutes(self, now: datetime) -> int:
        assert self.last_poll is not None
        gap = (now - self.last_poll).total_seconds() / 60
        # Twice the gap plus two minutes: JQL rounds to the minute and clocks of client and server differ.
        return max(2, math.ceil(gap * 2) + 2)

    def needs_full(self, now: datetime) -> bool:
        return (
            depends_on_time(self.jql)
            or self.last_full is None
            or self.last_poll is None
            or now - self.last_full >= self.full_resync_every
            # After a long gap (laptop asleep, network down) the window would be huge: resync instead.
            or now - self.last_poll >= timedelta(minutes=30)
        )

    async def poll(self, now: datetime) -> StoreDiff:
        if self.needs_full(now) and self._streams():
            diff = await self._stream()
            self.last_full = now
        elif self.needs_full(now):
            incidents = await self.client.search(self.jql)
            diff = self.store.replace_queue(self.queue, incidents)
            self.skipped = getattr(incidents, "skipped", 0)
            self.last_full = now
        else:
            minutes = self._window_minutes(now)
            changed_anywhere = await self.client.search_keys(f'updated >= "-{minutes}m" ORDER BY updated DESC')
            still_matching = await self.client.search(with_updated_window(self.jql, minutes))
            held = set(self.store.keys(self.queue))
            matching = {inc.key for inc in still_matching}
            left = [key for key in changed_anywhere if key in held and key not in matching]
            diff = self.store.merge_queue(self.queue, still_matching, left=left)
            self.skipped = max(self.skipped, getattr(still_matching, "skipped", 0))
        self.last_poll = now
        return diff

    def _streams(self) -> bool:
        # Only a queue the store holds nothing of streams in: a resync of a filled queue (or of the saved copy
        # from the last run) swaps the whole result in at once, so no row flickers out and back.
        return self.store.count(self.queue) == 0 and hasattr(self.client, "search_pages")

    def _tell(self, progress: LoadProgress | None) -> None:
        if self.on_progress is not None:
            self.on_progress(progress)

    async def _stream(self) -> StoreDiff:
        """A first load, page by page: each page is in the store (and so on screen) as soon as it arrives,
        while the next one is fetched. The store's listeners hear one diff per page; the caller gets the
        whole load's diff. A load that fails part-way takes its rows out again: a queue is either loaded
        or not, never silently short."""
        client: StreamingClient = self.client  # type: ignore[assignment]
        where, _ = split_order_by(self.jql)
        # Enhanced search has no total: Jira's approximate count, asked alongside the first page, says "of M".
        counting = asyncio.ensure_future(client.approximate_count(where or self.jql))
        # Only the keys of what came, in order: the incidents themselves are the store's (never a second list
        # of 10,000 for a final replace_queue that would diff them all again).
        fetched: dict[str, None] = {}
        added: dict[str, None] = {}
        updated: dict[str, None] = {}
        skipped = 0
        try:
            async for page in client.search_pages(self.jql):
                fetched.update(dict.fromkeys(incident.key for incident in page))
                skipped += getattr(page, "skipped", 0)
                expected = None
                total = getattr(page, "total", None)
                if isinstance(total, int):
                    # Jira's own count of this search (Data Center's total, Cloud's key list): exact.
                    expected = max(total, len(fetched))
                elif counting.done() and not counting.cancelled() and counting.exception() is None:
                    expected = max(counting.result(), len(fetched))
                self._tell(LoadProgress(len(fetched), expected))
                merged = self.store.merge_queue(self.queue, page)
                added.update(dict.fromkeys(merged.added))
                # Paging can shift under a changing queue and bring an issue twice: the later copy wins.
                updated.update(dict.fromkeys(key for key in merged.updated if key not in added))
        except BaseException:
            self.store.replace_queue(self.queue, [])
            raise
        finally:
            self._tell(None)
            # The count is one small request, long answered; never cancelled under httpx (#1461).
            await asyncio.gather(counting, return_exceptions=True)
        # The queue held nothing when the load began, so all it holds came in these pages; anything else (put
        # in meanwhile by another path) is not in Jira's answer and leaves.
        stale = [key for key in self.store.keys(self.queue) if key not in fetched]
        removed = self.store.merge_queue(self.queue, (), left=stale).removed if stale else ()
        self.skipped = skipped
        return StoreDiff(self.queue, tuple(added), tuple(updated), removed)
