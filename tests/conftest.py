"""Shared fixtures: the simulator served over real loopback HTTP with a frozen, controllable clock."""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from oncall_tui.heap import HeapKeeper
from oncall_tui.sim.observe import Exchange
from oncall_tui.sim.server import SimServer, build_site

# A Monday morning in Berlin: business-hours SLA calendars are running.
FROZEN_START = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
TEST_TOKEN = "test-token-0123456789"


class CheckedSimServer(SimServer):
    """A simulator whose every answer is checked against Atlassian's OpenAPI specs when it stops.

    So "every response the tests exercise validates" holds for every test that uses these fixtures, not only
    for the fidelity tests that call `validate_response` themselves.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.exchanges: list[Exchange] = []
        self.check_on_stop = True
        super().__init__(*args, observer=self.exchanges.append, **kwargs)

    def stop(self) -> None:
        super().stop()
        if self.check_on_stop:
            problems = spec_problems(self.url, self.exchanges)
            if problems:
                raise AssertionError(
                    f"{len(problems)} simulator answer(s) do not match Atlassian's specs:\n" + "\n".join(problems[:10])
                )


def spec_problems(base_url: str, exchanges: list[Exchange]) -> list[str]:
    from tests.openapi_check import NotInSpec, validate_response

    problems = []
    for ex in exchanges:
        url = f"{base_url}{ex.path}" + (f"?{ex.query}" if ex.query else "")
        response = httpx.Response(ex.status, headers=ex.headers, content=ex.body, request=httpx.Request(ex.method, url))
        try:
            validate_response(response)
        except NotInSpec:
            continue
        except AssertionError as exc:
            if ex.status >= 400 and "is not documented" in str(exc) and _jira_error_shape(ex.body):
                # Atlassian's spec leaves out error statuses that Jira does send (403 on adding a comment,
                # for one); those must at least carry Jira's error body.
                continue
            problems.append(f"{ex.method} {ex.path} -> {ex.status}: {exc}")
    return problems


def _jira_error_shape(body: bytes) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    messages = data.get("errorMessages")
    return (isinstance(messages, list) and all(isinstance(m, str) for m in messages)) or isinstance(
        data.get("errorMessage"), str
    )


def start_sim(
    *, flavour: str = "cloud", scenario: str = "default", faults: str | None = None, speed: float = 0.0
) -> CheckedSimServer:
    state = build_site(
        scenario=scenario,
        flavour=flavour,
        speed=speed,
        start=FROZEN_START,
        token=TEST_TOKEN,  # type: ignore[arg-type]
    )
    server = CheckedSimServer(state, faults=faults)
    server.start()
    return server


def http_client(server: SimServer) -> httpx.Client:
    login = server.login()
    if login.flavour == "cloud":
        return httpx.Client(base_url=login.url, auth=(login.email, login.token), timeout=10)
    return httpx.Client(base_url=login.url, headers={"Authorization": f"Bearer {login.token}"}, timeout=10)


@pytest.fixture
def sim() -> Iterator[SimServer]:
    """A fresh Cloud simulator (default scenario, frozen clock) per test: tests may change it."""
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
def dc_sim() -> Iterator[SimServer]:
    server = start_sim(flavour="datacenter")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sim_ro() -> Iterator[SimServer]:
    """A Cloud simulator shared by a module's read-only tests (cheaper)."""
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
def api(sim: SimServer) -> Iterator[httpx.Client]:
    with http_client(sim) as client:
        yield client


@pytest.fixture
def dc_api(dc_sim: SimServer) -> Iterator[httpx.Client]:
    with http_client(dc_sim) as client:
        yield client


@pytest.fixture(scope="module")
def api_ro(sim_ro: SimServer) -> Iterator[httpx.Client]:
    with http_client(sim_ro) as client:
        yield client


@pytest.fixture(autouse=True, scope="session")
def _private_state_and_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The outbox, drafts and queue snapshots of every test go to a temporary home, never the user's own."""
    home = tmp_path_factory.mktemp("xdg")
    saved = {name: os.environ.get(name) for name in ("XDG_STATE_HOME", "XDG_CACHE_HOME")}
    os.environ["XDG_STATE_HOME"] = str(home / "state")
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _collectable_heap() -> Iterator[None]:
    """The app freezes the heap after each poll (oncall_tui.heap); many apps run in one test process, so what one
    test froze is made collectable again after it."""
    yield
    # An app that did not unmount (a test that failed) must not go on freezing after later tests' collections.
    gc.callbacks[:] = [cb for cb in gc.callbacks if not isinstance(getattr(cb, "__self__", None), HeapKeeper)]
    gc.unfreeze()
