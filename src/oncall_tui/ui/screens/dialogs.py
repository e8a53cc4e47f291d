"""The action dialogs: comment, assign (search as you type), transition (with resolution), priority, help.

Each returns its answer through `dismiss(...)`; the main screen sends it through the action runner. Lists are
filled by the caller (which owns the Jira client) through `set_options`, so dialogs do no I/O of their own,
except the assignee search, which asks its `search` callable as the user types.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker

from oncall_tui import keys as registry
from oncall_tui.display import GLYPHS, sla_word
from oncall_tui.domain.incident import FieldChoice, TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import SlaState
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.ui.localize import localize_bindings
from oncall_tui.ui.workers import notify_worker_error


def _bindings(scope: registry.Scope) -> list[Binding]:
    """A dialog's bindings, from the registry (`oncall_tui.keys`) that [keymap] validation also reads."""
    return [
        Binding(b.key, b.action, b.text, show=b.show, id=b.id, priority=b.priority) for b in registry.bindings(scope)
    ]


@dataclass(frozen=True, slots=True)
class CommentDraft:
    text: str
    public: bool


class CommentDialog(ModalScreen[CommentDraft | None]):
    """Multi-line comment. Internal by default on JSM; ctrl+t toggles public. The draft is kept on cancel."""

    BINDINGS = _bindings(registry.Scope.COMMENT)

    def __init__(
        self,
        key: str,
        draft: CommentDraft | None,
        on_draft: Callable[[CommentDraft], None],
        *,
        tr: Translator = ENGLISH,
    ) -> None:
        super().__init__()
        self.tr = tr
        localize_bindings(self, tr)
        self.key = key
        self.public = draft.public if draft else False
        self._initial = draft.text if draft else ""
        self._on_draft = on_draft

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(Text(self.tr("Comment on {key}", key=self.key), style=Style(bold=True)))
            yield Static(id="visibility")
            yield TextArea(self._initial, id="comment-text", soft_wrap=True, show_line_numbers=False)
            yield Static(
                Text(self.tr("ctrl+s send · ctrl+t public/internal · esc cancel (draft kept)"), style=Style(dim=True))
            )

    def on_mount(self) -> None:
        self._show_visibility()
        self.query_one(TextArea).focus()

    def _show_visibility(self) -> None:
        label = (
            Text(self.tr("● PUBLIC reply — the customer sees this"), style=Style(bold=True, color="red"))
            if self.public
            else Text(self.tr("○ internal note — agents only"), style=Style(bold=True))
        )
        widget = self.query_one("#visibility", Static)
        widget.update(label)
        widget.set_class(self.public, "-public")

    def _draft(self) -> CommentDraft:
        return CommentDraft(self.query_one(TextArea).text, self.public)

    @on(TextArea.Changed)
    def _changed(self) -> None:
        self._on_draft(self._draft())

    def action_toggle_public(self) -> None:
        self.public = not self.public
        self._show_visibility()
        self._on_draft(self._draft())

    def action_send(self) -> None:
        draft = self._draft()
        if not draft.text.strip():
            self.notify(self.tr("The comment is empty."), severity="warning")
            return
        self.dismiss(draft)

    def action_cancel(self) -> None:
        self._on_draft(self._draft())
        self.dismiss(None)


class PickDialog(ModalScreen[str | None]):
    """A titled list to pick one option by id (transition, priority, resolution)."""

    # q closes the list instead of reaching the app's quit binding mid-decision.
    BINDINGS = _bindings(registry.Scope.PICK)

    def __init__(self, title: str, options: Sequence[tuple[str, str]] = (), *, tr: Translator = ENGLISH) -> None:
        super().__init__()
        self.tr = tr
        localize_bindings(self, tr)
        self.title_text = title
        self._options = list(options)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(Text(self.title_text, style=Style(bold=True)))
            yield OptionList(id="choices")
            yield Static(Text(self.tr("enter choose · esc cancel"), style=Style(dim=True)))

    def on_mount(self) -> None:
        self.set_options(self._options)
        self.query_one(OptionList).focus()

    def set_options(self, options: Sequence[tuple[str, str]]) -> None:
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        if not options:
            option_list.add_option(
                Option(Text(self.tr("Nothing to choose from"), style=Style(dim=True)), disabled=True)
            )
            return
        option_list.add_options([Option(Text(sanitize_line(label)), id=oid) for oid, label in options])
        option_list.highlighted = 0

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def transition_label(option: TransitionOption, tr: Translator = ENGLISH) -> str:
    target = f" → {option.to_status}" if option.to_status else ""
    needs = tr(" (needs resolution)") if any(f.id == "resolution" and f.required for f in option.fields) else ""
    return f"{option.name}{target}{needs}"


