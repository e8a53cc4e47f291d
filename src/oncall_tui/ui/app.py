"""The Textual app: wires the session to the screen, owns the one clock and the poll timer.

Thin on purpose: panes live in widgets/, dialogs and the main screen in screens/, data in sync/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from oncall_tui.domain.incident import Incident
from oncall_tui.domain.people import Person
from oncall_tui.jira.errors import AuthError, JiraError, NetworkError
from oncall_tui.sync.session import Session
from oncall_tui.sync.store import StoreDiff
from oncall_tui.ui.format import short_priority
from oncall_tui.ui.screens.main import MAIN_BINDINGS, MainScreen


def styles_dir() -> Path:
    """`styles/` ships inside the wheel as oncall_tui/styles; in a source checkout it is at the top level."""
    packaged = Path(__file__).resolve().parent.parent / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "styles"


def utc_now() -> datetime:
    return datetime.now(UTC)


class OncallApp(App[None]):
    CSS_PATH = [styles_dir() / "app.tcss"]
    TITLE = "oncall-tui"
    BINDINGS = [
        Binding("q", "quit", "quit", id="app.quit"),
        Binding("question_mark", "help", "help", id="app.help"),
    ]

    now: reactive[datetime] = reactive(utc_now, always_update=True)

    def __init__(
        self,
        session: Session,
        *,
        site_label: str,
        poll_seconds: float = 15.0,
        counts_seconds: float = 60.0,
        clock: Callable[[], datetime] = utc_now,
        tick: bool = True,
        time_zone: str | None = None,
        ascii_only: bool = False,
        bell: bool = True,
        keymap: Mapping[str, str] | None = None,
        watched: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.session = session
        self.site_label = site_label
        self.poll_seconds = poll_seconds
        self.counts_seconds = counts_seconds
        self.clock = clock
        self._tick_enabled = tick
        self._tz_name = time_zone
        self.ascii_only = ascii_only
        self.bell_enabled = bell
        self._keymap = dict(keymap or {})
        self.watched = set(watched) | {q.name for q in session.queues if q.watch}
        self.drafts: dict[str, object] = {}
        self.project_leads: dict[str, tuple[Person | None, dict[str, Person]]] = {}
        self.details: dict[str, Incident] = {}  # key -> issue with description and comments
        self._priorities: list[tuple[str, str]] | None = None
        self._poll_timer: Timer | None = None
        self._counts_timer: Timer | None = None
        self.last_ok: datetime | None = None
        self.offline = False
        self._last_error: str | None = None
        self._filled: set[str] = set()
        self.now = clock()

    # ---- start-up -------------------------------------------------------------------------------------------

    @property
    def display_tz(self) -> ZoneInfo | None:
        name = self._tz_name
        if name == "local":
            return None
        if not name and self.session.me is not None:
            name = self.session.me.time_zone
        if not name:
            return None
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):
            return None

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(self.session.queues[0].name)

    @property
    def main(self) -> MainScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def on_mount(self) -> None:
        if self._keymap:
            self.set_keymap(self._keymap)
        self.session.store.subscribe(self._ring_for_new_urgent)
        if self._tick_enabled:
            self.set_interval(1.0, self._tick)
        self._connect()

    @work(group="poll", exclusive=True, exit_on_error=False)
    async def _connect(self) -> None:
        try:
            await self.session.connect()
        except JiraError as exc:
            self._failed(exc)
            self._poll_timer = self.set_timer(self.poll_seconds, self._connect)
            return
        self.main.refresh_chrome()
        await self._poll(full=True)
        self._counts()

    # ---- the one clock ----------------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.now = self.clock()

    def watch_now(self, now: datetime) -> None:
        if self.screen_stack and isinstance(self.screen_stack[0], MainScreen) and self.screen_stack[0].is_mounted:
            self.screen_stack[0].tick(now)

    # ---- polling ------------------------------------------------------------------------------------------------

    def live_state(self) -> tuple[str, str]:
        from oncall_tui.ui.widgets.status_bar import live_state

        return live_state(self.last_ok, self.now, self.poll_seconds, self.offline)

    def poll_now(self, *, full: bool = False) -> None:
        if self.session.me is None:
            self._connect()
            return
        self._poll_worker(full)

    @work(group="poll", exclusive=True, exit_on_error=False)
    async def _poll_worker(self, full: bool) -> None:
        await self._poll(full=full)

    async def _poll(self, *, full: bool = False) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
        queue = self.main.active_queue
        try:
            await self.session.poll(queue, self.clock(), full=full)
        except JiraError as exc:
            self._failed(exc)
        else:
            self.last_ok = self.clock()
            self.offline = False
            self._last_error = None
            if queue not in self._filled:
                self._filled.add(queue)
                self.main.show_queue(queue)
        finally:
            # Re-armed after each poll finishes: polls never overlap or pile up behind a slow Jira.
            self._poll_timer = self.set_timer(self.poll_seconds, self.poll_now)
            self.main.refresh_chrome()

    @work(group="counts", exclusive=True, exit_on_error=False)
    async def _counts(self) -> None:
        try:
            await self.session.refresh_counts(except_queue=self.main.active_queue)
        except JiraError:
            pass  # counts are a nicety; the active queue's poll reports connection problems
        finally:
            self._counts_timer = self.set_timer(self.counts_seconds, self._counts)
            self.main.refresh_chrome()

    def _failed(self, exc: JiraError) -> None:
        self.offline = isinstance(exc, (NetworkError, AuthError))
        text = exc.full_text
        if text != self._last_error:
            # One notification per distinct problem, not one per poll.
            self._last_error = text
            self.notify(text, title="Jira", severity="error", timeout=15, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where an unexpected worker failure becomes a message instead of a crash."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            message = error.full_text if isinstance(error, JiraError) else f"{type(error).__name__}: {error}"
            self.notify(message, title="Error", severity="error", timeout=15, markup=False)

    def _ring_for_new_urgent(self, diff: StoreDiff) -> None:
        if diff.queue is None or not diff.added:
            return
        if diff.queue not in self._filled:
            return  # the first fill of a queue is not news
        table = self.main.query_one("#queue")
        table.mark_new(diff.added, self.now)  # type: ignore[attr-defined]
        if not self.bell_enabled or diff.queue not in self.watched:
            return
        for key in diff.added:
            incident = self.session.store.get(key)
            if incident is not None and short_priority(incident.priority) in ("P1", "P2"):
                self.bell()
                self.notify(f"New {short_priority(incident.priority)}: {key}", severity="warning", markup=False)
                break

    # ---- look-ups the dialogs need ----------------------------------------------------------------------

    async def priorities(self) -> list[tuple[str, str]]:
        if self._priorities is None:
            found = await self.session.client.priorities()
            self._priorities = [(p.id or p.name, p.name) for p in found]
        return self._priorities

    @work(group="detail", exclusive=True, exit_on_error=False)
    async def load_detail(self, key: str) -> None:
        try:
            incident = await self.session.client.get_issue(key)
        except JiraError:
            return  # the pane keeps showing the list data; the next selection or poll tries again
        self.details[key] = incident
        if len(self.details) > 200:
            self.details.pop(next(iter(self.details)))
        if self.main.query_one("#queue").selected_key == key:  # type: ignore[attr-defined]
            self.main.show_detail()

    @work(group="leads", exit_on_error=False)
    async def load_project_leads(self, project: str) -> None:
        if project in self.project_leads:
            return
        try:
            info = await self.session.client.project(project)
        except JiraError:
            self.project_leads[project] = (None, {})
        else:
            leads = {c.name: c.lead for c in info.components if c.lead is not None}
            self.project_leads[project] = (info.lead, leads)
        self.main.show_detail()

    # ---- commands -------------------------------------------------------------------------------------------

    def action_help(self) -> None:
        self.main.show_help()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main
        for _, key, action, desc, _ in MAIN_BINDINGS:
            method = getattr(main, f"action_{action}")
            shown = "/" if key == "slash" else key
            yield SystemCommand(f"{desc.capitalize()} ({shown})", f"Incident action: {desc}", method)
        for i, queue in enumerate(self.session.queues):
            yield SystemCommand(
                f"Queue: {queue.name}", f"Switch to queue {i + 1}", lambda i=i: main.action_switch_queue(i)
            )
