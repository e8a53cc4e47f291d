"""Seeded scenarios: deterministic, consistent with themselves, and alive (scheduled events)."""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from oncall_tui.sim import adf
from oncall_tui.sim.clock import SimClock
from oncall_tui.sim.scenarios import (
    MAJOR_INCIDENT_SUMMARY,
    ME_ACCOUNT_ID,
    ME_EMAIL,
    ME_USERNAME,
    SCENARIOS,
    build_state,
    create_incident,
    customer_comment,
    reassign,
    set_status,
    team_for_component,
)
from oncall_tui.sim.scenarios.catalog import german_public_holidays
from oncall_tui.sim.state import SimError, SimState

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday morning in Berlin, business hours running (as in conftest); and a Saturday night.
MONDAY = datetime(2026, 3, 2, 9, 30, tzinfo=BERLIN)
SATURDAY_NIGHT = datetime(2026, 3, 7, 23, 10, tzinfo=BERLIN)
HEX24 = re.compile(r"^[0-9a-f]{24}$")


def build(scenario: str = "default", *, seed: int = 7, start: datetime = MONDAY, **kw: Any) -> SimState:
    return build_state(scenario, clock=SimClock(start, speed=0.0), seed=seed, **kw)


@pytest.fixture(scope="module")
def default() -> SimState:
    """Read-only use only; tests that change the site build their own."""
    return build()


@pytest.fixture(scope="module")
def large() -> tuple[SimState, float]:
    began = time.perf_counter()
    state = build("large")
    return state, time.perf_counter() - began


def is_done(state: SimState, issue: Any) -> bool:
    return state.statuses[issue.status_id].category == "done"


def fingerprint(state: SimState) -> list[Any]:
    """Everything observable about the seeded data, times relative to the build's `now`."""
    now = state.now()
    rows: list[Any] = []
    for issue in state.issues.values():
        rows.append(
            (
                issue.key,
                issue.summary,
                issue.status_id,
                issue.priority_id,
                issue.assignee,
                issue.reporter,
                tuple(issue.component_ids),
                tuple(issue.labels),
                now - issue.created,
                repr(issue.description),
                tuple((c.author, adf.to_text(c.body), now - c.created, c.public) for c in issue.comments),
                tuple((now - e.at, e.kind, e.actor, repr(e.data)) for e in issue.history),
            )
        )
    rows.append(sorted(state.teams))
    rows.append(sorted((s.id, s.name, tuple(s.rotations[0].participant_ids)) for s in state.schedules.values()))
    rows.append(sorted(state.escalations))
    rows.append(sorted((now - e.at, e.action, repr(e.args)) for e in state._events))
    return rows


# ---- catalogue and API surface ----------------------------------------------------------------------


def test_scenarios_are_listed_with_descriptions() -> None:
    assert set(SCENARIOS) == {"default", "outage", "large"}
    assert all(isinstance(text, str) and text for text in SCENARIOS.values())


def test_unknown_scenario_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"default.*outage.*large"):
        build("nonsense")


def test_scenario_and_flavour_are_recorded() -> None:
    state = build("default", flavour="datacenter")
    assert state.scenario == "default"
    assert state.flavour == "datacenter"


def test_action_handlers_are_registered(default: SimState) -> None:
    assert default.actions["create_incident"] is create_incident
    assert default.actions["customer_comment"] is customer_comment
    assert default.actions["reassign"] is reassign
    assert default.actions["set_status"] is set_status


# ---- determinism ------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["default", "outage"])
def test_same_seed_and_start_build_the_same_site(scenario: str) -> None:
    assert fingerprint(build(scenario)) == fingerprint(build(scenario))


def test_times_are_relative_to_the_clock_at_build_time() -> None:
    # Same seed, another start: the same site shifted in time.
    assert fingerprint(build(start=MONDAY)) == fingerprint(build(start=MONDAY + timedelta(days=9, hours=3)))


def test_a_different_seed_builds_a_different_site() -> None:
    a, b = build(seed=7), build(seed=8)
    assert [i.summary for i in a.issues.values()] != [i.summary for i in b.issues.values()]
    assert fingerprint(a) != fingerprint(b)
    assert sorted(a.teams) != sorted(b.teams)


