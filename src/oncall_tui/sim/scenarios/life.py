"""Ongoing life for the next 24 simulated hours: new incidents, customer comments, colleagues at work.

Everything is decided at build time from the seed and queued with `state.schedule`, so a run is
repeatable; changes by colleagues carry expectations and do nothing if the user got there first.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from oncall_tui.sim.model import Issue
from oncall_tui.sim.scenarios import texts
from oncall_tui.sim.scenarios.catalog import (
    ACTIVE_STATUSES,
    ESCALATED,
    IN_PROGRESS,
    OPS,
    RES_FIXED,
    RESOLVED,
    WAITING_FOR_SUPPORT,
    component_id,
)
from oncall_tui.sim.scenarios.default import Cast
from oncall_tui.sim.state import SimState

LIFE_HOURS = 24


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=round(rng.uniform(low, high) * 60))


def _service_of(state: SimState, issue: Issue) -> str | None:
    if not issue.component_ids:
        return None
    wanted = issue.component_ids[0]
    for component in state.projects[issue.project_key].components:
        if component.id == wanted:
            return component.name
    return None


def schedule_life(state: SimState, rng: random.Random, cast: Cast, hours: int = LIFE_HOURS) -> None:
    now = state.now()
    end = now + timedelta(hours=hours)
    _schedule_new_incidents(state, rng, cast, now, end)
    open_ops = [
        issue for issue in state.issues.values() if issue.project_key == OPS and issue.status_id in ACTIVE_STATUSES
    ]
    _schedule_customer_comments(state, rng, cast, open_ops, now, end)
    _schedule_colleagues(state, rng, cast, open_ops, now, end)


def _schedule_new_incidents(state: SimState, rng: random.Random, cast: Cast, now: datetime, end: datetime) -> None:
    at = now + _minutes(rng, 7, 20)
    while at < end:
        template = texts.generated_template(rng)
        pool = cast.german_customers if template.de else cast.customers
        reporter = rng.choice(pool)
        org = cast.org(reporter)
        follow_ups: tuple[tuple[float, str], ...] = ()
        if rng.random() < 0.2:
            german = cast.users[reporter].locale.startswith("de")
            texts_pool = texts.CUSTOMER_FOLLOW_UPS_DE if german else texts.CUSTOMER_FOLLOW_UPS_EN
            follow_ups = ((round(rng.uniform(20, 90) * 60), texts.fill(rng.choice(texts_pool), org=org)),)
        state.schedule(
            at,
            "create_incident",
            summary=template.summary,
            priority_id=template.priority,
            component_ids=(component_id(state, template.service),),
            reporter=reporter,
            description=texts.description(rng, template, org),
            labels=template.labels,
            follow_ups=follow_ups,
        )
        at += _minutes(rng, 7, 20)


def _schedule_customer_comments(
    state: SimState, rng: random.Random, cast: Cast, open_ops: list[Issue], now: datetime, end: datetime
) -> None:
    candidates = [issue for issue in open_ops if cast.is_customer(issue.reporter)]
    if not candidates:
        return
    at = now + _minutes(rng, 20, 60)
    while at < end:
        issue = rng.choice(candidates)
        german = cast.users[issue.reporter].locale.startswith("de")
        pool = texts.CUSTOMER_FOLLOW_UPS_DE if german else texts.CUSTOMER_FOLLOW_UPS_EN
        if rng.random() < 0.3:
            pool = texts.CUSTOMER_ANSWERS
        text = texts.fill(rng.choice(pool), org=cast.org(issue.reporter))
        state.schedule(at, "customer_comment", key=issue.key, text=text)
        at += _minutes(rng, 25, 70)


def _schedule_colleagues(
    state: SimState, rng: random.Random, cast: Cast, open_ops: list[Issue], now: datetime, end: datetime
) -> None:
    """Other engineers re-assign within their team and resolve their own work; never the user's issues."""
    others = [issue for issue in open_ops if issue.assignee not in (None, cast.me)]
    rng.shuffle(others)
    used: set[str] = set()

    at = now + _minutes(rng, 40, 90)
    while at < end and others:
        issue = others.pop()
        service = _service_of(state, issue)
        team = [a for a in cast.teams.get(service or "", []) if a != issue.assignee]
        if not team:
            continue
        target = rng.choice(team)
        state.schedule(
            at,
            "reassign",
            key=issue.key,
            account_id=target,
            actor=issue.assignee,
            expected_assignee=issue.assignee,
        )
        used.add(issue.key)
        at += _minutes(rng, 70, 150)

    resolvable = [
        issue
        for issue in open_ops
        if issue.assignee not in (None, cast.me)
        and issue.key not in used
        and issue.status_id in (IN_PROGRESS, WAITING_FOR_SUPPORT, ESCALATED)
    ]
    rng.shuffle(resolvable)
    at = now + _minutes(rng, 60, 120)
    while at < end and resolvable:
        issue = resolvable.pop()
        state.schedule(
            at,
            "set_status",
            key=issue.key,
            status_id=RESOLVED,
            actor=issue.assignee,
            resolution_id=RES_FIXED,
            comment=rng.choice(texts.AGENT_RESOLUTIONS),
            expected_status_id=issue.status_id,
            expected_assignee=issue.assignee,
        )
        at += _minutes(rng, 90, 180)
