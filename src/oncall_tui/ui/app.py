"""The Textual app: wires the engine (polls, counts, clock, connection) to the screen and draws what it says.

Thin on purpose: panes live in widgets/, dialogs and the main screen in screens/, data in sync/, words in
words.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.filter import LineFilter
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.worker import Worker

from oncall_tui import keys as registry
from oncall_tui.config_notify import NotifyConfig
from oncall_tui.domain.oncall import Contact, Policy
from oncall_tui.domain.people import Person
from oncall_tui.domain.rota import Rota
from oncall_tui.heap import HeapKeeper
from oncall_tui.i18n import Translator, translator
from oncall_tui.jira.errors import JiraError
from oncall_tui.sync.drafts import DraftBook
from oncall_tui.sync.due import EscalationDueChanged
from oncall_tui.sync.engine import Engine, utc_now
from oncall_tui.sync.engine_events import (
    Arrived,
    Connected,
    ConnectionChanged,
    CountsRefreshed,
    EngineFailed,
    LeadsLoaded,
    QueuePolled,
    Tick,
    WatchFailed,
    WatchRecovered,
)
from oncall_tui.sync.escalation_desk import EscalationDesk
from oncall_tui.sync.notify import Notify, NotifyRules
from oncall_tui.sync.oncall import OnCallLoaded
from oncall_tui.sync.session import Session, SnapshotShown
from oncall_tui.sync.snapshot import CacheProblem
from oncall_tui.ui.ascii_filter import AsciiFilter
from oncall_tui.ui.localize import localize_bindings
from oncall_tui.ui.notices import Notices
from oncall_tui.ui.screens.main import MAIN_BINDINGS, MainScreen
from oncall_tui.ui.terminal_notify import desktop_kind, notify_text, sequences
from oncall_tui.ui.widgets.status_bar import LiveState, live_state
from oncall_tui.ui.words import error_words
from oncall_tui.ui.workers import notify_worker_error

# A second q within this many seconds quits even with unsent drafts.
QUIT_CONFIRM_SECONDS = 5.0


class EngineEvent(Message):
    """One event of the engine's bus, delivered in the app's message loop."""

    def __init__(self, event: object) -> None:
        super().__init__()
        self.event = event


class DetailRead(Message):
    """The full copy of `key` was read (or the read failed and the cache says so): the pane may show it."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key


def styles_dir() -> Path:
    """`styles/` ships inside the wheel as oncall_tui/styles; in a source checkout it is at the top level."""
    packaged = Path(__file__).resolve().parent.parent / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "styles"


class AsciiScrollBarRender(ScrollBarRender):
    """Whole-cell thumbs only: no partial-block glyphs (ui.ascii, or a terminal that is not UTF-8)."""

    VERTICAL_BARS = [" "] * 8
    HORIZONTAL_BARS = [" "] * 8