def test_people_do_not_depend_on_the_seed() -> None:
    # The API user's account id is a constant that configs rely on.
    assert sorted(build(seed=1).users) == sorted(build(seed=2).users)


def test_builds_do_not_use_global_random_state() -> None:
    import random

    random.seed(1)
    first = fingerprint(build())
    random.seed(99)
    assert fingerprint(build()) == first


# ---- people -------------------------------------------------------------------------------------------


def test_the_api_user(default: SimState) -> None:
    me = default.users[ME_ACCOUNT_ID]
    assert (me.display_name, me.username, me.email) == ("Anna Schmidt", ME_USERNAME, ME_EMAIL)
    assert me.email == "anna.schmidt@example.com"
    assert me.time_zone == "Europe/Berlin"
    assert me.agent and me.active
    assert default.user_by_username("aschmidt") is me


def test_agents_and_customers(default: SimState) -> None:
    agents = [u for u in default.users.values() if u.agent]
    customers = [u for u in default.users.values() if not u.agent]
    assert 25 <= len(agents) <= 35
    assert 15 <= len(customers) <= 20
    assert [u.display_name for u in agents if not u.active] == ["Dieter Brandt"]
    assert all(u.account_type == "customer" for u in customers)
    assert all(u.email.endswith("@example.com") for u in agents)
    assert all(re.search(r"@dealer-[a-z]+\.example$", u.email) for u in customers)


def test_names_zones_and_ids(default: SimState) -> None:
    users = list(default.users.values())
    names = {u.display_name for u in users}
    for name in ("Jürgen Weiß", "Zoë Müller", "Łukasz Wójcik", "Søren Østergaard", "Inès Lefèvre", "Ólafur Þórsson"):
        assert name in names
    assert sum(not u.display_name.isascii() for u in users) >= 15
    zones = {u.time_zone for u in users}
    assert {"Europe/Berlin", "Europe/London", "Europe/Lisbon", "Europe/Warsaw", "Europe/Helsinki"} <= zones
    assert len(zones) >= 8
    for user in users:
        assert HEX24.match(user.account_id), user.account_id
        assert user.username.isascii() and re.fullmatch(r"[a-z0-9.]+", user.username)
        assert user.email.isascii() and user.email.count("@") == 1
        assert user.phone and re.fullmatch(r"\+\d{2,3}( \d+)+", user.phone)
    assert len({u.username for u in users}) == len(users)
    assert len({u.email for u in users}) == len(users)
    assert default.users[ME_ACCOUNT_ID].phone.startswith("+49 ")  # type: ignore[union-attr]


# ---- configuration --------------------------------------------------------------------------------


def test_statuses_and_workflow(default: SimState) -> None:
    by_name = {s.name: s for s in default.statuses.values()}
    categories = {name: s.category for name, s in by_name.items()}
    assert categories == {
        "Open": "new",
        "In Progress": "indeterminate",
        "Waiting for customer": "indeterminate",
        "Waiting for support": "indeterminate",
        "Escalated": "indeterminate",
        "Pending": "indeterminate",
        "Resolved": "done",
        "Closed": "done",
        "Canceled": "done",
    }
    assert default.initial_status_id() == by_name["Open"].id
    transitions = {t.name: t for t in default.transitions}
    assert {t.id for t in default.transitions} == {"11", "21", "31", "41", "51", "61", "71", "81", "91"}
    for t in default.transitions:
        assert t.to_status_id in default.statuses
        assert t.from_status_ids and set(t.from_status_ids) <= set(default.statuses)
    assert transitions["Start progress"].to_status_id == by_name["In Progress"].id
    assert by_name["Open"].id in transitions["Start progress"].from_status_ids
    resolve = transitions["Resolve"]
    assert resolve.to_status_id == by_name["Resolved"].id and resolve.has_screen and resolve.requires_resolution
    assert transitions["Close"].from_status_ids == (by_name["Resolved"].id,)
    assert set(transitions["Reopen"].from_status_ids) == {by_name["Resolved"].id, by_name["Closed"].id}
    assert transitions["Cancel request"].requires_resolution
    assert transitions["Escalate"].to_status_id == by_name["Escalated"].id
    assert transitions["Respond to customer"].to_status_id == by_name["Waiting for customer"].id


