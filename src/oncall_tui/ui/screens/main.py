"""The main screen: queue tabs, the queue table, the detail and contacts panes, and every incident action."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import Worker

from oncall_tui import display as fmt
from oncall_tui import keys as registry
from oncall_tui.domain.incident import FieldChoice, Incident, TransitionOption
from oncall_tui.domain.oncall import Contact, ResolvedLevel
from oncall_tui.domain.people import Person
from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.jira.errors import JiraError
from oncall_tui.jira.paging import SearchResult
from oncall_tui.sync.commands import PENDING_COMMENT_PREFIX, Command, State
from oncall_tui.sync.details import Detail
from oncall_tui.sync.escalate import level_of as esc_level_of
from oncall_tui.sync.escalation_desk import Texts
from oncall_tui.sync.pipeline import CommandChanged, CommandKept, OutboxTrouble
from oncall_tui.sync.store import StoreDiff
from oncall_tui.ui.compositor import TightCompositor
from oncall_tui.ui.degraded import degraded_banner
from oncall_tui.ui.localize import localize_bindings
from oncall_tui.ui.screens.commands import CommandsDialog, ConflictDialog
from oncall_tui.ui.screens.dialogs import (
    AssignDialog,
    CommentDialog,
    CommentDraft,
    ConfirmDialog,
    HelpDialog,
    HelpLine,
    PickDialog,
    resolution_choices,
    transition_label,
)
from oncall_tui.ui.screens.escalate import EscalateDialog, Escalating, people_words
from oncall_tui.ui.widgets.detail import DetailPane
from oncall_tui.ui.widgets.escalation import EscalationPane, contact_name
from oncall_tui.ui.widgets.lines import ChangeOnly
from oncall_tui.ui.widgets.palette import sla_styles, warning_style
from oncall_tui.ui.widgets.queue_table import SORTS, QueueTable
from oncall_tui.ui.widgets.status_bar import QueueTabs, StatusBar
from oncall_tui.ui.words import error_words, level_name, outbox_problem_words, state_words
from oncall_tui.ui.workers import notify_worker_error

if TYPE_CHECKING:
    from oncall_tui.ui.app import OncallApp

# The full issue (description, comments) is read once the selection has rested this long: scanning a queue with
# the arrow keys (several rows a second) reads none of the rows passed over, and their answers do not take the
# event loop from the next key.
DETAIL_DEBOUNCE_SECONDS = 0.25

# How long after a poll moved the cursor off a departed incident actions ask for a second key press.
SELECTION_GRACE_SECONDS = 1.5
# `r` while a poll has been running this long says so (the new poll follows when the running one ends).
POLL_BUSY_SECONDS = 3.0
# How often the rows of a queue streaming in page by page are merged into the table: each batch lays out and
# repaints it, so fewer and larger batches finish the load sooner; the first page shows at once regardless.
STREAM_BATCH_SECONDS = 1.0
# At most this many of them in one turn of the event loop (100-200 ms), the rest a moment later: each turn
# repaints the table, so smaller chunks answer keys sooner but finish the load later.
STREAM_CHUNK_ROWS = 2000
STREAM_CHUNK_GAP = 0.001

# (binding id, key, action, description, shown in footer): the incident and queue actions of the registry.
MAIN_BINDINGS: list[tuple[str, str, str, str, bool]] = [
    (b.id, b.key, b.action, b.description, b.show) for b in registry.bindings(registry.Scope.MAIN) if b.command
]


class CommandNews(Message):
    """A command moved (or the outbox broke): posted from the pipeline's event, handled in this screen's turn."""

    def __init__(self, event: CommandChanged | OutboxTrouble) -> None:
        super().__init__()
        self.event = event


class QueueMessage(ChangeOnly):
    """What the table area says when it has no rows to show (or rows are missing); hidden otherwise."""

    hide_empty = True


def _describe_queue_switch(tr: Translator) -> Callable[[Binding], str | None]:
    def describe(binding: Binding) -> str | None:
        if binding.id and binding.id.startswith("queue.switch_"):
            return tr("queue {number}", number=binding.id.removeprefix("queue.switch_"))
        return None

    return describe


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding(b.key, b.action, b.text, show=b.show, id=b.id, priority=b.priority)
        for b in registry.bindings(registry.Scope.MAIN)
    ]

    def __init__(self, first_queue: str, *, tr: Translator = ENGLISH) -> None:
        super().__init__()
        # Idle, this screen changes a few cells a second: its partial updates write those, not whole lines.
        self._compositor = TightCompositor()
        self.tr = tr
        localize_bindings(self, tr, _describe_queue_switch(tr))
        self.active_queue = first_queue
        self._selection_moved_at = 0.0  # time.monotonic() when a poll moved the cursor off a departed row
        self._sending_comment: set[str] = set()
        # command id -> the comment dialog waiting to hear how its send settled.
        self._comment_waiters: dict[str, Callable[[Command | None], bool]] = {}
        self._unsubscribe_bus: Callable[[], None] = lambda: None
        self._taken_back: set[str] = set()
        self._filled: set[str] = set()  # queues whose table was filled after their first successful poll
        # Rows of later pages of a first load streaming in, added to the table a few times a second.
        self._streamed: list[str] = []
        self._stream_timer: Timer | None = None
        self._sort_pending = False  # rows were merged in while streaming: the load's end sorts them all once
        self._unsubscribe: Callable[[], None] = lambda: None
        self._detail_timer: Timer | None = None
        # Incidents marked (space) for one action on all of them; a choice of the moment, not queue data.
        self.marked: set[str] = set()
        self._due_shown: set[str] = set()

    @property
    def oncall(self) -> OncallApp:
        from oncall_tui.ui.app import OncallApp

        assert isinstance(self.app, OncallApp)
        return self.app

    def compose(self) -> ComposeResult:
        ascii_only = self.oncall.ascii_only
        tr = self.tr
        status = StatusBar(id="status")
        status.tr = tr
        yield status
        yield QueueTabs(id="tabs")
        with Horizontal(id="panes"):
            with Vertical(id="queue-area"):
                yield QueueMessage(id="queue-message")
                yield QueueTable(ascii_only=ascii_only, tr=tr, id="queue")
            with Vertical(id="side"):
                yield DetailPane(ascii_only=ascii_only, tr=tr, id="detail")
                yield EscalationPane(tr=tr, ascii_only=ascii_only, id="contacts")
        yield Input(placeholder=tr("filter: words in key, summary, status, assignee, service, label"), id="filter")
        # German words are longer: at 80 columns the palette key would push `? Hilfe` and `q Beenden` off the
        # footer. The help dialog names ctrl+p instead.
        yield Footer(show_command_palette=tr.language == "en")

    def on_mount(self) -> None:
        app = self.oncall
        store = app.session.store
        table = self.query_one(QueueTable)
        table.thresholds = app.session.thresholds
        table.bind_store(store.get, lambda key: store.holds(self.active_queue, key))
        table.write_state = self._write_state
        table.is_marked = self.marked.__contains__
        table.is_due = lambda key: key in app.engine.due.due
        table.marked_keys = lambda: self.marked
        table.due_keys = lambda: app.engine.due.due
        table.writing_keys = lambda: {command.key for command in app.session.pipeline.commands.values()}
        table.due_only = self.active_queue in app.due_queues
        detail = self.query_one(DetailPane)
        detail.thresholds = app.session.thresholds
        detail.tz = app.display_tz
        escalation = self.query_one(EscalationPane)
        escalation.tz = app.display_tz
        # The same levels the escalate dialog offers: the engine's desk (the on-call book, or the Jira leads).
        escalation.provider = app.escalation.view
        escalation.hint = self._contact_keys_hint()
        self._restyle()
        app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())
        self.query_one("#filter", Input).display = False
        # Polls run as tasks of the session and can end after this screen is gone (the app quitting): the
        # store must not call into a screen that no longer has its widgets.
        self._unsubscribe = store.subscribe(self._on_store_diff)
        self._unsubscribe_bus = app.session.bus.subscribe(self._on_bus_event)
        self.refresh_chrome()
        table.focus()
        app.main_ready()

    def on_unmount(self) -> None:
        self._unsubscribe()
        self._unsubscribe_bus()

    def _on_bus_event(self, event: object) -> None:
        # The pipeline publishes from wherever it is (inside an action's key handler, a background task): the
        # screen reacts in its own turn, through a message, never from inside the pipeline's call.
        if isinstance(event, CommandChanged | OutboxTrouble):
            self.post_message(CommandNews(event))
        elif isinstance(event, CommandKept):
            self.call_later(self.refresh_chrome)  # "N queued" counts it now

    def _restyle(self) -> None:
        """SLA styles from the theme's colours (or attributes alone under NO_COLOR)."""
        styles = sla_styles(self.app.theme_variables, monochrome=self.app.no_color)
        detail = self.query_one(DetailPane)
        detail.styles_by_state = styles
        detail.warning = warning_style(self.app.theme_variables, monochrome=self.app.no_color)
        detail._body_for = None  # the internal-comment marks take the new colour
        self.query_one(QueueTable).restyle(styles, self.oncall.now)
        self.show_detail()

    # ---- data in -------------------------------------------------------------------------------------------

    def _on_store_diff(self, diff: StoreDiff) -> None:
        now = self.oncall.now
        table = self.query_one(QueueTable)
        if diff.queue not in (None, self.active_queue):
            # Another queue's poll (a watched queue in the background) may carry a fresher copy of an
            # incident shown here; the next poll of this queue would find nothing new and never repaint it.
            # A key new to that queue is news here too when this table holds it (the store replaced its copy).
            shown = [key for key in dict.fromkeys([*diff.added, *diff.updated]) if table.tracks(key)]
            if shown:
                table.apply((), shown, (), now)
                if self._detail_key() in shown:
                    self.show_detail()
            self.refresh_chrome()
            return
        streaming = diff.queue is not None and self.oncall.session.status[diff.queue].loading is not None
        if diff.queue == self.active_queue and diff.queue not in self._filled:
            if streaming:
                # The first page of a queue loading page by page: on screen at once, sorted as far as known,
                # with the cursor on the most urgent row, while the rest streams in.
                self._filled.add(diff.queue)
                self.show_queue(diff.queue)
                return
            # The queue's first rows: queue_polled fills the table once, sorted (adding them here as well would
            # add every row twice, a second of work for 10,000 rows).
            self.refresh_chrome()
            return
        if streaming and not diff.removed and not diff.updated:
            # Later pages: gathered and merged into the table's order together, once a second (each batch
            # lays out and repaints the table; one per page of 100 would starve the keyboard).
            self._streamed.extend(diff.added)
            if self._stream_timer is None:
                self._stream_timer = self.set_timer(STREAM_BATCH_SECONDS, self._flush_streamed)
            return
        before = table.selected_key
        # Membership is the store's: a change outside any poll (an action's confirmation) updates rows the table
        # holds and never adds one the queue does not hold.
        table.apply(diff.added, diff.updated, diff.removed, now)
        selected = table.selected_key
        if before is not None and before != selected and not table.holds(before):
            # The incident under the cursor left the queue (someone took or resolved it): the cursor now sits
            # on another one. Say so, and refuse actions for a moment so a key meant for the old row does
            # not act on the new one.
            self._selection_moved_at = self.oncall.monotonic()
            self.notify(
                self.tr("{key} left this queue; the selection moved.", key=before), severity="warning", markup=False
            )
        if selected is None or selected != self._detail_key() or selected in diff.updated:
            self.show_detail()
        self.refresh_chrome()

    def _flush_streamed(self) -> None:
        """Merge the gathered rows of a streaming load into the table, STREAM_CHUNK_ROWS in one turn of the
        event loop (a key pressed meanwhile is handled between chunks, not after 4,000 rows); once all are in
        and the load is over, one full sort."""
        if self._stream_timer is not None:
            self._stream_timer.stop()
            self._stream_timer = None
        chunk, self._streamed = self._streamed[:STREAM_CHUNK_ROWS], self._streamed[STREAM_CHUNK_ROWS:]
        table = self.query_one(QueueTable)
        if chunk:
            table.extend_sorted(chunk, self.oncall.now)
            self._sort_pending = True
        if self._streamed:
            self._stream_timer = self.set_timer(STREAM_CHUNK_GAP, self._flush_streamed)
        elif self._sort_pending and self.oncall.session.status[self.active_queue].loading is None:
            # Rows merged in as the pages came were keyed at different moments: one full sort now.
            self._sort_pending = False
            table.resort(self.oncall.now)
        self.refresh_chrome()

    def _detail_key(self) -> str | None:
        incident = self.query_one(DetailPane).incident
        return incident.key if incident else None

    def due_changed(self, due: Mapping[str, object]) -> None:
        """The incidents due for escalation changed: their rows' marks (and a due-only queue's rows) follow."""
        now_due = set(due)
        changed = (now_due ^ self._due_shown) & set(self.oncall.session.store.keys(self.active_queue))
        self._due_shown = now_due
        if changed:
            self.query_one(QueueTable).apply(sorted(changed), (), (), self.oncall.now)
        self.refresh_chrome()

    def show_queue(self, name: str) -> None:
        if name != self.active_queue:
            self._selection_moved_at = 0.0  # a queue chosen on purpose: no "the selection moved" grace
        self.active_queue = name
        # Rows gathered for the table of the queue shown until now (the new queue's come from the store).
        self._streamed = []
        self._sort_pending = False  # show() below sorts the whole queue
        self.oncall.engine.activate(name)
        table = self.query_one(QueueTable)
        table.due_only = name in self.oncall.due_queues
        table.show(self.oncall.session.store.keys(name), self.oncall.now)
        if table.row_count:
            table.move_cursor(row=0)
        self.show_detail()
        self.refresh_chrome()

    def queue_polled(self, name: str) -> None:
        """A poll of `name` ended (well or not): fill the table after its first success, re-read the selected
        incident if its full copy is stale or its last read failed, and say what the queue's state is."""
        if name != self.active_queue:
            return
        status = self.oncall.session.status[name]
        self._flush_streamed()  # the last pages of a streamed load, then the full sort
        if not status.loaded:
            self._filled.discard(name)  # a first load that failed part-way took its rows out again
        if name not in self._filled and status.loaded:
            # The first rows of a queue: shown sorted, with the cursor on the most urgent one.
            self._filled.add(name)
            self.show_queue(name)
        incident = self.selected()
        if incident is not None and self.oncall.session.details.wanted(incident, retry_failed=True):
            self.oncall.read_detail(incident.key)
        self.refresh_chrome()

    def refresh_chrome(self) -> None:
        app = self.oncall
        session = app.session
        me = session.last_known_me()
        self.query_one(StatusBar).render_status(
            site=app.site_label,
            user=me.display_name if me else None,
            writes=" · ".join(
                w for w in (self._loading_summary(), self._writes_summary(), self._notify_summary()) if w
            ),
            state=app.live_state(),
            now=app.now,
            tz=app.display_tz,
            readonly=session.readonly,
            ascii_only=app.ascii_only,
        )
        active = self.active_queue
        # The active queue's count is the store's: the same number as the rows the table shows, at every moment.
        shown = session.status[active].loaded or session.status[active].loading is not None
        held: dict[str, int | None] = {active: session.store.count(active)} if shown else {}
        due = app.engine.due.due
        for name in app.due_queues:
            # A due-only queue counts what it shows, not what its JQL matches.
            loaded = session.status[name].loaded
            held[name] = sum(1 for key in session.store.keys(name) if key in due) if loaded else None
        self.query_one(QueueTabs).render_tabs(
            [q.name for q in session.queues], session.status, active, held=held, ascii_only=app.ascii_only
        )
        self._mark_estimates()
        self._show_queue_message()

    def _mark_estimates(self) -> None:
        """While Jira cannot confirm them, countdowns go on from the last known state, marked as estimates."""
        degraded = self.oncall.engine.connection.degraded
        table = self.query_one(QueueTable)
        if table.estimate != degraded:
            table.set_estimate(degraded, self.oncall.now)
            detail = self.query_one(DetailPane)
            detail.estimate = degraded
            detail.tick(self.oncall.now)

    def _loading_summary(self) -> str:
        """ "loading 300 of 10000" while the active queue's first load streams in; "" otherwise."""
        loading = self.oncall.session.status[self.active_queue].loading
        if loading is None:
            return ""
        received = self.oncall.session.store.count(self.active_queue)
        if loading.expected is None:
            return self.tr("loading {received}", received=received)
        return self.tr("loading {received} of {expected}", received=received, expected=loading.expected)

    def _notify_summary(self) -> str:
        """ "3 due" (incidents due for escalation) and "quiet" while notifications are off; "" otherwise."""
        engine = self.oncall.engine
        parts = []
        due = len(engine.due.due)
        if due:
            parts.append(self.tr("{count} due", count=due))
        if engine.notifier.quiet:
            parts.append(self.tr("quiet"))
        return " · ".join(parts)

    def _writes_summary(self) -> str:
        pipeline = self.oncall.session.pipeline
        stopped = pipeline.stopped()
        # "Queued" only once in the outbox: a crash before that would lose it (a moment after the key).
        active = sum(1 for c in pipeline.active() if c.id not in pipeline.unrecorded)
        failed = sum(1 for c in stopped if c.state is State.FAILED)
        deciding = len(stopped) - failed
        parts = []
        if active:
            parts.append(self.tr("{count} queued", count=active))
        if failed:
            parts.append(self.tr("{count} failed (w)", count=failed))
        if deciding:
            parts.append(self.tr("{count} to decide (w)", count=deciding))
        return " · ".join(parts)

    def _write_state(self, key: str) -> str | None:
        commands = self.oncall.session.pipeline.for_key(key)
        if any(c.state in (State.FAILED, State.CONFLICT) for c in commands):
            return "stopped"
        return "pending" if commands else None

    def _show_queue_message(self) -> None:
        """What the table area says when it has no rows to show, or when Jira refuses the queue: never a bare
        empty table (which reads as "nothing to do")."""
        widget = self.query_one("#queue-message", QueueMessage)
        # Over rows, the degraded banner is one tight line: at 80x24 every row of the table counts.
        widget.set_class(self.oncall.engine.connection.degraded and self.query_one(QueueTable).row_count > 0, "-banner")
        widget.show_text(self.queue_message() or Text())

    def queue_message(self) -> Text | None:
        app = self.oncall
        tr = self.tr
        name = self.active_queue
        status = app.session.status[name]
        table = self.query_one(QueueTable)
        quoted = f"“{sanitize_line(name)}”"
        error = status.error
        if status.jql_refused and error is not None:
            return Text(
                tr("Jira refuses the JQL of queue {queue}: {error}", queue=quoted, error=error_words(error, tr)),
                style=Style(bold=True),
            )
        if not status.loaded:
            if error is None:
                return Text(tr("Loading {queue}…", queue=quoted), style=Style(dim=True))
            wait = app.seconds_to_next_poll()
            retry = tr("Retrying now…") if wait is None else tr("Retrying in {seconds} s (r: now).", seconds=wait)
            return Text(
                tr("Could not load {queue}: {error}", queue=quoted, error=error_words(error, tr, hint=False))
                + "\n"
                + retry,
                style=Style(bold=True),
            )
        # Degraded mode: the rows stay, and one line over them says what is wrong and how old they are.
        banner = degraded_banner(
            app.engine.connection,
            as_of=status.as_of,
            queued=app.engine.queued(),
            next_try_in=app.seconds_to_next_poll(),
            now=app.now,
            tz=app.display_tz,
            tr=tr,
        )
        lines = [Text(banner, style=Style(bold=True))] if banner else []
        if status.cached and not banner and status.as_of is not None:
            # Rows from the last run, on screen at once: said so until the first poll of this run replaces them.
            when = fmt.local_time(status.as_of, app.display_tz, tr=tr, now=app.now)
            lines.append(Text(tr("Saved copy as of {time}; asking Jira…", time=when), style=Style(bold=True)))
        if status.skipped:
            # Rows are missing that Jira holds: say so above whatever the table shows.
            lines.append(Text(tr(SearchResult.SKIPPED_MESSAGE, skipped=status.skipped), style=Style(bold=True)))
        elif not table.row_count and table.filter_text:
            lines.append(Text(tr("Nothing in {queue} matches the filter.", queue=quoted), style=Style(dim=True)))
        elif not table.row_count:
            lines.append(Text(tr("No incidents in {queue}.", queue=quoted), style=Style(dim=True)))
        return Text("\n").join(lines) if lines else None

    def tick(self, now: datetime) -> None:
        self.query_one(QueueTable).tick(now)
        self.query_one(DetailPane).tick(now)
        self.query_one(EscalationPane).tick(now)
        self.refresh_chrome()

    # ---- selection -------------------------------------------------------------------------------------------

    @on(QueueTable.RowHighlighted)
    def _highlighted(self, event: QueueTable.RowHighlighted) -> None:
        self.show_detail()

    def selected(self) -> Incident | None:
        key = self.query_one(QueueTable).selected_key
        return self.oncall.session.store.get(key) if key else None

    def show_detail(self) -> None:
        app = self.oncall
        incident = self.selected()
        note: Text | None = None
        if incident is not None:
            # The list search carries no description or comments; the full copy adds them.
            details = app.session.details
            detail = details.get(incident.key)
            if details.wanted(incident):
                self._want_detail(incident.key)
            if detail is not None and detail.incident is not None:
                # Keep comments still being sent (optimistic, not yet in Jira) visible under the read ones.
                pending = tuple(c for c in incident.comments if c.id.startswith(PENDING_COMMENT_PREFIX))
                incident = dataclasses.replace(
                    incident,
                    description_text=detail.incident.description_text,
                    comments=(*detail.incident.comments, *pending),
                )
            note = self._detail_note(incident, detail)
        pane = self.query_one(DetailPane)
        pane.tz = app.display_tz
        pane.show(incident, app.now, note)
        escalation = self.query_one(EscalationPane)
        escalation.tz = app.display_tz
        escalation.show(incident, app.now)

    def _detail_note(self, listed: Incident, detail: Detail | None) -> Text | None:
        """Says how old the description and comments are when they could not be read again."""
        if detail is None or detail.error is None:
            return None
        tr = self.tr
        error = error_words(detail.error, tr, hint=False)
        if detail.incident is None or detail.read_at is None:
            text = tr("Description and comments could not be read: {error}", error=error)
        else:
            when = fmt.local_time(detail.read_at, self.oncall.display_tz, tr=tr, now=self.oncall.now)
            text = tr(
                "Description and comments as of {time}; reading them again failed: {error}", time=when, error=error
            )
        style = self.query_one(DetailPane).warning + Style(bold=True)
        return Text(f"{text}\n{tr('Trying again with the next poll (r: now).')}", style=style)

    def _want_detail(self, key: str) -> None:
        """Read the full issue once the selection rests on it, not for every row scrolled past."""
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DEBOUNCE_SECONDS, lambda: self._start_detail(key))

    def _start_detail(self, key: str) -> None:
        incident = self.selected()
        if incident is not None and incident.key == key and self.oncall.session.details.wanted(incident):
            self.oncall.read_detail(key)

    def _need_incident(self) -> Incident | None:
        incident = self.selected()
        if incident is None:
            self.notify(self.tr("No incident selected."), severity="warning")
            return None
        if self.oncall.monotonic() - self._selection_moved_at < SELECTION_GRACE_SECONDS:
            self.notify(
                self.tr("The selection just moved to {key}: press the key again to act on it.", key=incident.key),
                severity="warning",
                markup=False,
            )
            self._selection_moved_at = 0.0
            return None
        return incident

    # ---- actions -----------------------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The action workers run on this screen, and worker events do not bubble to the app.
        notify_worker_error(self, event)

    def _topic(self, command: Command) -> str:
        return f"{command.kind.value}:{command.key}"

    @on(CommandNews)
    def _command_news(self, message: CommandNews) -> None:
        event = message.event
        if isinstance(event, OutboxTrouble):
            problem = event.problem
            self.oncall.notices.show(
                "outbox",
                self.tr(
                    "Writes cannot be saved to {path} ({detail}): from now on they are not protected against a "
                    "crash. Quitting with writes waiting loses them.",
                    path=problem.path,
                    detail=outbox_problem_words(problem.kind, self.tr),
                ),
                severity="error",
                timeout=30,
            )
            return
        self.command_changed(event.command, event.fresh)

    def command_changed(self, command: Command, fresh: Incident | None) -> None:
        """Say what became of a command (its one notice, replaced in place) and show its effects."""
        state = command.state
        if fresh is not None:
            # The pipeline re-read the issue after the write: the detail pane needs no second read.
            self.oncall.session.details.put(fresh, self.oncall.clock())
            if self.query_one(QueueTable).selected_key == command.key:
                self.show_detail()
        waiter = self._comment_waiters.get(command.id)
        settled = state in (State.CONFIRMED, State.FAILED, State.UNCERTAIN, State.CONFLICT) or (
            state is State.QUEUED and command.error is not None
        )
        if waiter is not None and settled:
            del self._comment_waiters[command.id]
            self._sending_comment.discard(command.key)
            if waiter(command) and state is State.FAILED:
                # The dialog took the text back: one copy of it, there, not also in the command list (and no
                # "dropped" notice: the text is in the box, with the reason).
                self._taken_back.add(command.id)
                self.oncall.session.pipeline.drop(command.id)
                return
        if state is State.DROPPED and command.id in self._taken_back:
            self._taken_back.discard(command.id)
            self.refresh_chrome()
            return
        if state is State.CONFLICT and self.app.screen is self:
            # Asked only over the main screen: a question popping up over the comment box would take the next
            # key typed into it as its answer. Otherwise (and for more than one) the notice and `w` say it.
            self._ask_conflict(command)
        if state in (State.FAILED, State.UNCERTAIN, State.CONFLICT):
            severity = "error"
        elif command.error is not None and state is not State.DROPPED:
            severity = "warning"
        else:
            severity = "information"
        self.oncall.notices.show(
            self._topic(command),
            state_words(command, self.tr),
            severity=severity,
            timeout=30
            if state in (State.QUEUED, State.SENDING)
            else 4
            if state in (State.CONFIRMED, State.DROPPED)
            else 12,
        )
        table = self.query_one(QueueTable)
        if table.holds(command.key):
            table.apply((), (command.key,), (), self.oncall.now)
        if isinstance(self.app.screen, CommandsDialog):
            self.app.screen.refresh_list()
        if state is State.CONFIRMED:
            # What the write changed about the queue (a taken incident leaving Unassigned) shows at once.
            self.oncall.poll_now()
        self.refresh_chrome()

    def _ask_conflict(self, command: Command) -> None:
        pipeline = self.oncall.session.pipeline

        def answered(answer: str | None) -> None:
            if answer == "go":
                pipeline.go_ahead(command.id)
            elif answer == "drop":
                pipeline.drop(command.id)

        self.app.push_screen(ConflictDialog(command, tr=self.tr), answered)

    def action_commands(self) -> None:
        self.app.push_screen(
            CommandsDialog(
                self.oncall.session.pipeline, edit=self._edit_failed, copy=self.app.copy_to_clipboard, tr=self.tr
            )
        )

    def _edit_failed(self, command: Command) -> None:
        """A refused comment back in the comment box, its text as it was: sending it resends the same command."""
        pipeline = self.oncall.session.pipeline
        key = command.key
        draft = CommentDraft(command.text, command.public)

        def send(draft: CommentDraft, done: Callable[[Command | None], bool]) -> None:
            again = pipeline.resend(command.id, text=draft.text, public=draft.public)
            if again is None:
                done(None)
                return
            self._sending_comment.add(key)
            self._comment_waiters[again.id] = done

        drafts = self.oncall.drafts

        def keep(draft: CommentDraft) -> None:
            # Edited text is a draft like any other: a refusal taken back into the box, then esc, keeps it.
            drafts.put(key, draft.text, draft.public)

        self.app.push_screen(CommentDialog(key, draft, keep, send, tr=self.tr))

    def action_take(self) -> None:
        incident = self._need_incident()
        if incident is None:
            return
        me = self.oncall.session.me
        owner = incident.assignee
        if owner is None or not self.oncall.confirm_take or (me is not None and owner.id == me.id):
            self._run_take(incident.key)
            return
        # Taking a colleague's incident silently would pull it from under them: one more key, naming them.
        key = incident.key
        take_keys = self.oncall.keys_of("incident.take")
        question = self.tr(
            "{key} is {name}'s. Take it? {yes}/esc",
            key=key,
            name=sanitize_line(fmt.short_name(owner.display_name)),
            yes=registry.display_key(take_keys[0]),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._run_take(key)

        self.app.push_screen(ConfirmDialog(question, take_keys, tr=self.tr), answered)

    def _run_take(self, key: str) -> None:
        self.oncall.session.pipeline.take(key)

    def action_assign(self) -> None:
        incident = self._need_incident()
        if incident is None:
            return
        key = incident.key

        def search(query: str, deliver: Callable[[list[Person]], None]) -> None:
            self._user_search(key, query, deliver)

        def chosen(person: Person | None) -> None:
            if person is not None:
                self._run_assign(key, person)

        self.app.push_screen(AssignDialog(key, search, tr=self.tr), chosen)

    @work(group="user-search", exit_on_error=False)
    async def _user_search(self, key: str, query: str, deliver: Callable[[list[Person]], None]) -> None:
        # On this screen, not the dialog's: closing the dialog must not cancel the request (httpx #1461).
        try:
            people = await self.oncall.session.client.assignable_users(key, query)
        except JiraError as exc:
            self.oncall.notices.show(
                f"user-search:{key}",
                self.tr("User search failed: {error}", error=error_words(exc, self.tr)),
                severity="error",
                timeout=8,
            )
            people = []
        deliver(people)

    def _run_assign(self, key: str, person: Person) -> None:
        self.oncall.session.pipeline.assign(key, person)

    def action_comment(self) -> None:
        incident = self._need_incident()
        if incident is None:
            return
        key = incident.key
        if key in self._sending_comment:
            self.notify(self.tr("A comment on {key} is still being sent.", key=key), severity="warning", markup=False)
            return
        drafts = self.oncall.drafts

        def keep(draft: CommentDraft) -> None:
            drafts.put(key, draft.text, draft.public)

        def send(draft: CommentDraft, done: Callable[[Command | None], bool]) -> None:
            self._send_comment(key, draft, done)

        self.app.push_screen(CommentDialog(key, drafts.get(key), keep, send, tr=self.tr))  # type: ignore[arg-type]

    def _send_comment(self, key: str, draft: CommentDraft, done: Callable[[Command | None], bool]) -> None:
        """Send the draft the dialog read at ctrl+s. From the moment the command is recorded its text lives in
        the outbox, so the draft is dropped; a refusal the dialog takes back becomes the draft again.
        `done` hears the command once it settles."""
        command = self.oncall.session.pipeline.comment(key, draft.text, public=draft.public)
        if command.state is State.FAILED:  # refused before it started (read-only)
            done(command)
            return
        self._sending_comment.add(key)
        self._comment_waiters[command.id] = done
        self.oncall.drafts.drop(key)

    def action_transition(self) -> None:
        incident = self._need_incident()
        if incident is not None:
            self._run_transition(incident.key)

    @work(group="actions", exit_on_error=False)
    async def _run_transition(self, key: str) -> None:
        try:
            options: list[TransitionOption] = list(await self.oncall.session.client.transitions(key))
        except JiraError as exc:
            self.notify(
                self.tr("Could not load transitions of {key}: {error}", key=key, error=error_words(exc, self.tr)),
                severity="error",
                markup=False,
            )
            return
        picked = await self.app.push_screen_wait(
            PickDialog(
                self.tr("Transition {key}", key=key),
                [(o.id, transition_label(o, self.tr)) for o in options],
                tr=self.tr,
            )
        )
        chosen = next((o for o in options if o.id == picked), None)
        if chosen is None:
            return
        resolution: FieldChoice | None = None
        choices = resolution_choices(chosen)
        if any(f.id == "resolution" and f.required for f in chosen.fields) and choices:
            res_id = await self.app.push_screen_wait(
                PickDialog(
                    self.tr("Resolution for {key}", key=key), [(c.id or c.name, c.name) for c in choices], tr=self.tr
                )
            )
            if res_id is None:
                return
            resolution = next(c for c in choices if (c.id or c.name) == res_id)
        self.oncall.session.pipeline.transition(key, chosen, resolution=resolution)

    def action_priority(self) -> None:
        incident = self._need_incident()
        if incident is not None:
            self._run_priority(incident.key)

    @work(group="actions", exit_on_error=False)
    async def _run_priority(self, key: str) -> None:
        try:
            priorities = await self.oncall.priorities()
        except JiraError as exc:
            self.notify(
                self.tr("Could not load priorities: {error}", error=error_words(exc, self.tr)),
                severity="error",
                markup=False,
            )
            return
        chosen = await self.app.push_screen_wait(
            PickDialog(self.tr("Priority of {key}", key=key), priorities, tr=self.tr)
        )
        if chosen is None:
            return
        choice = FieldChoice(name=dict(priorities)[chosen], id=chosen)
        self.oncall.session.pipeline.set_priority(key, choice)

    def action_toggle_mark(self) -> None:
        table = self.query_one(QueueTable)
        key = table.selected_key
        if key is None:
            return
        if key in self.marked:
            self.marked.discard(key)
        else:
            self.marked.add(key)
        table.apply((), (key,), (), self.oncall.now)
        self.refresh_chrome()

    def _marked_incidents(self) -> list[Incident]:
        store = self.oncall.session.store
        # Marks of incidents that left every queue are forgotten: an action never reaches what is not shown.
        held = [key for key in self.marked if any(store.holds(q, key) for q in store.queues())]
        self.marked.intersection_update(held)
        return [inc for key in sorted(held) if (inc := store.get(key)) is not None]

    def action_escalate(self) -> None:
        marked = self._marked_incidents()
        if marked:
            self._run_escalate(marked)
            return
        incident = self._need_incident()
        if incident is not None:
            self._run_escalate([incident])

    @work(group="actions", exit_on_error=False)
    async def _run_escalate(self, incidents: list[Incident]) -> None:
        desk = self.oncall.escalation
        if desk.priorities is None:
            # To raise a priority by the level's name or id, and never lower it: Jira's order of priorities.
            with contextlib.suppress(JiraError):
                desk.priorities = await self.oncall.priorities()
        items = [Escalating(incident, await desk.resolved(incident)) for incident in incidents]
        answer = await self.app.push_screen_wait(
            EscalateDialog(
                items,
                can_page=desk.can_page(),
                now=self.oncall.now,
                tz=self.oncall.display_tz,
                tr=self.tr,
                raise_to=desk.raise_to,
            )
        )
        if answer is None:
            return
        for item in items:
            target = answer.target if answer.target is not None else item.default_target()
            if target is None:
                continue
            desk.escalate(
                item.incident,
                item.resolved,
                target,
                answer.toggles,
                answer.reason,
                self._escalation_texts(answer.reason),
            )
        if len(items) > 1:
            self.marked.clear()
            table = self.query_one(QueueTable)
            table.apply((), tuple(i.incident.key for i in items if table.holds(i.incident.key)), (), self.oncall.now)
        self.refresh_chrome()

    def _escalation_texts(self, reason: str) -> Callable[[ResolvedLevel, Incident], Texts]:
        tr = self.tr
        me = self.oncall.session.me
        by = me.display_name if me is not None else "?"

        def texts(level: ResolvedLevel, incident: Incident) -> Texts:
            people = people_words(level, tr)
            comment = tr(
                "Escalated to {level} ({people}) by {name} with oncall-tui.\nReason: {reason}",
                level=level_name(level.name, tr),
                people=people,
                name=by,
                reason=reason,
            )
            if level.index < esc_level_of(incident):
                comment = tr(
                    "De-escalated to {level} by {name} with oncall-tui.\nReason: {reason}",
                    level=level_name(level.name, tr),
                    name=by,
                    reason=reason,
                )
            message = fmt.fit(f"{incident.key}: {sanitize_line(incident.summary)}", 130)
            description = tr(
                "{level} of {key}, paged by {name}: {reason}\n{url}",
                level=level_name(level.name, tr),
                key=incident.key,
                name=by,
                reason=reason,
                url=incident.url,
            )
            return Texts(comment, message, description)

        return texts

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.focus()
        self.query_one(QueueTable).prepare_filter()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        table = self.query_one(QueueTable)
        table.set_filter(event.value.strip(), self.oncall.now)
        self.show_detail()
        self.refresh_chrome()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(QueueTable).focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        if field.display or field.value:
            field.value = ""
            field.display = False
            self.query_one(QueueTable).focus()

    def action_cycle_sort(self) -> None:
        table = self.query_one(QueueTable)
        table.set_sort(SORTS[(SORTS.index(table.sort_mode) + 1) % len(SORTS)], self.oncall.now)
        self.oncall.notices.show(
            "sort", self.tr("Sorted by {mode}", mode=self.tr(f"sort.{table.sort_mode}")), timeout=2
        )

    def action_refresh(self) -> None:
        """Poll now, whatever the wait (a rate limit's included): a poll under way is followed by a new one."""
        running = self.oncall.poll_running_for()
        if running is not None and running >= POLL_BUSY_SECONDS:
            self.oncall.notices.show(
                "refresh",
                self.tr(
                    "A poll has been waiting for Jira for {seconds} s; a new one starts when it ends.",
                    seconds=int(running),
                ),
                timeout=5,
            )
        # The poll's end reads the selected incident again if its last read failed.
        self.oncall.poll_now(full=True)
        self.oncall.refresh_counts_now()

    def action_switch_queue(self, index: int) -> None:
        queues = self.oncall.session.queues
        if 0 <= index < len(queues) and queues[index].name != self.active_queue:
            self.show_queue(queues[index].name)
            self.oncall.poll_now()

    def action_copy_key(self) -> None:
        incident = self._need_incident()
        if incident is not None:
            self.app.copy_to_clipboard(incident.key)
            self.notify(self.tr("Copied {what}", what=incident.key), timeout=2, markup=False)

    def action_copy_url(self) -> None:
        incident = self._need_incident()
        if incident is not None and incident.url:
            self.app.copy_to_clipboard(incident.url)
            self.notify(self.tr("Copied {what}", what=incident.url), timeout=3, markup=False)

    def action_open_url(self) -> None:
        incident = self._need_incident()
        if incident is not None and incident.url:
            # Over SSH a browser on the jump host helps nobody: show the link (the key in the detail pane is an
            # OSC 8 hyperlink too) and copy it via OSC 52 to the engineer's own clipboard.
            self.app.copy_to_clipboard(incident.url)
            self.notify(self.tr("{url}\n(copied to your clipboard)", url=incident.url), timeout=8, markup=False)

    # ---- the escalation pane's contact -------------------------------------------------------------------------

    def _contact_keys_hint(self) -> str:
        def shown(binding_id: str) -> str:
            keys = self.oncall.keys_of(binding_id)
            return registry.display_key(keys[0]) if keys else "—"

        return self.tr(
            "{phone} phone · {email} e-mail · {previous} {next} contact",
            phone=shown("contact.copy_phone"),
            email=shown("contact.copy_email"),
            previous=shown("contact.previous"),
            next=shown("contact.next"),
        )

    def _chosen_contact(self) -> Contact | None:
        chosen = self.query_one(EscalationPane).chosen()
        if chosen is None:
            self.notify(self.tr("No contact to copy for this incident."), severity="warning", markup=False)
            return None
        return chosen[1]

    def action_copy_phone(self) -> None:
        contact = self._chosen_contact()
        if contact is None:
            return
        name = contact_name(contact)
        if not contact.phone:
            self.notify(self.tr("{name} has no phone number.", name=name), severity="warning", markup=False)
            return
        phone = sanitize_line(contact.phone)
        self.app.copy_to_clipboard(phone)
        self.notify(self.tr("Copied the phone number of {name}: {what}", name=name, what=phone), markup=False)

    def action_copy_email(self) -> None:
        contact = self._chosen_contact()
        if contact is None:
            return
        name = contact_name(contact)
        if not contact.email:
            self.notify(self.tr("{name} has no e-mail address.", name=name), severity="warning", markup=False)
            return
        email = sanitize_line(contact.email)
        self.app.copy_to_clipboard(email)
        self.notify(self.tr("Copied the e-mail address of {name}: {what}", name=name, what=email), markup=False)

    def _pick_contact(self, step: int) -> None:
        chosen = self.query_one(EscalationPane).pick(step)
        if chosen is None:
            self.notify(self.tr("No contact to copy for this incident."), severity="warning", markup=False)
            return
        level, contact = chosen
        self.oncall.notices.show(
            "contact",
            self.tr("Copy keys: {name} ({level})", name=contact_name(contact), level=sanitize_line(level.name)),
            timeout=3,
        )

    def action_next_contact(self) -> None:
        self._pick_contact(1)

    def action_previous_contact(self) -> None:
        self._pick_contact(-1)

    def help_lines(self) -> list[HelpLine]:
        """Every binding from the registry, with the keys the [keymap] gives it and its id (what [keymap] takes),
        grouped by where it applies."""
        tr = self.tr
        lines: list[HelpLine] = []
        switches: list[str] = []
        for row in registry.binding_rows(self.oncall.user_keymap):
            if row.id.startswith("queue.switch_"):
                switches.append(row.keys)
                continue
            lines.append(HelpLine(row.keys, tr(row.description, **row.params), row.id, tr(row.scope.value)))
        main = tr(registry.Scope.MAIN.value)
        at = next(i for i, line in enumerate(lines) if line.id == "queue.clear_filter")
        shown = "1-9" if switches == [str(n) for n in range(1, 10)] else ",".join(switches)
        lines.insert(at, HelpLine(shown, tr("switch queue"), "queue.switch_N", main))
        lines.append(HelpLine("ctrl+p", tr("command palette"), "", main))
        return lines

    def show_help(self) -> None:
        self.app.push_screen(HelpDialog(self.help_lines(), tr=self.tr))