def resolution_choices(option: TransitionOption) -> list[FieldChoice]:
    for field in option.fields:
        if field.id == "resolution":
            return list(field.allowed_values)
    return []


class AssignDialog(ModalScreen[Person | None]):
    """Search-as-you-type over the issue's assignable users."""

    BINDINGS = _bindings(registry.Scope.ASSIGN)

    def __init__(self, key: str, search: Callable[[str], Awaitable[list[Person]]], *, tr: Translator = ENGLISH) -> None:
        super().__init__()
        self.tr = tr
        localize_bindings(self, tr)
        self.key = key
        self._search = search
        self._people: dict[str, Person] = {}
        self._debounce: Timer | None = None
        self._shown_query: str | None = None  # the query whose results the list shows
        self._pick_when_ready = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(Text(self.tr("Assign {key} to…", key=self.key), style=Style(bold=True)))
            yield Input(placeholder=self.tr("type a name or e-mail"), id="assign-query")
            yield OptionList(id="assign-results")
            yield Static(
                Text(self.tr("type to search · ↓ to the list · enter choose · esc cancel"), style=Style(dim=True))
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._run_search("")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.25, lambda: self._run_search(event.value))

    def _flush(self) -> bool:
        """Search for what is typed now if the list shows older results; True when the list is current.

        Without this, enter or ↓ pressed within the debounce acted on the previous query's results and
        assigned someone the user never saw."""
        query = self.query_one(Input).value
        if self._shown_query == query:
            return True
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_option(Option(Text(self.tr("Searching…"), style=Style(dim=True)), disabled=True))
        self._shown_query = None
        self._run_search(query)
        return False

    @on(Input.Submitted)
    def _submitted(self) -> None:
        if self._flush():
            self._pick_highlighted()
        else:
            self._pick_when_ready = True

    def _pick_highlighted(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count and results.highlighted is not None:
            option = results.get_option_at_index(results.highlighted)
            if option.id in self._people:
                self.dismiss(self._people[option.id])

    @work(exclusive=True, group="assign-search", exit_on_error=False)
    async def _run_search(self, query: str) -> None:
        people = await self._search(query)
        results = self.query_one(OptionList)
        results.clear_options()
        self._people = {p.id: p for p in people}
        self._shown_query = query
        if not people:
            self._pick_when_ready = False
            results.add_option(
                Option(Text(self.tr("No assignable user matches"), style=Style(dim=True)), disabled=True)
            )
            return
        for person in people:
            label = Text(sanitize_line(person.display_name))
            if person.email:
                label.append(f"  {sanitize_line(person.email)}", style=Style(dim=True))
            results.add_option(Option(label, id=person.id))
        results.highlighted = 0
        if self._pick_when_ready and query == self.query_one(Input).value:
            self._pick_when_ready = False
            self._pick_highlighted()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        person = self._people.get(event.option.id or "")
        if person is not None:
            self.dismiss(person)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_worker_error(self, event)

    def action_focus_list(self) -> None:
        self._flush()
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


SLA_LEGEND = (
    SlaState.RUNNING,
    SlaState.AT_RISK,
    SlaState.BREACHED,
    SlaState.PAUSED,
    SlaState.OUTSIDE_HOURS,
    SlaState.MET,
    SlaState.FAILED,
)


class HelpDialog(ModalScreen[None]):
    BINDINGS = _bindings(registry.Scope.HELP)

    def __init__(self, lines: Sequence[tuple[str, str]], *, tr: Translator = ENGLISH) -> None:
        super().__init__()
        self.tr = tr
        localize_bindings(self, tr)
        self._lines = lines

    def compose(self) -> ComposeResult:
        tr = self.tr
        text = Text()
        text.append(f"{tr('Keys')}\n\n", style=Style(bold=True))
        for keys, what in self._lines:
            text.append(f"{keys:>12}  ", style=Style(bold=True))
            text.append(f"{what}\n")
        legend = "  ".join(f"{GLYPHS[state]} {sla_word(state, tr)}" for state in SLA_LEGEND)
        text.append(
            f"\nSLA: {legend}\n"
            + tr("Every binding has an id; override keys in the config's [keymap] table.")
            + "\n"
            + tr("ctrl+p opens the command palette with every action."),
            style=Style(dim=True),
        )
        # Scrollable: at 80x24 the key list is taller than the screen.
        with VerticalScroll(id="dialog", classes="dialog"):
            yield Static(text)

    def action_close(self) -> None:
        self.dismiss(None)
