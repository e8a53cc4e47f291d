"""The escalation pane: for the selected incident, its policy and current level, and every level with who is on
call there, until when, who is next, the time where they are (night hours marked) and how to reach them.

The answer comes from a provider (`EscalationProvider`): the on-call book once it is wired, the Jira leads
until then (`sync/escalation_desk.py`). The pane never waits for it: None means "still looking".

Text from Jira (names, phone numbers, level and team names) is sanitised and shown literally. Widths are
terminal cells (`rich.cells.cell_len`); what does not fit is dropped whole (a phone number, a time) or cut with
an ellipsis (names, words), never in the middle of a number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.style import Style
from rich.text import Text
from textual import events

from oncall_tui import display as fmt
from oncall_tui.domain.escalation import current_level as recorded_level
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.oncall import Contact, OnCallShift, ResolvedLevel, ResolvedPolicy, Source
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.ui.widgets.escalation_parts import (
    ASCII_MOON,
    MOON,
    SOURCE_WORDS,
    Piece,
    flow,
    is_night,
    pack,
    place,
    short_time,
    wrap_words,
    zone,
)
from oncall_tui.ui.widgets.lines import ChangeOnly
from oncall_tui.ui.words import level_name

__all__ = ["ContactRef", "EscalationPane", "EscalationProvider", "contact_refs", "default_ref", "escalation_text"]

# The resolved policy (None while it is being looked up) and the policy's name (None: no policy applies).
EscalationProvider = Callable[[Incident], tuple[ResolvedPolicy | None, str | None]]

# Where the pane is free to grow (the wide layout), it takes at most this share of the side column.
MAX_SHARE = 0.5

DIM = Style(dim=True)
BOLD = Style(bold=True)
CURRENT = Style(bold=True, reverse=True)
CHOSEN = Style(reverse=True)
NIGHT = Style(bold=True)
PROBLEM = Style(bold=True, italic=True)


@dataclass(frozen=True, slots=True)
class ContactRef:
    """A contact in a resolved policy by position: level index, then the shift's index within the level."""

    level: int
    shift: int


def current_level(incident: Incident, resolved: ResolvedPolicy | None = None) -> int:
    """The level recorded on the issue (by name where the policy's levels moved); no record is the first."""
    names = [level.name for level in resolved.levels] if resolved is not None else []
    return recorded_level(incident.escalation, names)


def contact_refs(resolved: ResolvedPolicy) -> list[ContactRef]:
    return [ContactRef(level.index, i) for level in resolved.levels for i in range(len(level.shifts))]


def default_ref(resolved: ResolvedPolicy, current: int) -> ContactRef | None:
    """Whom the copy keys mean until another contact is picked: the next level's first contact (whom one
    escalates to), else the current level's, else the first anywhere."""
    refs = contact_refs(resolved)
    for wanted in (current + 1, current):
        found = next((r for r in refs if r.level == wanted), None)
        if found is not None:
            return found
    return refs[0] if refs else None


def shift_at(resolved: ResolvedPolicy, ref: ContactRef) -> OnCallShift | None:
    level = resolved.level(ref.level)
    if level is None or not 0 <= ref.shift < len(level.shifts):
        return None
    return level.shifts[ref.shift]


def contact_name(contact: Contact, *, short: bool = False) -> str:
    name = sanitize_line(contact.display_name or contact.id)
    return fmt.short_name(name) if short else name


# ---- the text ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Room:
    width: int
    tz: ZoneInfo | None
    now: datetime
    tr: Translator
    ascii_only: bool


