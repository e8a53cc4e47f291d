"""The site's fixed configuration: workflow, priorities, resolutions, issue types, calendars, SLAs, projects."""

from __future__ import annotations

from datetime import date, time, timedelta

from oncall_tui.sim.calendars import BusinessHours, TwentyFourSeven
from oncall_tui.sim.model import (
    Component,
    IssueType,
    Priority,
    Project,
    Resolution,
    SlaDefinition,
    SlaGoal,
    Status,
    Transition,
    User,
)
from oncall_tui.sim.scenarios.people import AGENTS, SERVICE_TEAMS
from oncall_tui.sim.state import SimState

# Status ids: Jira's built-ins keep their classic ids, the JSM ones get 1000x ids as on a real site.
OPEN, IN_PROGRESS, RESOLVED, CLOSED = "1", "3", "5", "6"
WAITING_FOR_CUSTOMER, WAITING_FOR_SUPPORT, ESCALATED, PENDING, CANCELED = (
    "10001",
    "10002",
    "10003",
    "10004",
    "10005",
)
DONE_STATUSES = (RESOLVED, CLOSED, CANCELED)
ACTIVE_STATUSES = (OPEN, IN_PROGRESS, WAITING_FOR_CUSTOMER, WAITING_FOR_SUPPORT, ESCALATED, PENDING)

HIGHEST, HIGH, MEDIUM, LOW, LOWEST = "1", "2", "3", "4", "5"

RES_DONE, RES_FIXED, RES_WONT_DO, RES_DUPLICATE, RES_CANNOT_REPRODUCE, RES_KNOWN_ERROR = (
    "10000",
    "1",
    "10001",
    "3",
    "5",
    "10002",
)

INCIDENT, SERVICE_REQUEST, PROBLEM = "10001", "10002", "10003"

# Transition ids, spaced by ten as Jira's workflow designer numbers them.
T_START, T_RESPOND, T_ESCALATE, T_BACK, T_PENDING, T_RESOLVE, T_CLOSE, T_REOPEN, T_CANCEL = (
    "11",
    "21",
    "31",
    "41",
    "51",
    "61",
    "71",
    "81",
    "91",
)

CAL_24_7, CAL_BUSINESS = "1", "2"
TTR_FIELD, TTFR_FIELD = "customfield_10030", "customfield_10031"

OPS, CDH = "OPS", "CDH"

SERVICES: tuple[tuple[str, str], ...] = (
    ("CRM Platform", "Customer relationship management: customer records, leads, sales pipeline."),
    ("Consent Management", "Consent banners, consent records and their audit trail (GDPR)."),
    ("Customer Data Hub", "Golden customer profiles merged from CRM, dealers and the connected car."),
    ("Dealer Portal", "The web portal dealers use for customers, offers, test drives and orders."),
    ("Identity & Login", "Single sign-on, MFA and account recovery for customers and dealer staff."),
    ("Vehicle Telematics Gateway", "MQTT/HTTPS gateway between vehicles (TCUs) and the backend."),
    ("Marketing Preferences API", "Channel and topic preferences for marketing communication."),
    ("Data Warehouse Exports", "Nightly and ad-hoc exports from the data warehouse to BI and partners."),
)


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month, day = divmod(h + ll - 7 * m + 114, 31)
    return date(year, month, day + 1)


def german_public_holidays(year: int) -> tuple[date, ...]:
    """The nationwide German public holidays of `year`."""
    easter = _easter(year)
    return (
        date(year, 1, 1),
        easter - timedelta(days=2),  # Karfreitag
        easter + timedelta(days=1),  # Ostermontag
        date(year, 5, 1),
        easter + timedelta(days=39),  # Christi Himmelfahrt
        easter + timedelta(days=50),  # Pfingstmontag
        date(year, 10, 3),
        date(year, 12, 25),
        date(year, 12, 26),
    )


