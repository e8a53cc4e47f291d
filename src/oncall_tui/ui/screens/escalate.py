"""The escalate dialog: from the current level to the next one (or back down), its contacts, a required reason,
and the target level's effects pre-selected, each one a check box the user can switch off.

One incident: every other level of its policy can be chosen (below the current one: a de-escalation). Several
marked incidents (an alert storm): each goes one level up its own policy, with one reason. The dialog does no I/O:
it is handed the resolved policies and answers with what was chosen; the main screen submits the commands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, RadioButton, RadioSet, Static

from oncall_tui import display as fmt
from oncall_tui import keys as registry
from oncall_tui.domain.escalation import current_level
from oncall_tui.domain.incident import FieldChoice, Incident
from oncall_tui.domain.oncall import ResolvedLevel, ResolvedPolicy
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.sync.escalate import REASON_LIMIT, responders
from oncall_tui.sync.escalation_desk import Toggles
from oncall_tui.ui.localize import localize_bindings
from oncall_tui.ui.screens.dialogs import _bindings
from oncall_tui.ui.words import level_name

EFFECTS = ("reassign", "priority", "transition", "mention", "page", "comment")


@dataclass(frozen=True, slots=True)
class Escalating:
    """One incident as the dialog shows it: its policy resolved now."""

    incident: Incident
    resolved: ResolvedPolicy

    @property
    def current(self) -> int:
        return current_level(self.incident.escalation, [level.name for level in self.resolved.levels])

    def default_target(self) -> int | None:
        up = self.current + 1
        if self.resolved.level(up) is not None:
            return up
        return None


@dataclass(frozen=True, slots=True)
class EscalateAnswer:
    # The level chosen for a single incident; None with several: each goes one level up.
    target: int | None
    reason: str
    toggles: Toggles


def people_words(level: ResolvedLevel, tr: Translator) -> str:
    names = [sanitize_line(c.display_name or c.id) for c in level.contacts]
    return ", ".join(names) if names else tr("nobody known")


class EscalateDialog(ModalScreen[EscalateAnswer | None]):
    BINDINGS = _bindings(registry.Scope.ESCALATE)

    def __init__(
        self,
        items: Sequence[Escalating],
        *,
        can_page: bool,
        now: datetime,
        tz: tzinfo | None = None,
        tr: Translator = ENGLISH,
        raise_to: Callable[[Incident, ResolvedLevel], FieldChoice | None] | None = None,
    ) -> None:
        super().__init__()
        self.tr = tr
        localize_bindings(self, tr)
        self.items = list(items)
        self.can_page = can_page
        self.now = now
        self.tz = tz
        self._raise_to = raise_to
        single = self.items[0] if len(self.items) == 1 else None
        self.single = single
        self.target: int | None = None
        if single is not None:
            self.target = single.default_target()
            if self.target is None and single.current > 0:
                self.target = single.current - 1

    # ---- layout ---------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        tr = self.tr
        with Vertical(id="dialog", classes="dialog"):
            if self.single is not None:
                item = self.single
                title = tr(
                    "Escalate {key} · policy {policy}",
                    key=item.incident.key,
                    policy=level_name(item.resolved.policy.name, tr),
                )
            else:
                title = tr("Escalate {count} incidents, one reason", count=len(self.items))
            yield Label(Text(title, style=Style(bold=True)))
            if self.single is not None:
                yield Static(id="escalate-route")
                yield RadioSet(*self._level_buttons(self.single), id="escalate-levels")
            else:
                yield Static(self._storm_lines(), id="escalate-route")
            for name in EFFECTS:
                yield Checkbox(id=f"escalate-{name}", value=True)
            yield Input(
                placeholder=tr("Reason (required, goes into the internal comment)"),
                id="escalate-reason",
                max_length=REASON_LIMIT,
            )
            yield Static(id="escalate-problem")
            yield Static(
                Text(tr("tab next · space switch · ctrl+s escalate · esc cancel"), style=Style(dim=True)),
                id="escalate-hint",
            )

    def _level_buttons(self, item: Escalating) -> list[RadioButton]:
        buttons = []
        for level in item.resolved.levels:
            if level.index == item.current:
                continue
            arrow = "↑" if level.index > item.current else "↓"
            label = Text(f"{arrow} {level_name(level.name, self.tr)} — {people_words(level, self.tr)}")
            buttons.append(RadioButton(label, value=level.index == self.target, name=str(level.index)))
        return buttons

    def _storm_lines(self) -> Text:
        lines = Text()
        for item in self.items:
            now_level = item.resolved.level(item.current)
            target = item.default_target()
            here = level_name(now_level.name, self.tr) if now_level else str(item.current + 1)
            if target is None:
                line = self.tr("{key}: {level}, the last level: left as it is", key=item.incident.key, level=here)
            else:
                level = item.resolved.levels[target]
                line = self.tr(
                    "{key}: {level} → {target} ({people})",
                    key=item.incident.key,
                    level=here,
                    target=level_name(level.name, self.tr),
                    people=people_words(level, self.tr),
                )
            lines.append(line + "\n")
        lines.rstrip()
        return lines

    def on_mount(self) -> None:
        self.query_one("#escalate-problem", Static).display = False
        self._show_target()
        self.query_one("#escalate-reason", Input).focus()

    # ---- the target and its effects ---------------------------------------------------------------------------

    def _target_level(self) -> ResolvedLevel | None:
        if self.single is None or self.target is None:
            return None
        return self.single.resolved.level(self.target)

    def _show_target(self) -> None:
        tr = self.tr
        level = self._target_level()
        if self.single is not None:
            item = self.single
            now_level = item.resolved.level(item.current)
            here = level_name(now_level.name, self.tr) if now_level else str(item.current + 1)
            route = self.query_one("#escalate-route", Static)
            if level is None:
                route.update(Text(tr("{level}: there is no other level in this policy.", level=here)))
            else:
                route.update(self._route(here, level))
        self._show_effects(level)

    def _route(self, here: str, level: ResolvedLevel) -> Text:
        tr = self.tr
        text = Text(f"{here} → ", style=Style(dim=True))
        text.append(level_name(level.name, self.tr), style=Style(bold=True))
        text.append(": " + people_words(level, tr))
        shift = level.shifts[0] if level.shifts else None
        if shift is not None and shift.until is not None:
            text.append(
                " · " + tr("on call until {time}", time=fmt.local_time(shift.until, self.tz, tr=tr, now=self.now))
            )
        if level.problem is not None:
            message, params = level.problem
            text.append("\n" + tr(message, **params), style=Style(italic=True))
        return text

    def _show_effects(self, level: ResolvedLevel | None) -> None:
        tr = self.tr
        down = self.single is not None and self.target is not None and self.target < self.single.current
        effects = level.effects if level is not None and not down else None
        if self.single is None:
            # Several incidents: each level's own effects, switched off here for all of them at once.
            labels = {
                "reassign": tr("Reassign to the level's contact (where the level says so)"),
                "priority": tr("Raise the priority (where the level says so)"),
                "transition": tr("Transition (where the level says so)"),
                "mention": tr("Mention the level's contacts"),
                "page": tr("Page the level through JSM Ops"),
                "comment": tr("Internal comment with the reason"),
            }
            shown = dict.fromkeys(EFFECTS, True)
        else:
            people = people_words(level, tr) if level is not None else ""
            contacts = level.contacts if level is not None else ()
            first = sanitize_line(contacts[0].display_name or contacts[0].id) if contacts else ""
            functional = self.single.resolved.policy.mode.value == "functional"
            team = sanitize_line(level.team_name) if level is not None and level.team_name else people
            raised = None
            if effects and level is not None and effects.raise_priority_to:
                incident = self.single.incident
                raised = self._raise_to(incident, level) if self._raise_to else None
            labels = {
                "reassign": tr("Reassign to {name}", name=first),
                "priority": tr("Raise priority to {priority}", priority=sanitize_line(raised.name)) if raised else "",
                "transition": tr("Transition: {name}", name=effects.transition or "") if effects else "",
                "mention": tr("Mention {names}", names=people),
                "page": tr("Page {team} through JSM Ops", team=team),
                "comment": tr("Internal comment with the reason"),
            }
            shown = {
                "reassign": bool(effects and effects.reassign and functional and level and level.contacts),
                # Not offered when the incident is already at (or above) the level's priority.
                "priority": raised is not None,
                "transition": bool(effects and effects.transition),
                "mention": bool(effects and effects.mention and level and level.contacts),
                # Only where someone can be paged: a JSM Ops team or on-call people (not the Jira leads fallback).
                "page": bool(effects and effects.page and level and responders(level)),
                "comment": True,
            }
        for name in EFFECTS:
            box = self.query_one(f"#escalate-{name}", Checkbox)
            label = labels[name]
            if name == "page" and not self.can_page:
                label = tr("Page: not available (no JSM Ops on this site)")
            box.label = Text(label)
            box.display = shown[name]
            box.disabled = name == "page" and not self.can_page
            box.value = shown[name] and not box.disabled

    @on(RadioSet.Changed, "#escalate-levels")
    def _level_chosen(self, event: RadioSet.Changed) -> None:
        name = event.pressed.name
        self.target = int(name) if name is not None and name.isdigit() else None
        self._show_target()

    # ---- answering ----------------------------------------------------------------------------------------------

    @on(Input.Submitted, "#escalate-reason")
    def _submitted(self) -> None:
        self.action_send()

    def _toggles(self) -> Toggles:
        values = {name: self.query_one(f"#escalate-{name}", Checkbox).value for name in EFFECTS}
        return Toggles(**values)

    def action_send(self) -> None:
        reason = self.query_one("#escalate-reason", Input).value.strip()
        problem = self.query_one("#escalate-problem", Static)
        if self.single is not None and self._target_level() is None:
            problem.update(Text(self.tr("Choose a level to escalate to.")))
            problem.display = True
            return
        if not reason:
            problem.update(Text(self.tr("A reason is required: it goes into the internal comment and the history.")))
            problem.display = True
            self.query_one("#escalate-reason", Input).focus()
            return
        self.dismiss(EscalateAnswer(self.target if self.single is not None else None, reason, self._toggles()))

    def action_cancel(self) -> None:
        self.dismiss(None)
