"""The test relay (tests/relay.py) itself: what the crash tests rely on it for, against a real HTTP server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.relay import Relay, relay


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx and Jira use it

    def do_POST(self) -> None:  # the name http.server dispatches to
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: _Server = self.server  # type: ignore[assignment]
        with server.lock:
            server.bodies.append(body)
        answer = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:  # quiet: the test reads nothing from it
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.bodies: list[bytes] = []


@pytest.fixture
def front() -> Iterator[tuple[Relay, _Server]]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with relay("127.0.0.1", server.server_address[1], lifetime=60) as proxy:
            yield proxy, server
    finally:
        server.shutdown()
        server.server_close()


def wait(condition: Callable[[], object], what: str, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_requests_are_forwarded_and_counted_also_on_a_kept_alive_connection(front: tuple[Relay, _Server]) -> None:
    proxy, server = front
    with httpx.Client(base_url=proxy.url, timeout=5) as client:
        for n in range(3):
            assert client.post(f"/rest/api/3/issue/OPS-{n}/comment", json={"n": n}).json() == {"ok": True}
    assert len(server.bodies) == 3
    assert proxy.seen("POST", "/rest/api/3/issue/OPS-1/comment") == 1
    assert proxy.seen("POST", "/rest/api/3/issue/") == 3
    assert proxy.seen("GET", "/") == 0


def test_blocked_it_refuses_new_connections_and_cuts_open_ones_then_serves_again_on_the_same_port(
    front: tuple[Relay, _Server],
) -> None:
    proxy, server = front
    url = proxy.url
    with httpx.Client(base_url=url, timeout=5) as client:
        client.post("/a", json={})
        proxy.block()
        with pytest.raises(httpx.TransportError):
            client.post("/b", json={})
        with pytest.raises(httpx.ConnectError):
            httpx.post(f"{url}/c", json={}, timeout=5)
        proxy.unblock()
        assert proxy.url == url
        assert client.post("/d", json={}).status_code == 200
    assert [m for m, _ in proxy.requests] == ["POST", "POST"], "nothing reached the server while blocked"
    assert len(server.bodies) == 2


def test_held_the_request_reaches_the_server_and_its_answer_waits_for_release(front: tuple[Relay, _Server]) -> None:
    proxy, server = front
    proxy.hold()
    with ThreadPoolExecutor(1) as pool, httpx.Client(base_url=proxy.url, timeout=10) as client:
        answer = pool.submit(client.post, "/rest/api/3/issue/OPS-1/comment", json={"text": "held"})
        wait(lambda: server.bodies, "the request at the server")
        assert not answer.done(), "the answer came through although held"
        proxy.release()
        assert answer.result(timeout=5).json() == {"ok": True}
    assert server.bodies == [b'{"text":"held"}']
