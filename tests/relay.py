"""A TCP relay on 127.0.0.1 between the app and the simulator, which a test can cut and hold.

The end-to-end crash tests need Jira to become unreachable at a moment of their choosing (a write is then
"recorded, not sent"), and an answer that Jira has committed to be held back (a write is then "landed, not
confirmed"). Neither can be done inside the simulator without it knowing about the test, so the relay does it
at the TCP level, where the app sees exactly what a broken network does:

- `block()`: existing connections are reset and the port stops listening, so new connections are refused, as
  when Jira is down; `unblock()` listens on the same port again (the app's configured URL stays valid). The
  port is picked below the kernel's ephemeral range, so no outgoing connection takes it in between.
- `hold()`: bytes from the simulator to the app are kept back (requests still reach the simulator); `release()`
  sends them on. A connection whose app end died meanwhile is just closed.
- `requests`: the request lines ("POST /rest/api/3/issue/OPS-1/comment") seen on their way to the simulator:
  plain HTTP over loopback, so a test can wait until the app has really sent a write.

It runs an asyncio loop in a daemon thread and stops by itself after `lifetime` seconds if the test never
stops it (`stop()`, or leave the `relay()` context).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import socket
import struct
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Not anchored to a line start: on a kept-alive connection a request follows the previous one's body directly.
REQUEST_LINE = re.compile(rb"([A-Z]{3,7}) (/\S*) HTTP/1\.[01]\r\n")


def _ephemeral_low() -> int:
    """The first port the kernel hands out for outgoing connections (Linux; 32768 elsewhere)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST instead of a FIN (SO_LINGER 0): what a dead middlebox or a refused port looks like."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@dataclass(eq=False)  # hashed by identity: the relay keeps its open pipes in a set
class _Pipe:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    seen: bytes = b""  # the tail of what the app sent, for request lines split across reads


class Relay:
    """Forward 127.0.0.1:`port` to `upstream_host`:`upstream_port`; see the module docstring."""

    def __init__(self, upstream_host: str, upstream_port: int, *, lifetime: float = 300.0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.lifetime = lifetime
        self.port = 0
        self.requests: list[tuple[str, str]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="relay", daemon=True)
        self._server: asyncio.Server | None = None
        self._pipes: set[_Pipe] = set()
        self._blocked = False
        self._open = asyncio.Event()  # set while answers may flow to the app (not held)
        self._hold_on: tuple[str, str] | None = None  # hold_from: the request that starts the hold
        self._stop = asyncio.Event()
        self._lock = threading.Lock()

    # ---- the test's side (any thread) -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Relay:
        ready = threading.Event()
        self._ready = ready
        self._thread.start()
        if not ready.wait(10):
            raise AssertionError("the relay did not start listening within 10 s")
        return self

    def block(self) -> None:
        """Jira unreachable: cut every open connection, reset every new one until `unblock()`."""
        self._call(self._block)

    def unblock(self) -> None:
        self._call(self._unblock)

    def hold(self) -> None:
        """Keep back every byte from the simulator to the app (requests still go through) until `release()`."""
        self._call(self._hold)

    def hold_from(self, method: str, path: str) -> None:
        """Like `hold()`, from the moment the app sends `METHOD path…`: the reads before it (an assignment reads
        the issue first) are answered, the write's answer and everything after it wait until `release()`."""

        async def arm() -> None:
            self._hold_on = (method, path)

        self._call(arm)

    def release(self) -> None:
        self._call(self._release)

    def seen(self, method: str, path: str) -> int:
        """How many requests `METHOD path…` (a path prefix) the app has sent through the relay so far."""
        with self._lock:
            return sum(1 for m, p in self.requests if m == method and p.startswith(path))

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)

    # ---- the loop's side ----------------------------------------------------------------------------------------

    def _call(self, fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if not self._thread.is_alive():
            raise AssertionError("the relay is not running")
        return asyncio.run_coroutine_threadsafe(fn(), self._loop).result(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _listen(self) -> asyncio.Server:
        return await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def _main(self) -> None:
        self._open.set()
        self._server = await self._first_listen()
        self._ready.set()
        # Stops when told to or, if a test forgot to, by itself: never a listener outliving its test run.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), self.lifetime)
        self._server.close()
        for pipe in list(self._pipes):
            self._cut(pipe)
        await self._server.wait_closed()

    async def _first_listen(self) -> asyncio.Server:
        low = _ephemeral_low()
        rng = random.Random()
        for _attempt in range(50):
            self.port = rng.randrange(max(1024, low - 12000), low)
            try:
                return await self._listen()
            except OSError:
                continue
        raise AssertionError("the relay found no free port below the ephemeral range")

    async def _block(self) -> None:
        if self._blocked:
            return
        self._blocked = True
        assert self._server is not None
        self._server.close()
        for pipe in list(self._pipes):
            self._cut(pipe)
        await self._server.wait_closed()

    async def _unblock(self) -> None:
        if not self._blocked:
            return
        self._server = await self._listen()
        self._blocked = False

    async def _hold(self) -> None:
        self._open.clear()

    async def _release(self) -> None:
        self._open.set()

    def _cut(self, pipe: _Pipe) -> None:
        _reset(pipe.client)
        _reset(pipe.upstream)
        for task in pipe.tasks:
            task.cancel()
        self._pipes.discard(pipe)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._blocked:
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            _reset(writer)
            return
        pipe = _Pipe(writer, up_writer)
        self._pipes.add(pipe)
        pipe.tasks = [
            asyncio.create_task(self._forward(pipe, reader, up_writer, upstream=True)),
            asyncio.create_task(self._forward(pipe, up_reader, writer, upstream=False)),
        ]
        await asyncio.gather(*pipe.tasks, return_exceptions=True)
        self._pipes.discard(pipe)

    async def _forward(
        self, pipe: _Pipe, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, upstream: bool
    ) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if upstream:
                    self._note_requests(pipe, data)
                else:
                    await self._open.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            # One side ended: end the other too (an HTTP client and server both close whole connections).
            for end in (pipe.client, pipe.upstream):
                if not end.is_closing():
                    end.close()

    def _note_requests(self, pipe: _Pipe, data: bytes) -> None:
        buffer = pipe.seen + data
        found = [(m.group(1).decode(), m.group(2).decode("latin-1")) for m in REQUEST_LINE.finditer(buffer)]
        # Keep the unfinished last line only (a request line cut between two reads), never the whole stream.
        last = buffer.rfind(b"\r\n")
        pipe.seen = buffer[last:][-2048:] if last >= 0 else buffer[-2048:]
        if found:
            with self._lock:
                self.requests.extend(found)
            hold_on = self._hold_on
            if hold_on is not None and any(m == hold_on[0] and p.startswith(hold_on[1]) for m, p in found):
                self._hold_on = None
                self._open.clear()


@contextmanager
def relay(upstream_host: str, upstream_port: int, *, lifetime: float = 300.0) -> Iterator[Relay]:
    server = Relay(upstream_host, upstream_port, lifetime=lifetime).start()
    try:
        yield server
    finally:
        server.stop()
