"""The Textual app: wires the session to the screen, owns the one clock and the poll timer.

Thin on purpose: panes live in widgets/, dialogs and the main screen in screens/, data in sync/, words in
words.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter
from textual.reactive import reactive
from textual.screen import Screen
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.timer import Timer
from textual.worker import Worker

from oncall_tui import keys as registry
from oncall_tui.display import short_priority
from oncall_tui.domain.people import Person
from oncall_tui.i18n import Translator, translator
from oncall_tui.jira.errors import JiraError
from oncall_tui.sync.drafts import DraftBook
from oncall_tui.sync.session import Session
from oncall_tui.sync.store import StoreDiff
from oncall_tui.ui.ascii_filter import AsciiFilter
from oncall_tui.ui.localize import localize_bindings
from oncall_tui.ui.notices import Notices
from oncall_tui.ui.screens.main import MAIN_BINDINGS, MainScreen
from oncall_tui.ui.widgets.status_bar import LiveState, live_state
from oncall_tui.ui.words import error_words
from oncall_tui.ui.workers import notify_worker_error

# A second q within this many seconds quits even with unsent drafts.
QUIT_CONFIRM_SECONDS = 5.0
# A project whose leads could not be read is asked again after this long, not at every row scrolled past.
LEADS_RETRY_SECONDS = 60.0


def styles_dir() -> Path:
    """`styles/` ships inside the wheel as oncall_tui/styles; in a source checkout it is at the top level."""
    packaged = Path(__file__).resolve().parent.parent / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "styles"


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        language: str = "en",
        confirm_take: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self.language = language
        self.site_label = site_label
        self.poll_seconds = poll_seconds
        self.counts_seconds = counts_seconds
        self.clock = clock
        # Elapsed-time source for short UI grace periods and poll freshness (not the Jira clock); tests may
        # replace it.
        self.monotonic: Callable[[], float] = time.monotonic
        self._tick_enabled = tick
        self._tz_name = time_zone
        self.ascii_only = ascii_only
        self.bell_enabled = bell
        self.confirm_take = confirm_take
        # Not `_keymap`: that name is Textual's own (the normalised keymap set_keymap() installs).
        self.user_keymap = dict(keymap or {})
        self.watched = set(watched) | {q.name for q in session.queues if q.watch}
        self.drafts = DraftBook(session.outbox, session.site_url)
        self.notices = Notices(self)
        self._unsubscribe: Callable[[], None] = lambda: None
        self._ascii_filter = AsciiFilter()
        self._quit_asked_at = float("-inf")
        # project -> (lead, component leads); a failed look-up is remembered only to wait before asking again.
        self.project_leads: dict[str, tuple[Person | None, dict[str, Person]]] = {}
        self._leads_failed_at: dict[str, float] = {}
        self._leads_loading: set[str] = set()
        self._priorities: list[tuple[str, str]] | None = None
        self._poll_timer: Timer | None = None
        self._counts_timer: Timer | None = None
        # When the last poll succeeded, on the monotonic clock: freshness is real elapsed time, even when the
        # site's clock runs faster (demo --speed) or is frozen (tests).
        self._last_ok_at: float | None = None
        # The last poll's failure (None when it succeeded): the header says so at once, not after 45 s.
        self.poll_error: JiraError | None = None
        self._polling = False
        self._poll_started_at = 0.0
        self._again: bool | None = None  # a poll asked for while one ran: None, or whether to poll fully
        self._counting = False
        self.next_poll_in = poll_seconds
        self.next_poll_at: float | None = None  # monotonic
        self.now = clock()

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
        self._unsubscribe = self.session.store.subscribe(self._ring_for_new_urgent)
        if self._tick_enabled:
            self.set_interval(1.0, self._tick)

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        if self.ascii_only:
            # Whatever typographic character still reaches the screen becomes ASCII of the same width.
            return [*filters, self._ascii_filter]
        return filters

    def on_unmount(self) -> None:
        self.drafts.flush()
        self._unsubscribe()
        if ScrollBar.renderer is AsciiScrollBarRender:
            ScrollBar.renderer = ScrollBarRender

    def main_ready(self) -> None:
        """The main screen is mounted and listens to the store: only now may data arrive.

        Connecting from the app's own on_mount raced the screen's mount; against a fast Jira (the demo's
        simulator) the first poll landed before the table was bound to the store and the queue stayed empty."""
        self.poll_now(full=True)

    # ---- the one clock ----------------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.now = self.clock()

    def watch_now(self, now: datetime) -> None:
        if self.screen_stack and isinstance(self.screen_stack[0], MainScreen) and self.screen_stack[0].is_mounted:
            self.screen_stack[0].tick(now)

    # ---- polling ------------------------------------------------------------------------------------------------

    def seconds_to_next_poll(self) -> int | None:
        if self._polling or self.next_poll_at is None:
            return None
        return max(0, round(self.next_poll_at - self.monotonic()))

    def live_state(self) -> LiveState:
        last_ok = None
        if self._last_ok_at is not None:
            last_ok = self.now - timedelta(seconds=self.monotonic() - self._last_ok_at)
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
        """Poll the active queue now, connecting first if need be.

        A poll in flight is never cancelled (a cancelled httpx request can leak a pool slot, httpx #1461); the
        new request runs as soon as it is done instead (each request has a deadline, so that is soon)."""
        if self._polling:
            self._again = full or bool(self._again)
            return
        self._polling = True
        self._poll_started_at = self.monotonic()
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_worker(full)

    def poll_running_for(self) -> float | None:
        return self.monotonic() - self._poll_started_at if self._polling else None

    @work(group="poll", exit_on_error=False)
    async def _poll_worker(self, full: bool) -> None:
        delay = self.poll_seconds
        connecting = self.session.me is None
        try:
            if connecting:
                await self.session.connect()
                self.main.refresh_chrome()
            delay = await self._poll(full=full or connecting)
            if connecting:
                self.refresh_counts_now()
        except JiraError as exc:
            delay = self._retry_delay(exc)
            self._failed(exc, delay)
        finally:
            self._polling = False
            again, self._again = self._again, None
            if again is not None:
                self.call_later(self.poll_now, full=again)
            else:
                # Re-armed after each poll finishes: polls never overlap or pile up behind a slow Jira.
                self.next_poll_in = delay
                self.next_poll_at = self.monotonic() + delay
                self._poll_timer = self.set_timer(delay, self.poll_now)
            self.main.refresh_chrome()

    def _retry_delay(self, exc: JiraError) -> float:
        # Polling again before Jira's Retry-After only earns another 429 (the client caps what it believes).
        return max(self.poll_seconds, exc.retry_after or 0.0)

    async def _poll(self, *, full: bool = False) -> float:
        """One poll of the active queue; returns the seconds until the next one."""
        queue = self.main.active_queue
        try:
            await self.session.poll(queue, self.clock(), full=full)
        except JiraError as exc:
            delay = self._retry_delay(exc)
            self._failed(exc, delay)
            self.main.queue_polled(queue)
            return delay
        self._last_ok_at = self.monotonic()
        if self.poll_error is not None:
            self.poll_error = None
            self.notices.show("poll", self.tr("Jira answers again."), timeout=3)
        self.main.queue_polled(queue)
        return self.poll_seconds

    def refresh_counts_now(self) -> None:
        if not self._counting:  # as with polls: never cancel one in flight
            self._counting = True
            if self._counts_timer is not None:
                self._counts_timer.stop()
            self._counts()

    @work(group="counts", exit_on_error=False)
    async def _counts(self) -> None:
        active = self.main.active_queue
        polled = [active]
        try:
            # Watched queues are polled for real, not just counted: a P1 landing in one must ring the bell
            # while the engineer looks at another queue. Their first poll is the baseline, not news.
            for spec in self.session.queues:
                if spec.name in self.watched and spec.name != active:
                    polled.append(spec.name)
                    try:
                        await self.session.poll(spec.name, self.clock())
                    except JiraError as exc:
                        self._watch_failed(spec.name, exc)
                        continue
                    self.notices.clear(f"watch:{spec.name}")
            await self.session.refresh_counts(self.clock(), skip=polled)
        except JiraError:
            # Recorded per queue (the tabs show it); the active queue's poll reports the connection itself.
            pass
        finally:
            self._counting = False
            self._counts_timer = self.set_timer(self.counts_seconds, self.refresh_counts_now)
            self.main.refresh_chrome()

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

    def _failed(self, exc: JiraError, delay: float) -> None:
        previous, self.poll_error = self.poll_error, exc
        # One notification per distinct problem, not one per poll; it says that the app tries again by itself
        # (the header keeps counting down to that try).
        if previous is None or error_words(previous, self.tr) != error_words(exc, self.tr):
            retry = self.tr("Polling again in {seconds} s by itself; r tries now.", seconds=round(delay))
            self.notices.show(
                "poll", f"{error_words(exc, self.tr)}\n{retry}", title="Jira", severity="error", timeout=15
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_worker_error(self, event)

    def _ring_for_new_urgent(self, diff: StoreDiff) -> None:
        if diff.queue is None or not diff.added:
            return
        if not self.session.status[diff.queue].loaded:
            return  # the first fill of a queue is not news (the poll delivering it has not finished yet)
        # An incident that entered because of our own write (we raised its priority, we took it) is not news;
        # one that someone else changed after that is.
        store = self.session.store
        pipeline = self.session.pipeline
        added = [key for key in diff.added if not pipeline.explains(key, store.get(key))]
        if not added:
            return
        if diff.queue == self.main.active_queue:
            # "New" marks rows of the queue on screen; a watched queue in the background only rings.
            table = self.main.query_one("#queue")
            table.mark_new(added, self.now)  # type: ignore[attr-defined]
        if not self.bell_enabled or diff.queue not in self.watched:
            return
        for key in added:
            incident = self.session.store.get(key)
            if incident is not None and short_priority(incident.priority) in ("P1", "P2"):
                self.bell()
                self.notify(
                    self.tr("New {priority}: {key}", priority=short_priority(incident.priority), key=key),
                    severity="warning",
                    markup=False,
                )
                break

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
        if self._priorities is None:
            found = await self.session.client.priorities()
            self._priorities = [(p.id or p.name, p.name) for p in found]
        return self._priorities

    @work(group="detail", exit_on_error=False)
    async def read_detail(self, key: str) -> None:
        # Not exclusive: cancelling the previous fetch on every selection change would abort in-flight
        # requests, and those can leak httpx pool slots (httpx #1461). The cache reads one key at a time and
        # the main screen debounces selection changes. A failure is kept with the old copy; the pane says so.
        await self.session.details.read(key, self.clock())
        if self.main.query_one("#queue").selected_key == key:  # type: ignore[attr-defined]
            self.main.show_detail()

    def leads_for(self, project: str) -> tuple[Person | None, dict[str, Person]] | None:
        """The project's leads if known; starts (or, after a failure, later retries) the look-up otherwise."""
        cached = self.project_leads.get(project)
        if cached is not None:
            return cached
        failed_at = self._leads_failed_at.get(project)
        if project not in self._leads_loading and (
            failed_at is None or self.monotonic() - failed_at >= LEADS_RETRY_SECONDS
        ):
            self._leads_loading.add(project)
            self._load_project_leads(project)
        return None

    @work(group="leads", exit_on_error=False)
    async def _load_project_leads(self, project: str) -> None:
        # One request per project, however many rows of it are scrolled past while it is under way.
        try:
            info = await self.session.client.project(project)
        except JiraError:
            self._leads_failed_at[project] = self.monotonic()
            return
        finally:
            self._leads_loading.discard(project)
        self._leads_failed_at.pop(project, None)
        self.project_leads[project] = (info.lead, {c.name: c.lead for c in info.components if c.lead is not None})
        self.main.show_detail()

    # ---- commands -------------------------------------------------------------------------------------------

    async def action_quit_safely(self) -> None:
        """Quit, unless writes are still on their way to Jira or typed text would be left: a second q quits.

        Writes waiting are kept in the outbox and taken up at the next start; drafts are saved and offered again.
        Either way the user hears it before the terminal is gone."""
        pipeline = self.session.pipeline
        waiting = sorted({c.key for c in pipeline.active()})
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
                        count=len(pipeline.active()),
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
