"""The one place every write to Jira goes through.

Each action is shown optimistically in the store, sent once, then confirmed with Jira's fresh copy of the
issue or rolled back with the reason. When the answer to a write that must not be repeated (a comment, a
transition) is lost after the request may have reached Jira, the issue is re-read to learn whether it
landed; if even that fails, the outcome is `uncertain`, never "failed, retry".

The durable outbox (a later issue) slots in here: it will persist an action before `_send` and replay
unconfirmed ones at start-up, without the UI changing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from oncall_tui.domain.incident import Comment, FieldChoice, Incident, StatusCategory, TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.domain.text import sanitize
from oncall_tui.i18n import ENGLISH, Translator
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


@dataclass(frozen=True, slots=True)
class Outcome:
    key: str
    ok: bool
    message: str
    error: JiraError | None = None
    # The answer was lost and Jira could not tell us whether the write landed: offer no blind retry.
    uncertain: bool = False
    # Jira's copy re-read after a success, for views that cache the issue apart from the store.
    fresh: Incident | None = None


class ReadOnlyError(JiraError):
    default_message = "oncall-tui runs read-only (--readonly): nothing was sent to Jira."


# Jira (or something before it) answered "no", or the request never left this machine: nothing happened.
_REFUSED: tuple[type[JiraError], ...] = (
    AuthError,
    PermissionDenied,
    NotFound,
    BadRequest,
    RateLimited,
    ApiGone,
    ReadOnlyError,
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
        tr: Translator = ENGLISH,
    ) -> None:
        self.client = client
        self.store = store
        self.me = me
        self.readonly = readonly
        # Outcome messages are shown to the user as they are: in the UI's language.
        self.tr = tr
        self._now = now or (lambda: datetime.now(UTC))

    async def _run(
        self,
        key: str,
        description: str,
        send: Callable[[], Awaitable[Any]],
        change: Change | None = None,
        *,
        verify: Verify | None = None,
        kept: str = "",
    ) -> Outcome:
        """Show `change`, `send`, then confirm or roll back.

        `verify` marks a write that must not be repeated blindly (a POST): when its answer is lost, the issue
        is re-read and `verify` says whether the write landed. `kept` ends the messages of that check (what
        the user still has, e.g. their text).
        """
        if self.readonly:
            error = ReadOnlyError()
            return Outcome(
                key, False, self.tr("{description}: {error}", description=description, error=error.message), error
            )
        token = self.store.apply_local(key, change, description) if change and self.store.get(key) else None
        try:
            await send()
        except JiraError as exc:
            if verify is not None and may_have_landed(exc):
                return await self._settle(key, description, exc, token, verify, kept)
            if token is not None:
                self.store.rollback(token)
            return Outcome(
                key, False, self.tr("{description} failed: {error}", description=description, error=exc.full_text), exc
            )
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
        if token is not None:
            self.store.confirm(token, fresh)
        elif fresh is not None and self.store.get(key) is not None:
            self.store.put(fresh)
        return Outcome(key, True, self.tr("{description}: done", description=description), fresh=fresh)

    async def _settle(
        self, key: str, description: str, error: JiraError, token: int | None, verify: Verify, kept: str
    ) -> Outcome:
        """The answer to a write that must not be repeated was lost: ask Jira whether it landed.

        Never "failed, retry" without knowing: retrying a write that did land posts a customer reply twice.
        """
        try:
            fresh = await self.client.get_issue(key)
        except JiraError:
            if token is not None:
                self.store.rollback(token)
            return self._uncertain(key, description, error, kept)
        except BaseException:
            if token is not None:
                self.store.rollback(token)
            raise
        landed = verify(fresh)
        if landed:
            if token is not None:
                self.store.confirm(token, fresh)
            elif self.store.get(key) is not None:
                self.store.put(fresh)
            return Outcome(
                key,
                True,
                self.tr("{description}: done (confirmed after a connection problem)", description=description),
                fresh=fresh,
            )
        if token is not None:
            self.store.rollback(token)
        if self.store.get(key) is not None:
            self.store.put(fresh)
        if landed is None or _still_working(error):
            return self._uncertain(key, description, error, kept)
        message = self.tr(
            "{description} failed: {error} {key} does not show it: not done.",
            description=description,
            error=error.message,
            key=key,
        )
        return Outcome(key, False, message, error)

    def _uncertain(self, key: str, description: str, error: JiraError, kept: str) -> Outcome:
        message = self.tr(
            "{description}: {error} It may have gone through: check {key} before trying again",
            description=description,
            error=error.message,
            key=key,
        ) + (f"; {self.tr(kept)}." if kept else ".")
        return Outcome(key, False, message, error, uncertain=True)

    async def take(self, key: str) -> Outcome:
        if self.me is None:
            error = JiraError(self.tr("Who you are is not known yet (not connected)."))
            return Outcome(key, False, error.message, error)
        return await self.assign(key, self.me, description=self.tr("Take {key}", key=key))

    async def assign(self, key: str, person: Person | None, *, description: str | None = None) -> Outcome:
        label = description or (
            self.tr("Assign {key} to {name}", key=key, name=person.display_name)
            if person is not None
            else self.tr("Unassign {key}", key=key)
        )
        return await self._run(
            key,
            label,
            lambda: self.client.assign(key, person),
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
            key,
            self.tr("Add public reply to {key}" if public else "Add internal comment to {key}", key=key),
            lambda: self.client.add_comment(key, text, internal=not public),
            lambda inc: dataclasses.replace(inc, comments=(*inc.comments, pending)),
            verify=posted,
            kept="your text is kept",
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
            key,
            f"{option.name} {key}",
            lambda: self.client.transition(key, option.id, resolution=resolution, comment=comment),
            change,
            verify=moved,
        )

    async def set_priority(self, key: str, priority: FieldChoice) -> Outcome:
        return await self._run(
            key,
            self.tr("Set priority of {key} to {priority}", key=key, priority=priority.name),
            lambda: self.client.set_priority(key, priority),
            lambda inc: dataclasses.replace(inc, priority=priority.name, priority_id=priority.id or inc.priority_id),
        )
