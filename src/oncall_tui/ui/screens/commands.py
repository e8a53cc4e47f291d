"""Writes waiting for Jira or for the user: the command list (`w`) and the conflict question.

The list shows every command not over yet: queued, being sent, checked on after a lost answer, refused by Jira,
or stopped because the issue changed under the user, each with its full text and why it waits, to resend (a
comment edited first, if wanted), drop, copy, or send anyway. It reads the pipeline; it holds no copy of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from oncall_tui import keys as registry
from oncall_tui.domain.text import sanitize
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.sync.commands import Command, CommandKind, State
from oncall_tui.sync.pipeline import CommandPipeline
from oncall_tui.ui.localize import localize_bindings
from oncall_tui.ui.words import command_words, conflict_words, state_label, state_words


def _bindings(scope: registry.Scope) -> list[Binding]:
    return [Binding(b.key, b.action, b.text, show=b.show, id=b.id) for b in registry.bindings(scope)]


class CommandsDialog(ModalScreen[None]):
    BINDINGS = _bindings(registry.Scope.COMMANDS)

    def __init__(
        self,
        pipeline: CommandPipeline,
        *,
        edit: Callable[[Command], None],
        copy: Callable[[str], None],
        tr: Translator = ENGLISH,
    ) -> None:
        super().__init__()
        self.tr = tr
        localize_bindings(self, tr)
        self.pipeline = pipeline
        self._edit = edit
        self._copy = copy

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog commands"):
            yield Label(Text(self.tr("Writes not yet in Jira"), style=Style(bold=True)))
            yield OptionList(id="commands")
            yield Static(id="command-detail")
            yield Static(
                Text(
                    self.tr("r resend · e edit · s skip step · d drop · g send anyway · y copy text · esc close"),
                    style=Style(dim=True),
                )
            )

    def on_mount(self) -> None:
        self.refresh_list()
        self.query_one(OptionList).focus()

    def refresh_list(self) -> None:
        """Show the pipeline's commands as they are now (called when one changes)."""
        found = self.query(OptionList)
        if not found:
            return  # pushed, not composed yet: on_mount shows the list as it is then
        options = found.first()
        keep = self.selected_id()
        options.clear_options()
        commands = list(self.pipeline.commands.values())
        if not commands:
            empty = Text(self.tr("Nothing waiting: every write is in Jira."), style=Style(dim=True))
            options.add_option(Option(empty, disabled=True))
            self._show_detail(None)
            return
        for command in commands:
            label = Text(f"{state_label(command, self.tr):<14} ", style=Style(bold=command.state is not State.QUEUED))
            label.append(command_words(command, self.tr))
            options.add_option(Option(label, id=command.id))
        ids = [c.id for c in commands]
        options.highlighted = ids.index(keep) if keep in ids else 0
        self._show_detail(self.selected())

    def selected_id(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        return options.get_option_at_index(options.highlighted).id

    def selected(self) -> Command | None:
        command_id = self.selected_id()
        return self.pipeline.get(command_id) if command_id else None

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_detail(self.selected())

    def _show_detail(self, command: Command | None) -> None:
        detail = self.query_one("#command-detail", Static)
        if command is None:
            detail.update("")
            return
        text = Text(state_words(command, self.tr))
        if command.state is State.CONFLICT:
            text = Text(conflict_words(command, self.tr))
        if command.kind is CommandKind.COMMENT:
            text.append("\n\n")
            # The user's own text, shown literally (it may hold anything, markup-like brackets included).
            text.append(sanitize(command.text))
        detail.update(text)

    def action_resend(self) -> None:
        command = self.selected()
        if command is not None and command.state in (State.FAILED, State.CONFLICT):
            self.pipeline.resend(command.id)

    def action_skip_step(self) -> None:
        """An escalation stopped at a step Jira will keep refusing (a transition the workflow does not offer, a
        page JSM Ops refuses): go on without that step."""
        command = self.selected()
        if command is not None and command.kind is CommandKind.ESCALATE and command.state is State.FAILED:
            self.pipeline.skip_step(command.id)

    def action_go_ahead(self) -> None:
        command = self.selected()
        if command is not None:
            self.pipeline.go_ahead(command.id)

    def action_edit(self) -> None:
        command = self.selected()
        if command is not None and command.kind is CommandKind.COMMENT and command.state is State.FAILED:
            self.dismiss(None)
            self._edit(command)

    def action_drop(self) -> None:
        command = self.selected()
        if command is not None:
            self.pipeline.drop(command.id)

    def action_copy(self) -> None:
        command = self.selected()
        if command is not None:
            self._copy(command.text if command.kind is CommandKind.COMMENT else command_words(command, self.tr))

    def action_close(self) -> None:
        self.dismiss(None)


class ConflictDialog(ModalScreen[str | None]):
    """ "OPS-1 changed since you acted: the assignee is now K. Nowak (you saw: nobody). Take OPS-1 anyway?"
    y sends it anyway, d drops it, esc decides later (it waits in the command list)."""

    BINDINGS = _bindings(registry.Scope.CONFLICT)

    def __init__(self, command: Command, *, tr: Translator = ENGLISH) -> None:
        super().__init__()
        self.tr = tr
        localize_bindings(self, tr)
        self.command = command

    def compose(self) -> ComposeResult:
        question = self.tr("{description} anyway?", description=command_words(self.command, self.tr))
        with Vertical(id="dialog", classes="dialog confirm"):
            yield Label(Text(conflict_words(self.command, self.tr), style=Style(bold=True)))
            yield Label(Text(question))
            yield Static(Text(self.tr("y send anyway · d drop · esc later (w lists it)"), style=Style(dim=True)))

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer or None)
