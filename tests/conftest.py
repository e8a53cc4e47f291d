"""Shared fixtures: the simulator served over real loopback HTTP with a frozen, controllable clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from oncall_tui.sim.server import SimServer, build_site

# A Monday morning in Berlin: business-hours SLA calendars are running.
FROZEN_START = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
TEST_TOKEN = "test-token-0123456789"


def start_sim(
    *, flavour: str = "cloud", scenario: str = "default", faults: str | None = None, speed: float = 0.0
) -> SimServer:
    state = build_site(
        scenario=scenario,
        flavour=flavour,
        speed=speed,
        start=FROZEN_START,
        token=TEST_TOKEN,  # type: ignore[arg-type]
    )
    return SimServer(state, faults=faults).start()


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
