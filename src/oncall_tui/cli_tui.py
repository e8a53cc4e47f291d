"""Starting the TUI: against the configured Jira, or (`demo`) against the embedded simulator over loopback HTTP.

The demo uses exactly the production path (config objects, JiraClient over httpx, the sync layer); only the
server is the simulator, started in a background thread of this process. It writes nothing to disk.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import timedelta
from typing import Any

EXIT_CONFIG = 3


def utf8_terminal() -> bool:
    """Whether the terminal can show the SLA glyphs and box drawing (else the ASCII fallbacks are used)."""
    encoding = (getattr(sys.__stdout__, "encoding", None) or "").lower().replace("-", "")
    return encoding in ("utf8", "utf8sig")


def _session_and_app(
    config: Any, client: Any, *, readonly: bool, mouse: bool, time_zone: str | None, language: str | None = None
) -> tuple[Any, Any]:
    from oncall_tui.domain.sla import AtRiskThresholds
    from oncall_tui.sync.session import QueueSpec, Session
    from oncall_tui.ui.app import OncallApp

    session = Session(
        client,
        [QueueSpec(q.name, q.jql, q.watch) for q in config.queues],
        site_url=config.jira.url,
        thresholds=AtRiskThresholds(config.sla.at_risk_minutes, config.sla.at_risk_fraction),
        readonly=readonly,
        full_resync_every=timedelta(minutes=config.poll.full_resync_minutes),
    )
    host = config.jira.url.split("://", 1)[-1].rstrip("/")
    app = OncallApp(
        session,
        site_label=host,
        poll_seconds=config.poll.interval_seconds,
        counts_seconds=config.poll.counts_interval_seconds,
        time_zone=time_zone,
        ascii_only=config.ui.ascii or not utf8_terminal(),
        bell=config.ui.bell,
        keymap=config.keymap,
        language=language or config.ui.language,
        confirm_take=config.ui.confirm_take,
    )
    if config.ui.theme:
        app.theme = config.ui.theme
    return session, app


def _run(app: Any, client: Any, mouse: bool) -> int:
    try:
        app.run(mouse=mouse)
    finally:
        asyncio.run(client.aclose())
    return 0


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
    _, app = _session_and_app(config, client, readonly=args.readonly, mouse=not args.no_mouse, time_zone=tz)
    return _run(app, client, mouse=config.ui.mouse and not args.no_mouse)


def demo_config(url: str, email: str) -> Any:
    from oncall_tui.cli_sim import sim_config
    from oncall_tui.config_schema import Config, JiraConfig, PollConfig, QueueConfig

    queues = tuple(
        QueueConfig(q["name"], q["jql"], q.get("watch", False))
        for q in sim_config(url, "cloud", email, "", "")["queues"]
    )
    # The token is passed to the client directly, never through the environment or argv.
    return Config(
        jira=JiraConfig(url=url, deployment="cloud", email=email),
        queues=queues,
        # The simulator is local: poll it briskly so the demo shows life quickly.
        poll=PollConfig(interval_seconds=5, counts_interval_seconds=20),
    )


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
        config = demo_config(login.url, login.email)
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