def test_priorities_resolutions_types(default: SimState) -> None:
    assert [(p.id, p.name, p.rank) for p in default.priorities.values()] == [
        ("1", "Highest", 1),
        ("2", "High", 2),
        ("3", "Medium", 3),
        ("4", "Low", 4),
        ("5", "Lowest", 5),
    ]
    assert all(re.fullmatch(r"#[0-9a-fA-F]{6}", p.color) for p in default.priorities.values())
    assert {r.name for r in default.resolutions.values()} == {
        "Done",
        "Fixed",
        "Won't Do",
        "Duplicate",
        "Cannot Reproduce",
        "Known Error",
    }
    assert next(iter(default.issue_types.values())).name == "Incident"
    assert {t.name for t in default.issue_types.values()} == {"Incident", "Service request", "Problem"}


def test_projects_and_components(default: SimState) -> None:
    ops, cdh = default.projects["OPS"], default.projects["CDH"]
    assert (ops.service_desk_id, cdh.service_desk_id) == ("1", "2")
    assert {c.name for c in ops.components} == {
        "CRM Platform",
        "Consent Management",
        "Customer Data Hub",
        "Dealer Portal",
        "Identity & Login",
        "Vehicle Telematics Gateway",
        "Marketing Preferences API",
        "Data Warehouse Exports",
    }
    for project in (ops, cdh):
        assert project.lead in default.users
        for component in project.components:
            assert component.lead in default.users and default.users[component.lead].agent


def test_german_holidays() -> None:
    assert date(2026, 4, 3) in german_public_holidays(2026)  # Good Friday (Easter 5 April 2026)
    assert date(2027, 5, 17) in german_public_holidays(2027)  # Whit Monday (Easter 28 March 2027)
    assert date(2026, 10, 3) in german_public_holidays(2026)