class OncallApp(App[None]):
    CSS_PATH = [styles_dir() / "app.tcss"]
    TITLE = "oncall-tui"
    # Below 120 columns the detail pane moves under the table (styles: `Screen.-narrow`): beside it, it would
    # have under 40 columns and wrap every SLA line. Textual sets these
    # classes on every screen, dialogs included.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding(b.key, b.action, b.text, show=b.show, id=b.id, priority=b.priority)
        for b in registry.bindings(registry.Scope.MAIN, app_level=True)
    ]

    # A `var`, not a `reactive`: a reactive on the App repaints the whole screen whenever it is set, and the
    # clock is set every second. The panes redraw what the new time changes (watch_now -> MainScreen.tick).
    now: var[datetime] = var(utc_now, always_update=True)

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
        language: str = "en",
        confirm_take: bool = True,
        queued: Callable[[], int] | None = None,
        engine: Engine | None = None,
        policies: Sequence[Policy] = (),
        due_queues: Iterable[str] = (),
        rotas: Mapping[str, Rota] | None = None,
        directory: Mapping[str, Contact] | None = None,
        notify: NotifyConfig | None = None,
        env: Mapping[str, str] | None = None,
        heap: HeapKeeper | None = None,
    ) -> None:
        super().__init__()
        # Garbage-collector pauses kept short once a big queue is loaded (oncall-tui passes one; None: left as
        # Python does it, as in most tests, which build many apps in one process).
        self.heap = heap
        self.session = session
        self.language = language
        self.site_label = site_label
        # Polls, counts, watched queues, the clock and the connection: the engine's; this app draws them.
        self.engine = engine or Engine(
            session,
            poll_seconds=poll_seconds,
            counts_seconds=counts_seconds,
            clock=clock,
            watched=watched,
            tick=tick,
            queued=queued,
            policies=policies,
            rotas=rotas,
            directory=directory,
        )
        self._tz_name = time_zone
        self.ascii_only = ascii_only
        self.bell_enabled = bell
        self.confirm_take = confirm_take
        # Not `_keymap`: that name is Textual's own (the normalised keymap set_keymap() installs).
        self.user_keymap = dict(keymap or {})
        self.drafts = DraftBook(session.outbox, session.site_key)
        self.notices = Notices(self)
        self._unsubscribe: Callable[[], None] = lambda: None
        self._ascii_filter = AsciiFilter()
        self._quit_asked_at = float("-inf")
        # The last poll's failure as the notices told it (one notice per distinct problem).
        self._poll_problem: JiraError | None = None
        self.now = self.engine.clock()
        # Policies and who is on call at each level (the engine's); without a configured policy the Jira leads
        # make the levels.
        self.escalation: EscalationDesk = self.engine.escalation
        # Queues that hold only the incidents whose escalation is due ([[queues]] escalation_due = true).
        self.due_queues = frozenset(due_queues)
        # [notify]: the engine's notifier decides, this app writes to the terminal (ui/terminal_notify.py).
        self.notify_config = notify or NotifyConfig()
        n = self.notify_config
        self.engine.notifier.rules = NotifyRules.of(n)
        self.engine.notifier.quiet = n.quiet
        environ = os.environ if env is None else env
        self.desktop = desktop_kind(n.desktop, environ)
        self.in_tmux = bool(environ.get("TMUX"))

    async def on_event(self, event: events.Event) -> None:
        if self.heap is not None and isinstance(
            event, events.Key | events.MouseDown | events.MouseScrollDown | events.MouseScrollUp | events.Paste
        ):
            self.heap.input()
        await super().on_event(event)

    # ---- the engine's settings, kept here under their old names (the harness and tests set them) ------------

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.engine.clock

    @clock.setter
    def clock(self, value: Callable[[], datetime]) -> None:
        self.engine.clock = value

    @property
    def monotonic(self) -> Callable[[], float]:
        """Elapsed-time source for short UI grace periods and poll freshness (not the Jira clock)."""
        return self.engine.monotonic

    @monotonic.setter
    def monotonic(self, value: Callable[[], float]) -> None:
        self.engine.monotonic = value

    @property
    def poll_seconds(self) -> float:
        return self.engine.poll_seconds

    @poll_seconds.setter
    def poll_seconds(self, value: float) -> None:
        self.engine.poll_seconds = value

    @property
    def counts_seconds(self) -> float:
        return self.engine.counts_seconds

    @counts_seconds.setter
    def counts_seconds(self, value: float) -> None:
        self.engine.counts_seconds = value

    @property
    def _tick_enabled(self) -> bool:
        return self.engine.tick_enabled

    @_tick_enabled.setter
    def _tick_enabled(self, value: bool) -> None:
        self.engine.tick_enabled = value

    @property
    def watched(self) -> set[str]:
        return self.engine.watched

    @property
    def poll_error(self) -> JiraError | None:
        return self.engine.poll_error

    @property
    def next_poll_in(self) -> float:
        return self.engine.next_poll_in

    @property
    def language(self) -> str:
        """The UI language ("en" or "de"; anything else is English). Screens and dialogs take it when they are
        created: set it before the app runs (the app's own footer keys follow at once)."""
        return self.tr.language

    @language.setter
    def language(self, value: str) -> None:
        self.tr: Translator = translator(value)
        localize_bindings(self, self.tr)
        if self.is_running:
            self.refresh_bindings()

    @property
    def ascii_only(self) -> bool:
        return self.has_class("-ascii")

    @ascii_only.setter
    def ascii_only(self, value: bool) -> None:
        # The class switches the stylesheet's borders to ASCII; widgets read the flag for their glyphs.
        self.set_class(value, "-ascii")

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
        return MainScreen(self.session.queues[0].name, tr=self.tr)

    @property
    def main(self) -> MainScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def on_mount(self) -> None:
        # Read the clock again: whoever built the app may have swapped `clock` since __init__ (tests, replays).
        self.now = self.clock()
        if self.ascii_only:
            # Scrollbar thumbs drawn as reversed blanks, not eighth-blocks a non-UTF-8 terminal cannot show.
            # Textual keeps the renderer on the class: put it back when this app ends.
            ScrollBar.renderer = AsciiScrollBarRender
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        self._unsubscribe = self.engine.bus.subscribe(self._hear)

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        if self.ascii_only:
            # Whatever typographic character still reaches the screen becomes ASCII of the same width.
            return [*filters, self._ascii_filter]
        return filters

    async def on_unmount(self) -> None:
        if self.heap is not None:
            self.heap.close()
        self.drafts.flush()
        self._unsubscribe()
        await self.engine.stop()
        if ScrollBar.renderer is AsciiScrollBarRender:
            ScrollBar.renderer = ScrollBarRender

    def main_ready(self) -> None:
        """The main screen is mounted and listens to the store: only now may data arrive.

        Connecting from the app's own on_mount raced the screen's mount; against a fast Jira (the demo's
        simulator) the first poll landed before the table was bound to the store and the queue stayed empty."""
        # Read the clock again: whoever built the app may have swapped it since (tests, replays).
        self.now = self.clock()
        self.call_next(self.engine.start)

    # ---- the one clock ----------------------------------------------------------------------------------------

    def _tick(self) -> None:
        """Draw for the engine's clock now (what each Tick does; tests call it to step the clock)."""
        self.now = self.clock()

    def watch_now(self, now: datetime) -> None:
        if self.screen_stack and isinstance(self.screen_stack[0], MainScreen) and self.screen_stack[0].is_mounted:
            self.screen_stack[0].tick(now)

    # ---- the engine's news, as messages ------------------------------------------------------------------------

    def _hear(self, event: object) -> None:
        # Called in the engine's task; handled in the app's own message loop, in order.
        self.post_message(EngineEvent(event))

    def on_engine_event(self, message: EngineEvent) -> None:
        try:
            self._engine_event(message.event)
        except NoMatches:
            # News that arrives while the app quits finds the main screen's widgets half removed: nothing to
            # draw on any more (the widgets go one by one, so no single check up front covers every one).
            if self._live_main() is not None:
                raise

    def _engine_event(self, event: object) -> None:
        main = self._live_main()
        if main is None:
            return
        if isinstance(event, Tick):
            self.now = event.now
            if self.heap is not None:
                self.heap.maybe_collect()
        elif isinstance(event, QueuePolled):
            if self.heap is not None and event.error is None:
                # What the poll brought will live long (a freeze costs next to nothing).
                self.heap.settled()
            self._polled(event)
            main.queue_polled(event.queue)
            main.refresh_chrome()
        elif isinstance(event, Arrived):
            self._arrived(event)
        elif isinstance(event, Notify):
            self._notify_terminal(event)
        elif isinstance(event, EscalationDueChanged):
            main.due_changed(event.due)
        elif isinstance(event, WatchFailed):
            self._watch_failed(event.queue, event.error)
        elif isinstance(event, WatchRecovered):
            self.notices.clear(f"watch:{event.queue}")
        elif isinstance(event, LeadsLoaded | OnCallLoaded):
            main.show_detail()
        elif isinstance(event, EngineFailed):
            error = event.error
            self.notify(
                self.tr("Something went wrong inside oncall-tui: {error}", error=f"{type(error).__name__}: {error}"),
                title=self.tr("Error"),
                severity="error",
                timeout=15,
                markup=False,
            )
        elif isinstance(event, SnapshotShown):
            main.queue_polled(event.queue)
        elif isinstance(event, CacheProblem):
            self.notices.show("cache", self.tr(event.message, **event.params), severity="warning", timeout=10)
        elif isinstance(event, Connected | ConnectionChanged | CountsRefreshed):
            main.refresh_chrome()

    def on_detail_read(self, message: DetailRead) -> None:
        main = self._live_main()
        if main is not None and main.query_one("#queue").selected_key == message.key:  # type: ignore[attr-defined]
            main.show_detail()

    def _live_main(self) -> MainScreen | None:
        """The main screen while its widgets are there (news arriving as the app quits finds none)."""
        if not self.screen_stack or not isinstance(self.screen_stack[0], MainScreen):
            return None
        main = self.screen_stack[0]
        return main if main.is_mounted and main.query("#queue") and main.query("#status") else None

    # ---- polling: the engine's; the app says what happened -------------------------------------------------------

    def seconds_to_next_poll(self) -> int | None:
        return self.engine.seconds_to_next_poll()

    def live_state(self) -> LiveState:
        last_ok = None
        seen = self.engine.connection.last_ok_monotonic
        if seen is not None:
            last_ok = self.now - timedelta(seconds=self.monotonic() - seen)
        return live_state(
            last_ok,
            self.now,
            self.poll_seconds,
            self.poll_error,
            self.seconds_to_next_poll(),
            self.tr,
            ascii_only=self.ascii_only,
        )

    def poll_now(self, *, full: bool = False) -> None:
        """Poll the active queue now (a poll in flight is followed by a new one, never cancelled)."""
        self.engine.poll_now(full=full)

    def poll_running_for(self) -> float | None:
        return self.engine.poll_running_for()

    def refresh_counts_now(self) -> None:
        self.engine.refresh_counts_now()

    def _polled(self, event: QueuePolled) -> None:
        """One notice per distinct problem, not one per poll; it says that the app tries again by itself (the
        header keeps counting down to that try), and one more when Jira answers again."""
        previous, self._poll_problem = self._poll_problem, event.error
        exc = event.error
        if exc is None:
            if previous is not None:
                self.notices.show("poll", self.tr("Jira answers again."), timeout=3)
            return
        if previous is None or error_words(previous, self.tr) != error_words(exc, self.tr):
            retry = self.tr(
                "Polling again in {seconds} s by itself; r tries now.", seconds=round(self.engine.next_poll_in)
            )
            self.notices.show(
                "poll", f"{error_words(exc, self.tr)}\n{retry}", title="Jira", severity="error", timeout=15
            )

    def _watch_failed(self, queue: str, exc: JiraError) -> None:
        topic = f"watch:{queue}"
        if not self.notices.showing(topic):
            self.notices.show(
                topic,
                self.tr(
                    "The watched queue {queue} could not be checked: {error}\nNo bell for it until it works again.",
                    queue=f"“{queue}”",
                    error=error_words(exc, self.tr, hint=False),
                ),
                severity="warning",
                timeout=15,
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_worker_error(self, event)

    def _arrived(self, event: Arrived) -> None:
        if event.queue == self.main.active_queue:
            # "New" marks rows of the queue on screen; a watched queue in the background only rings.
            table = self.main.query_one("#queue")
            table.mark_new(event.keys, self.now)  # type: ignore[attr-defined]
        # The bell and the desktop notification for a new P1/P2 in a watched queue: the engine's notifier
        # (rate-limited, quiet mode), heard as `Notify`.

    @property
    def quiet(self) -> bool:
        return self.engine.notifier.quiet

    def action_toggle_quiet(self) -> None:
        quiet = self.engine.notifier.toggle_quiet()
        self.notices.show(
            "quiet",
            self.tr("Quiet: no bell, no desktop notifications.") if quiet else self.tr("Notifications on again."),
            timeout=4,
        )
        main = self._live_main()
        if main is not None:
            main.refresh_chrome()

    def _notify_terminal(self, event: Notify) -> None:
        text = notify_text(event, self.tr)
        self.notify(text, severity="warning", markup=False)
        if self.bell_enabled and self.notify_config.bell:
            self.bell()  # bare BEL, also inside tmux (tmux handles bells itself)
        out = sequences(text, bell=False, desktop=self.desktop, tmux=self.in_tmux)
        driver = self._driver
        if out and driver is not None and not self.is_headless:
            # Textual's own writer (as App.bell and OSC 52 use): in order with the frames, never inside one.
            driver.write(out)

    def keys_of(self, binding_id: str) -> list[str]:
        """The keys a binding answers to now ([keymap] override, else the registry's defaults), as Textual
        names them ("slash", "ctrl+k")."""
        keys = self.user_keymap.get(binding_id) or registry.BY_ID[binding_id].key
        return [k.strip() for k in keys.split(",") if k.strip()]

    def key_for(self, binding_id: str) -> str:
        """The keys a binding answers to now, spelled for people ("/", "ctrl+k")."""
        return ",".join(registry.display_key(k) for k in self.keys_of(binding_id))

    # ---- look-ups the panes and dialogs need ------------------------------------------------------------------

    async def priorities(self) -> list[tuple[str, str]]:
        return await self.engine.priorities()

    @work(group="detail", exit_on_error=False)
    async def read_detail(self, key: str) -> None:
        # Not exclusive: cancelling the previous fetch on every selection change would abort in-flight
        # requests, and those can leak httpx pool slots (httpx #1461). The cache reads one key at a time and
        # the main screen debounces selection changes. A failure is kept with the old copy; the pane says so.
        await self.session.details.read(key, self.clock())
        self.post_message(DetailRead(key))

    def leads_for(self, project: str) -> tuple[Person | None, dict[str, Person]] | None:
        """The project's leads if known; starts (or, after a failure, later retries) the look-up otherwise."""
        return self.engine.leads_for(project)

    @property
    def project_leads(self) -> dict[str, tuple[Person | None, dict[str, Person]]]:
        return self.engine.leads.known

    # ---- commands -------------------------------------------------------------------------------------------

    async def action_quit_safely(self) -> None:
        """Quit, unless writes are still on their way to Jira or typed text would be left: a second q quits.

        Writes waiting are kept in the outbox and taken up at the next start; drafts are saved and offered again.
        Either way the user hears it before the terminal is gone."""
        pipeline = self.session.pipeline
        # Kept for the next start when the outbox works; without it, refused writes (their full text) go too.
        at_stake = pipeline.active() if pipeline.protected else list(pipeline.commands.values())
        waiting = sorted({c.key for c in at_stake})
        unsent = self.drafts.unsent()
        now = self.monotonic()
        if (waiting or unsent) and now - self._quit_asked_at > QUIT_CONFIRM_SECONDS:
            self._quit_asked_at = now
            lines = []
            if waiting:
                kept = (
                    self.tr("they are sent when oncall-tui starts again")
                    if pipeline.protected
                    else self.tr("the outbox cannot be saved: they are lost")
                )
                lines.append(
                    self.tr(
                        "{count} writes not yet in Jira ({keys}): {kept}.",
                        count=len(at_stake),
                        keys=", ".join(waiting),
                        kept=kept,
                    )
                )
            if unsent:
                lines.append(self.tr("Unsent comment draft on {keys} (c to open it).", keys=", ".join(unsent)))
            lines.append(self.tr("Press q again to quit anyway."))
            self.notify("\n".join(lines), severity="warning", markup=False, timeout=QUIT_CONFIRM_SECONDS)
            return
        self.drafts.flush()
        self.exit()

    def action_help(self) -> None:
        self.main.show_help()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main
        tr = self.tr
        for binding_id, _, action, desc, _ in MAIN_BINDINGS:
            method = getattr(main, f"action_{action}")
            shown = self.key_for(binding_id)
            what = tr(desc)
            # English keeps str.capitalize() ("Copy url"), as before; German nouns keep their capitals.
            title = what.capitalize() if tr.language == "en" else what[:1].upper() + what[1:]
            yield SystemCommand(f"{title} ({shown})", tr("Incident action: {action}", action=what), method)
        for i, queue in enumerate(self.session.queues):
            yield SystemCommand(
                tr("Queue: {name}", name=queue.name),
                tr("Switch to queue {number}", number=i + 1),
                lambda i=i: main.action_switch_queue(i),
            )
