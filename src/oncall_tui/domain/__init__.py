"""The pure domain model: people, SLA clocks, incidents. No I/O, no Textual."""

from __future__ import annotations

from oncall_tui.domain.incident import (
    Comment,
    FieldChoice,
    Incident,
    StatusCategory,
    TransitionField,
    TransitionOption,
    most_urgent,
)
from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import AtRiskThresholds, SlaClock, SlaState
from oncall_tui.domain.text import sanitize, sanitize_line

__all__ = [
    "AtRiskThresholds",
    "Comment",
    "FieldChoice",
    "Incident",
    "Person",
    "SlaClock",
    "SlaState",
    "StatusCategory",
    "TransitionField",
    "TransitionOption",
    "most_urgent",
    "sanitize",
    "sanitize_line",
]
