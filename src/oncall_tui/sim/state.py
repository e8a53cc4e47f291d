"""The simulator's mutable world: one Jira site with its users, projects, issues, SLAs and on-call data.

Every change to an issue goes through a method here, which records an `IssueEvent` (SLA cycles are
replayed from those) and bumps `updated`. All methods take the simulated `now` from the clock.
Not thread-safe by itself: the ASGI app serialises access with one asyncio lock per site.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oncall_tui.sim.clock import SimClock
from oncall_tui.sim.model import (
    Alert,
    AlertRequest,
    Comment,
    Escalation,
    Flavour,
    Issue,
    IssueEvent,
    IssueType,
    Priority,
    Project,
    RemoteLink,
    Resolution,
    Schedule,
    ScheduledEvent,
    SlaDefinition,
    SlaRecord,
    Status,
    Team,
    Transition,
    User,
)
from oncall_tui.sim.text import find_invalid


class SimError(Exception):
    """A request the simulated Jira refuses; `status` and the Jira-shaped body go back to the client."""

    def __init__(self, status: int, messages: Iterable[str] = (), errors: dict[str, str] | None = None) -> None:
        self.status = status
        self.messages = list(messages)
        self.errors = dict(errors or {})
        super().__init__("; ".join(self.messages) or str(self.errors))

    def body(self) -> dict[str, Any]:
        return {"errorMessages": self.messages, "errors": self.errors}


def require_storable(field_name: str, value: Any) -> None:
    """Refuse (400, Jira's `errors` shape) a value the site could store but never send back as JSON."""
    problem = find_invalid(value, field_name)
    if problem is not None:
        raise SimError(400, [], {field_name: f"Invalid value: {problem}."})


def check_labels(labels: list[str]) -> None:
    require_storable("labels", labels)
    for label in labels:
        if not isinstance(label, str) or not label or any(ch.isspace() for ch in label) or len(label) > 255:
            raise SimError(400, [], {"labels": f"The label '{label}' contains spaces or is invalid."})


# Permission keys as Jira names them (GET /mypermissions).
ALL_PERMISSIONS = (
    "BROWSE_PROJECTS",
    "ASSIGN_ISSUES",
    "ASSIGNABLE_USER",
    "ADD_COMMENTS",
    "TRANSITION_ISSUES",
    "EDIT_ISSUES",
    "LINK_ISSUES",
    "SERVICEDESK_AGENT",
)


@dataclass
class Credentials:
    """Who may call the API. Cloud: basic e-mail + API token; Data Center: Bearer personal access token."""

    account_id: str
    token: str


@dataclass
class SimState:
    flavour: Flavour
    clock: SimClock
    base_url: str = "http://127.0.0.1"
    server_title: str = "oncall-tui simulator"
    cloud_id: str = "7d3c6e5a-1f2b-4c8d-9e0a-5b6c7d8e9f10"
    users: dict[str, User] = field(default_factory=dict)  # by account id
    projects: dict[str, Project] = field(default_factory=dict)  # by key
    statuses: dict[str, Status] = field(default_factory=dict)  # by id
    priorities: dict[str, Priority] = field(default_factory=dict)  # by id
    resolutions: dict[str, Resolution] = field(default_factory=dict)  # by id
    issue_types: dict[str, IssueType] = field(default_factory=dict)  # by id
    transitions: list[Transition] = field(default_factory=list)
    sla_definitions: list[SlaDefinition] = field(default_factory=list)
    calendars: dict[str, Any] = field(default_factory=dict)  # id -> sim.calendars.Calendar
    issues: dict[str, Issue] = field(default_factory=dict)  # by key, insertion = creation order
    teams: dict[str, Team] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    escalations: dict[str, Escalation] = field(default_factory=dict)
    # JSM Ops alerts (pages) by id, in creation order, and the outcome of every alert request by request id.
    alerts: dict[str, Alert] = field(default_factory=dict)
    alert_requests: dict[str, AlertRequest] = field(default_factory=dict)
    credentials: list[Credentials] = field(default_factory=list)
    # Permissions withheld from the API user (tests flip these through /_sim/permissions).
    denied_permissions: set[str] = field(default_factory=set)
    scenario: str = "default"
    _issues_by_id: dict[int, Issue] = field(default_factory=dict)
    _next_issue_id: int = 10000
    _next_comment_id: int = 100000
    _next_remote_link_id: int = 10000
    _project_counters: dict[str, int] = field(default_factory=dict)
    _events: list[ScheduledEvent] = field(default_factory=list)
    _event_seq: itertools.count[int] = field(default_factory=itertools.count)
    # Hooks the scenario registers for `ScheduledEvent.action` names it uses beyond the built-ins.
    actions: dict[str, Callable[..., Any]] = field(default_factory=dict)

    # ---- lookups ------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def issue(self, key_or_id: str) -> Issue:
        issue = self.issues.get(key_or_id.upper())
        if issue is None and key_or_id.isdigit():
            issue = self._issues_by_id.get(int(key_or_id))
        if issue is None:
            raise SimError(404, ["Issue does not exist or you do not have permission to see it."])
        return issue

    def issue_by_id(self, issue_id: int) -> Issue | None:
        return self._issues_by_id.get(issue_id)

    def user(self, account_id: str) -> User:
        user = self.users.get(account_id)
        if user is None:
            raise SimError(404, [f"User with accountId '{account_id}' does not exist."])
        return user

    def user_by_username(self, username: str) -> User | None:
        lowered = username.lower()
        for user in self.users.values():
            if user.username.lower() == lowered:
                return user
        return None

    def status_by_name(self, name: str) -> Status | None:
        lowered = name.lower()
        for status in self.statuses.values():
            if status.name.lower() == lowered:
                return status
        return None

    def priority_by_name(self, name: str) -> Priority | None:
        lowered = name.lower()
        for priority in self.priorities.values():
            if priority.name.lower() == lowered:
                return priority
        return None

    def project_of(self, issue: Issue) -> Project:
        return self.projects[issue.project_key]

    def available_transitions(self, issue: Issue) -> list[Transition]:
        return [
            t
            for t in self.transitions
            if (not t.from_status_ids or issue.status_id in t.from_status_ids) and t.to_status_id != issue.status_id
        ]

    def workflow_status_ids(self) -> list[str]:
        """The statuses the workflow uses (its initial status and every transition's ends), in site order."""
        used = {self.initial_status_id()}
        for t in self.transitions:
            used.add(t.to_status_id)
            used.update(t.from_status_ids)
        return [sid for sid in self.statuses if sid in used]

    def slas(self, issue: Issue, now: datetime | None = None) -> list[SlaRecord]:
        from oncall_tui.sim.sla import compute_sla

        at = now or self.now()
        records = []
        for definition in self.sla_definitions:
            record = compute_sla(definition, issue, self.calendars, at)
            if record is not None:
                records.append(record)
        return records

    def has_permission(self, permission: str) -> bool:
        return permission not in self.denied_permissions

    def require(self, permission: str, message: str) -> None:
        if not self.has_permission(permission):
            raise SimError(403, [message])

    # ---- creation -----------------------------------------------------------------------------------

    def add_issue(
        self,
        *,
        project_key: str,
        summary: str,
        priority_id: str,
        reporter: str,
        created: datetime,
        description: dict[str, Any] | None = None,
        issue_type_id: str | None = None,
        status_id: str | None = None,
        assignee: str | None = None,
        component_ids: Iterable[str] = (),
        labels: Iterable[str] = (),
        parent_id: int | None = None,
    ) -> Issue:
        """Create an issue at `created` (may be in the simulated past, for seeding scenarios)."""
        labels = list(labels)
        require_storable("summary", summary)
        require_storable("description", description)
        check_labels(labels)
        if parent_id is not None and parent_id not in self._issues_by_id:
            raise SimError(400, [], {"parent": f"Issue with id '{parent_id}' does not exist."})
        project = self.projects[project_key]
        number = self._project_counters.get(project_key, 0) + 1
        self._project_counters[project_key] = number
        initial = status_id or self.initial_status_id()
        issue = Issue(
            id=self._next_issue_id,
            key=f"{project.key}-{number}",
            project_key=project_key,
            issue_type_id=issue_type_id or next(iter(self.issue_types)),
            summary=summary,
            description=description,
            status_id=initial,
            priority_id=priority_id,
            reporter=reporter,
            created=created,
            updated=created,
            assignee=assignee,
            component_ids=list(component_ids),
            labels=labels,
            parent_id=parent_id,
        )
        self._next_issue_id += 1
        issue.history.append(IssueEvent(created, "created", reporter))
        self.issues[issue.key] = issue
        self._issues_by_id[issue.id] = issue
        return issue

    def delete_issue(self, key: str) -> Issue:
        """Remove an issue from the site, as a colleague deleting it (or moving it out of the caller's sight)
        does: every read by key or id then finds nothing."""
        issue = self.issue(key)
        del self.issues[issue.key]
        self._issues_by_id.pop(issue.id, None)
        return issue

    def initial_status_id(self) -> str:
        for status in self.statuses.values():
            if status.category == "new":
                return status.id
        return next(iter(self.statuses))

    # ---- changes (each records history) -------------------------------------------------------------

    def _touch(self, issue: Issue, at: datetime) -> None:
        issue.updated = max(issue.updated, at)

    def assign(self, issue: Issue, account_id: str | None, actor: str, at: datetime | None = None) -> None:
        at = at or self.now()
        if account_id is not None:
            user = self.users.get(account_id)
            if user is None or not user.agent or not user.active:
                raise SimError(400, [], {"assignee": f"User '{account_id}' cannot be assigned issues."})
        if issue.assignee == account_id:
            return
        issue.history.append(IssueEvent(at, "assignee", actor, {"from": issue.assignee, "to": account_id}))
        issue.assignee = account_id
        self._touch(issue, at)

    def add_comment(
        self,
        issue: Issue,
        author: str,
        body: dict[str, Any],
        *,
        public: bool,
        properties: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> Comment:
        require_storable("comment", body)
        require_storable("properties", properties)
        at = at or self.now()
        comment = Comment(
            id=self._next_comment_id,
            author=author,
            body=body,
            created=at,
            updated=at,
            public=public,
            properties=dict(properties or {}),
        )
        self._next_comment_id += 1
        issue.comments.append(comment)
        by_agent = self.users[author].agent if author in self.users else False
        issue.history.append(
            IssueEvent(at, "comment", author, {"public": public, "by_agent": by_agent, "comment_id": comment.id})
        )
        self._touch(issue, at)
        return comment

    def set_status(
        self,
        issue: Issue,
        status_id: str,
        actor: str,
        *,
        resolution_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        at = at or self.now()
        if status_id == issue.status_id:
            return
        issue.history.append(IssueEvent(at, "status", actor, {"from": issue.status_id, "to": status_id}))
        issue.status_id = status_id
        if self.statuses[status_id].category == "done":
            issue.resolution_id = resolution_id or issue.resolution_id or next(iter(self.resolutions), None)
            issue.resolution_date = at
        else:
            issue.resolution_id = None
            issue.resolution_date = None
        self._touch(issue, at)

    def transition(
        self,
        issue: Issue,
        transition_id: str,
        actor: str,
        *,
        resolution_id: str | None = None,
        at: datetime | None = None,
    ) -> Transition:
        available = {t.id: t for t in self.available_transitions(issue)}
        chosen = available.get(str(transition_id))
        if chosen is None:
            raise SimError(
                400,
                [f"Transition id '{transition_id}' is not valid for this issue."],
            )
        if chosen.requires_resolution and resolution_id is None:
            raise SimError(400, [], {"resolution": "Resolution is required."})
        if resolution_id is not None and resolution_id not in self.resolutions:
            raise SimError(400, [], {"resolution": f"Resolution '{resolution_id}' is not valid."})
        self.set_status(issue, chosen.to_status_id, actor, resolution_id=resolution_id, at=at)
        return chosen

    def set_priority(self, issue: Issue, priority_id: str, actor: str, at: datetime | None = None) -> None:
        at = at or self.now()
        if priority_id not in self.priorities:
            raise SimError(400, [], {"priority": f"The priority selected is invalid: '{priority_id}'."})
        if priority_id == issue.priority_id:
            return
        issue.history.append(IssueEvent(at, "priority", actor, {"from": issue.priority_id, "to": priority_id}))
        issue.priority_id = priority_id
        self._touch(issue, at)

    def set_labels(self, issue: Issue, labels: list[str], actor: str, at: datetime | None = None) -> None:
        check_labels(labels)
        at = at or self.now()
        if labels == issue.labels:
            return
        issue.history.append(IssueEvent(at, "labels", actor, {"from": list(issue.labels), "to": list(labels)}))
        issue.labels = list(dict.fromkeys(labels))
        self._touch(issue, at)

    def set_summary(self, issue: Issue, summary: str, at: datetime | None = None) -> None:
        require_storable("summary", summary)
        issue.summary = summary
        self._touch(issue, at or self.now())

    def set_property(self, issue: Issue, key: str, value: Any) -> None:
        """An issue entity property; like Jira, this does not count as an update of the issue."""
        require_storable("propertyKey", key)
        require_storable("value", value)
        issue.properties[key] = value

    # ---- remote links (like entity properties, they do not count as an update of the issue) ---------

    def remote_link(self, issue: Issue, link_id: str) -> RemoteLink:
        if not link_id.isdigit():
            raise SimError(400, [f"The remote issue link id '{link_id}' is invalid."])
        for link in issue.remote_links:
            if link.id == int(link_id):
                return link
        if any(link.id == int(link_id) for other in self.issues.values() for link in other.remote_links):
            raise SimError(400, [f"The remote issue link with id '{link_id}' does not belong to issue '{issue.key}'."])
        raise SimError(404, [f"No remote issue link with id '{link_id}' exists."])

    def save_remote_link(
        self,
        issue: Issue,
        *,
        obj: dict[str, Any],
        global_id: str | None = None,
        application: dict[str, Any] | None = None,
        relationship: str | None = None,
        link: RemoteLink | None = None,
    ) -> tuple[RemoteLink, bool]:
        """Create a link, or replace `link` (or the one with the same `global_id`); True when created.

        As in Jira, a replaced link keeps its id and loses whatever the new version leaves out.
        """
        parts = {"object": obj, "globalId": global_id, "application": application, "relationship": relationship}
        for name, value in parts.items():
            require_storable(name, value)
        if link is None and global_id is not None:
            link = next((lk for lk in issue.remote_links if lk.global_id == global_id), None)
        created = link is None
        if link is None:
            link = RemoteLink(self._next_remote_link_id, {})
            self._next_remote_link_id += 1
            issue.remote_links.append(link)
        link.obj = dict(obj)
        link.global_id = global_id
        link.application = dict(application or {})
        link.relationship = relationship
        return link, created

    def delete_remote_link(self, issue: Issue, link: RemoteLink) -> None:
        issue.remote_links.remove(link)

    # ---- scheduled scenario events ------------------------------------------------------------------

    def schedule(self, at: datetime, action: str, **args: Any) -> None:
        heapq.heappush(self._events, ScheduledEvent(at, next(self._event_seq), action, args))

    def pending_events(self) -> int:
        return len(self._events)

    def run_due_events(self) -> int:
        """Apply every scheduled event whose time has come; called before each request is served.

        An event the site refuses (SimError: text it cannot store, an issue that is gone) is dropped, as a
        colleague's refused change would be; it must not fail the unrelated request that happened to run it.
        """
        now = self.now()
        ran = 0
        while self._events and self._events[0].at <= now:
            event = heapq.heappop(self._events)
            handler = self.actions.get(event.action)
            if handler is None:
                raise RuntimeError(f"scenario scheduled unknown action {event.action!r}")
            try:
                handler(self, at=event.at, **event.args)
            except SimError:
                continue
            ran += 1
        return ran
