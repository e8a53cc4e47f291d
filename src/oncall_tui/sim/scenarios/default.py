"""The `default` scenario's issues: ~40 open incidents in every state, ~15 recently finished ones, CDH requests.

Each open incident fills a *slot*: a priority, a life plan and an age chosen so that the SLA picture is
mixed on any start date (a few breached, a few at risk, most running, some paused). The 24/7 goals of
Highest/High make their at-risk/breached slots hold whatever the weekday; Medium and below run on business
hours, so their state depends on the clock, as on a real site.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from oncall_tui.sim.model import Issue, User
from oncall_tui.sim.scenarios import texts
from oncall_tui.sim.scenarios.catalog import (
    CANCELED,
    CDH,
    CLOSED,
    ESCALATED,
    HIGH,
    HIGHEST,
    IN_PROGRESS,
    INCIDENT,
    LOW,
    LOWEST,
    MEDIUM,
    OPEN,
    OPS,
    PENDING,
    RES_CANNOT_REPRODUCE,
    RES_DONE,
    RES_DUPLICATE,
    RES_FIXED,
    RES_KNOWN_ERROR,
    RES_WONT_DO,
    RESOLVED,
    SERVICE_REQUEST,
    WAITING_FOR_CUSTOMER,
    WAITING_FOR_SUPPORT,
    component_id,
)
from oncall_tui.sim.scenarios.people import AGENTS, OPS_TEAM, SERVICE_TEAMS, org_of
from oncall_tui.sim.scenarios.replay import Story, replay
from oncall_tui.sim.scenarios.texts import Template
from oncall_tui.sim.state import SimState

# (priority, plan, assignee role, age range in minutes). Roles: me = the API user, team = an engineer of
# the service's team, l1 = another service-desk agent, None = unassigned.
OPEN_SLOTS: tuple[tuple[str, str, str | None, int, int], ...] = (
    (HIGHEST, "progress", "me", 185, 205),  # resolution (4 h) at risk
    (HIGHEST, "escalated", "team", 265, 320),  # resolution breached
    (HIGHEST, "new", None, 8, 16),  # first response (30 min) due soon
    (HIGH, "new", None, 38, 50),  # first response (1 h) at risk
    (HIGH, "new", None, 95, 160),  # first response breached
    (HIGH, "progress", "me", 425, 455),  # resolution (8 h) at risk
    (HIGH, "progress", "team", 540, 720),  # resolution breached
    (HIGH, "waiting", "me", 240, 420),  # paused
    (HIGH, "triage", "team", 65, 100),  # assigned but unanswered: first response breached
    (HIGH, "answered", "team", 200, 320),
    (HIGH, "escalated", "team", 380, 470),
    (HIGH, "progress", "team", 100, 170),
    (HIGH, "pending", "team", 600, 1100),
    (MEDIUM, "new", None, 10, 40),
    (MEDIUM, "new", None, 60, 240),
    (MEDIUM, "new", None, 300, 900),
    (MEDIUM, "new", None, 1500, 2600),
    (MEDIUM, "triage", "l1", 120, 600),
    (MEDIUM, "triage", "team", 600, 1500),
    (MEDIUM, "progress", "me", 200, 1400),
    (MEDIUM, "progress", "team", 300, 1500),
    (MEDIUM, "progress", "team", 1400, 2800),
    (MEDIUM, "progress", "team", 2800, 4200),
    (MEDIUM, "waiting", "me", 600, 2000),
    (MEDIUM, "waiting", "team", 1200, 3000),
    (MEDIUM, "waiting", "l1", 300, 1200),
    (MEDIUM, "answered", "team", 900, 2400),
    (MEDIUM, "pending", "team", 1500, 4000),
    (MEDIUM, "escalated", "team", 700, 2000),
    (MEDIUM, "reopened", "team", 1800, 4000),
    (LOW, "new", None, 30, 300),
    (LOW, "new", None, 600, 2000),
    (LOW, "new", None, 2000, 4300),
    (LOW, "triage", "l1", 300, 2000),
    (LOW, "progress", "team", 1000, 3000),
    (LOW, "progress", "team", 2500, 4300),
    (LOW, "waiting", "team", 1500, 4000),
    (LOW, "pending", "team", 2000, 4300),
    (LOWEST, "new", None, 1500, 4300),
    (LOWEST, "progress", "team", 2000, 4300),
)

# (priority, final status, age range, minutes until resolved); several land inside the last shift.
DONE_SLOTS: tuple[tuple[str, str, tuple[int, int], tuple[int, int]], ...] = (
    (HIGHEST, RESOLVED, (1000, 1400), (150, 230)),
    (HIGH, RESOLVED, (300, 480), (200, 280)),
    (HIGH, RESOLVED, (600, 900), (500, 560)),  # resolved late: resolution SLA breached
    (HIGH, RESOLVED, (1500, 2500), (400, 700)),
    (HIGH, CLOSED, (2800, 4000), (300, 450)),
    (MEDIUM, RESOLVED, (400, 700), (120, 350)),
    (MEDIUM, RESOLVED, (1200, 2600), (300, 900)),
    (MEDIUM, RESOLVED, (200, 500), (20, 90)),  # a duplicate, closed quickly
    (MEDIUM, CLOSED, (2600, 4200), (600, 1400)),
    (MEDIUM, CLOSED, (3000, 4300), (900, 2000)),
    (MEDIUM, CANCELED, (500, 2000), (60, 300)),
    (LOW, RESOLVED, (1500, 3500), (600, 1400)),
    (LOW, CLOSED, (3000, 4300), (1000, 2500)),
    (LOW, CANCELED, (2000, 4000), (200, 900)),
    (LOWEST, RESOLVED, (2000, 4300), (1000, 2000)),
)

# CDH service requests: (summary, component, priority, labels, request type, plan, German).
CDH_REQUESTS: tuple[tuple[str, str, str, tuple[str, ...], str, str, bool], ...] = (
    (
        "Auskunftsersuchen nach Art. 15 DSGVO – Kundin Jana Müller",
        "Data subject requests",
        MEDIUM,
        ("gdpr",),
        "Data subject request",
        "progress",
        True,
    ),
    ("Export of consent records for campaign planning", "Data exports", LOW, (), "Request a data export", "new", False),
    ("Access to the CDH sandbox for the new agency", "Access requests", LOW, (), "Request access", "waiting", False),
    (
        "Löschanfrage nach Art. 17 DSGVO – Kunde 4711-0815",
        "Data subject requests",
        HIGH,
        ("gdpr",),
        "Data subject request",
        "new",
        True,
    ),
    (
        "Monthly dealer contact list for Bałtyk Motors",
        "Data exports",
        LOWEST,
        ("dealer",),
        "Request a data export",
        "resolved",
        False,
    ),
    (
        "Read-only CDH access for the external auditor",
        "Access requests",
        MEDIUM,
        (),
        "Request access",
        "pending",
        False,
    ),
)

_NEIGHBOURS = {
    HIGHEST: (HIGHEST, HIGH, MEDIUM, LOW, LOWEST),
    HIGH: (HIGH, HIGHEST, MEDIUM, LOW, LOWEST),
    MEDIUM: (MEDIUM, HIGH, LOW, HIGHEST, LOWEST),
    LOW: (LOW, MEDIUM, LOWEST, HIGH, HIGHEST),
    LOWEST: (LOWEST, LOW, MEDIUM, HIGH, HIGHEST),
}
_LOWER = {HIGHEST: HIGH, HIGH: MEDIUM, MEDIUM: LOW, LOW: LOWEST}


@dataclass
class Cast:
    """Who is who, as account ids."""

    users: dict[str, User]
    me: str
    l1: list[str]  # other service-desk agents
    teams: dict[str, list[str]]  # service name -> engineers of its team
    customers: list[str]
    german_customers: list[str]

    @classmethod
    def of(cls, state: SimState, me: str) -> Cast:
        by_name = {u.display_name: u for u in state.users.values()}
        l1 = [
            by_name[p.display_name].account_id
            for p in AGENTS
            if p.team == OPS_TEAM and not p.lead and p.active and by_name[p.display_name].account_id != me
        ]
        l1 = l1[:2]  # the two L1 colleagues; the rest of the ops team are duty managers
        teams = {
            service: [by_name[p.display_name].account_id for p in AGENTS if p.team == team and p.active]
            for service, team in SERVICE_TEAMS.items()
        }
        customers = [u.account_id for u in state.users.values() if not u.agent and u.active]
        german = [a for a in customers if state.users[a].locale.startswith("de")]
        return cls(state.users, me, l1, teams, customers, german)

    def first(self, account_id: str) -> str:
        return texts.first_name(self.users[account_id].display_name)

    def org(self, account_id: str) -> str:
        return org_of(self.users[account_id].display_name)

    def is_customer(self, account_id: str) -> bool:
        return not self.users[account_id].agent


class TemplatePool:
    """Hand-written templates by priority, each used once; falls back to neighbouring priorities."""

    def __init__(self, rng: random.Random) -> None:
        self._by_priority: dict[str, list[Template]] = {}
        for template in texts.TEMPLATES:
            self._by_priority.setdefault(template.priority, []).append(template)
        for pool in self._by_priority.values():
            rng.shuffle(pool)
        self._rng = rng

    def take(self, priority: str) -> Template:
        for candidate in _NEIGHBOURS[priority]:
            pool = self._by_priority.get(candidate)
            if pool:
                return pool.pop()
        return texts.generated_template(self._rng)


class Writer:
    """Writes the stories (life plans) of the default scenario's issues."""

    def __init__(self, state: SimState, rng: random.Random, cast: Cast) -> None:
        self.state = state
        self.rng = rng
        self.cast = cast
        self.now = state.now()

    # ---- people and texts -------------------------------------------------------------------------

    def reporter_for(self, template: Template) -> str:
        rng = self.rng
        if "monitoring" in template.labels or ("dealer" not in template.labels and rng.random() < 0.2):
            return rng.choice(self.cast.l1 + self.cast.teams[template.service])
        pool = self.cast.german_customers if template.de else self.cast.customers
        return rng.choice(pool)

    def engineer(self, service: str) -> str:
        return self.rng.choice(self.cast.teams.get(service) or self.cast.l1)

    def assignee_for(self, role: str | None, service: str) -> str | None:
        if role == "me":
            return self.cast.me
        if role == "l1":
            return self.rng.choice(self.cast.l1)
        if role == "team":
            return self.engineer(service)
        return None

    def _say(self, pool: tuple[str, ...], story: Story) -> str:
        reporter = story.reporter
        first = self.cast.first(reporter)
        org = self.cast.org(reporter) if self.cast.is_customer(reporter) else ""
        return texts.fill(self.rng.choice(pool), first=first, org=org)

    def _customer(self, story: Story) -> str:
        if self.cast.is_customer(story.reporter):
            return story.reporter
        return self.rng.choice(self.cast.customers)

    def _follow_up_pool(self, story: Story) -> tuple[str, ...]:
        german = self.cast.users[self._customer(story)].locale.startswith("de")
        return texts.CUSTOMER_FOLLOW_UPS_DE if german else texts.CUSTOMER_FOLLOW_UPS_EN

    # ---- stories ------------------------------------------------------------------------------------

    def story(self, template: Template, priority: str, age_minutes: float) -> Story:
        reporter = self.reporter_for(template)
        org = self.cast.org(reporter) if self.cast.is_customer(reporter) else "Monitoring (Grafana alert)"
        components = [component_id(self.state, template.service)]
        if template.service != texts.CRM and self.rng.random() < 0.15:
            components.append(component_id(self.state, texts.CRM))
        labels = list(template.labels)
        if self.rng.random() < 0.2 and "customer-impact" not in labels and priority in (HIGHEST, HIGH):
            labels.append("customer-impact")
        return Story(
            project_key=OPS,
            summary=template.summary,
            priority_id=priority,
            reporter=reporter,
            created=self.now - timedelta(seconds=round(age_minutes * 60)),
            issue_type_id=INCIDENT,
            description=texts.description(self.rng, template, org),
            component_ids=components,
            labels=labels,
        )

    def take(self, story: Story, assignee: str, start: float) -> float:
        """Assignment and "Start progress" around minute `start`; returns the minute after."""
        actor = assignee if assignee == self.cast.me or self.rng.random() < 0.5 else self.rng.choice(self.cast.l1)
        story.assign(story.at(start), assignee, actor)
        story.status(story.at(start + 1), IN_PROGRESS, assignee)
        return start + 1

    def first_response(self, story: Story, author: str, minute: float) -> None:
        story.comment(story.at(minute), author, self._say(texts.AGENT_FIRST_RESPONSES, story))

    def plan(self, story: Story, plan: str, assignee: str | None, age: float, raise_to: str | None = None) -> None:
        rng = self.rng
        # First touch within a realistic response time, but always well inside the issue's life so far.
        touch = min(rng.uniform(3, 18), age * 0.3)
        if plan == "new":
            if age > 90 and rng.random() < 0.5:
                story.comment(story.at(age * 0.7), self._customer(story), self._say(self._follow_up_pool(story), story))
            return
        assert assignee is not None
        if plan == "triage":
            actor = assignee if rng.random() < 0.5 else rng.choice(self.cast.l1)
            story.assign(story.at(touch), assignee, actor)
            if rng.random() < 0.6:
                story.comment(story.at(age * 0.6), assignee, rng.choice(texts.INTERNAL_NOTES), internal=True)
            return
        # An escalated incident was first worked by the service desk, then handed to `assignee`.
        worker = rng.choice([*self.cast.l1, self.cast.me]) if plan == "escalated" else assignee
        after = self.take(story, worker, touch)
        self.first_response(story, worker, after + min(rng.uniform(1, 10), age * 0.1))
        if plan == "progress":
            if rng.random() < 0.6:
                story.comment(story.at(age * 0.5), assignee, rng.choice(texts.INTERNAL_NOTES), internal=True)
            if rng.random() < 0.4:
                story.comment(story.at(age * 0.65), self._customer(story), rng.choice(texts.CUSTOMER_ANSWERS))
            if rng.random() < 0.5:
                story.comment(story.at(age * 0.8), assignee, rng.choice(texts.AGENT_UPDATES))
        elif plan in ("waiting", "answered"):
            ask = 0.5 if plan == "answered" else 0.6
            story.comment(story.at(age * ask), assignee, self._say(texts.AGENT_QUESTIONS, story))
            story.status(story.at(age * ask + 0.5), WAITING_FOR_CUSTOMER, assignee)
            if plan == "answered":
                customer = self._customer(story)
                story.comment(story.at(age * 0.8), customer, rng.choice(texts.CUSTOMER_ANSWERS))
                story.status(story.at(age * 0.8 + 0.2), WAITING_FOR_SUPPORT, customer)
        elif plan == "escalated":
            at = age * 0.5
            story.comment(story.at(at), worker, rng.choice(texts.ESCALATION_NOTES), internal=True)
            story.status(story.at(at + 0.5), ESCALATED, worker)
            if raise_to is not None:
                story.priority(story.at(at + 1), raise_to, worker)
            story.assign(story.at(at + 2), assignee, worker)
        elif plan == "pending":
            story.comment(story.at(age * 0.6), assignee, rng.choice(texts.PENDING_NOTES), internal=True)
            story.status(story.at(age * 0.6 + 0.5), PENDING, assignee)
        elif plan == "reopened":
            story.comment(story.at(age * 0.45), assignee, rng.choice(texts.AGENT_RESOLUTIONS))
            story.status(story.at(age * 0.45 + 0.5), RESOLVED, assignee, RES_FIXED)
            customer = self._customer(story)
            story.comment(story.at(age * 0.7), customer, self._say(self._follow_up_pool(story), story))
            story.status(story.at(age * 0.7 + 5), OPEN, assignee)
            story.status(story.at(age * 0.8), IN_PROGRESS, assignee)
        else:
            raise ValueError(f"unknown plan {plan!r}")

    def finish(self, story: Story, final: str, resolve_after: float, age: float) -> None:
        rng = self.rng
        assignee = self.engineer(story_service(self.state, story))
        touch = min(rng.uniform(3, 25), resolve_after * 0.3)
        self.take(story, assignee, touch)
        self.first_response(story, assignee, touch + 1 + min(rng.uniform(1, 10), resolve_after * 0.1))
        if rng.random() < 0.5:
            story.comment(story.at(resolve_after * 0.6), assignee, rng.choice(texts.INTERNAL_NOTES), internal=True)
        if final == CANCELED:
            customer = self._customer(story)
            story.comment(
                story.at(resolve_after * 0.8),
                customer,
                "Please cancel this, it was a mistake on our side. / Bitte stornieren, Bedienfehler bei uns.",
            )
            story.status(story.at(resolve_after), CANCELED, assignee, RES_WONT_DO)
            return
        resolution = rng.choices(
            (RES_FIXED, RES_DONE, RES_KNOWN_ERROR, RES_CANNOT_REPRODUCE), weights=(50, 25, 15, 10)
        )[0]
        if resolve_after < 100:
            resolution = RES_DUPLICATE
        story.comment(story.at(resolve_after - 0.5), assignee, rng.choice(texts.AGENT_RESOLUTIONS))
        story.status(story.at(resolve_after), RESOLVED, assignee, resolution)
        if rng.random() < 0.4 and age - resolve_after > 30:
            story.comment(story.at(resolve_after + 20), self._customer(story), rng.choice(texts.CUSTOMER_THANKS))
        if final == CLOSED:
            closed_after = min(resolve_after + rng.uniform(120, 900), age - 1)
            story.status(story.at(closed_after), CLOSED, assignee)


