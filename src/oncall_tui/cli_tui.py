"""Starting the TUI: against the configured Jira, or (`demo`) against the embedded simulator over loopback HTTP.

The demo uses exactly the production path (config objects, JiraClient over httpx, the sync layer); only the
server is the simulator, started in a background thread of this process. It writes nothing to disk.

The app runs in one event loop of ours (`_serve`), so that the Jira client is closed in the loop whose
connections it holds, and so that SIGTERM and SIGHUP (what a closed SSH session sends) end the app through its
own exit path: the terminal is restored exactly as on `q`. Exit status: the app's return code (0 after `q`,
1 after a crash); after SIGTERM / SIGHUP the shell's convention for "ended by signal N", 128 + N (143, 129).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import errno
import os
import signal
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

EXIT_CONFIG = 3
# SIGHUP does not exist everywhere Python runs; where it does not, SIGTERM alone is handled.
EXIT_SIGNALS: tuple[signal.Signals, ...] = tuple(
    sig for sig in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if sig is not None
)


def utf8_terminal(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal can show the SLA glyphs and box drawing (else the ASCII fallbacks are used).

    Decided from the locale variables as the C library does: the first of LC_ALL, LC_CTYPE, LANG that is set
    and non-empty. Not from Python's stdout encoding: under LANG=C Python runs in UTF-8 mode and reports UTF-8
    for a terminal that was never said to be one. "C", "POSIX", no locale at all, and any codeset other than
    UTF-8 (including none, as in "en_US", which is ISO-8859-1 to the C library) mean ASCII. A UTF-8 locale
    that is not installed on this host still describes the user's terminal, so it counts as UTF-8.
    """
    env = startup_environment() if environ is None else environ
    value = next((env[name] for name in ("LC_ALL", "LC_CTYPE", "LANG") if env.get(name)), "")
    name, _, codeset = value.partition("@")[0].partition(".")
    if not codeset and _is_utf8(name):
        # macOS sets (and ssh forwards) LC_CTYPE=UTF-8, a bare codeset: the terminal it describes is UTF-8.
        return True
    return _is_utf8(codeset)


def startup_environment() -> Mapping[str, str]:
    """The environment this process was started with.

    Not `os.environ` where it can be helped: in the C locale Python coerces the locale (PEP 538) and sets
    LC_CTYPE=C.UTF-8 in `os.environ` itself, which hides the very answer `utf8_terminal` looks for. Linux
    keeps the original environment in /proc/self/environ; elsewhere `os.environ` is all there is.
    """
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:
        return os.environ
    env = {}
    for item in raw.split(b"\0"):
        name, sep, value = item.partition(b"=")
        if sep:
            env[os.fsdecode(name)] = os.fsdecode(value)
    return env


def _is_utf8(codeset: str) -> bool:
    return codeset.lower().replace("-", "") == "utf8"


