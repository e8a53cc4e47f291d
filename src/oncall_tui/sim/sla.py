"""The simulator's SLA engine: JSM SLA cycles replayed from an issue's history, and their REST rendering.

JSM semantics reproduced here:
- the clock starts when the issue is created and counts only the calendar's working time;
- it pauses while the status is one of the definition's pause statuses;
- it stops when the status enters a stop status, or (first-response SLAs) at the first public comment
  by an agent; leaving a stop status later (a reopen) starts a new cycle, except after a first response;
- the ongoing cycle's goal follows the issue's *current* priority (JSM recalculates on priority change),
  while a completed cycle keeps the goal of the priority it had when it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from oncall_tui.sim.calendars import Calendar, TwentyFourSeven
from oncall_tui.sim.model import (
    Issue,
    IssueEvent,
    SlaCompletedCycle,
    SlaDefinition,
    SlaGoal,
    SlaOngoingCycle,
    SlaRecord,
)

# A goal pointing at a calendar the site does not define still gets a clock, rather than an error
# in the middle of a search.
_FALLBACK_CALENDAR = TwentyFourSeven("_fallback", "24/7")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class _Cycle:
    start: datetime
    # Closed running stretches [from, to); `running_since` is the open one, if the clock runs now.
    segments: list[tuple[datetime, datetime]] = field(default_factory=list)
    running_since: datetime | None = None
    stop: datetime | None = None
    stop_priority: str | None = None


def _event_time(event: IssueEvent) -> datetime:
    return event.at


def compute_sla(
    definition: SlaDefinition, issue: Issue, calendars: dict[str, Calendar], now: datetime
) -> SlaRecord | None:
    """What JSM would report for `definition` on `issue` at `now`; None when no goal applies."""
    history = issue.history
    # History is appended in time order; sorting (stable, linear on sorted input) guards seeded data.
    events = sorted(history, key=_event_time) if len(history) > 1 else history

    initial_status = issue.status_id
    initial_priority = issue.priority_id
    for event in events:
        if event.kind == "status":
            initial_status = event.data.get("from", initial_status)
            break
    for event in events:
        if event.kind == "priority":
            initial_priority = event.data.get("from", initial_priority)
            break

    pause = definition.pause_status_ids
    stop = definition.stop_status_ids
    on_comment = definition.stop_on_public_agent_comment

    status = initial_status
    priority = initial_priority
    cycles: list[_Cycle] = []
    current: _Cycle | None = None
    started = False
    first_response_done = False

    def begin(at: datetime) -> _Cycle:
        cycle = _Cycle(start=at)
        if status not in pause:
            cycle.running_since = at
        cycles.append(cycle)
        return cycle

    def finish(cycle: _Cycle, at: datetime) -> None:
        if cycle.running_since is not None:
            cycle.segments.append((cycle.running_since, at))
            cycle.running_since = None
        cycle.stop = at
        cycle.stop_priority = priority

    created_at = issue.created
    for event in events:
        if event.kind == "created":
            created_at = event.at
            break
    if created_at <= now:
        started = True
        if status not in stop:
            current = begin(created_at)

    if started:
        for event in events:
            at = event.at
            if at > now:
                break
            if at < created_at:
                continue
            kind = event.kind
            if kind == "status":
                new_status = event.data.get("to", status)
                if current is not None:
                    if new_status in stop:
                        status = new_status
                        finish(current, at)
                        current = None
                    elif new_status in pause and current.running_since is not None:
                        current.segments.append((current.running_since, at))
                        current.running_since = None
                    elif new_status not in pause and current.running_since is None:
                        current.running_since = at
                    status = new_status
                else:
                    was_stopped = status in stop
                    status = new_status
                    if was_stopped and new_status not in stop and not first_response_done:
                        current = begin(at)
            elif kind == "comment":
                data = event.data
                if on_comment and current is not None and data.get("public") and data.get("by_agent"):
                    finish(current, at)
                    current = None
                    first_response_done = True
            elif kind == "priority":
                priority = event.data.get("to", priority)

    goal = definition.goal_for(priority)
    if goal is None:
        return None

    completed: list[SlaCompletedCycle] = []
    for cycle in cycles:
        if cycle is current:
            continue
        assert cycle.stop is not None
        cycle_goal = definition.goal_for(cycle.stop_priority or priority)
        if cycle_goal is None:
            continue  # no goal applied when it stopped, so JSM tracked nothing for that cycle
        calendar = calendars.get(cycle_goal.calendar_id, _FALLBACK_CALENDAR)
        elapsed_ms, breach = _measure(cycle.segments, cycle_goal, calendar, cycle.stop)
        completed.append(
            SlaCompletedCycle(
                start=cycle.start,
                stop=cycle.stop,
                breach_time=breach,
                breached=elapsed_ms > cycle_goal.duration_ms,
                goal_ms=cycle_goal.duration_ms,
                elapsed_ms=elapsed_ms,
                remaining_ms=cycle_goal.duration_ms - elapsed_ms,
            )
        )

    ongoing: SlaOngoingCycle | None = None
    if current is not None:
        calendar = calendars.get(goal.calendar_id, _FALLBACK_CALENDAR)
        segments = current.segments
        if current.running_since is not None:
            segments = [*segments, (current.running_since, now)]
        elapsed_ms, breach = _measure(segments, goal, calendar, now)
        ongoing = SlaOngoingCycle(
            start=current.start,
            breach_time=breach,
            breached=elapsed_ms > goal.duration_ms,
            paused=current.running_since is None,
            within_calendar_hours=calendar.is_working(now),
            goal_ms=goal.duration_ms,
            elapsed_ms=elapsed_ms,
            remaining_ms=goal.duration_ms - elapsed_ms,
        )

    return SlaRecord(definition=definition, completed=tuple(completed), ongoing=ongoing)


def _measure(
    segments: list[tuple[datetime, datetime]], goal: SlaGoal, calendar: Calendar, resume_at: datetime
) -> tuple[int, datetime]:
    """Elapsed working ms over the running segments, and the breach instant.

    The breach instant is when the goal ran out inside a segment; if it has not yet, when it would run
    out were the clock to run from `resume_at` on (now for an ongoing cycle, the stop for a completed one).
    """
    goal_s = goal.duration_ms / 1000
    worked = 0.0
    breach: datetime | None = None
    for begin, end in segments:
        seconds = calendar.working_seconds(begin, end)
        if breach is None and worked + seconds > goal_s:
            breach = calendar.add_working(begin, goal_s - worked)
        worked += seconds
    if breach is None:
        breach = calendar.add_working(resume_at, max(goal_s - worked, 0.0))
    return round(worked * 1000), breach


# ---- REST rendering ------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def format_duration_friendly(ms: int) -> str:
    """JSM's friendly duration: "57h 51m", "152h", "45m", "-1h 5m" (minutes truncated)."""
    minutes_total = abs(ms) // 60_000
    hours, minutes = divmod(minutes_total, 60)
    if hours and minutes:
        text = f"{hours}h {minutes}m"
    elif hours:
        text = f"{hours}h"
    else:
        text = f"{minutes}m"
    return f"-{text}" if ms < 0 and minutes_total else text


