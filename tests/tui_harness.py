"""Building the real app against the simulator for Pilot and snapshot tests: production client over HTTP,
a frozen simulator clock and the same frozen clock in the app, so countdowns and snapshots are stable."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import OptionList

from oncall_tui.cli_tui import _session_and_app, demo_config
from oncall_tui.config_schema import QueueConfig, Secret
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.transport import RetryPolicy
from oncall_tui.sim.server import SimServer
from oncall_tui.sync.pipeline import Backoff
from oncall_tui.sync.session import Session
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.queue_table import QueueTable
from tests.conftest import FROZEN_START


async def no_sleep(seconds: float) -> None:
    """Retries back off without really waiting (tests never sleep for time)."""


@dataclass
class Tui:
    server: SimServer
    client: JiraClient
    session: Session
    app: OncallApp

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, f"{self.server.url}/_sim{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response

    def issue(self, key: str) -> dict[str, Any]:
        """The simulator's own view of an issue (what Jira really holds)."""
        data: dict[str, Any] = self.control("GET", f"/issues/{key}").json()
        return data

    def faults(self, spec: str) -> None:
        self.control("POST", "/faults", json={"spec": spec})

    def deny(self, *permissions: str) -> None:
        self.control("POST", "/permissions", json={"deny": list(permissions)})


def build_tui(
    server: SimServer,
    *,
    retries: int = 1,
    readonly: bool = False,
    keymap: Mapping[str, str] | None = None,
    language: str = "en",
    extra_queues: Iterable[tuple[str, str]] = (),
    timeout_seconds: float | None = None,
    state_dir: Path | None = None,
    escalation: bool = False,
    **app_kwargs: Any,
) -> Tui:
    login = server.login()
    # With `escalation`, the demo's policies for the simulator's teams (as `oncall-tui demo` runs).
    config = demo_config(login.url, login.email, server.state if escalation else None)
    if keymap is not None:
        config = dataclasses.replace(config, keymap=keymap)
    if timeout_seconds is not None:
        config = dataclasses.replace(config, jira=dataclasses.replace(config.jira, timeout_seconds=timeout_seconds))
    extra = tuple(QueueConfig(name, jql) for name, jql in extra_queues)
    if extra:
        config = dataclasses.replace(config, queues=(*config.queues, *extra))
    # Through the config, as `oncall-tui` passes [ui] language to the app.
    config = dataclasses.replace(config, ui=dataclasses.replace(config.ui, language=language))
    client = JiraClient(
        config.jira,
        Secret(login.token),
        sleep=no_sleep,
        retry=RetryPolicy(attempts=retries),
        now=lambda: FROZEN_START,
    )
    session, app = _session_and_app(
        config, client, readonly=readonly, mouse=False, time_zone="Europe/Berlin", utf8=True, state_dir=state_dir
    )
    # Commands that wait (Jira unreachable, a lost answer) try again at once: tests never wait for time.
    session.pipeline.backoff = Backoff(first=0.01, cap=0.05)
    session.pipeline.still_working_wait = 0.01
    app.clock = lambda: FROZEN_START
    app.now = FROZEN_START
    app._tick_enabled = False
    app.site_label = "jira.example.net"
    for name, value in app_kwargs.items():
        setattr(app, name, value)
    return Tui(server, client, session, app)


@contextmanager
def quiet_tui(**kwargs: Any) -> Iterator[Tui]:
    """A fresh simulator and app per test whose timers stay out of the way: polls and count refreshes
    happen only when the test asks (r, poll_now), so nothing races the test's own steps."""
    from tests.conftest import start_sim

    server = start_sim()
    try:
        yield build_tui(server, **{"poll_seconds": 3600.0, "counts_seconds": 3600.0, **kwargs})
    finally:
        server.stop()


def notes(app: OncallApp) -> list[str]:
    """Every notification the app has shown (titles and messages), oldest first."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], *, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    """Let the app run until `condition` holds. The simulator answers from another thread over real HTTP, so
    this waits for an event with a bounded deadline; it never sleeps a fixed time to let something happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.01)
    if condition():
        return
    raise AssertionError(f"condition not reached within {timeout:.0f} s")


async def started(pilot: Pilot[Any], tui: Tui) -> None:
    # A first load shows its first page before it ends (issue 10): started is rows on screen and that poll over.
    app = tui.app
    await wait_for(
        pilot,
        lambda: (
            app.main.query_one("#queue").row_count > 0
            and tui.session.status[app.main.active_queue].loaded
            and not app.engine.polling
        ),
    )


Step = Callable[[Pilot[Any]], Awaitable[None]]


async def send_keys(pilot: Pilot[Any], keys: Iterable[tuple[str, str | None]]) -> None:
    """Send (key, character) events as a terminal would, without Pilot's pause after every key (~50 ms
    each), then let the app settle once. The events go through the same queue as pilot.press()."""
    app = pilot.app
    driver = app._driver
    assert driver is not None
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)
    await pilot.pause()


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type `text` into the focused widget ("\n" is enter)."""
    await send_keys(
        pilot,
        [("enter", "\r") if ch == "\n" else (ch if ch.isalnum() else _character_to_key(ch), ch) for ch in text],
    )


def table(app: OncallApp) -> QueueTable:
    return app.main.query_one("#queue", QueueTable)


async def switch_to(pilot: Pilot[Any], app: OncallApp, number: int, name: str) -> None:
    """Press the queue's number key and wait until its rows are on screen."""
    await pilot.press(str(number))
    await wait_for(pilot, lambda: app.main.active_queue == name and table(app).row_count > 0)


async def select_row(pilot: Pilot[Any], app: OncallApp, key: str) -> None:
    """Move the cursor to `key` with the arrow keys, as a user would."""
    rows = table(app)
    target = rows.get_row_index(key)
    step = "down" if target > rows.cursor_row else "up"
    await send_keys(pilot, [(step, None)] * abs(target - rows.cursor_row))
    await wait_for(pilot, lambda: rows.selected_key == key)


async def choose(pilot: Pilot[Any], app: OncallApp, label: str) -> None:
    """In the open pick dialog, move down to the first option whose label starts with `label`; enter."""
    await wait_for(pilot, lambda: _option_index(app, label) is not None)
    index = _option_index(app, label)
    assert index is not None
    options = app.screen.query_one(OptionList)
    for _ in range(index - (options.highlighted or 0)):
        await pilot.press("down")
    await pilot.press("enter")


def _option_index(app: OncallApp, label: str) -> int | None:
    found = app.screen.query(OptionList)
    if not found:
        return None
    options = found.first()
    for index in range(options.option_count):
        prompt = options.get_option_at_index(index).prompt
        if str(getattr(prompt, "plain", prompt)).startswith(label):
            return index
    return None


def option_labels(app: OncallApp) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [
        str(getattr(options.get_option_at_index(i).prompt, "plain", options.get_option_at_index(i).prompt))
        for i in range(options.option_count)
    ]
