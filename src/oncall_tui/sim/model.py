"""The simulator's own data model: what a Jira site holds, independent of how the REST API renders it.

Times are timezone-aware UTC datetimes. Rich text (descriptions, comments) is stored as ADF documents,
which is what Cloud stores; v2 and Data Center render it as plain text on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Flavour = Literal["cloud", "datacenter"]
StatusCategoryKey = Literal["new", "indeterminate", "done"]

# Jira's three fixed status categories: key -> (id, English name, colour name).
STATUS_CATEGORIES: dict[str, tuple[int, str, str]] = {
    "new": (2, "To Do", "blue-gray"),
    "indeterminate": (4, "In Progress", "yellow"),
    "done": (3, "Done", "green"),
}


@dataclass
class User:
    account_id: str  # Cloud accountId
    username: str  # Data Center `name` (and `key`)
    display_name: str
    email: str
    time_zone: str  # IANA zone, e.g. "Europe/Berlin"
    locale: str = "en_US"
    active: bool = True
    account_type: Literal["atlassian", "customer", "app"] = "atlassian"
    phone: str | None = None
    # Agents can be assigned and comment internally; customers only raise requests and comment publicly.
    agent: bool = True


@dataclass
class Status:
    id: str
    name: str
    category: StatusCategoryKey
    description: str = ""


@dataclass
class Priority:
    id: str
    name: str
    rank: int  # 1 = most urgent; JQL `priority > X` compares by rank
    color: str = "#cccccc"


@dataclass
class Resolution:
    id: str
    name: str
    description: str = ""


@dataclass
class IssueType:
    id: str
    name: str
    description: str = ""


@dataclass
class Component:
    id: str
    name: str
    lead: str | None = None  # account id
    description: str = ""


@dataclass
class Project:
    id: str
    key: str
    name: str
    lead: str  # account id
    components: list[Component] = field(default_factory=list)
    service_desk_id: str | None = None


@dataclass
class Transition:
    """One edge of the workflow: available from any status in `from_status_ids` (empty = global)."""

    id: str
    name: str
    to_status_id: str
    from_status_ids: tuple[str, ...] = ()
    has_screen: bool = False
    requires_resolution: bool = False


@dataclass
class Comment:
    id: int
    author: str  # account id
    body: dict[str, Any]  # ADF document
    created: datetime
    updated: datetime
    public: bool = True  # JSM: customer-visible (jsdPublic)
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class RemoteLink:
    """A link from an issue to something outside Jira (a runbook, a status page), as Jira stores it.

    `obj` is Jira's remote `object` (`url` and `title` required; `summary`, `icon`, `status` optional) and
    `application` its `{name, type}`, both kept as the client sent them.
    """

    id: int
    obj: dict[str, Any]
    global_id: str | None = None
    application: dict[str, Any] = field(default_factory=dict)
    relationship: str | None = None


EventKind = Literal["created", "status", "comment", "priority", "assignee", "labels", "summary"]


@dataclass
class IssueEvent:
    """One change in an issue's life; SLA cycles are replayed from these."""

    at: datetime
    kind: EventKind
    actor: str | None  # account id
    data: dict[str, Any] = field(default_factory=dict)
    # kinds and data:
    #   created  {}
    #   status   {"from": status_id, "to": status_id}
    #   comment  {"public": bool, "by_agent": bool, "comment_id": int}
    #   priority {"from": priority_id, "to": priority_id}
    #   assignee {"from": account_id | None, "to": account_id | None}


@dataclass
class Issue:
    id: int
    key: str
    project_key: str
    issue_type_id: str
    summary: str
    description: dict[str, Any] | None  # ADF document
    status_id: str
    priority_id: str
    reporter: str  # account id
    created: datetime
    updated: datetime
    assignee: str | None = None
    component_ids: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    resolution_id: str | None = None
    resolution_date: datetime | None = None
    comments: list[Comment] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    history: list[IssueEvent] = field(default_factory=list)
    request_type: str = "Report an incident"
    parent_id: int | None = None  # the issue this one sits under (JQL `parent`)
    remote_links: list[RemoteLink] = field(default_factory=list)


# ---- SLA -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaGoal:
    """Goal for one priority (or the default goal when `priority_id` is None)."""

    priority_id: str | None
    duration_ms: int
    calendar_id: str


