"""Who is on call: the rotation maths behind the simulated JSM Ops schedules.

Shifts are laid out in the schedule's wall-clock time, as JSM Ops does: a daily rotation that hands over at
09:00 Europe/Berlin keeps handing over at 09:00 local time across daylight-saving changes, so the shift
that contains a change is an hour shorter or longer than usual.

Handover instants are the local boundaries resolved with `fold=0`: a boundary that falls into the hour
skipped in spring is pushed forward by the gap (02:30 on the change night becomes 03:30 summer time), and
one that falls into the hour repeated in autumn happens at its first occurrence. For shifts of at least
one hour this keeps handovers in order, and `on_call_at` agrees with `next_handover` to the microsecond.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from oncall_tui.sim.model import Rotation, Schedule

# How far ahead `next_on_call` looks for a shift change before giving up (a one-person rotation never
# changes hands).
LOOKAHEAD = timedelta(days=400)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _wall(t: datetime, tz: ZoneInfo) -> datetime:
    return t.astimezone(tz).replace(tzinfo=None)


def shift_start(rotation: Rotation, index: int, tz_name: str) -> datetime:
    """The instant (UTC) shift `index` (0 = the rotation's first shift) of `rotation` begins."""
    if index <= 0:
        return rotation.start.astimezone(UTC)
    tz = _zone(tz_name)
    local = _wall(rotation.start, tz) + timedelta(hours=rotation.length_hours * index)
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def shift_index(rotation: Rotation, t: datetime, tz_name: str) -> int | None:
    """Which shift of `rotation` covers instant `t`; None before the rotation starts."""
    if rotation.length_hours <= 0:
        raise ValueError(f"rotation {rotation.id}: shift length must be positive")
    # In UTC: Python compares and subtracts datetimes sharing a tzinfo by wall clock, ignoring DST.
    t = t.astimezone(UTC)
    if t < rotation.start.astimezone(UTC):
        return None
    tz = _zone(tz_name)
    length = timedelta(hours=rotation.length_hours)
    # The wall-clock estimate is off by at most one shift around a DST change; correct it exactly.
    index = max(0, (_wall(t, tz) - _wall(rotation.start, tz)) // length)
    while shift_start(rotation, index + 1, tz_name) <= t:
        index += 1
    while index > 0 and shift_start(rotation, index, tz_name) > t:
        index -= 1
    return index


def rotation_on_call(rotation: Rotation, t: datetime, tz_name: str) -> str | None:
    """The participant of `rotation` on call at `t` (None before it starts or if it has nobody)."""
    if not rotation.participant_ids:
        return None
    index = shift_index(rotation, t, tz_name)
    if index is None:
        return None
    return rotation.participant_ids[index % len(rotation.participant_ids)]


def on_call_at(schedule: Schedule, t: datetime) -> list[str]:
    """Account ids on call at `t`: one per rotation that has started, in rotation order, without repeats."""
    if t.tzinfo is None:
        raise ValueError("on_call_at needs a timezone-aware instant")
    found: list[str] = []
    for rotation in schedule.rotations:
        who = rotation_on_call(rotation, t, schedule.time_zone)
        if who is not None and who not in found:
            found.append(who)
    return found


def next_handover(schedule: Schedule, t: datetime) -> datetime | None:
    """The first shift boundary (UTC) of any rotation strictly after `t`; None if no rotation has people."""
    candidates: list[datetime] = []
    for rotation in schedule.rotations:
        if not rotation.participant_ids:
            continue
        index = shift_index(rotation, t, schedule.time_zone)
        candidates.append(shift_start(rotation, 0 if index is None else index + 1, schedule.time_zone))
    return min(candidates) if candidates else None


def next_on_call(schedule: Schedule, t: datetime) -> tuple[datetime, list[str]] | None:
    """When the on-call set next changes after `t`, and who is on call from then; None if it never does.

    Boundaries where the same people carry on (a one-person rotation) are skipped.
    """
    current = on_call_at(schedule, t)
    horizon = t.astimezone(UTC) + LOOKAHEAD
    at = next_handover(schedule, t)
    while at is not None and at <= horizon:
        following = on_call_at(schedule, at)
        if set(following) != set(current):
            return at, following
        at = next_handover(schedule, at)
    return None