def escalation_text(
    incident: Incident | None,
    resolved: ResolvedPolicy | None,
    policy_name: str | None,
    now: datetime,
    tr: Translator = ENGLISH,
    *,
    tz: ZoneInfo | None = None,
    width: int = 36,
    height: int = 10,
    ascii_only: bool = False,
    chosen: ContactRef | None = None,
    hint: str | None = None,
) -> Text:
    """The pane's text in at most `width` cells per line, as much detail as `height` lines allow: every
    contact with next, reach and chat on their own lines; else one line per contact; else one per level."""
    if incident is None:
        return Text("—", style=DIM)
    room = _Room(max(width, 8), tz, now, tr, ascii_only)
    if policy_name is None and resolved is None:
        return Text(fmt.fit(tr("No escalation policy matches this incident"), room.width, ascii_only=ascii_only), DIM)
    name = level_name(policy_name or (resolved.policy.name if resolved is not None else ""), tr)
    title = pack([Piece(tr("Escalation: {service}", service=name), BOLD, cut=True)], room.width, ascii_only=ascii_only)
    if resolved is None:
        waiting = pack([Piece(tr("Looking up who is on call…"), DIM, cut=True)], room.width, ascii_only=ascii_only)
        return _joined([title, waiting])
    current = min(current_level(incident, resolved), max(len(resolved.levels) - 1, 0))
    if chosen is None or shift_at(resolved, chosen) is None:
        chosen = default_ref(resolved, current)
    best: list[Text] = []
    for detail in ("full", "lines", "compact"):
        lines = [title, *_levels(resolved, current, chosen, room, detail)]
        if detail == "full" and hint and chosen is not None:
            lines.append(pack([Piece(hint, DIM, cut=True)], room.width, ascii_only=ascii_only))
        best = lines
        if len(lines) <= height:
            break
    return _joined(best)


def _joined(lines: list[Text]) -> Text:
    text = Text("\n").join(lines)
    text.no_wrap = True
    return text


def _levels(resolved: ResolvedPolicy, current: int, chosen: ContactRef | None, room: _Room, detail: str) -> list[Text]:
    tr = room.tr
    levels = resolved.levels
    lines: list[Text] = []
    if levels:
        at = levels[current]
        lines.append(
            pack(
                [
                    Piece(tr("Level {number} of {count}", number=current + 1, count=len(levels))),
                    Piece(level_name(at.name, tr), cut=True, gap=" · "),
                ],
                room.width,
                ascii_only=room.ascii_only,
            )
        )
    for level in levels:
        lines.extend(_level(level, current, chosen, room, detail))
    return lines


def _marker(level: ResolvedLevel, current: int, ascii_only: bool) -> str:
    if level.index < current:
        return "+" if ascii_only else "✔"
    if level.index == current:
        return "*" if ascii_only else "▸"
    if level.index == current + 1:
        return ">" if ascii_only else "→"
    return " "


def _source_words(level: ResolvedLevel, tr: Translator) -> str:
    words = tr(SOURCE_WORDS[level.source])
    if level.team_name and level.source is Source.JSM_OPS_TEAM:
        words = f"{words} {sanitize_line(level.team_name)}"
    return words


def _level(level: ResolvedLevel, current: int, chosen: ContactRef | None, room: _Room, detail: str) -> list[Text]:
    tr = room.tr
    passed = level.index < current
    style = DIM if passed else CURRENT if level.index == current else None
    header = [
        Piece(_marker(level, current, room.ascii_only)),
        Piece(tr("escalate to:"), rank=3) if level.index == current + 1 else Piece(""),
        Piece(level_name(level.name, tr), cut=True),
        Piece(_source_words(level, tr), rank=2, gap=" · "),
    ]
    lines = [pack(header, room.width, ascii_only=room.ascii_only, base=style)]
    body_style = DIM if passed else None
    if level.problem is not None:
        message, params = level.problem
        clean = {k: sanitize_line(v) if isinstance(v, str) else v for k, v in params.items()}
        words = f"{'!' if room.ascii_only else '⚠'} {tr(message, **clean)}"
        if detail == "full":
            lines.extend(wrap_words(words, room.width, "  ", style=PROBLEM, ascii_only=room.ascii_only))
        else:
            lines.append(
                pack([Piece("  "), Piece(words, PROBLEM, cut=True, gap="")], room.width, ascii_only=room.ascii_only)
            )
    if not level.shifts:
        if level.problem is None:
            lines.append(pack([Piece("  "), Piece(tr("Nobody on call"), DIM, cut=True, gap="")], room.width))
        return lines
    if detail == "compact" and passed:
        return lines  # whom it was escalated past matters less than whom to call now
    shown = range(len(level.shifts))
    if detail == "compact":
        mine = chosen is not None and chosen.level == level.index
        shown = range(chosen.shift, chosen.shift + 1) if mine and chosen else range(1)
    for i in shown:
        is_chosen = chosen == ContactRef(level.index, i)
        shift = level.shifts[i]
        if detail == "full":
            lines.extend(_contact_full(shift, is_chosen, body_style, room))
        else:
            more = len(level.shifts) - 1 if detail == "compact" else 0
            lines.append(_contact_line(shift, is_chosen, body_style, room, more=more, short=detail == "compact"))
    return lines