@dataclass
class SlaDefinition:
    """A JSM SLA metric: when its clock starts, pauses and stops, and the goal per priority.

    Conditions follow JSM's vocabulary:
      start: "issue-created"
      pause: status ids during which the clock is paused (e.g. "Waiting for customer")
      stop:  "public-agent-comment" (first response) and/or entering one of `stop_status_ids`
    A stopped cycle restarts (a new cycle) when the issue leaves a stop status again (reopened).
    """

    id: str  # metric id, e.g. "1"
    field_id: str  # e.g. "customfield_10030"
    name: str  # e.g. "Time to resolution"
    goals: list[SlaGoal]
    pause_status_ids: tuple[str, ...] = ()
    stop_status_ids: tuple[str, ...] = ()
    stop_on_public_agent_comment: bool = False

    def goal_for(self, priority_id: str) -> SlaGoal | None:
        default = None
        for goal in self.goals:
            if goal.priority_id == priority_id:
                return goal
            if goal.priority_id is None:
                default = goal
        return default


@dataclass(frozen=True)
class SlaCompletedCycle:
    start: datetime
    stop: datetime
    breach_time: datetime | None
    breached: bool
    goal_ms: int
    elapsed_ms: int
    remaining_ms: int


@dataclass(frozen=True)
class SlaOngoingCycle:
    start: datetime
    breach_time: datetime | None  # wall-clock time the goal runs out if the clock keeps running
    breached: bool
    paused: bool
    within_calendar_hours: bool
    goal_ms: int
    elapsed_ms: int  # calendar working time elapsed
    remaining_ms: int  # goal - elapsed; negative once breached


@dataclass(frozen=True)
class SlaRecord:
    """What JSM reports for one SLA metric on one issue at one instant."""

    definition: SlaDefinition
    completed: tuple[SlaCompletedCycle, ...]
    ongoing: SlaOngoingCycle | None

    @property
    def last_cycle(self) -> SlaOngoingCycle | SlaCompletedCycle | None:
        if self.ongoing is not None:
            return self.ongoing
        return self.completed[-1] if self.completed else None


# ---- JSM Ops (on-call) -----------------------------------------------------------------------------------


@dataclass
class Team:
    id: str  # UUID-like
    name: str
    member_ids: list[str]  # account ids
    lead: str | None = None


@dataclass
class Rotation:
    id: str
    name: str
    start: datetime
    length_hours: int  # a shift, e.g. 168 for weekly
    participant_ids: list[str]  # account ids, in order


@dataclass
class Schedule:
    id: str
    name: str
    team_id: str
    time_zone: str
    rotations: list[Rotation]
    description: str = ""
    enabled: bool = True


@dataclass
class EscalationRule:
    delay_minutes: int
    recipient_type: Literal["schedule", "user", "team"]
    recipient_id: str
    condition: Literal["if-not-acked", "if-not-closed"] = "if-not-acked"
    notify_type: Literal["default", "next", "previous", "users", "admins", "all"] = "default"


@dataclass
class Escalation:
    id: str
    name: str
    team_id: str
    rules: list[EscalationRule]
    description: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class AlertResponder:
    """A responder as the alert stores it: resolved to an id, whatever the request named it by."""

    id: str
    type: Literal["team", "user", "escalation", "schedule"]
    name: str


@dataclass
class Alert:
    """A JSM Ops alert (a page). An open alert with the same alias is not created again: `count` goes up."""

    id: str
    tiny_id: str
    message: str
    created: datetime
    updated: datetime
    requested_by: str  # account id of the authenticated caller
    alias: str | None = None
    description: str = ""
    responders: list[AlertResponder] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    entity: str = ""
    source: str = ""
    priority: str = "P3"
    note: str | None = None
    user: str | None = None  # the `user` the request named (display only)
    count: int = 1
    status: Literal["open", "closed"] = "open"
    acknowledged: bool = False


@dataclass(frozen=True)
class AlertRequest:
    """The outcome of one asynchronous alert request, as `GET /v1/alerts/requests/{id}` reports it."""

    id: str
    action: str
    processed_at: datetime
    success: bool
    status: str
    alert_id: str | None = None
    alias: str | None = None


# ---- Scheduled scenario events --------------------------------------------------------------------------


@dataclass(order=True)
class ScheduledEvent:
    """Something the scenario makes happen at a simulated time (a new incident, a customer comment...).

    `action` names a SimState method-like operation; `args` are its keyword arguments.
    """

    at: datetime
    seq: int
    action: str = field(compare=False)
    args: dict[str, Any] = field(compare=False, default_factory=dict)