def _session_and_app(
    config: Any,
    client: Any,
    *,
    readonly: bool,
    mouse: bool,
    time_zone: str | None,
    language: str | None = None,
    utf8: bool | None = None,
    durable: bool = False,
    state_dir: Path | None = None,
) -> tuple[Any, Any]:
    """The session and the app for `config`; `utf8` says whether the terminal is UTF-8 (None: ask the locale,
    see `utf8_terminal`; tests that must not depend on the locale they run in pass it). `durable` keeps commands,
    drafts and the queues' last-known state on disk (the user state and cache directories); the demo and most
    tests keep them in memory; `state_dir` puts both in one directory of the caller's (tests)."""
    from oncall_tui.domain.sla import AtRiskThresholds
    from oncall_tui.heap import HeapKeeper
    from oncall_tui.sync.outbox import Outbox, default_path
    from oncall_tui.sync.session import QueueSpec, Session
    from oncall_tui.sync.snapshot import SnapshotCache
    from oncall_tui.ui.app import OncallApp

    session = Session(
        client,
        [QueueSpec(q.name, q.jql, q.watch) for q in config.queues],
        site_url=config.jira.url,
        thresholds=AtRiskThresholds(config.sla.at_risk_minutes, config.sla.at_risk_fraction),
        readonly=readonly,
        full_resync_every=timedelta(minutes=config.poll.full_resync_minutes),
        outbox=(
            Outbox(state_dir / "outbox.sqlite3")
            if state_dir is not None
            else Outbox(default_path())
            if durable
            else Outbox.in_memory()
        ),
        snapshots=(
            SnapshotCache(state_dir / "snapshots", config.jira.url)
            if state_dir is not None
            else SnapshotCache(None, config.jira.url)
            if durable
            else None
        ),
    )
    # Who the user was when this site last answered: the header, and writes made before Jira answers now.
    session.last_known_me()
    host = config.jira.url.split("://", 1)[-1].rstrip("/")
    app = OncallApp(
        session,
        site_label=host,
        poll_seconds=config.poll.interval_seconds,
        counts_seconds=config.poll.counts_interval_seconds,
        time_zone=time_zone,
        ascii_only=config.ui.ascii or not (utf8_terminal() if utf8 is None else utf8),
        bell=config.ui.bell,
        keymap=config.keymap,
        language=language or config.ui.language,
        confirm_take=config.ui.confirm_take,
        notify=config.notify,
        policies=config.escalation.policies,
        due_queues=[q.name for q in config.queues if q.escalation_due],
        rotas=config.escalation.rotas,
        directory=config.escalation.directory,
        heap=HeapKeeper(),
    )
    if config.ui.theme:
        app.theme = config.ui.theme
    return session, app


def _run(app: Any, client: Any, mouse: bool) -> int:
    return asyncio.run(_serve(app, client, mouse=mouse))


async def _serve(app: Any, client: Any, *, mouse: bool) -> int:
    """Run the app and close the client, both in this one loop; return the process exit status.

    This is what Textual's `App.run` does (`asyncio.run` of `run_async`), plus the signal handlers and the
    client's close, which must happen in the loop whose connections it holds: closed from a second
    `asyncio.run` it fails with "Event loop is closed".
    """
    loop = asyncio.get_running_loop()
    handled = _handle_exit_signals(loop, app)
    try:
        await app.run_async(mouse=mouse)
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        await client.aclose()
    code = app.return_code
    return int(code) if code is not None else 0


# How long a signal that arrives while the app is still mounting its first screen waits for the mount to end.
STARTUP_GRACE_SECONDS = 3.0


def _handle_exit_signals(loop: asyncio.AbstractEventLoop, app: Any) -> list[signal.Signals]:
    """SIGTERM / SIGHUP end the app as `q` does, from inside its running loop; returns the signals handled."""
    seen: list[int] = []
    give_up_waiting = loop.time() + STARTUP_GRACE_SECONDS

    def on_signal(signum: int) -> None:
        if _terminal_gone():
            # The SSH session has closed: every write would fail with EIO. Send what the app still writes
            # while it shuts down (restoring a screen that no longer exists) nowhere, rather than into errors.
            _detach_from_terminal()
        if seen:
            return
        if _mounting(app) and loop.time() < give_up_waiting:
            # Exiting now would tear the first screen down under its own on_mount (a crash, exit status 1).
            loop.call_later(0.05, on_signal, signum)
            return
        seen.append(signum)
        try:
            before_signal_exit(app, signum)
        finally:
            app.exit(return_code=128 + signum)

    handled = []
    for sig in EXIT_SIGNALS:
        try:
            loop.add_signal_handler(sig, on_signal, int(sig))
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # no signal support in this loop or platform: such a process cannot be hung up on either
        handled.append(sig)
    return handled


def _mounting(app: Any) -> bool:
    """Whether the app has started but its first screen has not finished mounting."""
    stack = app.screen_stack
    return not (stack and stack[0].is_mounted)


def before_signal_exit(app: Any, signum: int) -> None:
    """The one place for work that must be saved when the session ends by SIGTERM / SIGHUP, before the app
    exits. Runs in the app's event loop, once, before `app.exit`.

    The terminal may already be gone (SIGHUP after the SSH connection closed): nothing here may depend on
    drawing or on the user's answer. Comment drafts still waiting for their debounced write are written now;
    commands are on disk already (each before its first byte was sent) and are taken up at the next start.
    """
    drafts = getattr(app, "drafts", None)
    if drafts is not None:
        drafts.flush()


