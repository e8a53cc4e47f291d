"""The one place every write to Jira goes through: commands recorded, sent, verified, and recorded again.

A command moves queued → sending → confirmed | failed (with Jira's reason) | uncertain, and every step is on disk
(the outbox) before the next one starts: its first byte is never sent before it is recorded. Its change shows
in the store at once (an overlay keyed by the command's id) and stays until Jira confirms it or refuses it.

Jira has no idempotency keys, so the pipeline brings its own. A comment carries its command id as a comment
property; an assignment, a transition or a priority is recognised by the issue's state. Whenever the answer to
a request was lost (or the app died while it was on its way), the issue is read before anything is sent again,
and the command is sent again only when the issue does not show it: each write lands once.

A command whose issue changed under the user (someone else took it, the status moved on) between what they saw
and the send stops and waits for "go ahead" or "drop". Jira being unreachable or rate-limiting keeps commands
queued, tried again with backoff and at once when the connection comes back (`wake`).

Events (`CommandChanged`, `OutboxTrouble`) go out on the session's bus; nothing here is worded for people.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol

from oncall_tui.domain.codec import person_from_data
from oncall_tui.domain.escalation import PROPERTY as ESCALATION_PROPERTY
from oncall_tui.domain.escalation import state_to_data
from oncall_tui.domain.incident import Comment, FieldChoice, Incident, TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.jira.errors import (
    ApiGone,
    AuthError,
    BadRequest,
    BadResponse,
    DeadlineExceeded,
    DnsError,
    HtmlInsteadOfJson,
    JiraError,
    NetworkError,
    NotFound,
    PermissionDenied,
    ProxyError,
    RateLimited,
    ServerError,
    TlsError,
)
from oncall_tui.jira.ops import AlertRefused
from oncall_tui.jira.parse_alerts import Responder
from oncall_tui.sync import commands as cmds
from oncall_tui.sync import escalate as esc
from oncall_tui.sync.commands import ACTIVE, FINAL, Command, CommandKind, Seen, State
from oncall_tui.sync.events import EventBus
from oncall_tui.sync.outbox import Outbox, OutboxProblem
from oncall_tui.sync.store import IncidentStore

log = logging.getLogger(__name__)


class WriteClient(Protocol):
    async def assign(self, key: str, assignee: Person | None) -> None: ...

    async def add_comment(
        self,
        key: str,
        text: str,
        *,
        internal: bool = False,
        command_id: str | None = None,
        mentions: Sequence[Person] = (),
    ) -> Comment: ...

    async def comment_by_command(self, key: str, command_id: str) -> Comment | None: ...

    async def transition(self, key: str, transition: str, *, resolution: FieldChoice | None = None) -> None: ...

    async def set_priority(self, key: str, priority: FieldChoice) -> None: ...

    async def get_issue(self, key: str) -> Incident: ...

    async def transitions(self, key: str) -> list[TransitionOption]: ...

    async def edit_labels(self, key: str, *, add: Sequence[str] = (), remove: Sequence[str] = ()) -> None: ...

    async def set_property(self, key: str, name: str, value: Any) -> None: ...


class PageClient(Protocol):
    async def create_alert(
        self,
        *,
        message: str,
        alias: str,
        responders: Sequence[Any],
        description: str = "",
        priority: str | None = None,
        details: Mapping[str, str] | None = None,
    ) -> str: ...

    async def alert_request(self, request_id: str) -> Any: ...


class ReadOnlyError(JiraError):
    default_message = "oncall-tui runs read-only (--readonly): nothing was sent to Jira."


class NotConnected(JiraError):
    default_message = "Who you are is not known yet (not connected)."


class BrokeDown(JiraError):
    """Not Jira's doing: a bug below the UI stopped the command (it is kept in the failed list to resend)."""

    default_message = "Sending broke down unexpectedly ({error})."


class PagingNotAvailable(JiraError):
    default_message = "Paging needs JSM Ops, which this Jira site does not offer; nobody was paged."
    default_hint = "Call the level's contact instead (their phone is in the escalation pane)."


