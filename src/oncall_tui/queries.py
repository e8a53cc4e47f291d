"""JQL that the app writes for people: the generated "At risk" queue (`sim --config-out`, `init`).

Pure and Textual-free: SLA names, thresholds and goals in, one JQL string out. The query asks Jira for what
the table marks ⚠ (`domain.sla`): a running SLA, within calendar hours, not breached, with remaining time
<= max(at_risk_minutes, at_risk_fraction * goal). JSM's JQL has no "fraction of the goal", so the window is
spelled out per priority from the goals known for it; priorities without a known goal get the minutes
threshold, the smallest window the table can use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from oncall_tui.domain.incident import Incident
from oncall_tui.domain.sla import AtRiskThresholds

__all__ = ["SlaGoals", "at_risk_jql", "jql_field", "jql_string", "learn_goals"]


@dataclass(frozen=True, slots=True)
class SlaGoals:
    """One SLA: how JQL names it (`"Time to resolution"` or `cf[10030]`) and its goal per priority name."""

    field: str
    goals_ms: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "goals_ms", MappingProxyType(dict(self.goals_ms)))


def jql_string(text: str) -> str:
    """A JQL string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def jql_field(name: str, field_id: str | None = None) -> str:
    """How a query names a custom field: by its quoted name, else (no name: the caller found it ambiguous or
    empty) as `cf[NNNNN]`, which works whatever the field is called in the user's language."""
    if name.strip():
        return jql_string(name)
    if field_id is None:
        raise ValueError("a field needs a name or an id")
    number = field_id.removeprefix("customfield_")
    return f"cf[{number}]"


def _minutes(window: timedelta) -> int:
    # JQL durations are whole minutes; rounding up keeps an incident the table marks ⚠ in the queue (at worst
    # it joins under a minute early).
    return math.ceil(window.total_seconds() / 60)


def _duration(minutes: int) -> str:
    """A JQL duration as people read it: "30m", "1h 36m", "16h"."""
    hours, rest = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours}h" if hours else "", f"{rest}m" if rest or not hours else "") if part)


def _sla_clause(sla: SlaGoals, thresholds: AtRiskThresholds) -> str:
    f = sla.field
    base = _minutes(thresholds.window(None))
    wider: dict[int, list[str]] = {}
    for priority, goal in sla.goals_ms.items():
        minutes = _minutes(thresholds.window(goal))
        if minutes > base:
            wider.setdefault(minutes, []).append(priority)
    # Every priority gets at least the minutes window; those whose goal makes the fraction larger, more.
    windows = [f'{f} <= remaining("{_duration(base)}")']
    for minutes, priorities in sorted(wider.items()):
        names = ", ".join(jql_string(p) for p in priorities)
        which = f"priority = {names}" if len(priorities) == 1 else f"priority IN ({names})"
        windows.append(f'({which} AND {f} <= remaining("{_duration(minutes)}"))')
    window = windows[0] if len(windows) == 1 else "(" + " OR ".join(windows) + ")"
    # running(): started, not paused, not stopped. `>= remaining("0m")` leaves out breached clocks (their
    # remaining time is negative); at exactly zero the table still says ⚠, not ✖.
    return f'({f} = running() AND {f} = withinCalendarHours() AND {f} >= remaining("0m") AND {window})'


def at_risk_jql(
    slas: Sequence[SlaGoals],
    thresholds: AtRiskThresholds | None = None,
    *,
    scope: str = "",
    order_by: str = "priority DESC",
) -> str | None:
    """Open issues with at least one SLA at risk, as the table judges it; None without SLA fields.

    `scope` is JQL that bounds the query (`project = OPS`); `order_by` the ORDER BY clause without the words.
    """
    if not slas:
        return None
    limits = thresholds or AtRiskThresholds()
    clauses = [_sla_clause(sla, limits) for sla in slas]
    some_sla = clauses[0] if len(clauses) == 1 else "(" + " OR ".join(clauses) + ")"
    parts = [p for p in (scope.strip(), some_sla, "statusCategory != Done") if p]
    jql = " AND ".join(parts)
    return f"{jql} ORDER BY {order_by}" if order_by else jql


def learn_goals(incidents: Iterable[Incident], sla_fields: Mapping[str, str]) -> list[SlaGoals]:
    """The goal of each SLA per priority, as a sample of parsed issues shows it (`sla_fields`: id -> name).

    An ongoing cycle's goal follows the issue's current priority; a completed one kept the goal of the priority
    it had when it stopped, so it only counts where no ongoing cycle says otherwise. JSM goals can depend on
    more than the priority: where one priority shows several goals the largest is kept, so the queue holds
    every issue the table marks ⚠ (and, for the smaller goals, some a little early).
    """
    ongoing: dict[str, dict[str, int]] = {fid: {} for fid in sla_fields}
    completed: dict[str, dict[str, int]] = {fid: {} for fid in sla_fields}
    for incident in incidents:
        if not incident.priority:
            continue
        for clock in incident.slas:
            if clock.field_id not in sla_fields or not clock.goal_ms or clock.goal_ms <= 0:
                continue
            seen = (completed if clock.completed else ongoing)[clock.field_id]
            seen[incident.priority] = max(seen.get(incident.priority, 0), clock.goal_ms)
    names = list(sla_fields.values())
    result = []
    for fid, name in sla_fields.items():
        goals = {**completed[fid], **ongoing[fid]}
        unique = names.count(name) == 1
        result.append(SlaGoals(jql_field(name if unique else "", fid), goals))
    return result
