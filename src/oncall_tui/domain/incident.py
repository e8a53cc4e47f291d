"""Incidents (Jira issues) as the rest of the app sees them: already parsed, sanitised and immutable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from oncall_tui.domain.escalation import EscalationState
from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import AtRiskThresholds, SlaClock, SlaState

__all__ = [
    "Comment",
    "FieldChoice",
    "Incident",
    "StatusCategory",
    "TransitionField",
    "TransitionOption",
    "most_urgent",
]

_URGENT_STATES = frozenset({SlaState.RUNNING, SlaState.AT_RISK, SlaState.BREACHED})


class StatusCategory(StrEnum):
    """Jira's three status categories, by their stable keys (names are localised)."""

    NEW = "new"
    IN_PROGRESS = "indeterminate"
    DONE = "done"
    UNKNOWN = "undefined"

    @classmethod
    def from_key(cls, key: object) -> StatusCategory:
        """Map a category key as any Jira flavour spells it; unknown spellings give UNKNOWN."""
        if not isinstance(key, str):
            return cls.UNKNOWN
        return _CATEGORY_ALIASES.get(key.strip().lower().replace("_", "-"), cls.UNKNOWN)


# servicedeskapi says "NEW"/"INDETERMINATE"/"DONE"; some doc examples use "in-flight"/"completed".
_CATEGORY_ALIASES: dict[str, StatusCategory] = {
    "new": StatusCategory.NEW,
    "to-do": StatusCategory.NEW,
    "todo": StatusCategory.NEW,
    "indeterminate": StatusCategory.IN_PROGRESS,
    "in-progress": StatusCategory.IN_PROGRESS,
    "in-flight": StatusCategory.IN_PROGRESS,
    "done": StatusCategory.DONE,
    "completed": StatusCategory.DONE,
    "complete": StatusCategory.DONE,
}


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    body_text: str
    author: Person | None = None
    created: datetime | None = None
    updated: datetime | None = None
    # True: customer-visible, False: internal note, None: not a JSM project or Jira did not say.
    public: bool | None = None
    # The body was longer than the client keeps and was cut; the text then ends in "…".
    cut: bool = False
    # The id of the oncall-tui command that created this comment (a comment property set at creation), so a
    # resend after a lost answer can tell whether the first attempt landed; None for every other comment.
    command_id: str | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    key: str
    id: str
    summary: str
    status: str = ""
    status_category: StatusCategory = StatusCategory.UNKNOWN
    priority: str | None = None
    priority_id: str | None = None
    issue_type: str | None = None
    assignee: Person | None = None
    reporter: Person | None = None
    components: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    created: datetime | None = None
    updated: datetime | None = None
    description_text: str = ""
    comments: tuple[Comment, ...] = ()
    slas: tuple[SlaClock, ...] = ()
    url: str = ""
    # Fields whose text (or list) was longer than the client keeps and was cut, e.g. ("summary",): the
    # text then ends in "…". Names are the attribute names above, so the UI can say which in words.
    cut_fields: tuple[str, ...] = ()
    # The escalation recorded on the issue (its `oncall-tui.escalation` property); None: at the first level.
    escalation: EscalationState | None = None

    def __post_init__(self) -> None:
        # Accept lists from callers but store tuples, so incidents stay hashable and truly immutable.
        for name in ("components", "labels", "comments", "slas", "cut_fields"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    @property
    def was_cut(self) -> bool:
        """Whether any text of this incident, its comments included, was cut for length."""
        return bool(self.cut_fields) or any(comment.cut for comment in self.comments)

    @property
    def is_done(self) -> bool:
        return self.status_category is StatusCategory.DONE

    def most_urgent_sla(self, now: datetime, thresholds: AtRiskThresholds | None = None) -> SlaClock | None:
        """The running, at-risk or breached SLA with the least time left (most negative first)."""
        return most_urgent(self.slas, now, thresholds)


def most_urgent(slas: Iterable[SlaClock], now: datetime, thresholds: AtRiskThresholds | None = None) -> SlaClock | None:
    best: SlaClock | None = None
    best_key: tuple[int, timedelta] | None = None
    for sla in slas:
        if sla.state_at(now, thresholds) not in _URGENT_STATES:
            continue
        remaining = sla.remaining_at(now)
        # Clocks without any remaining time rank after every clock that has one.
        key = (1, timedelta(0)) if remaining is None else (0, remaining)
        if best_key is None or key < best_key:
            best, best_key = sla, key
    return best


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """One allowed value of a transition screen field (e.g. a resolution)."""

    name: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class TransitionField:
    id: str
    name: str
    required: bool = False
    allowed_values: tuple[FieldChoice, ...] = ()


@dataclass(frozen=True, slots=True)
class TransitionOption:
    """A workflow transition the current user may perform on an issue."""

    id: str
    name: str
    to_status: str = ""
    to_category: StatusCategory = StatusCategory.UNKNOWN
    has_screen: bool = False
    is_available: bool = True
    fields: tuple[TransitionField, ...] = ()

    @property
    def required_fields(self) -> tuple[TransitionField, ...]:
        return tuple(f for f in self.fields if f.required)
