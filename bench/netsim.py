"""The simulator as its own process, and a TCP relay in front of it that counts and (optionally) throttles.

`running_sim` starts `oncall-tui sim` with `--config-out` and yields the written config (a dict) and its path;
`write_config` writes a variant (another URL: the relay's; fewer queues) for the app to use.

`Relay` forwards 127.0.0.1:port to the simulator. It counts request lines and bytes each way (plain HTTP over
loopback, so the request lines can be read off the stream), and with `kbit` / `rtt_ms` it shapes both
directions like a thin link: a token bucket of `kbit` kbit/s per direction and half the round trip added to
every chunk each way, order kept. Tests have their own relay (`tests/relay.py`, cut and hold); this one is for
measuring, so it lives with the benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REQUEST_LINE = re.compile(rb"([A-Z]{3,7}) (/\S*) HTTP/1\.[01]\r\n")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy")


def clean_env(**extra: str) -> dict[str, str]:
    """Variables to set for the app: the proxies emptied (loopback traffic must not go to a proxy)."""
    return {**{k: "" for k in PROXY_VARS}, **extra}


@contextmanager
def running_sim(directory: Path, *args: str, lifetime: int = 600) -> Iterator[tuple[dict[str, Any], Path]]:
    config = directory / "sim.toml"
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    proc = subprocess.Popen(
        [sys.executable, "-m", "oncall_tui", "sim", *args, "--config-out", str(config), "--exit-after", str(lifetime)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("Press Ctrl-C"):
                break
        else:
            raise RuntimeError("oncall-tui sim ended before printing its banner")
        with config.open("rb") as fh:
            yield tomllib.load(fh), config
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def write_config(data: dict[str, Any], path: Path, *, url: str | None = None, queues: int | None = None) -> Path:
    from oncall_tui.config import save_config

    data = {**data, "jira": {**data["jira"], **({"url": url} if url else {})}}
    if queues is not None:
        data["queues"] = data["queues"][:queues]
    save_config(path, data)
    return path


@dataclass
class Traffic:
    requests: list[tuple[float, str, str]] = field(default_factory=list)  # (time, method, path)
    sent: int = 0  # bytes app -> Jira
    received: int = 0  # bytes Jira -> app


class Relay:
    def __init__(self, upstream_port: int, *, kbit: float | None = None, rtt_ms: float = 0.0) -> None:
        self.upstream_port = upstream_port
        self.rate = kbit * 1000 / 8 if kbit else None  # bytes per second
        self.delay = rtt_ms / 2000
        self.port = 0
        self.traffic = Traffic()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-relay", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Relay:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the relay did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def snapshot(self) -> Traffic:
        with self._lock:
            t = self.traffic
            return Traffic(list(t.requests), t.sent, t.received)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.close()
        # Open connections end with the relay: their tasks are cancelled and awaited before the loop closes.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A connection open when the relay stops ends quietly: asyncio logs a cancelled connection handler.
        with contextlib.suppress(asyncio.CancelledError):
            await self._connect(reader, writer)

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, up_writer, upstream=True),
            self._pipe(up_reader, writer, upstream=False),
            return_exceptions=True,
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, upstream: bool) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        deliver = asyncio.create_task(self._deliver(queue, writer))
        free_at = 0.0  # when this direction's link has sent everything queued so far
        tail = b""
        try:
            while data := await reader.read(1460 if self.rate else 65536):
                now = time.monotonic()
                with self._lock:
                    if upstream:
                        self.traffic.sent += len(data)
                        buffer = tail + data
                        for m in REQUEST_LINE.finditer(buffer):
                            self.traffic.requests.append((now, m.group(1).decode(), m.group(2).decode("latin-1")))
                        tail = buffer[buffer.rfind(b"\r\n") :][-2048:] if b"\r\n" in buffer else buffer[-2048:]
                    else:
                        self.traffic.received += len(data)
                if self.rate:
                    free_at = max(now, free_at) + len(data) / self.rate
                    due = free_at + self.delay
                else:
                    due = now
                await queue.put((due, data))
        except (ConnectionError, OSError):
            pass
        finally:
            queue.put_nowait((0.0, b""))
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await deliver

    async def _deliver(self, queue: asyncio.Queue[tuple[float, bytes]], writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
