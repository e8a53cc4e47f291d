"""Reading a whole search quickly: fewer, cheaper requests, a few of them in flight at once.

A search read to the end (a queue's first load, a full resync, `list`) is paged sequentially by `paging.py`:
every page re-runs the JQL in Jira and waits for the one before. Here instead:

- **Cloud**: the first page is a normal enhanced-search page with the fields (it is on screen at once). The rest
  is listed by a keys-only search (up to 5,000 keys a page, asked for one ahead) and read with
  `POST /rest/api/3/issue/bulkfetch`, up to 100 keys a request and `in_flight` requests at once, each page
  handed out as it arrives. An issue the key list named that bulk fetch no longer returns is gone (deleted, or
  out of the caller's sight since) and is left out; one Jira lists in `issueErrors` could not be loaded and is
  counted (`RawPage.unavailable`). A site without bulk fetch (404, or 405 where only `issue/{key}` exists) is
  read on by plain paging from the first page's token.
- **Data Center**: the first `startAt` page says `total`; the others are asked for `in_flight` at a time and
  handed out in whatever order they come. A page that comes back short because the queue changed meanwhile is
  taken as it is: the poller's end-of-load membership check removes what left, and the next poll sees the rest.

Memory stays bounded by the pages in flight: an answer is parsed and handed out, never collected. Requests in
flight are never cancelled (httpx #1461): a caller that stops early waits for them to finish, unread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from oncall_tui.jira.errors import JiraError
from oncall_tui.jira.paging import MAX_SEARCH_ISSUES, _search_body, _too_long, _too_many, cloud_pages, max_pages
from oncall_tui.jira.parse import parse_bulk_fetch, parse_dc_search_page, parse_search_page

__all__ = ["BULK_FETCH_MAX", "IN_FLIGHT", "KEYS_PAGE_MAX", "RawPage", "cloud_all_pages", "dc_all_pages"]

Call = Callable[[str, dict[str, Any]], Awaitable[Any]]

CLOUD_SEARCH = "/rest/api/3/search/jql"
BULK_FETCH = "/rest/api/3/issue/bulkfetch"
DC_SEARCH = "/rest/api/2/search"
# The platform spec: "You can request up to 100 issues"; enhanced search: "up to 5000 ... when requesting id
# or key only".
BULK_FETCH_MAX = 100
KEYS_PAGE_MAX = 5000
# A few at once: Jira works on several while the client parses one; more would only queue up in Jira and hold
# more answers in memory (each page of 100 issues is ~400 KB of JSON).
IN_FLIGHT = 4
# What an old site without bulk fetch answers: nothing there, or `issue/{issueIdOrKey}`, which takes no POST.
_NO_BULK_FETCH = frozenset({404, 405})


@dataclass(slots=True)
class RawPage:
    """Raw issues of one answer (parse each with `parse_issue`), where they sit in the search's order (`start`),
    how many issues the whole search returns as far as known (`total`, None until known), and how many issues
    of this page Jira could not load (`unavailable`)."""

    issues: list[Any]
    start: int
    total: int | None = None
    unavailable: int = 0


def _key(raw: Any) -> str | None:
    key = raw.get("key") if isinstance(raw, dict) else None
    return key if isinstance(key, str) and key else None


async def _settle(futures: Sequence[asyncio.Future[Any]]) -> None:
    # Requests asked for that will not be read (the caller stopped, or one of them failed): let them finish,
    # never cancel them under httpx (#1461); their answers and errors are nobody's.
    # asyncio.wait, not gather: cancelling this wait (a second cancellation, on quit) leaves them running.
    if futures:
        await asyncio.wait(futures)
        for future in futures:
            if not future.cancelled():
                future.exception()  # retrieved: no "exception was never retrieved" at exit


async def _next_page(pages: AsyncIterator[list[Any]]) -> list[Any] | None:
    # None at the end: a future that raised StopAsyncIteration would read like a failure.
    try:
        return await anext(pages)
    except StopAsyncIteration:
        return None


async def cloud_all_pages(
    search: Call,
    fetch: Call,
    jql: str,
    fields: list[str],
    size: int,
    *,
    properties: Sequence[str] = (),
    max_issues: int = MAX_SEARCH_ISSUES,
    keys_page_size: int = KEYS_PAGE_MAX,
    in_flight: int = IN_FLIGHT,
) -> AsyncIterator[RawPage]:
    """Every issue of `jql` on Cloud: one search page with `fields`, then keys-only pages and bulk fetches.
    `search` sends enhanced-search bodies (a 400 is bad JQL), `fetch` bulk-fetch bodies."""
    answer = await search(CLOUD_SEARCH, _search_body(jql, fields, size, properties, {}))
    first, token, is_last = parse_search_page(answer)
    if len(first) > max_issues:
        raise _too_many(max_issues)
    if is_last or token is None:
        yield RawPage(first, 0, len(first))
        return
    chunk = max(1, min(size, BULK_FETCH_MAX))
    keys_size = max(1, min(keys_page_size, KEYS_PAGE_MAX))
    asked = {key for key in map(_key, first) if key}
    # Position of every listed key in the search's order (the first page holds 0 .. len(first) - 1).
    order: dict[str, int] = {}
    backlog: list[str] = []
    pending: dict[asyncio.Future[Any], list[str]] = {}
    # Keys a bulk fetch did not return are asked for once more, on their own (Jira's issueErrors are worth a
    # retry); those missing twice are left out (gone, or no longer visible) and no longer counted.
    retry: list[str] = []
    retried: set[str] = set()
    missing = 0
    keys = cloud_pages(search, jql, ["key"], keys_size, max_issues=max_issues, ahead=True)
    listing: asyncio.Future[list[Any] | None] | None = asyncio.ensure_future(_next_page(keys))
    fetched_any = False

    def listed(page: list[Any]) -> int:
        unreadable = 0
        for raw in page:
            key = _key(raw)
            if key is None:
                unreadable += 1
            elif key not in asked:
                asked.add(key)
                order[key] = len(first) + len(order)
                backlog.append(key)
        return unreadable

    def dispatch() -> None:
        # Whole chunks while keys are still coming, so N keys cost ceil(N / chunk) fetches, not one per key page.
        while len(pending) < in_flight and (retry or len(backlog) >= chunk or (listing is None and backlog)):
            source = retry if retry else backlog
            keys_now = source[:chunk]
            del source[:chunk]
            body: dict[str, Any] = {"issueIdsOrKeys": keys_now, "fields": fields}
            if properties:
                body["properties"] = list(properties)
            pending[asyncio.ensure_future(fetch(BULK_FETCH, body))] = keys_now

    def total() -> int | None:
        return None if listing is not None else len(first) + len(order) - missing

    async with aclosing(keys):
        try:
            yield RawPage(first, 0, None)
            no_bulk_fetch = False
            while not no_bulk_fetch and (listing is not None or pending or backlog or retry):
                dispatch()
                waiting: set[asyncio.Future[Any]] = set(pending)
                if listing is not None:
                    waiting.add(listing)
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if listing is not None and listing in done:
                    page = listing.result()
                    listing = None if page is None else asyncio.ensure_future(_next_page(keys))
                    if page is not None:
                        listed(page)  # keys it could not read never enter the count
                ready: list[RawPage] = []
                for future in [f for f in pending if f in done]:
                    wanted = pending.pop(future)
                    try:
                        answer = future.result()
                    except JiraError as error:
                        if error.status in _NO_BULK_FETCH and not fetched_any:
                            no_bulk_fetch = True
                            break
                        raise
                    fetched_any = True
                    issues, unavailable = parse_bulk_fetch(answer)
                    # Jira answers in id order; the caller gets the search's order back within the page.
                    issues.sort(key=lambda raw: order.get(_key(raw) or "", len(order)))
                    returned = {key for key in map(_key, issues) if key}
                    absent = [key for key in wanted if key not in returned]
                    again = [key for key in absent if key not in retried]
                    retried.update(again)
                    retry.extend(again)
                    missing += len(absent) - len(again)
                    # Counted as unavailable only once the second ask failed too.
                    unavailable = unavailable if not again else 0
                    ready.append(RawPage(issues, order.get(wanted[0], 0), None, unavailable))
                if no_bulk_fetch:
                    break
                dispatch()  # Jira works on the next ones while the caller reads these
                for raw_page in ready:
                    raw_page.total = total()
                    yield raw_page
            if not no_bulk_fetch:
                return
            # No bulk fetch on this site: read on by plain paging from the first page's token.
            await _settle([*pending, *([listing] if listing is not None else [])])
            pending.clear()
            listing = None
            start = len(first)
            rest = cloud_pages(
                search,
                jql,
                fields,
                size,
                max_issues=max_issues - len(first),
                properties=properties,
                ahead=True,
                start_token=token,
            )
            async with aclosing(rest):
                async for issues in rest:
                    yield RawPage(issues, start, None)
                    start += len(issues)
        finally:
            await _settle([*pending, *([listing] if listing is not None else [])])


async def dc_all_pages(
    search: Call,
    jql: str,
    fields: list[str],
    size: int,
    *,
    properties: Sequence[str] = (),
    max_issues: int = MAX_SEARCH_ISSUES,
    in_flight: int = IN_FLIGHT,
) -> AsyncIterator[RawPage]:
    """Every issue of `jql` on Data Center: the first `startAt` page, then the others `in_flight` at a time."""

    def body_for(start: int) -> dict[str, Any]:
        return _search_body(jql, fields, size, properties, {"startAt": start})

    first, start_at, total = parse_dc_search_page(await search(DC_SEARCH, body_for(0)))
    seen = len(first)
    if seen > max_issues:
        raise _too_many(max_issues)
    following = start_at + len(first)
    if not first or following >= total:
        yield RawPage(first, start_at, following if not first else total)
        return
    # The page size Jira really serves (its `maxResults` cap may be below ours): offsets step by it, no gaps.
    step = len(first)
    limit = max_pages(size, max_issues)
    asked = 1
    pending: dict[asyncio.Future[Any], int] = {}

    def dispatch() -> None:
        nonlocal asked, following
        if total > max_issues:
            raise _too_many(max_issues)
        while following < total and len(pending) < in_flight:
            asked += 1
            if asked > limit:
                raise _too_long(limit)
            pending[asyncio.ensure_future(search(DC_SEARCH, body_for(following)))] = following
            following += step

    try:
        if total > max_issues:
            yield RawPage(first, start_at, total)
            raise _too_many(max_issues)
        dispatch()  # before the first page is handed out: Jira works on the next ones while the caller reads it
        yield RawPage(first, start_at, total)
        while pending:
            done, _ = await asyncio.wait(set(pending), return_when=asyncio.FIRST_COMPLETED)
            ready: list[RawPage] = []
            for future in [f for f in pending if f in done]:
                offset = pending.pop(future)
                issues, _, page_total = parse_dc_search_page(future.result())
                # Counted as received: a server that ignores startAt cannot make this go on for ever.
                seen += len(issues)
                if seen > max_issues:
                    raise _too_many(max_issues)
                # A queue that grew meanwhile has more pages; one that shrank has fewer (those come back empty).
                total = max(total, page_total)
                ready.append(RawPage(issues, offset, page_total))
            dispatch()  # Jira works on the next ones while the caller reads these
            for page in ready:
                yield page
    finally:
        await _settle(list(pending))
