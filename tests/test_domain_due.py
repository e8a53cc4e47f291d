"""Escalation due (issue 9 item 5), pure: the level's timeout without acknowledgement, an SLA at risk or breached
at the first level, and never without a next level or for a done incident."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from oncall_tui.domain.due import DueKind, escalation_due
from oncall_tui.domain.escalation import EscalationRecord, EscalationState
from oncall_tui.domain.incident import Incident, StatusCategory
from oncall_tui.domain.oncall import Contact, FixedContacts, Level, ResolvedLevel, Source
from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import AtRiskThresholds, SlaClock, SlaState

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
FIXED = FixedContacts((Contact(account_id="a1"),))
LEVELS = (
    Level("L1", FIXED, response_timeout=timedelta(minutes=15)),
    Level("L2", FIXED, response_timeout=timedelta(minutes=30)),
    Level("L3", FIXED),
)


def incident(**changes: object) -> Incident:
    base = Incident(
        key="OPS-1",
        id="1",
        summary="down",
        status="Open",
        status_category=StatusCategory.NEW,
        created=T0,
        updated=T0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def escalated(level: int, at: datetime, jira_updated: datetime) -> EscalationState:
    record = EscalationRecord("c1", at, "Anna", "u1", "no answer", level - 1, level, f"L{level + 1}",
                              jira_updated=jira_updated)  # fmt: skip
    return EscalationState("P", level, f"L{level + 1}", (record,))


def sla(remaining: timedelta, goal: timedelta = 4 * HOUR) -> SlaClock:
    return SlaClock(
        "Time to resolution",
        fetched_at=T0,
        goal_ms=int(goal.total_seconds() * 1000),
        remaining_ms=int(remaining.total_seconds() * 1000),
    )


def test_level_0_is_due_when_its_timeout_passed_unassigned_and_new() -> None:
    now = T0 + timedelta(minutes=20)
    reason = escalation_due(incident(), LEVELS, now)
    assert reason is not None and reason.kind is DueKind.TIMEOUT and reason.level == 0
    assert reason.overdue == timedelta(minutes=5)
    assert escalation_due(incident(), LEVELS, T0 + timedelta(minutes=14)) is None, "not yet"


def test_level_0_is_acknowledged_by_an_assignee_or_work_started() -> None:
    now = T0 + timedelta(minutes=20)
    assert escalation_due(incident(assignee=Person("Kai", account_id="u2")), LEVELS, now) is None
    started = incident(status="In Progress", status_category=StatusCategory.IN_PROGRESS)
    assert escalation_due(started, LEVELS, now) is None


def test_later_levels_count_from_the_escalation_and_a_reaction_acknowledges() -> None:
    at = T0 + HOUR
    state = escalated(1, at, jira_updated=at)
    # Assigned to L2 (the escalation's own change): not an acknowledgement, the timer runs from `at`.
    inc = incident(escalation=state, updated=at, assignee=Person("L2 person", account_id="l2"))
    assert escalation_due(inc, LEVELS, at + timedelta(minutes=29)) is None
    reason = escalation_due(inc, LEVELS, at + timedelta(minutes=31))
    assert reason is not None and reason.kind is DueKind.TIMEOUT and reason.level == 1
    assert reason.overdue == timedelta(minutes=1)
    reacted = dataclasses.replace(inc, updated=at + timedelta(minutes=10))
    assert escalation_due(reacted, LEVELS, at + timedelta(minutes=31)) is None


def test_resolved_levels_work_as_configured_ones_do() -> None:
    resolved = tuple(
        ResolvedLevel(i, level.name, Source.FIXED, response_timeout=level.response_timeout)
        for i, level in enumerate(LEVELS)
    )
    reason = escalation_due(incident(), resolved, T0 + timedelta(minutes=16))
    assert reason is not None and reason.kind is DueKind.TIMEOUT


def test_no_next_level_and_done_incidents_are_never_due() -> None:
    last = incident(escalation=escalated(2, T0, jira_updated=T0))
    assert escalation_due(last, LEVELS, T0 + 10 * HOUR) is None
    assert escalation_due(incident(), LEVELS[:1], T0 + 10 * HOUR) is None
    done = incident(status="Done", status_category=StatusCategory.DONE, slas=(sla(-HOUR),))
    assert escalation_due(done, LEVELS, T0 + 10 * HOUR) is None


def test_an_sla_at_risk_or_breached_at_the_first_level_is_due_by_the_tables_rule() -> None:
    no_timeout = (Level("L1", FIXED), Level("L2", FIXED))
    assigned = Person("Kai", account_id="u2")
    # 4 h goal: the window is max(30 min, 20 % = 48 min).
    at_risk = incident(assignee=assigned, slas=(sla(timedelta(minutes=45)),))
    reason = escalation_due(at_risk, no_timeout, T0)
    assert reason is not None and reason.kind is DueKind.SLA and reason.sla_state is SlaState.AT_RISK
    assert reason.sla == "Time to resolution"
    running = incident(assignee=assigned, slas=(sla(timedelta(minutes=50)),))
    assert escalation_due(running, no_timeout, T0) is None
    # A larger configured window makes the same clock at risk, as in the table.
    assert escalation_due(running, no_timeout, T0, AtRiskThresholds(minutes=60)) is not None
    breached = incident(assignee=assigned, slas=(sla(-timedelta(minutes=1)),))
    reason = escalation_due(breached, no_timeout, T0)
    assert reason is not None and reason.sla_state is SlaState.BREACHED


def test_an_sla_at_risk_above_the_first_level_is_not_due_by_sla() -> None:
    state = escalated(1, T0, jira_updated=T0)
    inc = incident(escalation=state, updated=T0 + timedelta(minutes=1), slas=(sla(-HOUR),))
    assert escalation_due(inc, LEVELS, T0 + timedelta(minutes=5)) is None
