"""The one place every write to Jira goes through.

Each action is shown optimistically in the store, sent once, then confirmed with Jira's fresh copy of the
issue or rolled back with the reason. The durable outbox (a later issue) slots in here: it will persist an
action before `_send` and replay unconfirmed ones at start-up, without the UI changing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from oncall_tui.domain.incident import Comment, FieldChoice, Incident, StatusCategory, TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.jira.errors import JiraError
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


class ReadOnlyError(JiraError):
    default_message = "oncall-tui runs read-only (--readonly): nothing was sent to Jira."


class ActionRunner:
    def __init__(self, client: WriteClient, store: IncidentStore, me: Person | None, *, readonly: bool = False) -> None:
        self.client = client
        self.store = store
        self.me = me
        self.readonly = readonly

    async def _run(
        self,
        key: str,
        description: str,
        send: Callable[[], Awaitable[Any]],
        change: Change | None = None,
    ) -> Outcome:
        if self.readonly:
            error = ReadOnlyError()
            return Outcome(key, False, f"{description}: {error.message}", error)
        token = self.store.apply_local(key, change, description) if change and self.store.get(key) else None
        try:
            await send()
        except JiraError as exc:
            if token is not None:
                self.store.rollback(token)
            return Outcome(key, False, f"{description} failed: {exc.full_text}", exc)
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
        return Outcome(key, True, f"{description}: done")

    async def take(self, key: str) -> Outcome:
        if self.me is None:
            error = JiraError("Who you are is not known yet (not connected).")
            return Outcome(key, False, error.message, error)
        return await self.assign(key, self.me, description=f"Take {key}")

    async def assign(self, key: str, person: Person | None, *, description: str | None = None) -> Outcome:
        label = description or (f"Assign {key} to {person.display_name}" if person is not None else f"Unassign {key}")
        return await self._run(
            key,
            label,
            lambda: self.client.assign(key, person),
            lambda inc: dataclasses.replace(inc, assignee=person),
        )

    async def comment(self, key: str, text: str, *, public: bool) -> Outcome:
        kind = "public reply" if public else "internal comment"
        pending = Comment(id="pending", body_text=text, author=self.me, public=public)
        return await self._run(
            key,
            f"Add {kind} to {key}",
            lambda: self.client.add_comment(key, text, internal=not public),
            lambda inc: dataclasses.replace(inc, comments=(*inc.comments, pending)),
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

        return await self._run(
            key,
            f"{option.name} {key}",
            lambda: self.client.transition(key, option.id, resolution=resolution, comment=comment),
            change,
        )

    async def set_priority(self, key: str, priority: FieldChoice) -> Outcome:
        return await self._run(
            key,
            f"Set priority of {key} to {priority.name}",
            lambda: self.client.set_priority(key, priority),
            lambda inc: dataclasses.replace(inc, priority=priority.name, priority_id=priority.id or inc.priority_id),
        )
