"""Reading a response body with limits: a size cap on the decoded bytes and a deadline for the whole answer.

httpx's own decoding inflates each network chunk in one go (a 64 KB gzip chunk can become 64 MB before
anyone can count it), so the body is read raw and inflated here with zlib's `max_length`, a step at a
time: no more than the cap plus one step is ever held. The deadline is checked between chunks; the
response is then closed by the caller (closing is not cancelling: no pool slot is lost, see transport.py).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterator

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


# Inflated in steps this big, so a bomb never costs more than the cap plus one step of memory.
_STEP = 256 * 1024


class _Inflater:
    """One content coding (gzip or deflate), handing out its output in pieces of at most _STEP bytes."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._started = False
        wbits = zlib.MAX_WBITS | 16 if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            out = self._step(data)
            if out:
                yield out
            data = self._inflate.unconsumed_tail
            # A full step may leave output pending even when all input is taken: ask again until it runs dry.
            if not data and len(out) < _STEP:
                return

    def _step(self, data: bytes) -> bytes:
        try:
            out = self._inflate.decompress(data, _STEP)
        except zlib.error:
            if self.coding == "deflate" and not self._started:
                # Many servers send raw deflate without the zlib wrapper the RFC asks for (httpx allows it too).
                self._started = True
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                return self._inflate.decompress(data, _STEP)
            raise
        self._started = True
        return out

    def flush(self) -> bytes:
        rest = self._inflate.flush()
        if self._started and not self._inflate.eof:
            # The stream stopped before its end marker: what arrived is not the whole answer.
            raise zlib.error("compressed stream ended early")
        return rest


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

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of `data`; raises _TooLarge as soon as the total passes the cap."""
        try:
            for piece in self._through(data, 0):
                self.size += len(piece)
                if self.size > self.cap:
                    raise _TooLarge
                yield piece
        except zlib.error:
            raise _corrupt() from None

    def flush(self) -> Iterator[bytes]:
        for i, stage in enumerate(self._stages):
            try:
                rest = stage.flush()
            except zlib.error:
                raise _corrupt() from None
            if rest:
                for piece in self._through(rest, i + 1):
                    self.size += len(piece)
                    if self.size > self.cap:
                        raise _TooLarge
                    yield piece

    def _through(self, data: bytes, stage: int) -> Iterator[bytes]:
        if stage == len(self._stages):
            if data:
                yield data
            return
        for piece in self._stages[stage].feed(data):
            yield from self._through(piece, stage + 1)


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
            chunks.extend(decoder.feed(raw))
            if deadline is not None and clock() - sent_at > deadline:
                raise DeadlineExceeded(
                    msgid("Jira's answer was still arriving after {seconds} s."),
                    seconds=math.ceil(deadline),
                    hint=msgid("Jira or the network is very slow; it is tried again at the next refresh"),
                )
        chunks.extend(decoder.flush())
    except _TooLarge:
        if truncate:
            return b"".join(chunks)[:cap]
        raise BadResponse(
            msgid("Jira's answer was larger than {megabytes} MB; oncall-tui stopped reading it."),
            params={"megabytes": max(1, round(cap / (1024 * 1024)))},
            hint=msgid("Ask for fewer issues per queue (narrow the JQL), or check what answers in Jira's place"),
        ) from None
    return b"".join(chunks)