def install_workflow(state: SimState) -> None:
    status_rows = (
        (OPEN, "Open", "new", "The request is new and nobody has looked at it yet."),
        (IN_PROGRESS, "In Progress", "indeterminate", "An agent is working on the request."),
        (WAITING_FOR_CUSTOMER, "Waiting for customer", "indeterminate", "Waiting for the customer's answer."),
        (WAITING_FOR_SUPPORT, "Waiting for support", "indeterminate", "The customer answered; support's turn."),
        (ESCALATED, "Escalated", "indeterminate", "Handed to the service team (L2/L3)."),
        (PENDING, "Pending", "indeterminate", "Blocked on a vendor, a change or a third party."),
        (RESOLVED, "Resolved", "done", "A fix or workaround is in place."),
        (CLOSED, "Closed", "done", "The request is closed."),
        (CANCELED, "Canceled", "done", "The request was withdrawn."),
    )
    for sid, name, category, description in status_rows:
        state.statuses[sid] = Status(sid, name, category, description)  # type: ignore[arg-type]

    working = (OPEN, IN_PROGRESS, WAITING_FOR_CUSTOMER, WAITING_FOR_SUPPORT, ESCALATED, PENDING)
    state.transitions.extend(
        [
            Transition(T_START, "Start progress", IN_PROGRESS, (OPEN, WAITING_FOR_SUPPORT)),
            Transition(
                T_RESPOND,
                "Respond to customer",
                WAITING_FOR_CUSTOMER,
                (OPEN, IN_PROGRESS, WAITING_FOR_SUPPORT, ESCALATED, PENDING),
            ),
            Transition(T_ESCALATE, "Escalate", ESCALATED, (OPEN, IN_PROGRESS, WAITING_FOR_SUPPORT)),
            Transition(T_BACK, "Back to in progress", IN_PROGRESS, (WAITING_FOR_CUSTOMER, ESCALATED, PENDING)),
            Transition(T_PENDING, "Pending", PENDING, (IN_PROGRESS, WAITING_FOR_SUPPORT, ESCALATED)),
            Transition(T_RESOLVE, "Resolve", RESOLVED, working, has_screen=True, requires_resolution=True),
            Transition(T_CLOSE, "Close", CLOSED, (RESOLVED,)),
            Transition(T_REOPEN, "Reopen", OPEN, (RESOLVED, CLOSED)),
            Transition(T_CANCEL, "Cancel request", CANCELED, working, has_screen=True, requires_resolution=True),
        ]
    )

    # Done first: Jira falls back to the first resolution when a transition sets none.
    for rid, name, description in (
        (RES_DONE, "Done", "Work has been completed."),
        (RES_FIXED, "Fixed", "A fix for this issue is implemented."),
        (RES_WONT_DO, "Won't Do", "This issue won't be actioned."),
        (RES_DUPLICATE, "Duplicate", "The problem is a duplicate of an existing issue."),
        (RES_CANNOT_REPRODUCE, "Cannot Reproduce", "The problem could not be reproduced."),
        (RES_KNOWN_ERROR, "Known Error", "Root cause known; a workaround is documented."),
    ):
        state.resolutions[rid] = Resolution(rid, name, description)

    for tid, name, description in (
        (INCIDENT, "Incident", "An unplanned interruption or reduction in quality of an IT service."),
        (SERVICE_REQUEST, "Service request", "A request from a user for something to be provided."),
        (PROBLEM, "Problem", "The underlying cause of one or more incidents."),
    ):
        state.issue_types[tid] = IssueType(tid, name, description)

    # Jira's default priority colours.
    for pid, name, colour in (
        (HIGHEST, "Highest", "#d04437"),
        (HIGH, "High", "#f15C75"),
        (MEDIUM, "Medium", "#f79232"),
        (LOW, "Low", "#707070"),
        (LOWEST, "Lowest", "#999999"),
    ):
        state.priorities[pid] = Priority(pid, name, int(pid), colour)


def install_slas(state: SimState) -> None:
    holidays = german_public_holidays(2026) + german_public_holidays(2027)
    state.calendars[CAL_24_7] = TwentyFourSeven(CAL_24_7, "24/7 Support", "UTC")
    state.calendars[CAL_BUSINESS] = BusinessHours(
        CAL_BUSINESS,
        "Business hours (Europe/Berlin)",
        "Europe/Berlin",
        weekdays=(0, 1, 2, 3, 4),
        start=time(8),
        end=time(18),
        holidays=holidays,
    )
    hour = 3_600_000
    state.sla_definitions.append(
        SlaDefinition(
            id="1",
            field_id=TTR_FIELD,
            name="Time to resolution",
            goals=[
                SlaGoal(HIGHEST, 4 * hour, CAL_24_7),
                SlaGoal(HIGH, 8 * hour, CAL_24_7),
                SlaGoal(MEDIUM, 24 * hour, CAL_BUSINESS),
                SlaGoal(LOW, 48 * hour, CAL_BUSINESS),
                SlaGoal(LOWEST, 80 * hour, CAL_BUSINESS),
            ],
            pause_status_ids=(WAITING_FOR_CUSTOMER, PENDING),
            stop_status_ids=DONE_STATUSES,
        )
    )
    state.sla_definitions.append(
        SlaDefinition(
            id="2",
            field_id=TTFR_FIELD,
            name="Time to first response",
            goals=[
                SlaGoal(HIGHEST, 30 * 60_000, CAL_24_7),
                SlaGoal(HIGH, hour, CAL_24_7),
                SlaGoal(MEDIUM, 4 * hour, CAL_BUSINESS),
                SlaGoal(LOW, 8 * hour, CAL_BUSINESS),
                SlaGoal(LOWEST, 8 * hour, CAL_BUSINESS),
            ],
            stop_status_ids=DONE_STATUSES,
            stop_on_public_agent_comment=True,
        )
    )


def install_projects(state: SimState, agents: dict[str, User]) -> None:
    """Projects OPS and CDH; `agents` maps display name -> user (component leads are team leads)."""

    def lead_of(team: str) -> str:
        for person in AGENTS:
            if person.team == team and person.lead:
                return agents[person.display_name].account_id
        raise KeyError(team)

    # Two services share a team; their components get a named lead of their own, not the team lead.
    own_leads = {
        "Marketing Preferences API": "Élodie Marchand",
        "Data Warehouse Exports": "Priya Raman",
    }
    components = []
    for index, (name, description) in enumerate(SERVICES):
        lead = agents[own_leads[name]].account_id if name in own_leads else lead_of(SERVICE_TEAMS[name])
        components.append(Component(str(10100 + index), name, lead, description))
    state.projects[OPS] = Project(
        "10000",
        OPS,
        "IT Operations",
        agents["Claudia Schäfer"].account_id,
        components,
        service_desk_id="1",
    )
    state.projects[CDH] = Project(
        "10001",
        CDH,
        "Customer Data Hub requests",
        agents["Łukasz Wójcik"].account_id,
        [
            Component("10200", "Data exports", agents["Priya Raman"].account_id),
            Component("10201", "Access requests", agents["Sophie Krämer"].account_id),
            Component("10202", "Data subject requests", agents["Łukasz Wójcik"].account_id),
        ],
        service_desk_id="2",
    )


def component_id(state: SimState, name: str) -> str:
    for project in state.projects.values():
        for component in project.components:
            if component.name == name:
                return component.id
    raise KeyError(name)
