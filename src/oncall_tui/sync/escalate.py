"""Escalation as one command of several steps: reassign, priority, transition, label, internal comment, page,
and last the record of the level and its history on the issue.

The steps are data in the command's parameters (`steps`), and the ones Jira already has are listed in `done`,
recorded after each step: a failure in the middle stops the command at that step, and resending it (also after
a restart) carries on from there without repeating what succeeded. Before each step the issue is read, and a
step Jira already shows (an earlier attempt whose answer was lost) is counted as done instead of sent again;
the page is sent with an alias JSM Ops de-duplicates, so sending it twice still makes one alert.

The record is the last step because it says the escalation happened, and because Jira's `updated` right after
the other steps is what later changes are compared with to tell that the level reacted (acknowledged).

The texts written to Jira (the comment, the alert's message) come in finished from the layer that words them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from oncall_tui.domain.codec import person_from_data, person_to_data
from oncall_tui.domain.escalation import (
    LABEL_PREFIX,
    Direction,
    EscalationRecord,
    EscalationState,
    label_for,
    with_record,
)
from oncall_tui.domain.incident import FieldChoice, Incident
from oncall_tui.domain.oncall import Contact, ResolvedLevel, Source
from oncall_tui.domain.people import Person

__all__ = [
    "ALIAS_PREFIX",
    "REASON_LIMIT",
    "EscalationChoice",
    "Step",
    "StepKind",
    "apply_escalation",
    "contact_person",
    "escalation_params",
    "level_record",
    "step_landed",
]

ALIAS_PREFIX = "oncall-tui-"
# A reason is a sentence or two; a pasted log would push the record past Jira's 32 KB for a property.
REASON_LIMIT = 1000


class StepKind(StrEnum):
    ASSIGN = "assign"
    PRIORITY = "priority"
    TRANSITION = "transition"
    LABEL = "label"
    COMMENT = "comment"
    PAGE = "page"
    RECORD = "record"


@dataclass(frozen=True, slots=True)
class EscalationChoice:
    """What the user left selected in the escalate dialog (pre-selected from the target level's effects)."""

    reassign: bool = False
    priority: FieldChoice | None = None
    transition: str | None = None
    mention: bool = False
    page: bool = False
    comment: bool = True


@dataclass(frozen=True, slots=True)
class Step:
    index: int
    kind: StepKind
    data: Mapping[str, Any]
    done: bool


def contact_person(contact: Contact) -> Person:
    return contact.as_person()


def responders(level: ResolvedLevel) -> list[dict[str, str]]:
    """Whom paging the level alerts: its JSM Ops team (whose routing decides who is called), else its people.
    Nobody for a level that fell back to the Jira leads: they are not on call for it, and JSM Ops may not know
    them."""
    if level.source is Source.JIRA_LEADS:
        return []
    if level.team_id:
        return [{"id": level.team_id, "type": "team"}]
    return [{"id": c.account_id, "type": "user"} for c in level.contacts if c.account_id]


def escalation_params(
    *,
    command_id: str,
    incident: Incident,
    policy: str,
    from_level: int,
    from_name: str,
    target: ResolvedLevel,
    choice: EscalationChoice,
    reason: str,
    me: Person,
    comment_text: str,
    page_message: str,
    page_description: str,
    seen_level: int | None = None,
) -> dict[str, Any]:
    """The parameters of an escalate (or de-escalate) command: every step, in the order they are carried out."""
    direction = Direction.UP if target.index > from_level else Direction.DOWN
    reason = reason[:REASON_LIMIT]
    people = [contact_person(c) for c in target.contacts]
    steps: list[dict[str, Any]] = []
    if choice.reassign and people:
        steps.append({"kind": StepKind.ASSIGN.value, "person": person_to_data(people[0])})
    if choice.priority is not None:
        steps.append({"kind": StepKind.PRIORITY.value, "id": choice.priority.id, "name": choice.priority.name})
    if choice.transition:
        steps.append({"kind": StepKind.TRANSITION.value, "name": choice.transition})
    new_label = label_for(target.index)
    old = sorted({label for label in incident.labels if label.startswith(LABEL_PREFIX)} - {new_label})
    steps.append({"kind": StepKind.LABEL.value, "add": [new_label], "remove": old})
    if choice.comment:
        mentions = [person_to_data(p) for p in people] if choice.mention else []
        steps.append({"kind": StepKind.COMMENT.value, "text": comment_text, "mentions": mentions})
    paged = responders(target)
    if choice.page and paged:
        steps.append(
            {
                "kind": StepKind.PAGE.value,
                "alias": f"{ALIAS_PREFIX}{command_id}",
                "message": page_message,
                "description": page_description,
                "responders": paged,
                "priority": _alert_priority(incident),
                "details": {"incident": incident.key, "url": incident.url, "level": target.name},
            }
        )
    steps.append({"kind": StepKind.RECORD.value})
    return {
        "policy": policy,
        "from_level": from_level,
        "from_name": from_name,
        "to_level": target.index,
        "to_name": target.name,
        "direction": direction.value,
        "reason": reason,
        "by": person_to_data(me),
        "to_whom": [person_to_data(p) for p in people],
        "steps": steps,
        "done": [],
        # The level as recorded on the issue when the user acted (its index there, which `from_level` differs
        # from when the policy's levels moved): what "someone escalated it meanwhile" is checked against.
        "seen_level": from_level if seen_level is None else seen_level,
    }


def _alert_priority(incident: Incident) -> str:
    """JSM Ops' P1..P5 from Jira's priority: the usual five names, else the middle."""
    names = {"highest": "P1", "blocker": "P1", "critical": "P1", "high": "P2", "major": "P2", "medium": "P3"}
    names |= {"low": "P4", "minor": "P4", "lowest": "P5", "trivial": "P5"}
    return names.get((incident.priority or "").casefold(), "P3")


def steps_of(params: Mapping[str, Any]) -> list[Step]:
    done = set(_ints(params.get("done")))
    raw = params.get("steps")
    items = raw if isinstance(raw, list) else []
    return [
        Step(i, StepKind(item["kind"]), item, i in done)
        for i, item in enumerate(items)
        if isinstance(item, Mapping) and item.get("kind") in StepKind._value2member_map_
    ]


def _ints(value: Any) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def next_step(params: Mapping[str, Any]) -> Step | None:
    return next((step for step in steps_of(params) if not step.done), None)


def mark_done(params: Mapping[str, Any], index: int, **step_changes: Any) -> dict[str, Any]:
    out = dict(params)
    out["done"] = sorted({*_ints(params.get("done")), index})
    if step_changes:
        steps = list(out.get("steps") or [])
        steps[index] = {**steps[index], **step_changes}
        out["steps"] = steps
    return out


def with_step_data(params: Mapping[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    out = dict(params)
    steps = list(out.get("steps") or [])
    steps[index] = {**steps[index], **changes}
    out["steps"] = steps
    return out


def level_of(incident: Incident) -> int:
    return incident.escalation.level if incident.escalation is not None else 0


def level_record(
    command_id: str, params: Mapping[str, Any], created: datetime, jira_updated: datetime | None
) -> EscalationRecord:
    by = person_from_data(params["by"])
    people = [person_from_data(p) for p in params.get("to_whom") or []]
    return EscalationRecord(
        command_id=command_id,
        at=created,
        by=by.display_name,
        by_id=by.id,
        reason=str(params.get("reason", "")),
        from_level=int(params.get("from_level", 0)),
        to_level=int(params.get("to_level", 0)),
        to_level_name=str(params.get("to_name", "")),
        direction=Direction(params.get("direction", Direction.UP.value)),
        to_whom=tuple(p.display_name for p in people),
        to_whom_ids=tuple(p.id for p in people),
        jira_updated=jira_updated,
    )


def recorded_state(command_id: str, params: Mapping[str, Any], created: datetime, fresh: Incident) -> EscalationState:
    record = level_record(command_id, params, created, fresh.updated)
    return with_record(fresh.escalation, str(params.get("policy", "")), record)


def step_landed(command_id: str, step: Step, fresh: Incident) -> bool:
    """Whether Jira's copy already shows the step (comments are looked for by the caller, by command id; a page
    is never looked for: its alias makes a second send harmless)."""
    data = step.data
    match step.kind:
        case StepKind.ASSIGN:
            person = person_from_data(data["person"])
            return fresh.assignee is not None and fresh.assignee.id == person.id
        case StepKind.PRIORITY:
            if fresh.priority_id and data.get("id"):
                return fresh.priority_id == data["id"]
            return (fresh.priority or "").casefold() == str(data.get("name", "")).casefold()
        case StepKind.TRANSITION:
            targets = {str(data.get("name", "")).casefold(), str(data.get("to_status", "")).casefold()} - {""}
            return fresh.status.casefold() in targets
        case StepKind.LABEL:
            labels = set(fresh.labels)
            add = set(data.get("add") or [])
            others = {label for label in labels if label.startswith(LABEL_PREFIX)} - add
            return add <= labels and not (set(data.get("remove") or []) & labels) and not others
        case StepKind.RECORD:
            return fresh.escalation is not None and fresh.escalation.has(command_id)
    return False


def apply_escalation(command_id: str, params: Mapping[str, Any], created: datetime, incident: Incident) -> Incident:
    """The incident as it will be once every step has landed (shown before Jira confirms them)."""
    changes: dict[str, Any] = {}
    for step in steps_of(params):
        data = step.data
        match step.kind:
            case StepKind.ASSIGN:
                changes["assignee"] = person_from_data(data["person"])
            case StepKind.PRIORITY:
                changes["priority"] = str(data.get("name", "")) or incident.priority
                changes["priority_id"] = data.get("id") or incident.priority_id
            case StepKind.LABEL:
                remove = set(data.get("remove") or [])
                kept = [label for label in incident.labels if label not in remove]
                changes["labels"] = tuple(dict.fromkeys([*kept, *(data.get("add") or [])]))
    record = level_record(command_id, params, created, None)
    changes["escalation"] = with_record(incident.escalation, str(params.get("policy", "")), record)
    return dataclasses.replace(incident, **changes)


def mentions(step: Step) -> Sequence[Person]:
    return [person_from_data(p) for p in step.data.get("mentions") or []]
