"""Paging through searches, with limits a hostile or broken server cannot talk us out of.

A search ends when Jira says so, and also when it has gone on too long to be honest: more issues than any
queue an engineer works (MAX_SEARCH_ISSUES), more pages than that many issues need, a page token that
comes back, or several empty pages in a row that still promise more. Each stop is an error saying which.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from oncall_tui.jira.errors import BadResponse, msgid
from oncall_tui.jira.parse import parse_dc_search_page, parse_search_page

__all__ = ["MAX_EMPTY_PAGES", "MAX_SEARCH_ISSUES", "SearchResult", "cloud_pages", "dc_pages", "max_pages"]

T = TypeVar("T")
Call = Callable[[str, dict[str, Any]], Awaitable[Any]]

# Five times the `large` scenario's 10,000 open incidents: no queue a person triages is bigger, and a
# search that is has to be narrowed, not held in memory and redrawn every 15 s.
MAX_SEARCH_ISSUES = 50_000
# Jira may hand out smaller pages than asked for (many fields, big fields); allow pages this much smaller
# before a search counts as going on for too long.
_PAGE_SHRINK = 4
MAX_EMPTY_PAGES = 3
_NARROW = msgid("Narrow the queue's JQL, or check what answers in Jira's place")


class SearchResult(list[T]):
    """The issues a search found (a plain list to every caller), and how many Jira sent that could not be
    read and were left out (`skipped`): an issue without a key, or one that is not even an object.

    A page of `search_pages` also says where it sits in the search's order (`start`; pages read in parallel
    arrive in any order) and how many issues the whole search returns, once Jira has said (`total`: Data
    Center's `total`, or Cloud's key list; None while unknown)."""

    # For the UI: what to say about `skipped`, as a message id with its parameters.
    SKIPPED_MESSAGE = msgid("Left out {skipped} issues Jira sent that oncall-tui cannot read.")

    def __init__(self, items: Iterable[T] = (), skipped: int = 0, *, start: int = 0, total: int | None = None) -> None:
        super().__init__(items)
        self.skipped = skipped
        self.start = start
        self.total = total

    def __repr__(self) -> str:
        return f"SearchResult({list.__repr__(self)}, skipped={self.skipped})"


def max_pages(page_size: int, max_issues: int = MAX_SEARCH_ISSUES) -> int:
    """How many pages a search of at most `max_issues` may take at `page_size` issues a page."""
    return math.ceil(max_issues / max(1, page_size)) * _PAGE_SHRINK


def _too_many(max_issues: int) -> BadResponse:
    return BadResponse(
        msgid("Jira's search found more than {issues} issues; oncall-tui stopped there."),
        params={"issues": max_issues},
        hint=_NARROW,
    )


def _too_long(pages: int) -> BadResponse:
    return BadResponse(
        msgid("Jira's search paging did not end after {pages} pages."), params={"pages": pages}, hint=_NARROW
    )


async def _settle(pending: asyncio.Future[Any] | None) -> None:
    # A page asked for ahead that will not be read (the caller stopped, or failed): let it finish, never cancel
    # it under httpx (#1461); its answer or error is nobody's.
    if pending is not None:
        await asyncio.gather(pending, return_exceptions=True)


async def cloud_pages(
    call: Call,
    jql: str,
    fields: list[str],
    size: int,
    *,
    max_issues: int = MAX_SEARCH_ISSUES,
    properties: Sequence[str] = (),
    ahead: bool = False,
    start_token: str | None = None,
) -> AsyncIterator[list[Any]]:
    """Raw issues page by page from enhanced search (`nextPageToken`). With `ahead`, the next page is asked for
    as soon as this one's token is in, so Jira works on it while the caller reads this one (a caller that
    reads every page: it costs no request more). `start_token` goes on from a page already read elsewhere."""
    token: str | None = start_token
    tokens: set[str] = set()
    seen = empty = 0
    limit = max_pages(size, max_issues)

    def body_for(token: str | None) -> dict[str, Any]:
        return _search_body(jql, fields, size, properties, {"nextPageToken": token} if token else {})

    pending: asyncio.Future[Any] | None = None
    try:
        for number in range(limit):
            answer = pending if pending is not None else call("/rest/api/3/search/jql", body_for(token))
            pending = None
            issues, token, is_last = parse_search_page(await answer)
            seen += len(issues)
            if seen > max_issues:
                raise _too_many(max_issues)
            # Whether paging goes on is known now; a bad token is still only said after the page is handed out.
            done = is_last or token is None
            problem: BadResponse | None = None
            if not done:
                if token in tokens:
                    problem = BadResponse(
                        msgid("Jira's search paging went round in a circle (a page token came back).")
                    )
                else:
                    tokens.add(token)  # type: ignore[arg-type]
                    empty = 0 if issues else empty + 1
                    if empty >= MAX_EMPTY_PAGES:
                        problem = BadResponse(
                            msgid(
                                "Jira's search sent {pages} empty pages in a row that still promised more; "
                                "oncall-tui stopped."
                            ),
                            params={"pages": empty},
                        )
            if ahead and not done and problem is None and number + 1 < limit:
                pending = asyncio.ensure_future(call("/rest/api/3/search/jql", body_for(token)))
            yield issues
            if done:
                return
            if problem is not None:
                raise problem
        raise _too_long(limit)
    finally:
        await _settle(pending)


def _search_body(
    jql: str, fields: list[str], size: int, properties: Sequence[str], paging: dict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": size, **paging}
    if properties:
        body["properties"] = list(properties)
    return body


async def dc_pages(
    call: Call,
    jql: str,
    fields: list[str],
    size: int,
    *,
    max_issues: int = MAX_SEARCH_ISSUES,
    properties: Sequence[str] = (),
    ahead: bool = False,
) -> AsyncIterator[list[Any]]:
    """Raw issues page by page from Data Center's search (`startAt` / `total`); `ahead` as for Cloud."""
    start = seen = 0
    limit = max_pages(size, max_issues)

    def body_for(start: int) -> dict[str, Any]:
        return _search_body(jql, fields, size, properties, {"startAt": start})

    pending: asyncio.Future[Any] | None = None
    try:
        for number in range(limit):
            answer = pending if pending is not None else call("/rest/api/2/search", body_for(start))
            pending = None
            issues, start_at, total = parse_dc_search_page(await answer)
            # Counted as received, not from startAt: a server that ignores startAt sends the same page forever.
            seen += len(issues)
            if seen > max_issues:
                raise _too_many(max_issues)
            start = start_at + len(issues)
            # An empty page before `total`: issues vanished between pages; what is left is all there is.
            done = not issues or start >= total
            if ahead and not done and number + 1 < limit:
                pending = asyncio.ensure_future(call("/rest/api/2/search", body_for(start)))
            yield issues
            if done:
                return
        raise _too_long(limit)
    finally:
        await _settle(pending)
