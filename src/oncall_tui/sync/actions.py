"""The one place every write to Jira goes through.

Each action is shown optimistically in the store, sent once, then confirmed with Jira's fresh copy of the
issue or rolled back with the reason. When the answer to a write that must not be repeated (a comment, a
transition) is lost after the request may have reached Jira, the issue is re-read to learn whether it
landed; if even that fails, the outcome is `uncertain`, never "failed, retry".

Every action and its outcome are data (`Action`, `Outcome`): what was asked, what became of it, Jira's
error. Nothing here is worded for people; the UI turns outcomes into sentences in its language.

The durable outbox (a later issue) slots in here: it will persist an action before `_send` and replay
unconfirmed ones at start-up, without the UI changing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from oncall_tui.domain.incident import Comment, FieldChoice, Incident, StatusCategory, TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.domain.text import sanitize
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
from oncall_tui.sync.store import Change, IncidentStore


class WriteClient(Protocol):
    async def assign(self, key: str, person: Person | None) -> None: ...

    async def add_comment(self, key: str, text: str, *, internal: bool = False) -> Comment: ...

    async def transition(
        self, key: str, transition: str, *, resolution: FieldChoice | None = None, comment: str | None = None
    ) -> None: ...

    async def set_priority(self, key: str, priority: FieldChoice) -> None: ...

    async def get_issue(self, key: str) -> Incident: ...

    async def transitions(self, key: str) -> Sequence[TransitionOption]: ...


class ActionKind(StrEnum):
    TAKE = "take"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    COMMENT = "comment"
    TRANSITION = "transition"
    PRIORITY = "priority"


@dataclass(frozen=True, slots=True)
class Action:
    """What the user asked for, as data: the UI words it, the runner carries it out."""

    kind: ActionKind
    key: str
    # The assignee's display name, the priority's or the transition's name ("" when the kind needs none).
    target: str = ""
    # Comments only: a public reply (the customer sees it) rather than an internal note.
    public: bool = False


class Result(StrEnum):
    DONE = "done"
    # The answer was lost, but the issue re-read afterwards shows the change: done.
    CONFIRMED = "confirmed"
    # Jira refused, or the request never left this machine: nothing changed.
    FAILED = "failed"
    # The answer was lost and the issue re-read afterwards does not show the change: not done.
    NOT_DONE = "not_done"
    # The answer was lost and Jira could not tell whether the write landed: offer no blind retry.
    UNCERTAIN = "uncertain"


@dataclass(frozen=True, slots=True)
class Outcome:
    action: Action
    result: Result
    error: JiraError | None = None
    # Jira's copy re-read after a success, for views that cache the issue apart from the store.
    fresh: Incident | None = None

    @property
    def key(self) -> str:
        return self.action.key

    @property
    def ok(self) -> bool:
        return self.result in (Result.DONE, Result.CONFIRMED)

    @property
    def uncertain(self) -> bool:
        return self.result is Result.UNCERTAIN


class ReadOnlyError(JiraError):
    default_message = "oncall-tui runs read-only (--readonly): nothing was sent to Jira."


class NotConnected(JiraError):
    default_message = "Who you are is not known yet (not connected)."


# Jira (or something before it) answered "no", or the request never left this machine: nothing happened.
_REFUSED: tuple[type[JiraError], ...] = (
    AuthError,
    PermissionDenied,
    NotFound,
    BadRequest,
    RateLimited,
    ApiGone,
    ReadOnlyError,
    NotConnected,
    DnsError,
    TlsError,
    ProxyError,
)
# Answers lost, cut short, garbled or given by a proxy: the request may have been carried out.
_AMBIGUOUS: tuple[type[JiraError], ...] = (NetworkError, DeadlineExceeded, BadResponse, HtmlInsteadOfJson, ServerError)
# How far Jira's clock may be behind ours, for "created after the action started" (when no copy tells).
CLOCK_SKEW = timedelta(minutes=5)

# Does the re-read issue show the action's effect? None: it cannot tell (the effect was there before).
Verify = Callable[[Incident], bool | None]


def may_have_landed(error: JiraError) -> bool:
    """Whether a write that failed with `error` may still have been carried out by Jira."""
    if isinstance(error, _REFUSED) or error.sent is False:
        return False
    if error.status is not None and 400 <= error.status < 500:
        return False
    return isinstance(error, _AMBIGUOUS)


def _still_working(error: JiraError) -> bool:
    # We, or the gateway before Jira, stopped waiting: the write may land after the re-read looked for it.
    return isinstance(error, DeadlineExceeded) or (isinstance(error, ServerError) and error.status == 504)


def _same_text(sent: str, stored: str) -> bool:
    # Jira hands the text back re-rendered (ADF on Cloud) and sanitised: compare words, not layout.
    return " ".join(sanitize(sent).split()) == " ".join(sanitize(stored).split())


class ActionRunner:
    def __init__(
        self,
        client: WriteClient,
        store: IncidentStore,
        me: Person | None,
        *,
        readonly: bool = False,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.me = me
        self.readonly = readonly
        self._now = now or (lambda: datetime.now(UTC))
        # key -> Jira's `updated` of the issue right after our last write to it (or, when Jira's copy could not
        # be read, our clock's time of the write plus the skew allowed): a queue the incident enters because of
        # that write is no news, a later change by someone else is.
        self._own: dict[str, datetime] = {}

    def explains(self, key: str, incident: Incident | None) -> bool:
        """Whether `incident` as it is now is the result of our own last write to it (nothing changed since)."""
        own = self._own.get(key)
        if own is None or incident is None or incident.updated is None:
            return False
        return incident.updated <= own

    def _wrote(self, key: str, fresh: Incident | None) -> None:
        if fresh is not None and fresh.updated is not None:
            self._own[key] = fresh.updated
        else:
            self._own[key] = self._now() + CLOCK_SKEW
        # A shift's worth of writes at most; the oldest go first.
        while len(self._own) > 500:
            self._own.pop(next(iter(self._own)))

    async def _run(
        self,
        action: Action,
        send: Callable[[], Awaitable[Any]],
        change: Change | None = None,
        *,
        verify: Verify | None = None,
    ) -> Outcome:
        """Show `change`, `send`, then confirm or roll back.

        `verify` marks a write that must not be repeated blindly (a POST): when its answer is lost, the issue
        is re-read and `verify` says whether the write landed.
        """
        key = action.key
        if self.readonly:
            return Outcome(action, Result.FAILED, ReadOnlyError())
        token = self.store.apply_local(key, change, action.kind.value) if change and self.store.get(key) else None
        try:
            await send()
        except JiraError as exc:
            if verify is not None and may_have_landed(exc):
                return await self._settle(action, exc, token, verify)
            if token is not None:
                self.store.rollback(token)
            return Outcome(action, Result.FAILED, exc)
        except BaseException:
            # Cancelled (the app quitting) or a bug below: never leave an unconfirmed change on screen.
            if token is not None:
                self.store.rollback(token)
            raise
        fresh: Incident | None = None
        try:
            fresh = await self.client.get_issue(key)
        except JiraError:
            # The write landed; the re-read failing only means the next poll brings the fresh copy.
            fresh = None
        self._wrote(key, fresh)
        if token is not None:
            self.store.confirm(token, fresh)
        elif fresh is not None and self.store.get(key) is not None:
            self.store.put(fresh)
        return Outcome(action, Result.DONE, fresh=fresh)

    async def _settle(self, action: Action, error: JiraError, token: int | None, verify: Verify) -> Outcome:
        """The answer to a write that must not be repeated was lost: ask Jira whether it landed.

        Never "failed, retry" without knowing: retrying a write that did land posts a customer reply twice.
        """
        key = action.key
        try:
            fresh = await self.client.get_issue(key)
        except JiraError:
            if token is not None:
                self.store.rollback(token)
            return Outcome(action, Result.UNCERTAIN, error)
        except BaseException:
            if token is not None:
                self.store.rollback(token)
            raise
        landed = verify(fresh)
        if landed:
            self._wrote(key, fresh)
            if token is not None:
                self.store.confirm(token, fresh)
            elif self.store.get(key) is not None:
                self.store.put(fresh)
            return Outcome(action, Result.CONFIRMED, fresh=fresh)
        if token is not None:
            self.store.rollback(token)
        if self.store.get(key) is not None:
            self.store.put(fresh)
        if landed is None or _still_working(error):
            return Outcome(action, Result.UNCERTAIN, error)
        return Outcome(action, Result.NOT_DONE, error)

    async def take(self, key: str) -> Outcome:
        if self.me is None:
            return Outcome(Action(ActionKind.TAKE, key), Result.FAILED, NotConnected())
        return await self._assign(Action(ActionKind.TAKE, key, self.me.display_name), self.me)

    async def assign(self, key: str, person: Person | None) -> Outcome:
        if person is None:
            return await self._assign(Action(ActionKind.UNASSIGN, key), None)
        return await self._assign(Action(ActionKind.ASSIGN, key, person.display_name), person)

    async def _assign(self, action: Action, person: Person | None) -> Outcome:
        return await self._run(
            action,
            lambda: self.client.assign(action.key, person),
            lambda inc: dataclasses.replace(inc, assignee=person),
        )

    async def comment(self, key: str, text: str, *, public: bool) -> Outcome:
        pending = Comment(id="pending", body_text=text, author=self.me, public=public)
        before = self.store.get(key)
        # Only a comment newer than anything seen so far can be this one. Jira's own `updated` of the copy we
        # hold says so in Jira's clock (ours may be off, and polled copies carry no comments); our clock,
        # with some slack, is the fallback.
        seen_until = before.updated if before is not None else None
        started = self._now() - CLOCK_SKEW

        def new(c: Comment) -> bool:
            if c.created is None:
                return True
            return c.created > seen_until if seen_until is not None else c.created >= started

        def posted(fresh: Incident) -> bool:
            return any(
                new(c)
                and _same_text(text, c.body_text)
                and (self.me is None or (c.author is not None and c.author.id == self.me.id))
                and (c.public is None or c.public == public)
                for c in fresh.comments
            )

        return await self._run(
            Action(ActionKind.COMMENT, key, public=public),
            lambda: self.client.add_comment(key, text, internal=not public),
            lambda inc: dataclasses.replace(inc, comments=(*inc.comments, pending)),
            verify=posted,
        )

    async def transition(
        self,
        key: str,
        option: TransitionOption,
        *,
        resolution: FieldChoice | None = None,
        comment: str | None = None,
    ) -> Outcome:
        def change(inc: Incident) -> Incident:
            category = option.to_category if option.to_category is not StatusCategory.UNKNOWN else inc.status_category
            return dataclasses.replace(inc, status=option.to_status or inc.status, status_category=category)

        before = self.store.get(key)
        target = option.to_status.casefold()

        def moved(fresh: Incident) -> bool | None:
            # Being in the target status proves the transition only if the issue was known to be elsewhere.
            if not target or before is None or before.status.casefold() == target:
                return None
            return fresh.status.casefold() == target

        return await self._run(
            Action(ActionKind.TRANSITION, key, option.name),
            lambda: self.client.transition(key, option.id, resolution=resolution, comment=comment),
            change,
            verify=moved,
        )

    async def set_priority(self, key: str, priority: FieldChoice) -> Outcome:
        return await self._run(
            Action(ActionKind.PRIORITY, key, priority.name),
            lambda: self.client.set_priority(key, priority),
            lambda inc: dataclasses.replace(inc, priority=priority.name, priority_id=priority.id or inc.priority_id),
        )
