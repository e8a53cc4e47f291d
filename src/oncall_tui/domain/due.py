"""Escalation due: whether an incident should go to its policy's next level now (pure; nothing is escalated here).

Two reasons, as issue 9 says: the current level's response timeout passed without anyone reacting, or, while
still at the first level, an SLA is at risk (the table's own rule, `AtRiskThresholds`) or already breached.
Either needs a next level to escalate to, and a done incident is never due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from oncall_tui.domain.escalation import current_level
from oncall_tui.domain.incident import Incident, StatusCategory
from oncall_tui.domain.sla import AtRiskThresholds, SlaState

__all__ = ["DueKind", "DueReason", "HasTimeout", "escalation_due"]


class HasTimeout(Protocol):
    """A policy level, resolved (`ResolvedLevel`) or as configured (`Level`): both carry the timeout."""

    @property
    def response_timeout(self) -> timedelta | None: ...

    @property
    def name(self) -> str: ...


class DueKind(StrEnum):
    TIMEOUT = "timeout"  # the level's response timeout passed without acknowledgement
    SLA = "sla"  # first level, and an SLA is at risk or breached


@dataclass(frozen=True, slots=True)
class DueReason:
    kind: DueKind
    level: int  # the current level (0 = the first)
    overdue: timedelta | None = None  # TIMEOUT: how long past the timeout
    sla: str | None = None  # SLA: the clock's name
    sla_state: SlaState | None = None  # SLA: AT_RISK or BREACHED


def _level_start(incident: Incident, level: int) -> datetime | None:
    state = incident.escalation
    if state is not None and state.since is not None:
        # Also at level 0 after a de-escalation: the clock restarts when the level was entered.
        return state.since
    return incident.created if level == 0 else None


def _acknowledged(incident: Incident, level: int) -> bool:
    state = incident.escalation
    if level == 0 and (state is None or state.last is None):
        # Nobody recorded an escalation: someone reacted when it is assigned or work on it has started.
        return incident.assignee is not None or incident.status_category is not StatusCategory.NEW
    return state is not None and state.acknowledged(incident.updated)


def due_from(
    incident: Incident,
    levels: Sequence[HasTimeout],
    now: datetime,
    thresholds: AtRiskThresholds | None = None,
) -> datetime | None:
    """For an incident not due at `now`: the first moment it can become due by time alone (its level's response
    time running out, or at level 1 an SLA entering at risk or breaching); None when only a change to the
    incident can make it due. Once due by time, an incident stays due until it changes."""
    if incident.is_done:
        return None
    level = current_level(incident.escalation, [lv.name for lv in levels])
    if level + 1 >= len(levels):
        return None
    moments: list[datetime] = []
    timeout = levels[level].response_timeout
    start = _level_start(incident, level)
    if timeout is not None and start is not None and not _acknowledged(incident, level) and start + timeout > now:
        moments.append(start + timeout)
    if level == 0:
        moments.extend(m for sla in incident.slas if (m := sla.next_change_at(now, thresholds)) is not None)
    return min(moments) if moments else None


def escalation_due(
    incident: Incident,
    levels: Sequence[HasTimeout],
    now: datetime,
    thresholds: AtRiskThresholds | None = None,
) -> DueReason | None:
    """Why escalating `incident` to its next level is due at `now`; None when it is not."""
    if incident.is_done:
        return None
    level = current_level(incident.escalation, [lv.name for lv in levels])
    if level + 1 >= len(levels):
        return None  # nowhere to escalate to
    timeout = levels[level].response_timeout if level < len(levels) else None
    start = _level_start(incident, level)
    if timeout is not None and start is not None and not _acknowledged(incident, level):
        overdue = now - (start + timeout)
        if overdue >= timedelta(0):
            return DueReason(DueKind.TIMEOUT, level, overdue=overdue)
    if level == 0:
        worst: tuple[int, str, SlaState] | None = None
        for sla in incident.slas:
            state = sla.state_at(now, thresholds)
            if state in (SlaState.AT_RISK, SlaState.BREACHED):
                rank = 0 if state is SlaState.BREACHED else 1
                if worst is None or rank < worst[0]:
                    worst = (rank, sla.name, state)
        if worst is not None:
            return DueReason(DueKind.SLA, level, sla=worst[1], sla_state=worst[2])
    return None
