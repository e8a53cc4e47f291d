"""The main screen: queue tabs, the queue table, the detail and contacts panes, and every incident action."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input
from textual.worker import Worker

from oncall_tui import keys as registry
from oncall_tui.domain.incident import FieldChoice, Incident, TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.i18n import ENGLISH, Translator
from oncall_tui.jira.errors import JiraError
from oncall_tui.sync.actions import Outcome
from oncall_tui.sync.store import StoreDiff
from oncall_tui.ui.localize import localize_bindings
from oncall_tui.ui.screens.dialogs import (
    AssignDialog,
    CommentDialog,
    CommentDraft,
    HelpDialog,
    PickDialog,
    resolution_choices,
    transition_label,
)
from oncall_tui.ui.widgets.contacts import ContactsPane, contacts_text
from oncall_tui.ui.widgets.detail import DetailPane
from oncall_tui.ui.widgets.queue_table import SORTS, QueueTable
from oncall_tui.ui.widgets.status_bar import QueueTabs, StatusBar
from oncall_tui.ui.workers import notify_worker_error

if TYPE_CHECKING:
    from oncall_tui.ui.app import OncallApp

DETAIL_DEBOUNCE_SECONDS = 0.1

# How long after a poll moved the cursor off a departed incident actions ask for a second key press.
SELECTION_GRACE_SECONDS = 1.5

# (binding id, key, action, description, shown in footer): the incident and queue actions of the registry.
MAIN_BINDINGS: list[tuple[str, str, str, str, bool]] = [
    (b.id, b.key, b.action, b.description, b.show) for b in registry.bindings(registry.Scope.MAIN) if b.command
]


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
        self.tr = tr
        localize_bindings(self, tr, _describe_queue_switch(tr))
        self.active_queue = first_queue
        self._selection_moved_at = 0.0  # time.monotonic() when a poll moved the cursor off a departed row
        self._sending_comment: set[str] = set()
        self._detail_timer: Timer | None = None

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
            yield QueueTable(ascii_only=ascii_only, tr=tr, id="queue")
            with Vertical(id="side"):
                yield DetailPane(ascii_only=ascii_only, tr=tr, id="detail")
                yield ContactsPane(id="contacts")
        yield Input(placeholder=tr("filter: words in key, summary, status, assignee, service, label"), id="filter")
        # German words are longer: at 80 columns the palette key would push `? Hilfe` and `q Beenden` off the
        # footer. The help dialog names ctrl+p instead.
        yield Footer(show_command_palette=tr.language == "en")

    def on_mount(self) -> None:
        app = self.oncall
        table = self.query_one(QueueTable)
        table.thresholds = app.session.thresholds
        table.bind_store(app.session.store.get)
        detail = self.query_one(DetailPane)
        detail.thresholds = app.session.thresholds
        detail.tz = app.display_tz
        self.query_one("#filter", Input).display = False
        app.session.store.subscribe(self._on_store_diff)
        self.refresh_chrome()
        table.focus()
        app.main_ready()

    # ---- data in -------------------------------------------------------------------------------------------

    def _on_store_diff(self, diff: StoreDiff) -> None:
        now = self.oncall.now
        table = self.query_one(QueueTable)
        if diff.queue not in (None, self.active_queue):
            # Another queue's poll (a watched queue in the background) may carry a fresher copy of an
            # incident shown here; the next poll of this queue would find nothing new and never repaint it.
            shown = [key for key in diff.updated if table.holds(key)]
            if shown:
                table.apply((), shown, (), now)
                if self._detail_key() in shown:
                    self.show_detail()
            self.refresh_chrome()
            return
        before = table.selected_key
        if diff.queue is None:
            table.apply((), diff.updated, (), now)
        else:
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

    def _detail_key(self) -> str | None:
        incident = self.query_one(DetailPane).incident
        return incident.key if incident else None

    def show_queue(self, name: str) -> None:
        self.active_queue = name
        table = self.query_one(QueueTable)
        table.show(self.oncall.session.store.keys(name), self.oncall.now)
        if table.row_count:
            table.move_cursor(row=0)
        self.show_detail()
        self.refresh_chrome()

    def refresh_chrome(self) -> None:
        app = self.oncall
        session = app.session
        self.query_one(StatusBar).render_status(
            site=app.site_label,
            user=session.me.display_name if session.me else None,
            state=app.live_state(),
            now=app.now,
            tz=app.display_tz,
            readonly=session.readonly,
        )
        counts = dict(session.counts)
        counts[self.active_queue] = (
            self.query_one(QueueTable).row_count
            if not self.query_one(QueueTable).filter_text
            else session.store.count(self.active_queue)
        )
        self.query_one(QueueTabs).render_tabs([q.name for q in session.queues], counts, self.active_queue)

    def tick(self, now: datetime) -> None:
        self.query_one(QueueTable).tick(now)
        self.query_one(DetailPane).tick(now)
        self.refresh_chrome()

    # ---- selection -------------------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def selected(self) -> Incident | None:
        key = self.query_one(QueueTable).selected_key
        return self.oncall.session.store.get(key) if key else None

    def show_detail(self) -> None:
        incident = self.selected()
        if incident is not None:
            # The list search carries no description or comments; the detail fetch adds them.
            detail = self.oncall.details.get(incident.key)
            stale = detail is not None and detail.updated and incident.updated and detail.updated < incident.updated
            if detail is None or stale:
                self._want_detail(incident.key)
            if detail is not None:
                # Keep comments still being sent (optimistic, id "pending") visible under the fetched ones.
                pending = tuple(c for c in incident.comments if c.id == "pending")
                incident = dataclasses.replace(
                    incident, description_text=detail.description_text, comments=(*detail.comments, *pending)
                )
        pane = self.query_one(DetailPane)
        pane.tz = self.oncall.display_tz
        pane.show(incident, self.oncall.now)
        contacts = self.query_one(ContactsPane)
        if incident is None:
            contacts.update(contacts_text(None, None, {}, self.tr))
            return
        project = incident.key.split("-")[0]
        cached = self.oncall.project_leads.get(project)
        if cached is None:
            contacts.update(contacts_text(incident, None, {}, self.tr))
            self.oncall.load_project_leads(project)
        else:
            contacts.update(contacts_text(incident, cached[0], cached[1], self.tr))

    def _want_detail(self, key: str) -> None:
        """Fetch the full issue once the selection rests on it, not for every row scrolled past."""
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DEBOUNCE_SECONDS, lambda: self._start_detail(key))

    def _start_detail(self, key: str) -> None:
        if self.query_one(QueueTable).selected_key == key:
            self.oncall.load_detail(key)

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

    def report(self, outcome: Outcome) -> None:
        if outcome.fresh is not None:
            # The runner re-read the issue after the write: the detail pane needs no second fetch.
            self.oncall.details[outcome.key] = outcome.fresh
        self.notify(
            outcome.message,
            severity="information" if outcome.ok else "error",
            markup=False,
            timeout=4 if outcome.ok else 12,
        )

    def action_take(self) -> None:
        incident = self._need_incident()
        if incident is not None:
            self._run_take(incident.key)

    @work(group="actions", exit_on_error=False)
    async def _run_take(self, key: str) -> None:
        self.report(await self.oncall.session.runner.take(key))

    def action_assign(self) -> None:
        incident = self._need_incident()
        if incident is None:
            return
        key = incident.key

        async def search(query: str) -> list[Person]:
            try:
                return await self.oncall.session.client.assignable_users(key, query)
            except JiraError as exc:
                self.notify(self.tr("User search failed: {error}", error=exc.full_text), severity="error", markup=False)
                return []

        def chosen(person: Person | None) -> None:
            if person is not None:
                self._run_assign(key, person)

        self.app.push_screen(AssignDialog(key, search, tr=self.tr), chosen)

    @work(group="actions", exit_on_error=False)
    async def _run_assign(self, key: str, person: Person) -> None:
        self.report(await self.oncall.session.runner.assign(key, person))

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
            drafts[key] = draft

        def chosen(draft: CommentDraft | None) -> None:
            if draft is not None:
                drafts[key] = draft
                self._run_comment(key, draft)

        self.app.push_screen(CommentDialog(key, drafts.get(key), keep, tr=self.tr), chosen)

    @work(group="actions", exit_on_error=False)
    async def _run_comment(self, key: str, draft: CommentDraft) -> None:
        self._sending_comment.add(key)
        try:
            outcome = await self.oncall.session.runner.comment(key, draft.text, public=draft.public)
        finally:
            self._sending_comment.discard(key)
        if outcome.ok and self.oncall.drafts.get(key) == draft:
            # Only a sent draft is forgotten; on failure it waits, unchanged, for the next `c`.
            del self.oncall.drafts[key]
        elif not outcome.ok and not outcome.uncertain:
            # (An uncertain outcome already says to check the issue first: no invitation to send it twice.)
            outcome = dataclasses.replace(
                outcome, message=outcome.message + "\n" + self.tr("Your text is kept: press c to retry.")
            )
        self.report(outcome)

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
                self.tr("Could not load transitions of {key}: {error}", key=key, error=exc.full_text),
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
        self.report(await self.oncall.session.runner.transition(key, chosen, resolution=resolution))

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
                self.tr("Could not load priorities: {error}", error=exc.full_text), severity="error", markup=False
            )
            return
        chosen = await self.app.push_screen_wait(
            PickDialog(self.tr("Priority of {key}", key=key), priorities, tr=self.tr)
        )
        if chosen is None:
            return
        choice = FieldChoice(name=dict(priorities)[chosen], id=chosen)
        self.report(await self.oncall.session.runner.set_priority(key, choice))

    def action_escalate(self) -> None:
        self.notify(
            self.tr(
                "Escalation through JSM Ops arrives with the escalation feature; the contacts pane shows "
                "who Jira names as responsible."
            ),
            markup=False,
        )

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        table = self.query_one(QueueTable)
        table.filter_text = event.value.strip()
        table.show(self.oncall.session.store.keys(self.active_queue), self.oncall.now)
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
        table.sort_mode = SORTS[(SORTS.index(table.sort_mode) + 1) % len(SORTS)]
        table.resort(self.oncall.now)
        self.notify(self.tr("Sorted by {mode}", mode=self.tr(f"sort.{table.sort_mode}")), timeout=2)

    def action_refresh(self) -> None:
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

    def help_lines(self) -> list[tuple[str, str]]:
        tr = self.tr
        lines = [(self.oncall.key_for(bid, key), tr(desc)) for bid, key, _, desc, _ in MAIN_BINDINGS]
        lines += [
            ("1-9", tr("switch queue")),
            (self.oncall.key_for("app.help", "question_mark"), tr("help")),
            (self.oncall.key_for("app.quit", "q"), tr("quit")),
            ("ctrl+p", tr("command palette")),
        ]
        return lines

    def show_help(self) -> None:
        self.app.push_screen(HelpDialog(self.help_lines(), tr=self.tr))
