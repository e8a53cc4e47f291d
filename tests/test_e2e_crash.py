"""kill -9 of the installed `oncall-tui` at each stage of a write, in a real terminal (tmux); issue 8, item 10.

For a comment, a take and a transition, the app's process gets SIGKILL (no handler runs) while the write is
- "recorded, not sent": Jira unreachable (the relay in front of the simulator cuts and refuses connections)
  when the action is made; the app is killed once it shows the write as queued; Jira comes back; the app,
  started again, sends it by itself;
- "sent, not confirmed": the simulator holds the write's request (a `latency` fault on its path) when the app is
  killed, so Jira never applies it; the fault is cleared; the app, started again, finds it absent and sends it;
- "landed, not confirmed": Jira applied the write but its answer is held back (the relay holds what the
  simulator sends) when the app is killed; the app, started again, finds it applied and does not send it again;
- "confirmed": killed after the notice of success; the app, started again, sends nothing again.

Each ends with the write in Jira exactly once, read from the simulator's own view (`/_sim/issues/KEY`), and the
write's requests counted on the wire by the relay. The outbox (XDG_STATE_HOME) is the only thing that survives
the kill: the second run shares the first one's HOME and XDG directories.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.crash_harness import App, Site, running_site
from tests.tmux_harness import Terminal, tmux_terminal

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 120, 36
BUDGET = 45.0  # seconds per app run, from its start to the last check
HELD = "latency=120s"  # longer than any test: the request is still held when the app is killed
COMMENT = "Failover to the standby database done; replication lag back under a second."
TRANSITION = "Start progress"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path) as server:
        yield server


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with tmux_terminal(tmp_path, width=WIDTH, height=HEIGHT, budget=BUDGET) as term:
        yield term


@dataclass
class Write:
    """One kind of write: how to make it, where it goes on the wire, and whether Jira shows it (how often)."""

    key: str
    method: str
    path: str  # the write's request path: what the fault and the relay's count look at
    make: Callable[[App], None]  # the keystrokes, up to and including the one that sends
    prepare: Callable[[App], None]  # what must load from Jira before the fault (the transitions list)
    count: Callable[[Site], int]  # how many times Jira shows the write: 0 before, 1 after, never 2


def comment_write(site: Site, key: str) -> Write:
    path = f"/rest/api/3/issue/{key}/comment"

    def make(app: App) -> None:
        app.term.keys("C-s")

    def prepare(app: App) -> None:
        app.comment_typed(key, COMMENT)

    return Write(key, "POST", path, make, prepare, lambda s: s.comments(key, COMMENT))


def take_write(site: Site, key: str) -> Write:
    me = site.sim.myself()["accountId"]

    def make(app: App) -> None:
        app.term.keys("m")

    def prepare(app: App) -> None:
        app.select(key)

    return Write(key, "PUT", f"/rest/api/3/issue/{key}/assignee", make, prepare, lambda s: assigned(s, key, me))


def transition_write(site: Site, key: str) -> Write:
    def make(app: App) -> None:
        app.choose_transition(key, TRANSITION)

    def prepare(app: App) -> None:
        # The dialog lists what Jira offers now: it must load before Jira goes away or the fault starts.
        app.open_transitions(key)
        app.term.wait("the transitions dialog", lambda: TRANSITION in app.term.screen())

    def count(s: Site) -> int:
        return 1 if s.issue(key)["status"] == "In Progress" else 0

    return Write(key, "POST", f"/rest/api/3/issue/{key}/transitions", make, prepare, count)


def assigned(site: Site, key: str, me: str) -> int:
    return 1 if site.issue(key)["assignee"] == me else 0


WRITES = {"comment": comment_write, "take": take_write, "transition": transition_write}


def the_write(site: Site, kind: str) -> Write:
    # A take needs an incident nobody holds; a transition "Start progress" one that is Open. Each test has its
    # own simulator, so any incident that fits will do.
    key = site.incident(unassigned=True, taken=set())
    return WRITES[kind](site, key)


def started(term: Terminal, site: Site) -> App:
    app = App(term, site.config)
    app.start()
    app.queue(5)  # "All open": every open incident, whoever holds it
    return app


def wait_settled(app: App, site: Site, write: Write) -> None:
    """The write is in Jira and the app no longer shows anything waiting: it has nothing left to send."""
    app.term.wait(f"the {write.method} {write.path} in Jira", lambda: write.count(site) >= 1, timeout=30)
    app.term.wait("no write shown as waiting", lambda: not app.pending_shown(), timeout=30)


def assert_exactly_once(site: Site, write: Write) -> None:
    assert write.count(site) == 1, f"{write.key}: the write is in Jira {write.count(site)} times"


def assert_outbox(home: Path) -> None:
    """What survived the kill: the outbox, private, in the state directory the test gave the app."""
    outbox = home / ".local/state/oncall-tui/outbox.sqlite3"
    assert outbox.is_file(), f"no outbox at {outbox}"
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o600


KINDS = sorted(WRITES)


@pytest.mark.parametrize("kind", KINDS)
def test_killed_while_jira_is_unreachable_the_write_is_sent_after_the_restart(
    kind: str, site: Site, terminal: Terminal, tmp_path: Path
) -> None:
    write = the_write(site, kind)
    app = started(terminal, site)
    write.prepare(app)
    site.relay.block()
    write.make(app)
    # Recorded: the app shows it as waiting for Jira, which never heard of it.
    terminal.wait("the write shown as queued", app.pending_shown)
    assert site.relay.seen(write.method, write.path) == 0
    app.kill9()
    assert write.count(site) == 0

    site.relay.unblock()
    app.start()  # no keystroke from here on: the app resumes by itself
    wait_settled(app, site, write)
    assert_exactly_once(site, write)
    assert site.relay.seen(write.method, write.path) == 1
    assert_outbox(tmp_path / "home")


@pytest.mark.parametrize("kind", KINDS)
def test_killed_while_jira_holds_the_request_the_write_lands_once_after_the_restart(
    kind: str, site: Site, terminal: Terminal
) -> None:
    write = the_write(site, kind)
    app = started(terminal, site)
    write.prepare(app)
    site.faults(f"{HELD},paths={write.path}")
    write.make(app)
    # Sent: the request is on its way to Jira (through the relay), which holds it and has not applied it.
    terminal.wait("the write's request sent", lambda: site.relay.seen(write.method, write.path) >= 1)
    app.kill9()
    # Not applied: the simulator holds a request before handling it, and drops one whose client has gone.
    assert write.count(site) == 0

    site.faults("")
    app.start()
    wait_settled(app, site, write)
    assert_exactly_once(site, write)


@pytest.mark.parametrize("kind", KINDS)
def test_killed_after_jira_applied_the_write_but_before_its_answer_nothing_is_sent_twice(
    kind: str, site: Site, terminal: Terminal, tmp_path: Path
) -> None:
    write = the_write(site, kind)
    app = started(terminal, site)
    write.prepare(app)
    # The reads before the write (an assignment or a transition reads the issue first) are answered; from the
    # write on, every answer waits in the relay.
    site.relay.hold_from(write.method, write.path)
    write.make(app)
    # Landed: Jira has applied it; its answer (and every other one) waits in the relay.
    terminal.wait("the write applied in Jira", lambda: write.count(site) == 1)
    app.kill9()

    site.relay.release()
    app.start()
    wait_settled(app, site, write)
    assert_exactly_once(site, write)
    # Its outcome was unknown when the app died: the restarted app checks Jira and does not send it again.
    assert site.relay.seen(write.method, write.path) == 1
    assert_outbox(tmp_path / "home")


@pytest.mark.parametrize("kind", KINDS)
def test_killed_after_the_notice_of_success_nothing_is_sent_again(
    kind: str, site: Site, terminal: Terminal, tmp_path: Path
) -> None:
    write = the_write(site, kind)
    app = started(terminal, site)
    write.prepare(app)
    write.make(app)
    done = re.compile(rf"{re.escape(write.key)}: done")
    terminal.wait("the notice of success", lambda: done.search(terminal.screen()))
    assert write.count(site) == 1
    app.kill9()

    app.start()
    wait_settled(app, site, write)
    assert_exactly_once(site, write)
    assert site.relay.seen(write.method, write.path) == 1
    assert_outbox(tmp_path / "home")
