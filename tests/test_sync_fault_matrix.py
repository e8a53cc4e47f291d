"""The fault matrix (issue 8, item 10): every write kind against every simulator fault, over HTTP.

For each write (take, assign to someone else, unassign, comment, transition, priority) and each fault the
simulator injects, the pipeline never raises, the command's state and error name the failure for what it is,
and once the fault is gone the write is in Jira exactly once: comments counted by their text, the other kinds
by the issue's state and by the write requests the simulator's Jira really processed (`sim.exchanges` sees
what Jira answered, never an injected fault).

Faults limited to the write's method (`methods=POST|PUT`) show the look-up that follows a lost answer; faults
on every request show that a look-up that fails too keeps the command UNCERTAIN, never sent blind.

The pipeline here backs off for a minute, so a command that waits does so until the test wakes it (as the
engine does when Jira answers again): nothing depends on how fast the machine runs the retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from oncall_tui.config_schema import JiraConfig, Secret
from oncall_tui.domain.incident import FieldChoice, Incident
from oncall_tui.jira.client import JiraClient
from oncall_tui.jira.errors import (
    AuthError,
    ConnectionLost,
    HtmlInsteadOfJson,
    InvalidJql,
    JiraError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
)
from oncall_tui.jira.transport import RetryPolicy
from oncall_tui.sync.commands import Command, State
from oncall_tui.sync.pipeline import Backoff, BrokeDown, CommandPipeline
from oncall_tui.sync.poller import QueuePoller
from oncall_tui.sync.store import IncidentStore
from tests.conftest import FROZEN_START, CheckedSimServer, start_sim
from tests.pipeline_harness import Rig, client_for, make_rig, no_sleep

KEY = "OPS-4"  # open and unassigned in the default scenario
ISSUE_PATH = f"/rest/api/3/issue/{KEY}"
COMMENT_PATH = f"{ISSUE_PATH}/comment"
KINDS = ("take", "assign", "unassign", "comment", "transition", "priority")
WRITES = "methods=POST|PUT"
# Long enough that no retry comes by itself within a test: the test wakes the pipeline when it wants one.
UNTIL_WOKEN = Backoff(first=60.0, cap=60.0)


class WatchedClient(JiraClient):
    """The production client, counting the issue reads that failed: how a test sees a look-up that failed
    (the simulator's record holds only what its Jira answered, never an injected fault)."""

    failed_reads = 0

    async def get_issue(self, key: str) -> Incident:
        try:
            return await super().get_issue(key)
        except JiraError:
            self.failed_reads += 1
            raise


def watched_client(sim: CheckedSimServer) -> WatchedClient:
    login = sim.login()
    config = JiraConfig(url=login.url, deployment="cloud", email=login.email)
    return WatchedClient(
        config, Secret(login.token), retry=RetryPolicy(attempts=1), sleep=no_sleep, now=lambda: FROZEN_START
    )


@dataclass
class Write:
    """One write of a kind: how to make it, and how Jira's copy of the issue (the simulator's) shows it."""

    kind: str
    make: Callable[[CommandPipeline], Command]
    shows: Callable[[dict[str, Any]], bool]
    before: dict[str, Any]
    text: str = ""


async def prepare(sim: CheckedSimServer, kind: str) -> tuple[Rig, Write]:
    """A pipeline (an outbox in memory: the matrix is about Jira's faults) and one write of `kind`, before any
    fault is set."""
    async with client_for(sim) as other:
        me = await other.myself()
        people = await other.assignable_users(KEY)
        colleague = next(p for p in people if p.id != me.id)
        if kind == "unassign":
            await other.assign(KEY, colleague)  # so that there is someone to unassign

    def slow(pipeline: CommandPipeline) -> None:
        pipeline.backoff = UNTIL_WOKEN
        pipeline.still_working_wait = 60.0

    rig = await make_rig(sim, None, client=watched_client(sim), configure=slow)
    held = rig.store.get(KEY)
    assert held is not None
    before = rig.issue(KEY)
    match kind:
        case "take":
            return rig, Write(kind, lambda p: p.take(KEY), lambda i: i["assignee"] == me.id, before)
        case "assign":
            return rig, Write(kind, lambda p: p.assign(KEY, colleague), lambda i: i["assignee"] == colleague.id, before)
        case "unassign":
            assert before["assignee"] == colleague.id
            return rig, Write(kind, lambda p: p.assign(KEY, None), lambda i: i["assignee"] is None, before)
        case "comment":
            text = f"Rolled back the deploy ({kind} matrix)."
            return rig, Write(
                kind,
                lambda p: p.comment(KEY, text, public=False),
                lambda i: [c["text"] for c in i["comments"]].count(text) == 1,
                before,
                text,
            )
        case "transition":
            options = await rig.client.transitions(KEY)
            option = next(o for o in options if not o.required_fields and o.to_status != held.status)
            return rig, Write(
                kind, lambda p: p.transition(KEY, option), lambda i: i["status"] == option.to_status, before
            )
    priorities = await rig.client.priorities()
    choice = next(p for p in priorities if p.name != held.priority)
    return rig, Write(
        kind,
        lambda p: p.set_priority(KEY, FieldChoice(choice.name, choice.id)),
        lambda i: i["priority"] == choice.name,
        before,
    )


def write_requests(sim: CheckedSimServer, mark: int) -> list[str]:
    """The writes to the issue Jira processed since `mark` (searches are POSTs too, elsewhere)."""
    return [
        f"{ex.method} {ex.path}"
        for ex in sim.exchanges[mark:]
        if ex.method in ("POST", "PUT") and ex.path.startswith(ISSUE_PATH) and ex.status < 300
    ]


def reads_of_comments(sim: CheckedSimServer, mark: int) -> int:
    return sum(1 for ex in sim.exchanges[mark:] if ex.method == "GET" and ex.path == COMMENT_PATH)


async def woken_until(rig: Rig, command_id: str, states: set[State], *, deadline: float = 15.0) -> Command:
    """Wake the pipeline (Jira is back) until the command's latest state is one of `states`."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        rig.pipeline.wake()
        latest = next((e.command for e in reversed(rig.events) if e.command.id == command_id), None)
        if latest is not None and latest.state in states:
            return latest
        if loop.time() > end:
            raise AssertionError(f"{command_id} never reached {states}: {rig.states(command_id)}")
        await asyncio.sleep(0.005)


async def until_true(condition: Callable[[], bool], what: str, *, deadline: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not condition():
        if loop.time() > end:
            raise AssertionError(f"never: {what}")
        await asyncio.sleep(0.005)


@pytest.fixture
def sim() -> Iterator[CheckedSimServer]:
    server = start_sim()
    yield server
    server.stop()


@pytest.fixture
def calm(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The pipeline never raises: nothing it runs breaks down (it would log an error and fail the command)."""
    caplog.set_level(logging.ERROR, logger="oncall_tui.sync.pipeline")
    yield
    broke = [r.getMessage() for r in caplog.records if r.name.startswith("oncall_tui.sync")]
    assert not broke, broke


@pytest.fixture
async def written(sim: CheckedSimServer, request: pytest.FixtureRequest) -> AsyncIterator[tuple[Rig, Write]]:
    rig, write = await prepare(sim, request.param)
    yield rig, write
    await rig.pipeline.stop()
    await rig.client.aclose()


def assert_never_broke(rig: Rig, command_id: str) -> None:
    errors = [e.command.error for e in rig.events if e.command.id == command_id]
    assert not any(isinstance(e, BrokeDown) for e in errors), errors


async def confirmed_once(rig: Rig, write: Write, command: Command, mark: int) -> Command:
    """Wake the pipeline until the command is over; it is confirmed and in Jira exactly once."""
    done = await woken_until(rig, command.id, {State.CONFIRMED, State.FAILED, State.CONFLICT})
    assert done.state is State.CONFIRMED, rig.states(command.id)
    assert write.shows(rig.issue(KEY)), rig.issue(KEY)
    assert len(write_requests(rig.sim, mark)) == 1, write_requests(rig.sim, mark)
    assert not rig.store.pending(KEY) and not rig.pipeline.commands
    assert_never_broke(rig, command.id)
    return done


kinds = pytest.mark.parametrize("written", KINDS, indirect=True)


# ---- the write's answer is refused or never given: nothing happened in Jira ------------------------------------


@kinds
@pytest.mark.usefixtures("calm")
async def test_rate_limited_waits_queued_then_lands_once(sim: CheckedSimServer, written: tuple[Rig, Write]) -> None:
    rig, write = written
    mark = len(sim.exchanges)
    sim.set_faults(f"rate=1,retry-after=1,{WRITES}")
    command = write.make(rig.pipeline)
    waiting = await rig.until(command.id, {State.QUEUED}, where=lambda c: c.error is not None)
    assert isinstance(waiting.error, RateLimited)
    assert State.UNCERTAIN not in rig.states(command.id), "a 429 is a 'not now', not a 'maybe'"
    assert rig.pipeline.active() == [waiting]
    assert write_requests(sim, mark) == [] and rig.issue(KEY) == write.before
    sim.set_faults("")
    await confirmed_once(rig, write, command, mark)


REFUSALS = [
    pytest.param(401, AuthError, id="401-auth"),
    pytest.param(403, PermissionDenied, id="403-permission"),
    pytest.param(404, NotFound, id="404-not-found"),
]


@kinds
@pytest.mark.parametrize(("status", "error"), REFUSALS)
@pytest.mark.usefixtures("calm")
async def test_refused_fails_with_the_reason_rolls_back_and_resends_once(
    sim: CheckedSimServer, written: tuple[Rig, Write], status: int, error: type[JiraError]
) -> None:
    rig, write = written
    shown_before = rig.store.get(KEY)
    mark = len(sim.exchanges)
    sim.set_faults(f"status={status},{WRITES}")
    command = write.make(rig.pipeline)
    failed = await rig.until(command.id, {State.CONFIRMED, State.FAILED, State.CONFLICT, State.UNCERTAIN})
    assert failed.state is State.FAILED and type(failed.error) is error, (failed.state, failed.error)
    assert failed.error.status == status
    assert rig.store.get(KEY) == shown_before and not rig.store.pending(KEY), "the store is rolled back"
    assert rig.pipeline.stopped() == [failed], "kept in the failed list, not lost"
    assert write_requests(sim, mark) == [] and rig.issue(KEY) == write.before
    # The user fixes the cause and resends it from the list.
    sim.set_faults("")
    assert rig.pipeline.resend(command.id) is not None
    await confirmed_once(rig, write, command, mark)


# ---- the answer is lost, broken or a proxy's: looked for before anything is sent again --------------------------

AMBIGUOUS = [
    pytest.param("5xx=1,seed=3", ServerError, id="5xx"),
    pytest.param("drop=1", ConnectionLost, id="drop"),
    pytest.param("html=1", HtmlInsteadOfJson, id="html"),
]


@kinds
@pytest.mark.parametrize(("fault", "error"), AMBIGUOUS)
@pytest.mark.usefixtures("calm")
async def test_a_broken_answer_is_looked_for_found_absent_and_sent_again_once(
    sim: CheckedSimServer, written: tuple[Rig, Write], fault: str, error: type[JiraError]
) -> None:
    rig, write = written
    mark = len(sim.exchanges)
    sim.set_faults(f"{fault},{WRITES}")
    command = write.make(rig.pipeline)
    # Looked for (the read works), not there (the fault answered before Jira): queued to be sent again.
    await rig.until(command.id, {State.QUEUED, State.FAILED, State.CONFIRMED}, where=lambda c: c.attempts > 0)
    assert rig.states(command.id) == [State.QUEUED, State.SENDING, State.UNCERTAIN, State.QUEUED]
    doubt = next(e.command for e in rig.events if e.command.id == command.id and e.command.state is State.UNCERTAIN)
    assert isinstance(doubt.error, error), doubt.error
    if write.kind == "comment":
        assert reads_of_comments(sim, mark) >= 1, "its command id was looked for among the comments"
    assert write_requests(sim, mark) == [] and rig.issue(KEY) == write.before
    sim.set_faults("")
    done = await confirmed_once(rig, write, command, mark)
    assert not done.after_doubt, "sent again after it was found absent: its own answer confirms it"


@kinds
@pytest.mark.usefixtures("calm")
async def test_a_lost_answer_that_landed_is_found_and_never_sent_again(
    sim: CheckedSimServer, written: tuple[Rig, Write]
) -> None:
    rig, write = written
    mark = len(sim.exchanges)
    sim.set_faults(f"lose=1,{WRITES}")
    command = write.make(rig.pipeline)
    done = await rig.until(command.id, {State.CONFIRMED, State.FAILED, State.CONFLICT})
    assert done.state is State.CONFIRMED and done.after_doubt, rig.states(command.id)
    assert rig.states(command.id) == [State.QUEUED, State.SENDING, State.UNCERTAIN, State.CONFIRMED]
    assert isinstance(done.error, ConnectionLost), "the confirmation keeps what made it doubtful"
    assert write.shows(rig.issue(KEY))
    assert len(write_requests(sim, mark)) == 1, "Jira processed it once; the look-up found it"
    assert not rig.store.pending(KEY)
    assert_never_broke(rig, command.id)


# Even the look-up fails: the command stays UNCERTAIN (never sent blind) until Jira answers properly.
EVERYWHERE = [
    pytest.param("5xx=1,seed=3", ServerError, id="5xx"),
    pytest.param("drop=1", ConnectionLost, id="drop"),
    pytest.param("html=1", HtmlInsteadOfJson, id="html"),
    pytest.param("lose=1", ConnectionLost, id="lose"),
]


@kinds
@pytest.mark.parametrize(("fault", "error"), EVERYWHERE)
@pytest.mark.usefixtures("calm")
async def test_when_the_look_up_fails_too_the_command_stays_uncertain_and_lands_once(
    sim: CheckedSimServer, written: tuple[Rig, Write], fault: str, error: type[JiraError]
) -> None:
    rig, write = written
    client = rig.client
    assert isinstance(client, WatchedClient)
    mark = len(sim.exchanges)
    sim.set_faults(fault)
    command = write.make(rig.pipeline)
    if write.kind != "comment":
        # An assignment, transition or priority reads the issue first (is it still as the user saw it?): that
        # read fails too, so nothing is sent at all, and the write waits, named by the fault.
        waiting = await rig.until(command.id, {State.QUEUED}, where=lambda c: c.error is not None)
        assert isinstance(waiting.error, error), waiting.error
        await until_true(lambda: client.failed_reads >= 1, "a read before the send")
        rig.pipeline.wake()
        await until_true(lambda: client.failed_reads >= 2, "a second read before the send")
        assert State.SENDING not in rig.states(command.id), rig.states(command.id)
        assert rig.pipeline.active() and rig.store.pending(KEY), "still shown, still waiting"
        assert write_requests(sim, mark) == [], "nothing sent while Jira cannot be asked"
        sim.set_faults("")
        done = await confirmed_once(rig, write, command, mark)
        assert not done.after_doubt
        return
    doubt = await rig.until(command.id, {State.UNCERTAIN, State.FAILED, State.CONFIRMED})
    assert doubt.state is State.UNCERTAIN and isinstance(doubt.error, error), (doubt.state, doubt.error)
    # Two look-ups fail (the second after a wake, as when the engine hears Jira again): still uncertain.
    await until_true(lambda: client.failed_reads >= 1, "a look-up")
    rig.pipeline.wake()
    await until_true(lambda: client.failed_reads >= 2, "a second look-up")
    assert rig.states(command.id)[-1] is State.UNCERTAIN, rig.states(command.id)
    assert rig.pipeline.active() and rig.store.pending(KEY), "still shown, still waiting"
    landed = 1 if fault.startswith("lose") else 0
    assert len(write_requests(sim, mark)) == landed, "nothing sent again while Jira cannot be asked"
    sim.set_faults("")
    done = await confirmed_once(rig, write, command, mark)
    assert done.after_doubt == bool(landed), "found (lose), or found absent and sent once more"


# ---- a slow Jira, and a broken queue beside the write ---------------------------------------------------------


@kinds
@pytest.mark.usefixtures("calm")
async def test_a_slow_answer_is_sending_then_confirmed_once(sim: CheckedSimServer, written: tuple[Rig, Write]) -> None:
    rig, write = written
    mark = len(sim.exchanges)
    sim.set_faults(f"latency=150-150ms,{WRITES}")
    command = write.make(rig.pipeline)
    await rig.until(command.id, {State.SENDING})
    assert write_requests(sim, mark) == [], "held: Jira has not answered yet"
    done = await rig.until(command.id, {State.CONFIRMED, State.FAILED, State.UNCERTAIN})
    assert done.state is State.CONFIRMED and not done.after_doubt
    assert rig.states(command.id) == [State.QUEUED, State.SENDING, State.CONFIRMED]
    await confirmed_once(rig, write, command, mark)


@kinds
@pytest.mark.usefixtures("calm")
async def test_a_queue_with_invalid_jql_polled_meanwhile_leaves_the_write_alone(
    sim: CheckedSimServer, written: tuple[Rig, Write]
) -> None:
    rig, write = written
    broken = QueuePoller(rig.client, IncidentStore(), "Broken", "project = OPS AND nosuchfield ~ 'x' ORDER BY")
    refusals: list[JiraError] = []

    async def poll_until(done: Callable[[], bool]) -> None:
        while True:
            try:
                await broken.poll(FROZEN_START)
            except JiraError as exc:
                refusals.append(exc)
            if done():
                return

    mark = len(sim.exchanges)
    written_yet: list[Command] = []

    def over() -> bool:
        return bool(written_yet) and rig.states(written_yet[0].id)[-1] in (State.CONFIRMED, State.FAILED)

    polling: Awaitable[None] = asyncio.ensure_future(poll_until(over))
    await until_true(lambda: bool(refusals), "the broken queue refused")
    written_yet.append(write.make(rig.pipeline))
    await confirmed_once(rig, write, written_yet[0], mark)
    await polling
    assert refusals and all(isinstance(e, InvalidJql) for e in refusals), refusals
    assert rig.store.get(KEY) is not None, "the write's store is not touched by the broken queue"
