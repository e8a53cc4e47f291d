"""Running the simulator: uvicorn on loopback, in the foreground (CLI) or a thread (tests, demo)."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

import uvicorn

from oncall_tui.sim.app import create_app
from oncall_tui.sim.clock import SimClock
from oncall_tui.sim.faults import Faults, parse_faults
from oncall_tui.sim.model import Flavour
from oncall_tui.sim.observe import Observer
from oncall_tui.sim.state import Credentials, SimState


@dataclass(frozen=True)
class SiteLogin:
    """How a client logs in to the simulated site."""

    url: str
    flavour: Flavour
    email: str
    username: str
    token: str


def build_site(
    *,
    scenario: str = "default",
    flavour: Flavour = "cloud",
    speed: float = 1.0,
    start: datetime | None = None,
    token: str | None = None,
    seed: int = 7,
) -> SimState:
    from oncall_tui.sim.scenarios import ME_ACCOUNT_ID, build_state

    clock = SimClock(start, speed)
    state = build_state(scenario, flavour=flavour, clock=clock, seed=seed)
    state.credentials.append(Credentials(ME_ACCOUNT_ID, token or "sim-" + secrets.token_urlsafe(18)))
    return state


class SimServer:
    """The simulator served by uvicorn on a loopback socket in a daemon thread.

    Binding the socket here (port 0 = a free port) means the URL is known before the server starts.
    """

    def __init__(
        self,
        state: SimState,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | str | None = None,
        access_log: bool = False,
        ssl_certfile: str | None = None,
        ssl_keyfile: str | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.state = state
        self.app = create_app(state, faults if isinstance(faults, Faults) else parse_faults(faults), observer)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY for sockets it knows are TCP, and Nagle plus
        # delayed ACKs would add ~40 ms to every response.
        self._sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        bound_port = self._sock.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        # HTTPS (cert + key PEM files) lets tests exercise the client's certificate checks.
        scheme = "https" if ssl_certfile else "http"
        self.url = f"{scheme}://{shown_host}:{bound_port}"
        state.base_url = self.url
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=access_log,
            lifespan="off",
            timeout_graceful_shutdown=2,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def faults(self) -> Faults:
        faults: Faults = self.app.state.faults
        return faults

    def set_faults(self, faults: Faults | str | None) -> None:
        self.app.state.faults = faults if isinstance(faults, Faults) else parse_faults(faults)

    def login(self) -> SiteLogin:
        cred = self.state.credentials[0]
        user = self.state.users[cred.account_id]
        return SiteLogin(self.url, self.state.flavour, user.email, user.username, cred.token)

    def start(self) -> SimServer:
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name="oncall-tui-sim", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not self._server.started:
            raise RuntimeError("the simulator did not start within 10 s")
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (Ctrl-C) or `stop()`."""
        self._server.run(sockets=[self._sock])

    def request_stop(self) -> None:
        """Ask the server to finish (safe from any thread); `serve_forever` then returns."""
        self._server.should_exit = True

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._sock.close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