def story_service(state: SimState, story: Story) -> str:
    first = story.component_ids[0]
    for component in state.projects[story.project_key].components:
        if component.id == first:
            return component.name
    return texts.CRM


def default_stories(state: SimState, rng: random.Random, cast: Cast) -> list[Story]:
    writer = Writer(state, rng, cast)
    pool = TemplatePool(rng)
    stories: list[Story] = []
    for priority, plan, role, low, high in OPEN_SLOTS:
        template = pool.take(priority)
        age = rng.uniform(low, high)
        # Half the escalated incidents were raised one level when they were escalated.
        raise_to = priority if plan == "escalated" and priority in _LOWER and rng.random() < 0.5 else None
        story = writer.story(template, _LOWER[priority] if raise_to else priority, age)
        writer.plan(story, plan, writer.assignee_for(role, template.service), age, raise_to)
        stories.append(story)
    for priority, final, (age_low, age_high), (res_low, res_high) in DONE_SLOTS:
        template = pool.take(priority)
        age = rng.uniform(age_low, age_high)
        resolve_after = min(rng.uniform(res_low, res_high), age - 5)
        story = writer.story(template, priority, age)
        writer.finish(story, final, resolve_after, age)
        stories.append(story)
    stories.extend(cdh_stories(state, rng, cast, writer))
    return stories