class TransitionNotAvailable(JiraError):
    default_message = "The transition {name} is not available for {key} now."
    default_hint = "Resend without it, or move the issue in Jira first."


cmds.EXTRA_ERRORS.update(
    {
        "ReadOnlyError": ReadOnlyError,
        "NotConnected": NotConnected,
        "BrokeDown": BrokeDown,
        "PagingNotAvailable": PagingNotAvailable,
        "TransitionNotAvailable": TransitionNotAvailable,
    }
)

# Jira (or something before it) answered "no": nothing happened, and sending the same again gets the same "no".
_REFUSED: tuple[type[JiraError], ...] = (
    AuthError,
    PermissionDenied,
    NotFound,
    BadRequest,
    ApiGone,
    ReadOnlyError,
    NotConnected,
    PagingNotAvailable,
    TransitionNotAvailable,
)
# The request never reached Jira, or Jira said "later": nothing happened, and the same request can work later.
_NOT_YET: tuple[type[JiraError], ...] = (RateLimited, DnsError, TlsError, ProxyError)
# Answers lost, cut short, garbled or given by a proxy: the request may have been carried out.
_AMBIGUOUS: tuple[type[JiraError], ...] = (NetworkError, DeadlineExceeded, BadResponse, HtmlInsteadOfJson, ServerError)
# How far Jira's clock may be behind ours, for "no change since our write" when Jira's copy could not be read.
CLOCK_SKEW = timedelta(minutes=5)
# Sends of one command that met a server error before it is given up as failed (unreachable: no limit).
MAX_ATTEMPTS = 5
# After a gateway timeout the write may still land: wait this long before looking for it (and at most this
# many times) before sending it again.
STILL_WORKING_WAIT = 20.0
STILL_WORKING_CHECKS = 3
# How often, and how far apart, a page's outcome is asked for before it counts as paged.
PAGE_CHECKS = 4
PAGE_CHECK_WAIT = 0.5


def may_have_landed(error: JiraError) -> bool:
    """Whether a write that failed with `error` may still have been carried out by Jira."""
    if isinstance(error, _REFUSED + _NOT_YET) or error.sent is False:
        return False
    if error.status is not None and 400 <= error.status < 500:
        return False
    return isinstance(error, _AMBIGUOUS)


def _not_yet(error: JiraError) -> bool:
    """Nothing happened, and trying again later can work without anyone changing anything."""
    return isinstance(error, _NOT_YET) or error.unreachable or error.sent is False


def _still_working(error: JiraError | None) -> bool:
    # We, or the gateway before Jira, stopped waiting: the write may land after we looked for it.
    return isinstance(error, DeadlineExceeded) or (isinstance(error, ServerError) and error.status == 504)


@dataclass(frozen=True, slots=True)
class CommandChanged:
    """A command moved (or was resumed, edited, dropped); `fresh` is Jira's copy read after it landed."""

    command: Command
    fresh: Incident | None = None


@dataclass(frozen=True, slots=True)
class CommandKept:
    """A new command is in the outbox now (or the outbox could not take it, which `OutboxTrouble` tells)."""

    command_id: str


@dataclass(frozen=True, slots=True)
class OutboxTrouble:
    """The outbox cannot be used: from now on writes are not protected against a crash (said once)."""

    problem: OutboxProblem


@dataclass(frozen=True, slots=True)
class Backoff:
    first: float = 2.0
    cap: float = 60.0

    def delay(self, attempts: int, error: JiraError | None) -> float:
        wait = min(self.cap, self.first * 2 ** max(0, attempts - 1))
        if error is not None and error.retry_after:
            wait = max(wait, error.retry_after)
        return wait


