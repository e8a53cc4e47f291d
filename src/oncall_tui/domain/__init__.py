"""The pure domain model: people, SLA clocks, incidents, on-call and escalation policies. No I/O, no Textual."""

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
from oncall_tui.domain.oncall import (
    Contact,
    EscalationMode,
    IncidentFacts,
    Level,
    OnCallShift,
    Policy,
    Source,
    match_policy,
)
from oncall_tui.domain.people import Person
from oncall_tui.domain.rota import Rota, on_call, shifts
from oncall_tui.domain.sla import AtRiskThresholds, SlaClock, SlaState
from oncall_tui.domain.text import sanitize, sanitize_line

__all__ = [
    "AtRiskThresholds",
    "Comment",
    "Contact",
    "EscalationMode",
    "FieldChoice",
    "Incident",
    "IncidentFacts",
    "Level",
    "OnCallShift",
    "Person",
    "Policy",
    "Rota",
    "SlaClock",
    "SlaState",
    "Source",
    "StatusCategory",
    "TransitionField",
    "TransitionOption",
    "match_policy",
    "most_urgent",
    "on_call",
    "sanitize",
    "sanitize_line",
    "shifts",
]