def cdh_stories(state: SimState, rng: random.Random, cast: Cast, writer: Writer) -> list[Story]:
    stories = []
    cdh_team = cast.teams[texts.CDH_SVC]
    for summary, component, priority, labels, request_type, plan, german in CDH_REQUESTS:
        age = rng.uniform(120, 4000)
        reporter = rng.choice(cast.german_customers if german else cast.customers)
        text = (
            f"Anfrage von {cast.org(reporter)}: {summary}. Bitte innerhalb der gesetzlichen Frist bearbeiten."
            if german
            else f"Request from {cast.org(reporter)}: {summary}. Details in the attached form."
        )
        story = Story(
            project_key=CDH,
            summary=summary,
            priority_id=priority,
            reporter=reporter,
            created=writer.now - timedelta(seconds=round(age * 60)),
            issue_type_id=SERVICE_REQUEST,
            description=texts.text_doc(text),
            component_ids=[component_id(state, component)],
            labels=list(labels),
            request_type=request_type,
        )
        agent = rng.choice(cdh_team)
        if plan == "new":
            pass
        elif plan == "resolved":
            writer.take(story, agent, age * 0.1)
            story.comment(story.at(age * 0.5), agent, "The export is on the SFTP drop (folder /outgoing/dealers).")
            story.status(story.at(age * 0.5 + 1), RESOLVED, agent, RES_DONE)
        else:
            writer.take(story, agent, age * 0.1)
            story.comment(
                story.at(age * 0.2),
                agent,
                texts.fill(rng.choice(texts.AGENT_FIRST_RESPONSES), first=cast.first(reporter)),
            )
            if plan == "waiting":
                story.comment(story.at(age * 0.4), agent, "Which projects and which role does the agency need?")
                story.status(story.at(age * 0.4 + 0.5), WAITING_FOR_CUSTOMER, agent)
            elif plan == "pending":
                story.comment(
                    story.at(age * 0.4), agent, "Pending approval by the data protection officer.", internal=True
                )
                story.status(story.at(age * 0.4 + 0.5), PENDING, agent)
        stories.append(story)
    return stories


def build_default_issues(state: SimState, rng: random.Random, cast: Cast) -> list[Issue]:
    return replay(state, default_stories(state, rng, cast))
