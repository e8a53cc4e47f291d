"""The action dialogs: comment, assign (search as you type), transition (with resolution), priority, help.

Each returns its answer through `dismiss(...)`; the main screen sends it through the action runner. Lists are
filled by the caller (which owns the Jira client) through `set_options`, so dialogs do no I/O of their own,
except through the callables they are given: the assignee search as the user types, and the comment's send
(the dialog stays open until Jira has answered).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from oncall_tui import keys as registry
from oncall_tui.display import glyph, sla_word
from oncall_tui.domain.incident import FieldChoice, TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.domain.sla import SlaState
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.sync.commands import Command, State
from oncall_tui.ui.localize import localize_bindings
from oncall_tui.ui.words import state_words


def _bindings(scope: registry.Scope) -> list[Binding]:
    """A dialog's bindings, from the registry (`oncall_tui.keys`) that [keymap] validation also reads."""
    return [
        Binding(b.key, b.action, b.text, show=b.show, id=b.id, priority=b.priority) for b in registry.bindings(scope)
    ]


@dataclass(frozen=True, slots=True)
class CommentDraft:
    text: str
    public: bool


class CommentText(TextArea):
    """The comment box. The dialog's send and public/internal keys are handled here, in the order the keys
    arrive, not as ordinary bindings.

    Textual hands a key that a widget does not consume up the DOM through each parent's message queue; the
    binding runs only when it reaches the app. Characters typed after ctrl+s in the same burst (a laggy SSH link
    delivers a whole line at once) were inserted before the send read the box, and ctrl+s as a priority binding
    read it before the characters ahead of it: truncated, empty or glued-on comments. Here ctrl+s reads the box
    exactly as it stands after every key before it, and the box is read-only from then on."""

    _CAUGHT = ("send", "toggle_public")

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            screen = self.screen
            active = screen.active_bindings.get(event.key)
            if active is not None and active.node is screen and active.binding.action in self._CAUGHT:
                event.stop()
                event.prevent_default()
                assert isinstance(screen, CommentDialog)
                if active.binding.action == "send":
                    screen.request_send(self.text)
                else:
                    screen.action_toggle_public()
                return
        await super()._on_key(event)


# Starts sending a draft and later calls back with the outcome (None: the send broke down unexpectedly). The
# send runs on the main screen, which lives as long as the app: a worker of the dialog's own would be cancelled
# when the dialog closes (Textual cancels a screen's workers on unmount), and with it the request (httpx #1461).
# The callback hears the command once it settles and answers whether the dialog took the text back.
Sender = Callable[[CommentDraft, Callable[["Command | None"], bool]], None]


