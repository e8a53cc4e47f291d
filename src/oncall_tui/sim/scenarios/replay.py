"""Seeding issues by replaying their lives: every change goes through SimState at its own past time.

Stories are written one issue at a time but replayed in global time order, so issue keys, comment ids and
`updated` stamps come out in the order a real site would have produced them, and SLA cycles (replayed from
history by the SLA engine) agree with what the stories say happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oncall_tui.sim import adf
from oncall_tui.sim.model import Issue
from oncall_tui.sim.state import SimState


def internal_properties() -> dict[str, Any]:
    """The comment property JSM stores on an internal (agent-only) comment; fresh per comment."""
    return {"sd.public.comment": {"internal": True}}


@dataclass
class Story:
    project_key: str
    summary: str
    priority_id: str
    reporter: str
    created: datetime
    issue_type_id: str
    description: dict[str, Any] | None = None
    component_ids: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    request_type: str | None = None
    steps: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)
    issue: Issue | None = None

    def at(self, minutes: float) -> datetime:
        # Whole seconds, as people act; `created` itself is whole seconds before the build's `now`.
        return self.created + timedelta(seconds=round(minutes * 60))

    def assign(self, when: datetime, account_id: str | None, actor: str) -> None:
        self.steps.append((when, "assign", {"account_id": account_id, "actor": actor}))

    def comment(self, when: datetime, author: str, text: str, *, internal: bool = False) -> None:
        self.steps.append((when, "comment", {"author": author, "text": text, "internal": internal}))

    def status(self, when: datetime, status_id: str, actor: str, resolution_id: str | None = None) -> None:
        self.steps.append((when, "status", {"status_id": status_id, "actor": actor, "resolution_id": resolution_id}))

    def priority(self, when: datetime, priority_id: str, actor: str) -> None:
        self.steps.append((when, "priority", {"priority_id": priority_id, "actor": actor}))


def replay(state: SimState, stories: list[Story]) -> list[Issue]:
    """Create and change the stories' issues in time order; returns the issues in story order."""
    now = state.now()
    timeline: list[tuple[datetime, int, int, str, dict[str, Any]]] = []
    for index, story in enumerate(stories):
        timeline.append((story.created, index, -1, "create", {}))
        for position, (when, kind, args) in enumerate(story.steps):
            if when < story.created or when > now:
                raise ValueError(f"step {kind} of {story.summary!r} lies outside its issue's life")
            timeline.append((when, index, position, kind, args))
    timeline.sort(key=lambda entry: entry[:3])
    for _when, index, _position, kind, args in timeline:
        story = stories[index]
        if kind == "create":
            story.issue = state.add_issue(
                project_key=story.project_key,
                summary=story.summary,
                priority_id=story.priority_id,
                reporter=story.reporter,
                created=story.created,
                description=story.description,
                issue_type_id=story.issue_type_id,
                component_ids=story.component_ids,
                labels=story.labels,
            )
            if story.request_type:
                story.issue.request_type = story.request_type
            continue
        issue = story.issue
        assert issue is not None
        when = _when
        if kind == "assign":
            state.assign(issue, args["account_id"], args["actor"], at=when)
        elif kind == "comment":
            state.add_comment(
                issue,
                args["author"],
                adf.from_text(args["text"]),
                public=not args["internal"],
                properties=internal_properties() if args["internal"] else None,
                at=when,
            )
        elif kind == "status":
            state.set_status(issue, args["status_id"], args["actor"], resolution_id=args["resolution_id"], at=when)
        elif kind == "priority":
            state.set_priority(issue, args["priority_id"], args["actor"], at=when)
    return [story.issue for story in stories if story.issue is not None]