@dataclass
class CommandPipeline:
    client: WriteClient
    store: IncidentStore
    outbox: Outbox
    bus: EventBus
    site: str
    me: Person | None = None
    readonly: bool = False
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    backoff: Backoff = field(default_factory=Backoff)
    still_working_wait: float = STILL_WORKING_WAIT
    # JSM Ops, for the page step of an escalation; None (or returning None): the site has no JSM Ops.
    ops: Callable[[], PageClient | None] | None = None
    page_check_wait: float = PAGE_CHECK_WAIT
    # Every command not over yet (active, failed, in conflict), by id, oldest first.
    commands: dict[str, Command] = field(default_factory=dict, init=False)
    # Commands made but not yet written to the outbox (a moment, in a thread): the UI does not call them
    # "queued" until they are, since a crash in between would lose them.
    unrecorded: set[str] = field(default_factory=set, init=False)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict, init=False)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict, init=False)
    # Commands whose next step must look at Jira's copy first (resumed, or their last answer was lost).
    _look_first: set[str] = field(default_factory=set, init=False)
    _checks: dict[str, int] = field(default_factory=dict, init=False)
    _wakeup: asyncio.Event | None = field(default=None, init=False)
    _trouble_told: bool = field(default=False, init=False)
    _resumed: bool = field(default=False, init=False)
    _finished: set[str] = field(default_factory=set, init=False)
    # key -> Jira's `updated` of the issue right after our last write to it: a queue the incident enters because
    # of that write is no news, a later change by someone else is.
    _own: dict[str, datetime] = field(default_factory=dict, init=False)

    @property
    def account(self) -> str:
        return self.me.id if self.me is not None else ""

    # ---- reading --------------------------------------------------------------------------------------------

    def active(self) -> list[Command]:
        """Commands the pipeline is still carrying out (queued, sending, uncertain)."""
        return [c for c in self.commands.values() if c.state in ACTIVE]

    def stopped(self) -> list[Command]:
        """Commands waiting for the user: failed, or in conflict."""
        return [c for c in self.commands.values() if c.state not in ACTIVE]

    def for_key(self, key: str) -> list[Command]:
        return [c for c in self.commands.values() if c.key == key]

    def get(self, command_id: str) -> Command | None:
        return self.commands.get(command_id)

    def explains(self, key: str, incident: Incident | None) -> bool:
        """Whether `incident` as it is now is the result of our own last write to it (nothing changed since)."""
        own = self._own.get(key)
        if own is None or incident is None or incident.updated is None:
            return False
        return incident.updated <= own

    # ---- making commands --------------------------------------------------------------------------------------

    def take(self, key: str) -> Command:
        if self.me is None:
            # Nobody to assign to yet: refused as the take it is (not as an unassignment).
            unknown = Command(cmds.new_id(), CommandKind.TAKE, key, {}, Seen.of(self.store.get(key)), self.clock())
            return self._refuse(unknown, NotConnected())
        return self.submit(cmds.take(key, self.me, self.store.get(key), now=self.clock()))

    def assign(self, key: str, person: Person | None) -> Command:
        return self.submit(cmds.assign(key, person, self.store.get(key), now=self.clock()))

    def comment(self, key: str, text: str, *, public: bool) -> Command:
        return self.submit(cmds.comment(key, text, public=public, seen=self.store.get(key), now=self.clock()))

    def transition(self, key: str, option: TransitionOption, *, resolution: FieldChoice | None = None) -> Command:
        return self.submit(cmds.transition(key, option, self.store.get(key), resolution=resolution, now=self.clock()))

    def set_priority(self, key: str, choice: FieldChoice) -> Command:
        return self.submit(cmds.priority(key, choice, self.store.get(key), now=self.clock()))

    def submit(self, command: Command) -> Command:
        """Show the command's change now and carry it out in the background; returns it as queued."""
        if self.readonly:
            return self._refuse(command, ReadOnlyError())
        self.commands[command.id] = command
        self.unrecorded.add(command.id)
        self._overlay(command)
        self.bus.publish(CommandChanged(command))
        self._drive(command.id, record_first=True)
        return command

    def _refuse(self, command: Command, error: JiraError) -> Command:
        failed = command.with_state(State.FAILED, error=error)
        self.bus.publish(CommandChanged(failed))
        return failed

    # ---- what the user decides ------------------------------------------------------------------------------

    def go_ahead(self, command_id: str) -> Command | None:
        """Send a command that stopped on a conflict anyway: the user has seen the change and wants theirs."""
        command = self.commands.get(command_id)
        if command is None or command.state is not State.CONFLICT:
            return None
        return self._restart(command.with_state(State.QUEUED, forced=True, conflict=None, error=None))

    def resend(self, command_id: str, *, text: str | None = None, public: bool | None = None) -> Command | None:
        """Try a failed command again (a comment with its text edited, if given), against the issue as it is now."""
        command = self.commands.get(command_id)
        if command is None or command.state not in (State.FAILED, State.CONFLICT):
            return None
        params = dict(command.params)
        if text is not None:
            params["text"] = text
        if public is not None:
            params["public"] = public
        seen = Seen.of(self.store.jira_copy(command.key)) if self.store.jira_copy(command.key) else command.seen
        again = command.with_state(State.QUEUED, params=params, seen=seen, error=None, conflict=None, forced=False)
        return self._restart(again)

    def skip_step(self, command_id: str) -> Command | None:
        """Carry on with a failed escalation without the step it stopped at (kept in its record as skipped)."""
        command = self.commands.get(command_id)
        if command is None or command.kind is not CommandKind.ESCALATE or command.state is not State.FAILED:
            return None
        step = esc.next_step(command.params)
        if step is None:
            return None
        params = esc.mark_done(command.params, step.index, skipped=True)
        return self._restart(command.with_state(State.QUEUED, params=params, error=None, attempts=0))

    def drop(self, command_id: str) -> Command | None:
        """Give a command up. Not while its request is on its way (its answer decides what happened)."""
        command = self.commands.get(command_id)
        if command is None or command.state is State.SENDING:
            return None
        task = self._tasks.pop(command_id, None)
        if task is not None:
            task.cancel()
        dropped = command.with_state(State.DROPPED)
        self.commands.pop(command_id, None)
        self._finished.add(command_id)
        self.store.rollback(command_id)
        self._record_soon(dropped)
        self.bus.publish(CommandChanged(dropped))
        return dropped

    def _restart(self, command: Command) -> Command:
        self.commands[command.id] = command
        self._look_first.add(command.id)
        self._overlay(command)
        self.bus.publish(CommandChanged(command))
        self._drive(command.id, record_first=True)
        return command

    def wake(self) -> None:
        """Jira answers again (or the user pressed r): every waiting command tries now, and the outbox is asked
        again for writes of sessions that have ended since the start (an SSH session still shutting down when
        this one started kept its writes then)."""
        if self._wakeup is not None:
            self._wakeup.set()
            self._wakeup = None
        if self._resumed:
            task = asyncio.ensure_future(self._claim())
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    # ---- start-up and shut-down --------------------------------------------------------------------------------

    async def resume(self) -> list[Command]:
        """Take up the commands this site's outbox still holds (a crash, a lost session, a quit with commands
        pending): active ones are carried on by themselves, looking at Jira first; failed and conflicting ones
        are listed for the user. Once per pipeline."""
        if self._resumed:
            return []
        self._resumed = True
        return await self._claim()

    async def _claim(self) -> list[Command]:
        claimed = await asyncio.to_thread(self.outbox.claim, self.site, self.account)
        # Said now, not at the first write: an outbox that cannot be used is news at start-up.
        self._tell_trouble()
        for command in claimed:
            if command.id in self.commands or command.id in self._finished:
                continue  # ours already, or over in this process (its final record may still be on its way)
            if command.state is State.SENDING:
                # Died on its way: it may have landed. Looked for before anything is sent again.
                command = command.with_state(State.UNCERTAIN)
            self.commands[command.id] = command
            if command.state in ACTIVE:
                self._look_first.add(command.id)
                self._overlay(command)
            self.bus.publish(CommandChanged(command))
            if command.state in ACTIVE:
                self._drive(command.id, record_first=False)
        return [c for c in claimed if c.id in self.commands]

    async def stop(self) -> None:
        """Stop working (the app quits). Commands still active stay in the outbox and are resumed next time."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    # ---- carrying a command out ------------------------------------------------------------------------------

    def _overlay(self, command: Command) -> None:
        self.store.apply_local(command.key, partial(cmds.apply, command), command.id)

    def _drive(self, command_id: str, *, record_first: bool) -> None:
        running = self._tasks.get(command_id)
        if running is not None and not running.done():
            running.cancel()
        task = asyncio.ensure_future(self._run(command_id, record_first))
        self._tasks[command_id] = task

        def done(finished: asyncio.Task[None]) -> None:
            if self._tasks.get(command_id) is finished:
                del self._tasks[command_id]
            if not finished.cancelled() and finished.exception() is not None:
                log.error("a command broke down", exc_info=finished.exception())

        task.add_done_callback(done)

    async def _run(self, command_id: str, record_first: bool) -> None:
        try:
            await self._carry_out(command_id, record_first)
        except Exception as exc:
            log.exception("a command broke down")
            command = self.commands.get(command_id)
            if command is not None:
                self.store.rollback(command_id)
                error = BrokeDown(params={"error": f"{type(exc).__name__}: {exc}"})
                await self._settle(command.with_state(State.FAILED, error=error))

    async def _carry_out(self, command_id: str, record_first: bool) -> None:
        if record_first:
            command = self.commands.get(command_id)
            if command is None:
                self.unrecorded.discard(command_id)
                return
            try:
                await self._record(command)
            finally:
                self.unrecorded.discard(command_id)
            # Kept now (or the outbox's trouble told): the UI may say "queued".
            self.bus.publish(CommandKept(command_id))
        while True:
            command = self.commands.get(command_id)
            if command is None or command.state not in ACTIVE:
                return
            lock = self._locks.setdefault(command.key, asyncio.Lock())
            async with lock:
                # Commands on one issue go one after the other, in the order they were made.
                command = self.commands.get(command_id)
                if command is None or command.state not in ACTIVE:
                    return
                wait = await self._step(command)
            if wait is None:
                continue
            await self._pause(wait)

    async def _pause(self, seconds: float) -> None:
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), seconds)

    async def _step(self, command: Command) -> float | None:
        """One step of the command; returns how long to wait before the next (None: go on at once)."""
        if command.kind is CommandKind.ESCALATE:
            return await self._escalation_step(command)
        if command.state is State.UNCERTAIN:
            return await self._look_for(command)
        if command.id in self._look_first or command.kind is not CommandKind.COMMENT:
            # An assignment, transition or priority is checked against Jira's copy as it is now, not the last
            # poll's: a colleague who took the incident a few seconds ago must not be overwritten. (A comment
            # overwrites nothing; it is looked for first only when an earlier attempt may have landed.)
            # Resumed, or tried again: Jira's copy now, not the one from when the command was made.
            try:
                fresh = await self.client.get_issue(command.key)
            except JiraError as exc:
                return await self._not_sent(command, exc, reading=True)
            self.store.put(fresh)
            self._look_first.discard(command.id)
            if await self._already_there(command, fresh):
                return None
            current: Incident | None = fresh
        else:
            current = self.store.jira_copy(command.key)
        if current is not None and not command.forced:
            clash = cmds.conflict(command, current)
            if clash is not None:
                self.store.rollback(command.id)
                await self._settle(command.with_state(State.CONFLICT, conflict=clash, error=None))
                return None
        return await self._send(command)

    async def _already_there(self, command: Command, fresh: Incident) -> bool:
        """Whether Jira already shows the command (an earlier attempt landed): then it is confirmed, not sent."""
        if command.kind is CommandKind.COMMENT:
            # Looked for even when no attempt was recorded: the outbox may have failed after the first record.
            found = await self.client.comment_by_command(command.key, command.id)
            if found is None:
                return False
        elif not cmds.landed(command, fresh):
            return False
        await self._confirmed(command, fresh, after_doubt=command.attempts > 0)
        return True

    async def _send(self, command: Command) -> float | None:
        sending = command.with_state(State.SENDING, attempts=command.attempts + 1)
        # On disk before the first byte goes out: a crash from here on is found at the next start.
        await self._settle(sending)
        try:
            await self._request(sending)
        except JiraError as exc:
            if may_have_landed(exc):
                self._checks[command.id] = 0
                await self._settle(sending.with_state(State.UNCERTAIN, error=exc))
                # A gateway that gave up may still deliver the write: give it time before looking.
                return self.still_working_wait if _still_working(exc) else None
            return await self._not_sent(sending, exc)
        # (Cancelled on the way, the app quitting: the outbox says "sending", and the next start looks first.)
        fresh: Incident | None = None
        with contextlib.suppress(JiraError):
            fresh = await self.client.get_issue(command.key)
        await self._confirmed(sending, fresh, after_doubt=False)
        return None

    async def _request(self, command: Command) -> None:
        client = self.client
        match command.kind:
            case CommandKind.TAKE | CommandKind.ASSIGN | CommandKind.UNASSIGN:
                await client.assign(command.key, command.person)
            case CommandKind.COMMENT:
                await client.add_comment(command.key, command.text, internal=not command.public, command_id=command.id)
            case CommandKind.TRANSITION:
                resolution = command.choice if command.params.get("resolution") else None
                await client.transition(command.key, str(command.params["id"]), resolution=resolution)
            case CommandKind.PRIORITY:
                await client.set_priority(command.key, command.choice)

    # ---- an escalation: one step at a time, each looked for in Jira's copy before it is sent ------------------

    async def _escalation_step(self, command: Command) -> float | None:
        try:
            fresh = await self.client.get_issue(command.key)
        except JiraError as exc:
            return await self._not_sent(command, exc, reading=True)
        self.store.put(fresh)
        self._look_first.discard(command.id)
        params = command.params
        ours = fresh.escalation is not None and fresh.escalation.has(command.id)
        if not command.forced and not ours:
            # Someone escalated (or de-escalated) it since the user looked, before this escalation or between its
            # steps (a resend, a resume after a restart): theirs must not be overwritten blindly.
            level = esc.level_of(fresh)
            if level != params.get("seen_level", params.get("from_level")):
                now = fresh.escalation.level_name if fresh.escalation is not None else None
                clash = cmds.Conflict("level", str(params.get("from_name") or ""), now or str(level + 1))
                self.store.rollback(command.id)
                await self._settle(command.with_state(State.CONFLICT, conflict=clash, error=None))
                return None
        step = esc.next_step(params)
        if step is None:
            await self._confirmed(command, fresh, after_doubt=command.after_doubt)
            return None
        if step.kind is esc.StepKind.COMMENT:
            landed = await self.client.comment_by_command(command.key, command.id) is not None
        else:
            landed = step.kind is not esc.StepKind.PAGE and esc.step_landed(command.id, step, fresh)
        if landed:
            done = esc.mark_done(params, step.index)
            await self._settle(command.with_state(State.QUEUED, params=done, attempts=0, error=None))
            return None
        if command.state is State.UNCERTAIN:
            # Its answer was lost and Jira does not show it: sent again after a pause, as any write is.
            if command.attempts >= MAX_ATTEMPTS:
                self.store.rollback(command.id)
                await self._settle(command.with_state(State.FAILED))
                return None
            await self._settle(command.with_state(State.QUEUED))
            return self.backoff.delay(command.attempts, command.error)
        if step.kind is esc.StepKind.TRANSITION:
            try:
                options = await self.client.transitions(command.key)
            except JiraError as exc:
                return await self._not_sent(command, exc, reading=True)
            wanted = str(step.data.get("name", "")).casefold()
            option = next((o for o in options if wanted in (o.name.casefold(), o.to_status.casefold())), None)
            if option is None:
                error = TransitionNotAvailable(params={"name": step.data.get("name", ""), "key": command.key})
                return await self._not_sent(command, error)
            params = esc.with_step_data(params, step.index, id=option.id, to_status=option.to_status)
            step = dataclasses.replace(step, data=params["steps"][step.index])
        sending = command.with_state(State.SENDING, params=params, attempts=command.attempts + 1)
        await self._settle(sending)
        try:
            await self._escalation_request(sending, step, fresh)
        except JiraError as exc:
            if may_have_landed(exc):
                await self._settle(sending.with_state(State.UNCERTAIN, error=exc, after_doubt=True))
                return self.still_working_wait if _still_working(exc) else None
            return await self._not_sent(sending, exc)
        self._wrote(command.key, None)
        done = esc.mark_done(sending.params, step.index)
        await self._settle(sending.with_state(State.QUEUED, params=done, attempts=0, error=None))
        return None

    async def _escalation_request(self, command: Command, step: esc.Step, fresh: Incident) -> None:
        client, data, key = self.client, step.data, command.key
        match step.kind:
            case esc.StepKind.ASSIGN:
                await client.assign(key, person_from_data(data["person"]))
            case esc.StepKind.PRIORITY:
                await client.set_priority(key, FieldChoice(name=str(data.get("name", "")), id=data.get("id") or None))
            case esc.StepKind.TRANSITION:
                await client.transition(key, str(data["id"]))
            case esc.StepKind.LABEL:
                add = list(data.get("add") or [])
                # Every other level's label as Jira has it now (one set meanwhile by a colleague's escalation too).
                stale = [label for label in fresh.labels if label.startswith(esc.LABEL_PREFIX) and label not in add]
                remove = list(dict.fromkeys([*(data.get("remove") or []), *stale]))
                await client.edit_labels(key, add=add, remove=[label for label in remove if label not in add])
            case esc.StepKind.COMMENT:
                await client.add_comment(
                    key, str(data.get("text", "")), internal=True, command_id=command.id, mentions=esc.mentions(step)
                )
            case esc.StepKind.PAGE:
                ops = self.ops() if self.ops is not None else None
                if ops is None:
                    raise PagingNotAvailable()
                responders = [
                    Responder(str(r.get("id", "")), r.get("type", "team"))
                    for r in data.get("responders") or []
                    if isinstance(r, Mapping) and r.get("id")
                ]
                request_id = await ops.create_alert(
                    message=str(data.get("message", "")),
                    alias=str(data.get("alias", "")),
                    responders=responders,
                    description=str(data.get("description", "")),
                    priority=data.get("priority"),
                    details=dict(data.get("details") or {}),
                )
                await self._paged(ops, request_id)
            case esc.StepKind.RECORD:
                state = esc.recorded_state(command.id, command.params, command.created, fresh)
                await client.set_property(key, ESCALATION_PROPERTY, state_to_data(state))

    async def _paged(self, ops: PageClient, request_id: str) -> None:
        """JSM Ops takes an alert asynchronously: its 202 says "accepted", the request's outcome says whether an
        alert was made (an unknown team is found out only then). A refusal fails the page step; no answer yet
        after a few looks counts as paged (JSM Ops has the request, and its alias keeps a resend harmless)."""
        for attempt in range(PAGE_CHECKS):
            try:
                outcome = await ops.alert_request(request_id)
            except JiraError:
                return
            if outcome is not None:
                if not outcome.success:
                    raise AlertRefused("JSM Ops refused the alert: {detail}", params={"detail": outcome.status})
                return
            if attempt + 1 < PAGE_CHECKS:
                await asyncio.sleep(self.page_check_wait)

    async def _look_for(self, command: Command) -> float | None:
        """The answer was lost: does Jira show the command? Yes: confirmed. No: sent again. Cannot tell: ask later."""
        try:
            fresh = await self.client.get_issue(command.key)
            if command.kind is CommandKind.COMMENT:
                found: bool | None = await self.client.comment_by_command(command.key, command.id) is not None
            else:
                found = cmds.landed(command, fresh)
        except JiraError as exc:
            if isinstance(exc, _REFUSED):
                self.store.rollback(command.id)
                await self._settle(command.with_state(State.FAILED, error=exc))
                return None
            return self.backoff.delay(command.attempts + self._checks.get(command.id, 0), exc)
        self.store.put(fresh)
        if found:
            await self._confirmed(command, fresh, after_doubt=True)
            return None
        if found is None:
            # The issue was in the target state before (a transition to where it already was): nothing tells.
            # Not sent again blindly: the user decides, from the failed list.
            self.store.rollback(command.id)
            await self._settle(command.with_state(State.FAILED))
            return None
        checks = self._checks.get(command.id, 0) + 1
        self._checks[command.id] = checks
        if _still_working(command.error) and checks < STILL_WORKING_CHECKS:
            return self.still_working_wait
        if command.attempts >= MAX_ATTEMPTS:
            self.store.rollback(command.id)
            await self._settle(command.with_state(State.FAILED))
            return None
        # Not there: sent again after a pause, as after any failure, and looked for once more right before (a
        # write behind a slow gateway may land meanwhile).
        self._look_first.add(command.id)
        await self._settle(command.with_state(State.QUEUED))
        return self.backoff.delay(command.attempts, command.error)

    async def _not_sent(self, command: Command, error: JiraError, *, reading: bool = False) -> float | None:
        """Nothing happened in Jira: wait and try again (unreachable, rate-limited, a read before the send that
        failed on the way) or fail (refused)."""
        if _not_yet(error) or (reading and not isinstance(error, _REFUSED)):
            queued = command.with_state(State.QUEUED, error=error)
            self._look_first.add(command.id)
            await self._settle(queued)
            return self.backoff.delay(max(1, command.attempts), error)
        self.store.rollback(command.id)
        await self._settle(command.with_state(State.FAILED, error=error))
        return None

    async def _confirmed(self, command: Command, fresh: Incident | None, *, after_doubt: bool) -> None:
        self._wrote(command.key, fresh)
        done = command.with_state(
            State.CONFIRMED, after_doubt=after_doubt, error=command.error if after_doubt else None
        )
        self.store.confirm(command.id, fresh)
        if fresh is not None and not self.store.pending(command.key):
            self.store.put(fresh)
        self.commands.pop(command.id, None)
        self._finished.add(command.id)
        self._checks.pop(command.id, None)
        await self._record(done)
        self.bus.publish(CommandChanged(done, fresh))

    async def _settle(self, command: Command) -> None:
        """Record the command's new state (before anything else happens), then say so."""
        if command.state in FINAL:
            self.commands.pop(command.id, None)
            self._finished.add(command.id)
        else:
            self.commands[command.id] = command
        await self._record(command)
        self.bus.publish(CommandChanged(command))

    def _wrote(self, key: str, fresh: Incident | None) -> None:
        if fresh is not None and fresh.updated is not None:
            self._own[key] = fresh.updated
        else:
            self._own[key] = self.clock() + CLOCK_SKEW
        while len(self._own) > 500:
            self._own.pop(next(iter(self._own)))

    # ---- the outbox ---------------------------------------------------------------------------------------

    async def _record(self, command: Command) -> None:
        try:
            await asyncio.to_thread(self.outbox.record, self.site, self.account, command)
        finally:
            self._tell_trouble()

    def _record_soon(self, command: Command) -> None:
        task = asyncio.ensure_future(self._record(command))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    def _tell_trouble(self) -> None:
        problem = self.outbox.problem
        if problem is not None and not self._trouble_told:
            self._trouble_told = True
            self.bus.publish(OutboxTrouble(problem))

    @property
    def protected(self) -> bool:
        """Whether commands are on disk (False: the outbox is off or broke; the UI says writes are unprotected)."""
        return self.outbox.durable
