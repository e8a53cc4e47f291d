"""Rotas defined in the config, computed locally: who is on call at an instant, and the shifts over a span.

Hand-overs happen at a wall-clock time in the rota's own zone, so a 09:00 hand-over stays 09:00 local across
daylight-saving changes and the shift spanning the change is 23 or 25 hours long (weekly: 167 or 169). Every
hand-over instant is computed from the start date afresh (never by adding hours to the previous one, which
would drift by the DST offset). A hand-over time the change skips (02:30 on the spring-forward night) happens
at the same UTC instant as it would have without the change, i.e. 03:30 local; one it repeats happens at its
first occurrence (zoneinfo's fold=0). Shifts are half-open: the new person is on call from the hand-over
instant on, inclusive.

All instants returned are in UTC; callers show them in whichever zone they like.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oncall_tui.domain.oncall import Contact, OnCallShift, Source

__all__ = ["Override", "Rota", "RotaNotStarted", "Rotation", "on_call", "shifts"]


class Rotation(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def days(self) -> int:
        return 1 if self is Rotation.DAILY else 7


class RotaNotStarted(ValueError):
    """Asked about an instant before the rota's first hand-over: nobody is on call by this rota then."""


def _aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Override:
    """A swap: `who` is on call instead of the scheduled person from `start` until `end` (half-open).

    With `instead_of` set, the swap applies only while that person is scheduled (covering one colleague's
    shift); without it, it replaces whoever is scheduled. Later overrides in the rota win over earlier ones."""

    who: Contact
    start: datetime
    end: datetime
    instead_of: Contact | None = None

    def __post_init__(self) -> None:
        _aware(self.start, "Override.start")
        _aware(self.end, "Override.end")
        if self.end <= self.start:
            raise ValueError("an override must end after it starts")

    def applies_to(self, scheduled: Contact) -> bool:
        return self.instead_of is None or self.instead_of.same_person(scheduled)


@dataclass(frozen=True, slots=True)
class Rota:
    """Participants take turns in order; the first takes over at `handover` on `start` in `time_zone`."""

    name: str
    participants: tuple[Contact, ...]
    time_zone: str
    start: date
    handover: time = time(9, 0)
    rotation: Rotation = Rotation.WEEKLY
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        if not self.participants:
            raise ValueError(f"rota {self.name!r} needs at least one participant")
        if self.handover.tzinfo is not None:
            # The hand-over is a wall-clock time in the rota's zone; a second zone on it would be ambiguous.
            raise ValueError(f"rota {self.name!r}: the hand-over time takes its zone from time_zone")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"rota {self.name!r}: unknown time zone {self.time_zone!r}") from error

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def starts_at(self) -> datetime:
        return self.handover_at(0)

    def handover_at(self, index: int) -> datetime:
        """The instant (UTC) at which turn `index` (0 = the first) begins."""
        day = self.start + timedelta(days=index * self.rotation.days)
        return datetime.combine(day, self.handover, tzinfo=self.zone).astimezone(UTC)

    def scheduled(self, index: int) -> Contact:
        return self.participants[index % len(self.participants)]

    def turn_at(self, at: datetime) -> int:
        """The index of the turn whose hand-over interval contains `at`."""
        _aware(at, "the instant asked about")
        if at < self.starts_at:
            raise RotaNotStarted(f"rota {self.name!r} starts at {self.starts_at.isoformat()}")
        local_day = at.astimezone(self.zone).date()
        index = max(0, (local_day - self.start).days // self.rotation.days)
        # The estimate from the local date is off by one around the hand-over time of day; settle it exactly.
        while index > 0 and self.handover_at(index) > at:
            index -= 1
        while self.handover_at(index + 1) <= at:
            index += 1
        return index


def _turn_pieces(rota: Rota, index: int) -> list[OnCallShift]:
    """Turn `index` split where overrides begin or end, each piece with whoever is on call in it."""
    begin, finish = rota.handover_at(index), rota.handover_at(index + 1)
    scheduled = rota.scheduled(index)
    relevant = [o for o in rota.overrides if o.applies_to(scheduled) and o.start < finish and o.end > begin]
    cuts = sorted({begin, finish, *(max(o.start, begin) for o in relevant), *(min(o.end, finish) for o in relevant)})
    pieces: list[tuple[Contact, datetime, datetime]] = []
    for lo, hi in itertools.pairwise(cuts):
        who = scheduled
        for override in relevant:  # later overrides win
            if override.start <= lo and hi <= override.end:
                who = override.who
        if pieces and pieces[-1][0].same_person(who):
            # A swap to the person already on call is no hand-over.
            pieces[-1] = (pieces[-1][0], pieces[-1][1], hi)
        else:
            pieces.append((who, lo, hi))
    return [
        OnCallShift(who=who, source=Source.CONFIG_ROTA, since=lo.astimezone(UTC), until=hi.astimezone(UTC))
        for who, lo, hi in pieces
    ]


def _with_next(piece: OnCallShift, following: OnCallShift) -> OnCallShift:
    return OnCallShift(
        who=piece.who,
        source=piece.source,
        since=piece.since,
        until=piece.until,
        next=following.who,
        next_from=following.since,
    )


def on_call(rota: Rota, at: datetime) -> OnCallShift:
    """Who is on call at `at`: since when, until when, and who is next from when (their shift's start).

    Raises RotaNotStarted before the rota's first hand-over."""
    index = rota.turn_at(at)
    pieces = _turn_pieces(rota, index)
    following = [*pieces[1:], _turn_pieces(rota, index + 1)[0]]
    for piece, after in zip(pieces, following, strict=True):
        if piece.contains(at):
            return _with_next(piece, after)
    raise AssertionError("the pieces of a turn cover it")  # pragma: no cover - guarded by construction


def shifts(rota: Rota, start: datetime, end: datetime) -> list[OnCallShift]:
    """Every shift that overlaps [start, end), whole (not cut at start or end), in order, each with its
    successor as `next`. They tile time: each ends where the next begins. Before the rota starts there are
    none; a span wholly before it gives an empty list."""
    _aware(start, "start")
    _aware(end, "end")
    if end <= start or end <= rota.starts_at:
        return []
    first = 0 if start < rota.starts_at else rota.turn_at(start)
    last = rota.turn_at(end - timedelta(microseconds=1))
    pieces: list[OnCallShift] = []
    for index in range(first, last + 2):  # one turn more, to know who is next after the last
        pieces.extend(_turn_pieces(rota, index))
    result = [_with_next(piece, after) for piece, after in itertools.pairwise(pieces)]
    return [s for s in result if s.until is not None and s.since is not None and s.until > start and s.since < end]