def _local(contact: Contact, room: _Room, *, with_place: bool) -> list[Piece]:
    """The contact's own clock: "☽03:00 Tokyo" at night there, "14:03 Tokyo" otherwise."""
    tz = zone(contact.time_zone)
    if tz is None:
        return []
    local = room.now.astimezone(tz)
    night = is_night(local)
    moon = (ASCII_MOON if room.ascii_only else MOON) if night else ""
    pieces = [Piece(f"{moon}{local:%H:%M}", NIGHT if night else None, rank=1)]
    if with_place:
        pieces.append(Piece(place(tz), rank=5))
    return pieces


def _until(shift: OnCallShift, room: _Room) -> Piece:
    if shift.until is None:
        return Piece("")
    return Piece(room.tr("until {time}", time=short_time(shift.until, room.tz, room.now, room.tr)), rank=3)


def _next(shift: OnCallShift, room: _Room, rank: int) -> Piece:
    if shift.next is None:
        return Piece("")
    name = contact_name(shift.next, short=True)
    if shift.next_from is None:
        return Piece(room.tr("next: {name}", name=name), rank=rank, cut=True, gap=" · ")
    when = short_time(shift.next_from, room.tz, room.now, room.tr)
    return Piece(room.tr("next: {name} from {time}", name=name, time=when), rank=rank, gap=" · ")


def _contact_line(
    shift: OnCallShift, chosen: bool, style: Style | None, room: _Room, *, more: int, short: bool
) -> Text:
    who = shift.who
    name_style = CHOSEN if chosen else None
    pieces = [
        Piece("  "),
        Piece(contact_name(who, short=short), name_style, cut=True, gap=""),
        *_local(who, room, with_place=not short),
        _until(shift, room),
        Piece(sanitize_line(who.phone), rank=2) if who.phone else Piece(""),
        Piece(f"(+{more})", DIM, rank=1) if more > 0 else Piece(""),
        _next(shift, room, rank=6),
    ]
    return pack(pieces, room.width, ascii_only=room.ascii_only, base=style)


def _contact_full(shift: OnCallShift, chosen: bool, style: Style | None, room: _Room) -> list[Text]:
    tr = room.tr
    who = shift.who
    first = [
        Piece("  "),
        Piece(contact_name(who), CHOSEN if chosen else None, cut=True, gap=""),
    ]
    if shift.until is not None:
        until = short_time(shift.until, room.tz, room.now, tr)
        first.append(Piece(tr("on call until {time}", time=until), rank=3, gap=" · "))
    lines = [pack(first, room.width, ascii_only=room.ascii_only, base=style)]
    clock = _local(who, room, with_place=True)
    if clock:
        clock = [Piece(" ".join(p.text for p in clock), clock[0].style)]
        if clock[0].style is NIGHT:
            clock.append(Piece(tr("night there"), NIGHT, gap=" "))
    rest = [
        *clock,
        _next(shift, room, rank=0),
        Piece(sanitize_line(who.phone), gap=" · ") if who.phone else Piece(""),
        Piece(sanitize_line(who.email), cut=True, gap=" · ") if who.email else Piece(""),
        Piece(sanitize_line(who.chat), cut=True, gap=" · ") if who.chat else Piece(""),
    ]
    lines.extend(flow(rest, room.width, "    ", ascii_only=room.ascii_only))
    return lines


