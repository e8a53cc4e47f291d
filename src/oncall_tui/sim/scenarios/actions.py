"""Things that happen to the site on their own: new incidents, customer comments, colleagues' changes.

Scheduled scenario events and the /_sim/ control API both call these; each takes `(state, *, at, ...)`.
A scheduled change that no longer fits (somebody already took the issue) quietly does nothing, as a
colleague who finds the work done would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from oncall_tui.sim import adf
from oncall_tui.sim.model import Comment, Issue
from oncall_tui.sim.scenarios.catalog import (
    INCIDENT,
    OPS,
    WAITING_FOR_CUSTOMER,
    WAITING_FOR_SUPPORT,
)
from oncall_tui.sim.state import SimError, SimState

# Sentinel: "no expectation" (None is a meaningful expected assignee: unassigned).
_ANY: Any = object()


def _customers(state: SimState) -> list[str]:
    return [u.account_id for u in state.users.values() if not u.agent and u.active]


def create_incident(
    state: SimState,
    *,
    at: datetime,
    summary: str,
    priority_id: str,
    component_ids: Iterable[str] = (),
    reporter: str | None = None,
    description: dict[str, Any] | str | None = None,
    labels: Iterable[str] = (),
    follow_ups: Sequence[tuple[float, str]] = (),
    parent_key: str | None = None,
) -> Issue:
    """Raise an OPS incident at `at` as a customer would through the portal.

    `follow_ups` are (seconds after creation, text) customer comments to schedule once the key exists;
    `parent_key` puts the incident under another issue (a major incident it belongs to).
    """
    if not summary.strip():
        raise SimError(400, [], {"summary": "You must specify a summary of the issue."})
    if len(summary.strip()) > 255:
        raise SimError(400, [], {"summary": "Summary must be less than 255 characters."})
    parent_id = None
    if parent_key is not None:
        parent = state.issues.get(parent_key.upper())
        if parent is None:
            raise SimError(400, [], {"parent": f"Issue '{parent_key}' does not exist."})
        parent_id = parent.id
    if priority_id not in state.priorities:
        raise SimError(400, [], {"priority": f"The priority selected is invalid: '{priority_id}'."})
    known = {c.id for c in state.projects[OPS].components}
    components = list(component_ids)
    for cid in components:
        if cid not in known:
            raise SimError(400, [], {"components": f"Component with id '{cid}' does not exist."})
    if reporter is None:
        customers = _customers(state)
        # No randomness here: the same call sequence must give the same site.
        reporter = customers[state._next_issue_id % len(customers)] if customers else next(iter(state.users))
    elif reporter not in state.users:
        raise SimError(400, [], {"reporter": f"User '{reporter}' does not exist."})
    body = adf.from_text(description) if isinstance(description, str) else description
    issue = state.add_issue(
        project_key=OPS,
        summary=summary.strip(),
        priority_id=priority_id,
        reporter=reporter,
        created=at,
        description=body,
        issue_type_id=INCIDENT,
        component_ids=components,
        labels=labels,
        parent_id=parent_id,
    )
    for delay, text in follow_ups:
        state.schedule(at + timedelta(seconds=delay), "customer_comment", key=issue.key, text=text)
    return issue


def customer_comment(state: SimState, *, at: datetime, key: str, text: str, author: str | None = None) -> Comment:
    """A customer comments publicly: `author`, else the reporter, else (agent-raised issue) some customer.

    As JSM's default automation does, a customer reply moves "Waiting for customer" to "Waiting for
    support", which restarts the paused resolution clock.
    """
    issue = state.issue(key)
    if author is not None and author not in state.users:
        raise SimError(400, [], {"author": f"User '{author}' does not exist."})
    author = author or issue.reporter
    if author not in state.users or state.users[author].agent:
        customers = _customers(state)
        if not customers:
            raise SimError(400, ["The site has no customers to comment."])
        author = customers[issue.id % len(customers)]
    comment = state.add_comment(issue, author, adf.from_text(text), public=True, at=at)
    if issue.status_id == WAITING_FOR_CUSTOMER and WAITING_FOR_SUPPORT in state.statuses:
        state.set_status(issue, WAITING_FOR_SUPPORT, author, at=at)
    return comment


def reassign(
    state: SimState,
    *,
    at: datetime,
    key: str,
    account_id: str | None,
    actor: str,
    expected_assignee: str | None = _ANY,
) -> None:
    """Someone (`actor`) assigns the issue to `account_id` (None: unassign).

    With `expected_assignee`, nothing happens unless the issue is still assigned as expected.
    """
    issue = state.issue(key)
    if expected_assignee is not _ANY and issue.assignee != expected_assignee:
        return
    state.assign(issue, account_id, actor, at=at)


def set_status(
    state: SimState,
    *,
    at: datetime,
    key: str,
    status_id: str,
    actor: str,
    resolution_id: str | None = None,
    comment: str | None = None,
    expected_status_id: str | None = None,
    expected_assignee: str | None = _ANY,
) -> None:
    """Move the issue to `status_id` (no workflow check: colleagues use the UI, automation, or admin).

    `comment` is added first as the actor's public comment. The expectations make a stale scheduled
    change a no-op.
    """
    issue = state.issue(key)
    if status_id not in state.statuses:
        raise SimError(400, [], {"status": f"Status '{status_id}' does not exist."})
    if expected_status_id is not None and issue.status_id != expected_status_id:
        return
    if expected_assignee is not _ANY and issue.assignee != expected_assignee:
        return
    if comment:
        state.add_comment(issue, actor, adf.from_text(comment), public=True, at=at)
    state.set_status(issue, status_id, actor, resolution_id=resolution_id, at=at)


def register(state: SimState) -> None:
    state.actions.update(
        {
            "create_incident": create_incident,
            "customer_comment": customer_comment,
            "reassign": reassign,
            "set_status": set_status,
        }
    )
