"""Reading a response body with limits: a size cap on the decoded bytes and a deadline for the whole answer.

httpx's own decoding inflates each network chunk in one go (a 64 KB gzip chunk can become 64 MB before
anyone can count it), so the body is read raw and inflated here with zlib's `max_length`: no more than the
cap plus one byte is ever produced. The deadline is checked between chunks; the response is then closed by
the caller (closing is not cancelling: no pool slot is lost, see transport.py).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

import httpx

from oncall_tui.jira.errors import BadResponse, DeadlineExceeded, msgid

__all__ = ["ACCEPT_ENCODING", "MAX_BODY_BYTES", "MAX_ERROR_BODY_BYTES", "read_body"]

# What we decode ourselves; asking for nothing else means an honest server sends nothing else.
ACCEPT_ENCODING = "gzip, deflate"
# The largest answer oncall-tui reads, after decompression. A 100-issue search page with every list field
# and SLA is well under 1 MB, and a single issue with 20 comments of 64 KB each under 2 MB; 32 MB leaves a
# wide margin for odd sites and still stops a gzip bomb long before it costs the jump host its memory.
MAX_BODY_BYTES = 32 * 1024 * 1024
# Of an error answer only the first part matters (Jira's errorMessages, a page title).
MAX_ERROR_BODY_BYTES = 64 * 1024


class _TooLarge(Exception):
    pass


class _Inflater:
    """One content coding (gzip or deflate), inflating at most `room` bytes per call."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._first = True
        wbits = zlib.MAX_WBITS | 16 if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits)

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            out = self._inflate.decompress(data, room)
        except zlib.error:
            if self.coding == "deflate" and self._first:
                # Many servers send raw deflate without the zlib wrapper the RFC asks for (httpx allows it too).
                self._first = False
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data, room)
            raise
        self._first = False
        if len(out) >= room:
            raise _TooLarge
        return out

    def flush(self) -> bytes:
        return self._inflate.flush()


class _Decoder:
    def __init__(self, content_encoding: str | None, cap: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        for coding in codings:
            if coding not in ("gzip", "x-gzip", "deflate"):
                raise BadResponse(
                    msgid("Jira sent its answer in an encoding oncall-tui does not read ({encoding})."),
                    params={"encoding": coding[:40]},
                )
        # Codings are listed in the order they were applied, so they come off in reverse.
        self._stages = [_Inflater(c) for c in reversed(codings)]
        self.cap = cap
        self.size = 0

    def feed(self, data: bytes) -> bytes:
        try:
            for stage in self._stages:
                data = stage.feed(data, self.cap - self.size + 1)
        except zlib.error:
            raise _corrupt() from None
        return self._count(data)

    def flush(self) -> bytes:
        data = b""
        try:
            for stage in self._stages:
                # What the stage before let go of last, then whatever this stage still holds.
                data = (stage.feed(data, self.cap - self.size + 1) if data else b"") + stage.flush()
        except zlib.error:
            raise _corrupt() from None
        return self._count(data)

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.cap:
            raise _TooLarge
        return data


def _corrupt() -> BadResponse:
    return BadResponse(msgid("Jira sent a compressed answer that cannot be decompressed."))


async def read_body(
    response: httpx.Response,
    *,
    cap: int,
    truncate: bool,
    clock: Callable[[], float],
    sent_at: float,
    deadline: float | None,
) -> bytes:
    """The decoded body, at most `cap` bytes: beyond that, the first `cap` bytes (`truncate`) or BadResponse.

    Raises DeadlineExceeded when the answer is still arriving `deadline` seconds after `sent_at`; a server
    trickling its answer can hold the call for the deadline plus one read timeout at most.
    """
    decoder = _Decoder(response.headers.get("content-encoding"), cap)
    chunks: list[bytes] = []
    try:
        async for raw in response.aiter_raw():
            chunks.append(decoder.feed(raw))
            if deadline is not None and clock() - sent_at > deadline:
                raise DeadlineExceeded(
                    msgid("Jira's answer was still arriving after {seconds} s."),
                    seconds=math.ceil(deadline),
                    hint=msgid("Jira or the network is very slow; it is tried again at the next refresh"),
                )
        chunks.append(decoder.flush())
    except _TooLarge:
        if truncate:
            return b"".join(chunks)[:cap]
        raise BadResponse(
            msgid("Jira's answer was larger than {megabytes} MB; oncall-tui stopped reading it."),
            params={"megabytes": max(1, round(cap / (1024 * 1024)))},
            hint=msgid("Ask for fewer issues per queue (narrow the JQL), or check what answers in Jira's place"),
        ) from None
    return b"".join(chunks)
