"""The installed `oncall-tui` over real SSH (`ssh -tt` to a private sshd on 127.0.0.1), in tmux; issue 8, item 11.

The way on-call engineers run it: on a jump host, through an SSH session that may drop at any moment. When the
session dies (here: the ssh client gets SIGKILL, as when a laptop lid closes or a VPN falls over), sshd hangs
up on the app; a comment that was in flight then must not be lost, nor land twice once the engineer is back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crash_harness import App, Site, running_site
from tests.ssh_harness import SshServer, app_env, running_sshd
from tests.tmux_harness import Terminal, alive, tmux_terminal

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 120, 36
BUDGET = 45.0
COMMENT = "Paged the DBA on call; the replica is rebuilding, ETA 20 minutes."


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path) as server:
        yield server


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    with running_sshd(tmp_path / "sshd") as server:
        yield server


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    with tmux_terminal(tmp_path, width=WIDTH, height=HEIGHT, budget=BUDGET) as term:
        yield term


def over_ssh(term: Terminal, site: Site, sshd: SshServer, home: Path) -> App:
    """The app as the pane starts it: `ssh -tt … 'env TERM=… HOME=… XDG_…=… oncall-tui --config …'`."""
    return App(term, site.config, wrap=lambda argv: sshd.client(argv, app_env(home)))


def test_the_app_runs_over_ssh_and_q_quits_with_status_0(
    site: Site, sshd: SshServer, terminal: Terminal, tmp_path: Path
) -> None:
    app = over_ssh(terminal, site, sshd, tmp_path / "home")
    app.start()  # waits for the queue table: the screen came through sshd's pty and the ssh client
    assert app.app_pids(), "the app is not running on the far side of ssh"
    terminal.keys("q")
    status = terminal.wait("ssh to end with the app's status", terminal.exit_status)
    assert status == 0, terminal.screen()
    assert "Traceback" not in terminal.screen()


def test_a_comment_in_flight_when_the_ssh_session_dies_lands_exactly_once(
    site: Site, sshd: SshServer, terminal: Terminal, tmp_path: Path
) -> None:
    key = site.incident(unassigned=True, taken=set())
    path = f"/rest/api/3/issue/{key}/comment"
    app = over_ssh(terminal, site, sshd, tmp_path / "home")
    app.start()
    app.queue(5)
    app.comment_typed(key, COMMENT)
    # Jira holds the request: the comment is in flight when the session dies.
    site.faults(f"latency=120s,paths={path}")
    terminal.keys("C-s")
    terminal.wait("the comment's request sent", lambda: site.relay.seen("POST", path) >= 1)
    remote = app.app_pids()
    assert remote, "the app is not running on the far side of ssh"

    app.kill9()  # the ssh client: the session drops, sshd hangs up on the app
    terminal.wait("the app to end after the hang-up", lambda: not any(alive(pid) for pid in remote))
    assert site.comments(key, COMMENT) == 0, "Jira dropped the held request with its client"

    site.faults("")
    app.start()  # connect again, start the app; no keystroke: what was in flight resumes by itself
    terminal.wait("the comment in Jira", lambda: site.comments(key, COMMENT) >= 1, timeout=30)
    terminal.wait("no write shown as waiting", lambda: not app.pending_shown(), timeout=30)
    assert site.comments(key, COMMENT) == 1