def _terminal_gone(fd: int = 2) -> bool:
    """Whether the terminal the app draws on (stderr) has been hung up: its ioctls then fail with EIO."""
    import termios  # POSIX only, as the hang-up itself

    try:
        termios.tcgetattr(fd)
    except termios.error as exc:
        return bool(exc.args) and exc.args[0] == errno.EIO
    except (OSError, ValueError):
        return False
    return False


def _detach_from_terminal() -> None:
    """Point stdout and stderr at /dev/null, below Python's file objects, so that their writes succeed."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def run_tui(args: argparse.Namespace) -> int:
    from oncall_tui.config import ConfigError, find_config_path, load_config
    from oncall_tui.jira.client import JiraClient

    try:
        path = find_config_path(args.config)
        if not path.exists():
            print(
                f"oncall-tui: no config at {path}. Run `oncall-tui init` to create one, or try `oncall-tui demo`.",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        config = load_config(path, args.profile)
        client = JiraClient.from_config(config.jira)
    except ConfigError as exc:
        print(f"oncall-tui: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    tz = None if config.ui.time_zone == "local" else config.ui.time_zone
    _, app = _session_and_app(
        config, client, readonly=args.readonly, mouse=not args.no_mouse, time_zone=tz, durable=True
    )
    return _run(app, client, mouse=config.ui.mouse and not args.no_mouse)


def demo_config(url: str, email: str, state: Any = None) -> Any:
    """The demo's config: the simulator's queues and, given its `state`, escalation policies that fit it."""
    from oncall_tui.cli_sim import sim_config
    from oncall_tui.config_escalation import escalation_from_data
    from oncall_tui.config_schema import Config, ConfigError, JiraConfig, PollConfig, Problem, QueueConfig

    # With the site's state, its escalation policies and the "Escalation due" queue, as `sim --config-out` writes.
    data = sim_config(url, "cloud", email, "", "", state=state, escalation_due_queue=state is not None)
    queues = tuple(
        QueueConfig(q["name"], q["jql"], q.get("watch", False), escalation_due=q.get("escalation_due", False))
        for q in data["queues"]
    )
    config = Config(
        # The token is passed to the client directly, never through the environment or argv.
        jira=JiraConfig(url=url, deployment="cloud", email=email),
        queues=queues,
        # The simulator is local: poll it briskly so the demo shows life quickly.
        poll=PollConfig(interval_seconds=5, counts_interval_seconds=20),
    )
    if state is None:
        return config
    problems: list[Problem] = []
    # Through the config's own validation, as a written `sim --config-out` file would be read.
    escalation = escalation_from_data(data, None, "", problems, cloud=True, queue_names=[q.name for q in queues])
    if problems:
        raise ConfigError(None, problems)
    return dataclasses.replace(config, escalation=escalation)


def run_demo(args: argparse.Namespace) -> int:
    from oncall_tui.config_schema import Secret
    from oncall_tui.config_validate import language_from_env
    from oncall_tui.jira.client import JiraClient
    from oncall_tui.sim.scenarios import SCENARIOS
    from oncall_tui.sim.server import SimServer, build_site

    if args.scenario not in SCENARIOS:
        print(
            f"oncall-tui demo: unknown scenario {args.scenario!r}; choose one of: {', '.join(SCENARIOS)}",
            file=sys.stderr,
        )
        return 2
    state = build_site(scenario=args.scenario, speed=args.speed)
    server = SimServer(state).start()
    try:
        login = server.login()
        config = demo_config(login.url, login.email, state)
        # With --speed the simulated site runs faster than the wall clock: the countdowns, the ages and the
        # poller's time windows must follow the site's clock, as they follow Jira's time on a real site.
        client = JiraClient(config.jira, Secret(login.token), now=state.clock.now)
        # No config file in the demo: the language follows the locale, as a config without [ui] language would.
        language = language_from_env(os.environ)
        _, app = _session_and_app(
            config, client, readonly=False, mouse=not args.no_mouse, time_zone=None, language=language
        )
        app.clock = state.clock.now
        return _run(app, client, mouse=not args.no_mouse)
    finally:
        server.stop()