# ---- the widget -------------------------------------------------------------------------------------------------


class EscalationPane(ChangeOnly):
    """Shows `escalation_text` for the incident given to `show`; redraws on a tick only when the minute (and
    with it every clock the pane shows) has changed."""

    DEFAULT_CSS = """
    EscalationPane { height: auto; max-height: 50%; padding: 0 1; border-top: solid $primary;
                     text-wrap: nowrap; }
    """

    def __init__(self, *, tr: Translator = ENGLISH, ascii_only: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tr = tr
        self.ascii_only = ascii_only
        self.tz: ZoneInfo | None = None
        self.provider: EscalationProvider | None = None
        self.hint: str | None = None
        self.incident: Incident | None = None
        self.resolved: ResolvedPolicy | None = None
        self.policy_name: str | None = None
        self._chosen: ContactRef | None = None
        self._chosen_for: str | None = None  # the incident the picked contact belongs to
        self._now: datetime | None = None
        self._drawn_minute: datetime | None = None

    def show(self, incident: Incident | None, now: datetime) -> None:
        if incident is None or incident.key != self._chosen_for:
            self._chosen = None
            self._chosen_for = incident.key if incident is not None else None
        self.incident = incident
        self._now = now
        self._ask()
        self._draw()

    def tick(self, now: datetime) -> None:
        self._now = now
        if _minute(now) != self._drawn_minute:
            self._ask()  # an on-call shift may have handed over
            self._draw()

    def _ask(self) -> None:
        self.resolved, self.policy_name = None, None
        if self.incident is not None and self.provider is not None:
            self.resolved, self.policy_name = self.provider(self.incident)

    def on_resize(self, event: events.Resize) -> None:
        self._draw()

    def _room(self) -> tuple[int, int]:
        width = self.size.width
        height = self.size.height
        if self.styles.height is None or self.styles.height.is_auto:
            # Free to grow: the limit is the stylesheet's share of the column it sits in.
            parent = self.parent.size.height if self.parent is not None else 0  # type: ignore[attr-defined]
            height = max(int(parent * MAX_SHARE) - self.styles.gutter.height, 3)
        return max(width, 8), max(height, 3)

    def _draw(self) -> None:
        if self._now is None:
            return
        self._drawn_minute = _minute(self._now)
        width, height = self._room()
        self.show_text(
            escalation_text(
                self.incident,
                self.resolved,
                self.policy_name,
                self._now,
                self.tr,
                tz=self.tz,
                width=width,
                height=height,
                ascii_only=self.ascii_only,
                chosen=self.chosen_ref(),
                hint=self.hint,
            )
        )

    # ---- the contact the copy keys mean ----------------------------------------------------------------------

    def chosen_ref(self) -> ContactRef | None:
        if self.incident is None or self.resolved is None:
            return None
        if self._chosen is not None and shift_at(self.resolved, self._chosen) is not None:
            return self._chosen
        current = min(current_level(self.incident, self.resolved), max(len(self.resolved.levels) - 1, 0))
        return default_ref(self.resolved, current)

    def chosen(self) -> tuple[ResolvedLevel, Contact] | None:
        ref = self.chosen_ref()
        if ref is None or self.resolved is None:
            return None
        shift = shift_at(self.resolved, ref)
        level = self.resolved.level(ref.level)
        return (level, shift.who) if shift is not None and level is not None else None

    def pick(self, step: int) -> tuple[ResolvedLevel, Contact] | None:
        """Move the copy keys' contact `step` places through all levels' contacts (wrapping round)."""
        ref = self.chosen_ref()
        if ref is None or self.resolved is None:
            return None
        refs = contact_refs(self.resolved)
        self._chosen = refs[(refs.index(ref) + step) % len(refs)]
        self._draw()
        return self.chosen()


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)