class CommentDialog(ModalScreen[CommentDraft | None]):
    """Multi-line comment. Internal by default on JSM; ctrl+t toggles public. The draft is kept on cancel.

    ctrl+s sends the text as it stands and keeps the dialog open, read-only, until the command settles: once Jira
    has it, or it is safe in the outbox waiting for Jira (unreachable, or checked on after a lost answer), the
    dialog closes; when Jira refuses it, the text is editable again with the reason shown. esc while sending
    closes the dialog and lets the send finish (its result is shown as a notice, a refusal in the command list)."""

    BINDINGS = _bindings(registry.Scope.COMMENT)

    def __init__(
        self,
        key: str,
        draft: CommentDraft | None,
        on_draft: Callable[[CommentDraft], None],
        send: Sender,
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
        self._send = send
        self.sending = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(Text(self.tr("Comment on {key}", key=self.key), style=Style(bold=True)))
            yield Static(id="visibility")
            yield CommentText(self._initial, id="comment-text", soft_wrap=True, show_line_numbers=False)
            yield Static(id="comment-problem")
            yield Static(
                Text(self.tr("ctrl+s send · ctrl+t public/internal · esc cancel (draft kept)"), style=Style(dim=True))
            )

    def on_mount(self) -> None:
        self._show_visibility()
        self.query_one("#comment-problem", Static).display = False
        self.query_one(TextArea).focus()

    def _show_visibility(self) -> None:
        if self.sending:
            label = Text(self.tr("Sending…"), style=Style(bold=True))
        elif self.public:
            # The stylesheet gives the line the theme's error colour as background (`#visibility.-public`).
            label = Text(self.tr("● PUBLIC reply — the customer sees this"), style=Style(bold=True))
        else:
            label = Text(self.tr("○ internal note — agents only"), style=Style(bold=True))
        widget = self.query_one("#visibility", Static)
        widget.update(label)
        widget.set_class(self.public and not self.sending, "-public")

    def _draft(self, text: str | None = None) -> CommentDraft:
        return CommentDraft(self.query_one(TextArea).text if text is None else text, self.public)

    @on(TextArea.Changed)
    def _changed(self) -> None:
        if not self.sending:
            self._on_draft(self._draft())

    def action_toggle_public(self) -> None:
        if self.sending:
            return
        self.public = not self.public
        self._show_visibility()
        self._on_draft(self._draft())

    def action_send(self) -> None:
        # Reached when the box does not have the focus; with it, CommentText calls request_send in key order.
        self.request_send(self.query_one(TextArea).text)

    def request_send(self, text: str) -> None:
        """Send `text`, the box's content at the moment ctrl+s arrived."""
        if self.sending:
            return
        if not text.strip():
            self.notify(self.tr("The comment is empty."), severity="warning")
            return
        draft = self._draft(text)
        self._on_draft(draft)
        self.sending = True
        self.query_one(TextArea).read_only = True
        self.query_one("#comment-problem", Static).display = False
        self._show_visibility()
        self._send(draft, lambda outcome: self._sent(draft, outcome))

    def _sent(self, draft: CommentDraft, command: Command | None) -> bool:
        """The command settled (or the send broke down): close unless Jira refused it, else make the text
        editable again and say why. Returns whether the dialog took the text back (then the refused command is
        not kept in the command list as well: one copy of the text, here). Nothing to do when the dialog was
        closed meanwhile (the result is a notice then)."""
        self.sending = False
        if not self.is_attached:
            return False
        if command is not None and command.state is not State.FAILED:
            self.dismiss(draft)
            return False
        self.query_one(TextArea).read_only = False
        problem = self.query_one("#comment-problem", Static)
        if command is None:
            words = self.tr("Sending broke down unexpectedly; your text is kept.")
        else:
            words = state_words(command, self.tr)
        problem.update(Text(words))
        problem.display = True
        self._show_visibility()
        self._on_draft(draft)
        return True

    def action_cancel(self) -> None:
        # While sending: the dialog closes and the send carries on; its result comes as a notice.
        if not self.sending:
            self._on_draft(self._draft())
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A one-key question ("OPS-39 is K. Nowak's. Take it? m/esc"): the given keys (and y, enter) say yes,
    esc and n say no; anything else is ignored."""

    BINDINGS = _bindings(registry.Scope.CONFIRM)

    def __init__(self, question: str, yes_keys: Sequence[str], *, tr: Translator = ENGLISH) -> None:
        super().__init__()
        self.tr = tr
        localize_bindings(self, tr)
        self.question = question
        self.yes_keys = frozenset([*yes_keys, "y", "enter"])

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog confirm"):
            yield Label(Text(self.question, style=Style(bold=True)))

    def on_key(self, event: events.Key) -> None:
        if event.key in self.yes_keys:
            event.stop()
            self.dismiss(True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


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


# Starts a search for the query and later calls back with the people found. It runs on the main screen, so
# closing the dialog never cancels a request under way (httpx #1461); an answer nobody waits for is dropped.
UserSearch = Callable[[str, Callable[[list[Person]], None]], None]


class AssignDialog(ModalScreen[Person | None]):
    """Search-as-you-type over the issue's assignable users."""

    BINDINGS = _bindings(registry.Scope.ASSIGN)

    def __init__(self, key: str, search: UserSearch, *, tr: Translator = ENGLISH) -> None:
        super().__init__()
        self.tr = tr
        localize_bindings(self, tr)
        self.key = key
        self._search = search
        self._people: dict[str, Person] = {}
        self._debounce: Timer | None = None
        self._shown_query: str | None = None  # the query whose results the list shows
        self._pick_when_ready = False
        self._asked = 0  # searches started; only the newest one's answer is shown

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
        self._start_search("")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.25, lambda: self._start_search(event.value))

    def _start_search(self, query: str) -> None:
        self._asked += 1
        asked = self._asked
        self._search(query, lambda people: self._show_results(query, asked, people))

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
        self._start_search(query)
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

    def _show_results(self, query: str, asked: int, people: list[Person]) -> None:
        # Typing is debounced, and an answer overtaken by a newer search (or arriving after the dialog closed)
        # is dropped: searches are never cancelled.
        if asked != self._asked or not self.is_attached:
            return
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


class HelpLine(NamedTuple):
    keys: str
    what: str
    id: str  # the binding id [keymap] takes ("" for keys that cannot be rebound)
    scope: str  # where it applies, in the UI language


class HelpDialog(ModalScreen[None]):
    BINDINGS = _bindings(registry.Scope.HELP)

    def __init__(self, lines: Sequence[HelpLine], *, tr: Translator = ENGLISH) -> None:
        super().__init__()
        self.tr = tr
        localize_bindings(self, tr)
        self._lines = lines

    def compose(self) -> ComposeResult:
        tr = self.tr
        text = Text()
        text.append(f"{tr('Keys')}\n", style=Style(bold=True))
        width = max((cell_len(line.what) for line in self._lines), default=0)
        scope = None
        for line in self._lines:
            if line.scope != scope:
                scope = line.scope
                text.append(f"\n{scope}\n", style=Style(underline=True))
            text.append(f"{line.keys:>12}  ", style=Style(bold=True))
            text.append(f"{line.what}{' ' * (width - cell_len(line.what))}  ")
            text.append(f"{line.id}\n", style=Style(dim=True))
        ascii_only = bool(getattr(self.app, "ascii_only", False))
        legend = "  ".join(f"{glyph(state, ascii_only=ascii_only)} {sla_word(state, tr)}" for state in SLA_LEGEND)
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
