"""The `large` scenario's issues: 10,000 open incidents for benchmarks, built fast.

Summaries are combinatorial and history is minimal (creation, at most an assignment and one status change):
the point is volume for search, paging and the UI's table, not stories.
"""

from __future__ import annotations

import random
from datetime import timedelta

from oncall_tui.sim.scenarios import texts
from oncall_tui.sim.scenarios.catalog import (
    ESCALATED,
    IN_PROGRESS,
    INCIDENT,
    OPS,
    WAITING_FOR_CUSTOMER,
    component_id,
)
from oncall_tui.sim.scenarios.default import Cast
from oncall_tui.sim.state import SimState

LARGE_COUNT = 10_000
_SPREAD_MINUTES = 30 * 24 * 60


def build_large_issues(state: SimState, rng: random.Random, cast: Cast, count: int = LARGE_COUNT) -> None:
    now = state.now()
    component_ids = {service: component_id(state, service) for service in texts.SYMPTOMS}
    orgs = {customer: cast.org(customer) for customer in cast.customers}
    # Oldest first, so keys grow with creation time as on a real site.
    ages = sorted((round(rng.uniform(3, _SPREAD_MINUTES) * 60) for _ in range(count)), reverse=True)
    for age_s in ages:
        template = texts.generated_template(rng)
        reporter = rng.choice(cast.customers)
        created = now - timedelta(seconds=age_s)
        issue = state.add_issue(
            project_key=OPS,
            summary=template.summary,
            priority_id=template.priority,
            reporter=reporter,
            created=created,
            description=texts.short_description(f"Reported by {orgs[reporter]}: {template.summary}."),
            issue_type_id=INCIDENT,
            component_ids=(component_ids[template.service],),
            labels=template.labels,
        )
        roll = rng.random()
        if roll >= 0.6:
            continue
        engineer = rng.choice(cast.teams[template.service])
        at = created + timedelta(seconds=round(min(rng.uniform(120, 5400), age_s * 0.5)))
        state.assign(issue, engineer, engineer, at=at)
        if roll < 0.3:
            continue
        status = IN_PROGRESS if roll < 0.5 else WAITING_FOR_CUSTOMER if roll < 0.56 else ESCALATED
        state.set_status(issue, status, engineer, at=at + timedelta(seconds=30))
