"""A command pipeline against the simulator over HTTP, with a real outbox on disk, for headless tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import JiraError
from oncall_tui.jira.transport import RetryPolicy
from oncall_tui.sync.commands import Command, State
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.outbox import Outbox
from oncall_tui.sync.pipeline import Backoff, CommandChanged, CommandPipeline
from oncall_tui.sync.store import IncidentStore
from tests.conftest import FROZEN_START, CheckedSimServer

# Short waits: the retries of a test happen at once (no test waits for time to pass).
QUICK = Backoff(first=0.005, cap=0.02)


async def no_sleep(seconds: float) -> None:
    """Retries inside the client back off without waiting."""


def client_for(sim: CheckedSimServer, *, url: str | None = None, timeout: float | None = None) -> JiraClient:
    login = sim.login()
    config = JiraConfig(url=url or login.url, deployment="cloud", email=login.email)
    if timeout is not None:
        import dataclasses

        config = dataclasses.replace(config, timeout_seconds=timeout)
    return JiraClient(
        config, Secret(login.token), retry=RetryPolicy(attempts=1), sleep=no_sleep, now=lambda: FROZEN_START
    )


@dataclass
class Rig:
    """One pipeline as the app runs it: a store, the bus, the outbox; `events` is every CommandChanged heard."""

    sim: CheckedSimServer
    client: JiraClient
    pipeline: CommandPipeline
    outbox: Outbox
    events: list[CommandChanged] = field(default_factory=list)

    @property
    def store(self) -> IncidentStore:
        return self.pipeline.store

    def states(self, command_id: str) -> list[State]:
        return [e.command.state for e in self.events if e.command.id == command_id]

    async def until(
        self,
        command_id: str,
        states: Iterable[State],
        *,
        where: Callable[[Command], bool] = lambda c: True,
        deadline: float = 15.0,
    ) -> Command:
        """Wait (with a deadline, not a sleep) until the command's latest event is in one of `states` (and
        satisfies `where`); returns it."""
        wanted = set(states)
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline
        while True:
            for event in reversed(self.events):
                if event.command.id == command_id:
                    if event.command.state in wanted and where(event.command):
                        return event.command
                    break
            if loop.time() > end:
                raise AssertionError(f"{command_id} never reached {wanted}: {self.states(command_id)}")
            await asyncio.sleep(0.005)

    def issue(self, key: str) -> dict[str, Any]:
        response = httpx.get(f"{self.sim.url}/_sim/issues/{key}", timeout=10)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def comment_texts(self, key: str) -> list[str]:
        return [c["text"] for c in self.issue(key)["comments"]]

    def control(self, path: str, body: dict[str, Any]) -> None:
        httpx.post(f"{self.sim.url}/_sim{path}", json=body, timeout=10).raise_for_status()


async def make_rig(
    sim: CheckedSimServer,
    outbox_path: Path | None,
    *,
    keys: Iterable[str] = ("OPS-4",),
    client: JiraClient | None = None,
    connect: bool = True,
    resume: bool = False,
    configure: Callable[[CommandPipeline], None] | None = None,
) -> Rig:
    jira = client or client_for(sim)
    outbox = Outbox(outbox_path) if outbox_path is not None else Outbox.in_memory()
    store = IncidentStore()
    bus = EventBus()
    me = None
    if connect:
        async with client_for(sim) as other:
            me = await other.myself()
    pipeline = CommandPipeline(
        jira, store, outbox, bus, site=sim.login().url, me=me, backoff=QUICK, still_working_wait=0.01
    )
    if configure is not None:
        configure(pipeline)
    rig = Rig(sim, jira, pipeline, outbox)
    bus.subscribe(lambda event: rig.events.append(event) if isinstance(event, CommandChanged) else None)
    for key in keys:
        with contextlib.suppress(JiraError):  # an unreachable client, in a test of being offline
            store.put(await jira.get_issue(key))
    if resume:
        await pipeline.resume()
    return rig