def test_calendars_and_slas(default: SimState) -> None:
    business = default.calendars["2"]
    assert default.calendars["1"].is_working(datetime(2026, 4, 3, 10, tzinfo=BERLIN))
    assert not business.is_working(datetime(2026, 4, 3, 10, tzinfo=BERLIN))  # Good Friday
    assert business.is_working(datetime(2026, 4, 2, 10, tzinfo=BERLIN))
    assert not business.is_working(datetime(2026, 4, 2, 19, tzinfo=BERLIN))
    slas = {d.name: d for d in default.sla_definitions}
    ttr, ttfr = slas["Time to resolution"], slas["Time to first response"]
    assert (ttr.id, ttr.field_id, ttfr.id, ttfr.field_id) == ("1", "customfield_10030", "2", "customfield_10031")
    names = {s.id: s.name for s in default.statuses.values()}
    assert {names[s] for s in ttr.pause_status_ids} == {"Waiting for customer", "Pending"}
    assert {names[s] for s in ttr.stop_status_ids} == {"Resolved", "Closed", "Canceled"}
    assert {names[s] for s in ttfr.stop_status_ids} == {"Resolved", "Closed", "Canceled"}
    assert ttfr.stop_on_public_agent_comment and not ttr.stop_on_public_agent_comment
    hour = 3_600_000
    goals = {(d.name, g.priority_id): (g.duration_ms, g.calendar_id) for d in (ttr, ttfr) for g in d.goals}
    assert goals[("Time to first response", "1")] == (hour // 2, "1")
    assert goals[("Time to first response", "3")] == (4 * hour, "2")
    assert goals[("Time to resolution", "1")] == (4 * hour, "1")
    assert goals[("Time to resolution", "2")] == (8 * hour, "1")
    assert goals[("Time to resolution", "3")] == (24 * hour, "2")
    assert goals[("Time to resolution", "5")] == (80 * hour, "2")


# ---- issues --------------------------------------------------------------------------------------------


def test_default_counts_and_mix(default: SimState) -> None:
    ops = [i for i in default.issues.values() if i.project_key == "OPS"]
    cdh = [i for i in default.issues.values() if i.project_key == "CDH"]
    open_ops = [i for i in ops if not is_done(default, i)]
    assert 35 <= len(open_ops) <= 45
    assert 12 <= len(ops) - len(open_ops) <= 18
    assert 5 <= len(cdh) <= 8
    assert all(default.issue_types[i.issue_type_id].name == "Incident" for i in ops)
    assert all(default.issue_types[i.issue_type_id].name == "Service request" for i in cdh)
    priorities = Counter(default.priorities[i.priority_id].name for i in open_ops)
    assert 1 <= priorities["Highest"] <= 4 < priorities["Medium"]
    assignees = Counter(i.assignee for i in open_ops)
    assert 3 <= assignees[ME_ACCOUNT_ID] <= 8
    assert assignees[None] >= 5
    assert len(assignees) >= 8  # many different people
    statuses = {default.statuses[i.status_id].name for i in open_ops}
    assert {"Open", "In Progress", "Waiting for customer", "Escalated", "Pending"} <= statuses
    ages = [default.now() - i.created for i in ops]
    assert min(ages) < timedelta(minutes=30) and timedelta(days=2) < max(ages) <= timedelta(days=3, hours=2)
    labels = Counter(label for i in ops for label in i.labels)
    assert {"customer-impact", "dealer", "gdpr"} <= set(labels)
    assert any(not i.summary.isascii() for i in ops)


def test_descriptions_and_comments(default: SimState) -> None:
    issues = list(default.issues.values())
    kinds = Counter(block["type"] for i in issues if i.description for block in i.description["content"])
    assert kinds["paragraph"] and kinds["bulletList"] and kinds["codeBlock"]
    assert all(adf.is_adf_doc(i.description) for i in issues)
    comments = [(i, c) for i in issues for c in i.comments]
    internal = [c for _, c in comments if not c.public]
    assert internal and all(c.properties == {"sd.public.comment": {"internal": True}} for c in internal)
    assert all(default.users[c.author].agent for c in internal)
    assert any(not default.users[c.author].agent for _, c in comments)  # customers write too
    assert any(default.users[c.author].agent and c.public for _, c in comments)
    ids = [c.id for _, c in sorted(comments, key=lambda pair: pair[1].created)]
    assert ids == sorted(ids)  # comment ids grow with time across the site, as in Jira


@pytest.mark.parametrize("scenario", ["default", "outage"])
def test_every_reference_resolves(scenario: str) -> None:
    state = build(scenario)
    check_references(state)


def check_references(state: SimState) -> None:
    components = {c.id for p in state.projects.values() for c in p.components}
    for issue in state.issues.values():
        assert issue.status_id in state.statuses
        assert issue.priority_id in state.priorities
        assert issue.issue_type_id in state.issue_types
        assert issue.reporter in state.users
        assert set(issue.component_ids) <= components and issue.component_ids
        if issue.assignee is not None:
            assert state.users[issue.assignee].agent and state.users[issue.assignee].active
        if is_done(state, issue):
            assert issue.resolution_id in state.resolutions and issue.resolution_date is not None
        else:
            assert issue.resolution_id is None
        for comment in issue.comments:
            assert comment.author in state.users
        for event in issue.history:
            assert event.actor in state.users


@pytest.mark.parametrize("scenario", ["default", "outage"])
def test_history_is_ordered_in_the_past_and_replays_to_the_current_state(scenario: str) -> None:
    state = build(scenario)
    now = state.now()
    for issue in state.issues.values():
        history = issue.history
        assert history[0].kind == "created" and history[0].at == issue.created
        times = [e.at for e in history]
        assert times == sorted(times) and times[-1] <= now
        assert issue.updated == times[-1]
        status, assignee, priority = state.initial_status_id(), None, None
        for event in history:
            if event.kind == "status":
                assert event.data["from"] == status
                status = event.data["to"]
            elif event.kind == "assignee":
                assert event.data["from"] == assignee
                assignee = event.data["to"]
            elif event.kind == "priority":
                priority = event.data["to"]
        assert (status, assignee) == (issue.status_id, issue.assignee)
        assert priority in (None, issue.priority_id)
        assert [c.id for c in issue.comments] == [e.data["comment_id"] for e in history if e.kind == "comment"]


@pytest.mark.parametrize("start", [MONDAY, SATURDAY_NIGHT])
def test_slas_show_breached_at_risk_and_paused(start: datetime) -> None:
    state = build(start=start)
    seen: Counter[str] = Counter()
    for issue in state.issues.values():
        if is_done(state, issue):
            continue
        for record in state.slas(issue):
            cycle = record.ongoing
            if cycle is None:
                continue
            if cycle.breached:
                seen["breached"] += 1
            elif cycle.paused:
                seen["paused"] += 1
            elif cycle.remaining_ms < 3_600_000:
                seen["at risk"] += 1
            else:
                seen["running"] += 1
    assert seen["breached"] >= 3
    assert seen["at risk"] >= 3
    assert seen["paused"] >= 3
    assert seen["running"] >= 10


def test_cdh_requests(default: SimState) -> None:
    cdh = [i for i in default.issues.values() if i.project_key == "CDH"]
    assert {i.request_type for i in cdh} >= {"Data subject request", "Request access"}
    assert any("DSGVO" in i.summary for i in cdh)


# ---- outage --------------------------------------------------------------------------------------------


def test_outage_has_a_fresh_major_incident() -> None:
    state = build("outage")
    (major,) = [i for i in state.issues.values() if "major-incident" in i.labels]
    assert major.summary == MAJOR_INCIDENT_SUMMARY
    assert state.priorities[major.priority_id].name == "Highest"
    assert timedelta(minutes=1) <= state.now() - major.created <= timedelta(minutes=3)
    crm = next(c.id for c in state.projects["OPS"].components if c.name == "CRM Platform")
    assert major.component_ids == [crm]
    assert len(state.issues) == len(build("default").issues) + 1


def test_outage_burst_arrives_as_the_clock_advances() -> None:
    state = build("outage")
    major = next(i for i in state.issues.values() if "major-incident" in i.labels)
    before = set(state.issues)
    assert state.run_due_events() == 0  # nothing is due yet: the burst lies in the future
    state.clock.advance(600)
    assert state.run_due_events() >= 25
    new = [state.issues[k] for k in state.issues if k not in before]
    crm = major.component_ids[0]
    burst = [i for i in new if crm in i.component_ids and "customer-impact" in i.labels]
    assert 20 <= len(burst) <= 30
    assert {state.priorities[i.priority_id].name for i in burst} <= {"High", "Medium"}
    assert len({i.summary for i in burst}) >= 15
    assert all(state.now() - timedelta(seconds=600) < i.created <= state.now() for i in new)
    assert all(not state.users[i.reporter].agent for i in burst)
    followers = [c for c in major.comments if c.public and not state.users[c.author].agent]
    assert len(followers) >= 3
    # Customers follow up on the burst incidents too (scheduled once their keys existed).
    state.clock.advance(900)
    state.run_due_events()
    assert any(c for i in burst for c in i.comments)
    check_references(state)


# ---- ongoing life -------------------------------------------------------------------------------------


def test_a_day_of_life_runs_cleanly() -> None:
    state = build()
    open_before = {k for k, i in state.issues.items() if not is_done(state, i)}
    issues_before = len(state.issues)
    comments_before = sum(len(i.comments) for i in state.issues.values())
    state.clock.advance(3600)
    first_hour = state.run_due_events()
    assert first_hour >= 3
    state.clock.advance(26 * 3600)
    state.run_due_events()
    assert state.pending_events() == 0
    created = len(state.issues) - issues_before
    assert 24 * 60 / 20 - 5 <= created <= 24 * 60 / 7 + 5
    assert sum(len(i.comments) for i in state.issues.values()) > comments_before + 10
    assignee_changes = [e for i in state.issues.values() for e in i.history if e.kind == "assignee" and e.at > MONDAY]
    resolved_by_colleagues = [k for k in open_before if is_done(state, state.issues[k])]
    assert assignee_changes and resolved_by_colleagues
    assert all(state.issues[k].assignee != ME_ACCOUNT_ID for k in resolved_by_colleagues)
    check_references(state)


def test_scheduled_life_is_deterministic() -> None:
    a, b = build(), build()
    for state in (a, b):
        state.clock.advance(6 * 3600)
        state.run_due_events()
    assert fingerprint(a) == fingerprint(b)


# ---- action handlers -----------------------------------------------------------------------------------


def test_create_incident_handler() -> None:
    state = build()
    crm = next(c.id for c in state.projects["OPS"].components if c.name == "CRM Platform")
    at = state.now()
    issue = create_incident(
        state, at=at, summary="  Händlerportal down  ", priority_id="2", component_ids=[crm], description="x\n\ny"
    )
    assert issue.key.startswith("OPS-") and state.issues[issue.key] is issue
    assert issue.summary == "Händlerportal down"
    assert issue.created == at and issue.component_ids == [crm]
    assert not state.users[issue.reporter].agent
    assert adf.to_text(issue.description) == "x\n\ny"
    with pytest.raises(SimError) as bad_priority:
        create_incident(state, at=at, summary="x", priority_id="42")
    assert bad_priority.value.status == 400
    with pytest.raises(SimError):
        create_incident(state, at=at, summary="x", priority_id="3", component_ids=["99999"])


def test_create_incident_schedules_follow_ups() -> None:
    state = build()
    issue = create_incident(
        state, at=state.now(), summary="Dealer Portal slow", priority_id="3", follow_ups=[(120, "Any news?")]
    )
    state.clock.advance(119)
    state.run_due_events()
    assert not issue.comments
    state.clock.advance(1)
    state.run_due_events()
    assert [adf.to_text(c.body) for c in issue.comments] == ["Any news?"]


def test_customer_reply_moves_waiting_for_customer_to_waiting_for_support() -> None:
    state = build()
    waiting = state.status_by_name("Waiting for customer")
    assert waiting is not None
    issue = next(i for i in state.issues.values() if i.status_id == waiting.id)
    comment = customer_comment(state, at=state.now(), key=issue.key, text="Here you go")
    assert comment.public and not state.users[comment.author].agent
    assert state.statuses[issue.status_id].name == "Waiting for support"
    assert issue.history[-1].kind == "status" and issue.history[-2].kind == "comment"


def test_reassign_and_set_status_skip_stale_changes() -> None:
    state = build()
    issue = next(
        i for i in state.issues.values() if i.assignee and i.assignee != ME_ACCOUNT_ID and not is_done(state, i)
    )
    other = issue.assignee
    reassign(state, at=state.now(), key=issue.key, account_id=ME_ACCOUNT_ID, actor=ME_ACCOUNT_ID)
    assert issue.assignee == ME_ACCOUNT_ID
    # A colleague's scheduled hand-over that expected the old assignee must not undo the user's take.
    reassign(state, at=state.now(), key=issue.key, account_id=other, actor=other, expected_assignee=other)  # type: ignore[arg-type]
    assert issue.assignee == ME_ACCOUNT_ID
    resolved = state.status_by_name("Resolved")
    assert resolved is not None
    set_status(
        state,
        at=state.now(),
        key=issue.key,
        status_id=resolved.id,
        actor=other,
        expected_assignee=other,  # type: ignore[arg-type]
    )
    assert not is_done(state, issue)
    set_status(state, at=state.now(), key=issue.key, status_id=resolved.id, actor=ME_ACCOUNT_ID, resolution_id="1")
    assert is_done(state, issue) and issue.resolution_id == "1"
    with pytest.raises(SimError):
        reassign(state, at=state.now(), key="OPS-99999", account_id=None, actor=ME_ACCOUNT_ID)


# ---- on-call -------------------------------------------------------------------------------------------


def on_call(state: SimState, schedule_id: str, at: datetime) -> str:
    rotation = state.schedules[schedule_id].rotations[0]
    shifts = int((at - rotation.start).total_seconds() // (rotation.length_hours * 3600))
    return rotation.participant_ids[shifts % len(rotation.participant_ids)]


def test_teams_schedules_and_escalations(default: SimState) -> None:
    for ident in [*default.teams, *default.schedules, *default.escalations]:
        assert str(uuid.UUID(ident)) == ident
    service_teams = [t for t in default.teams.values() if t.name != "IT Service Operations"]
    assert {t.name for t in service_teams} == {
        "CRM Platform Team",
        "Consent & Privacy",
        "Customer Data Hub Team",
        "Dealer Experience",
        "Identity Team",
        "Telematics Ops",
    }
    now = default.now()
    duty = next(s for s in default.schedules.values() if s.name == "IT Ops Duty Manager")
    assert default.users[on_call(default, duty.id, now)].agent
    for team in service_teams:
        assert 4 <= len(team.member_ids) <= 6 and team.lead in team.member_ids
        schedules = {s.name: s for s in default.schedules.values() if s.team_id == team.id}
        primary, secondary = schedules[f"{team.name} – Primary"], schedules[f"{team.name} – Secondary"]
        for schedule in (primary, secondary):
            rotation = schedule.rotations[0]
            assert rotation.start < now and rotation.length_hours == 168
            local = rotation.start.astimezone(ZoneInfo(schedule.time_zone))
            assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
            assert set(rotation.participant_ids) == set(team.member_ids)
        assert on_call(default, primary.id, now) != on_call(default, secondary.id, now)
        (escalation,) = [e for e in default.escalations.values() if e.team_id == team.id]
        rules = [(r.delay_minutes, r.recipient_type, r.recipient_id, r.condition) for r in escalation.rules]
        assert rules == [
            (0, "schedule", primary.id, "if-not-acked"),
            (15, "schedule", secondary.id, "if-not-acked"),
            (30, "user", team.lead, "if-not-acked"),
            (60, "schedule", duty.id, "if-not-acked"),
        ]


def test_the_primary_on_call_changes_at_the_monday_handover() -> None:
    state = build()
    primary = next(s for s in state.schedules.values() if s.name == "CRM Platform Team – Primary")
    before = datetime(2026, 3, 9, 8, 59, tzinfo=BERLIN)
    after = datetime(2026, 3, 9, 9, 1, tzinfo=BERLIN)
    assert on_call(state, primary.id, before) == on_call(state, primary.id, MONDAY)
    assert on_call(state, primary.id, after) != on_call(state, primary.id, before)


def test_team_for_component(default: SimState) -> None:
    expected = {
        "CRM Platform": "CRM Platform Team",
        "Marketing Preferences API": "Consent & Privacy",
        "Data Warehouse Exports": "Customer Data Hub Team",
        "Vehicle Telematics Gateway": "Telematics Ops",
    }
    for component in default.projects["OPS"].components:
        team = team_for_component(default, component.id)
        assert team is not None and team.id in default.teams
        if component.name in expected:
            assert team.name == expected[component.name]
    assert team_for_component(default, "no-such-component") is None


# ---- large ----------------------------------------------------------------------------------------------


def test_large_has_ten_thousand_open_incidents(large: tuple[SimState, float]) -> None:
    state, seconds = large
    print(f"\nlarge scenario built in {seconds:.2f} s")
    ops = [i for i in state.issues.values() if i.project_key == "OPS"]
    assert len(state.issues) == len(ops) == 10_000
    assert not any(is_done(state, i) for i in ops)
    assert len({i.summary for i in ops}) > 2_000
    components = {c.id for c in state.projects["OPS"].components}
    assert {cid for i in ops for cid in i.component_ids} == components
    created = [i.created for i in ops]
    assert created == sorted(created) and all(len(i.history) <= 3 for i in ops)
    assert seconds < 20  # generous: it takes well under a second on the reference machine
    assert state.pending_events() > 50  # life goes on here too
    check_references(state)