def date_value(dt: datetime, tz: str) -> dict[str, Any]:
    """A JSM `DateDTO` for `dt` shown in zone `tz`."""
    local = dt.astimezone(_zone(tz))
    offset = local.strftime("%z")
    base = local.strftime("%Y-%m-%dT%H:%M:%S")
    hour12 = local.hour % 12 or 12
    meridiem = "AM" if local.hour < 12 else "PM"
    return {
        "iso8601": f"{base}{offset}",
        "jira": f"{base}.{local.microsecond // 1000:03d}{offset}",
        "friendly": (
            f"{local.day:02d}/{_MONTHS[local.month - 1]}/{local.year % 100:02d} {hour12}:{local.minute:02d} {meridiem}"
        ),
        "epochMillis": (dt - _EPOCH) // _MS,
    }


def _duration(ms: int) -> dict[str, Any]:
    return {"millis": ms, "friendly": format_duration_friendly(ms)}


def sla_to_json(record: SlaRecord, *, self_url: str, display_tz: str, include_id: bool = True) -> dict[str, Any]:
    """JSM's `SlaInformation` for one metric; `self_url` is the metric's full `.../sla/{id}` link."""
    out: dict[str, Any] = {}
    if include_id:
        out["id"] = record.definition.id
    out["name"] = record.definition.name
    out["_links"] = {"self": self_url}
    cycles = []
    for cycle in record.completed:
        item: dict[str, Any] = {
            "startTime": date_value(cycle.start, display_tz),
            "stopTime": date_value(cycle.stop, display_tz),
        }
        if cycle.breach_time is not None:
            item["breachTime"] = date_value(cycle.breach_time, display_tz)
        item["breached"] = cycle.breached
        item["goalDuration"] = _duration(cycle.goal_ms)
        item["elapsedTime"] = _duration(cycle.elapsed_ms)
        item["remainingTime"] = _duration(cycle.remaining_ms)
        cycles.append(item)
    out["completedCycles"] = cycles
    ongoing = record.ongoing
    if ongoing is not None:
        value: dict[str, Any] = {"startTime": date_value(ongoing.start, display_tz)}
        if ongoing.breach_time is not None:
            value["breachTime"] = date_value(ongoing.breach_time, display_tz)
        value["breached"] = ongoing.breached
        value["paused"] = ongoing.paused
        value["withinCalendarHours"] = ongoing.within_calendar_hours
        value["goalDuration"] = _duration(ongoing.goal_ms)
        value["elapsedTime"] = _duration(ongoing.elapsed_ms)
        value["remainingTime"] = _duration(ongoing.remaining_ms)
        out["ongoingCycle"] = value
    out["slaDisplayFormat"] = "NEW_SLA_FORMAT"
    return out
