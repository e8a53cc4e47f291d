"""The `oncall-tui` command: argument parsing and the subcommands.

Imports are lazy (inside each subcommand) so `--help`, `--version` and `list` start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from oncall_tui import __version__

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_JIRA = 4
EXIT_NOT_YET = 5

PROG = "oncall-tui"


# The simulator's own ceiling for --speed (oncall_tui.sim.clock.MAX_SPEED; not imported, so --help stays fast).
_MAX_SPEED = 1e6


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value <= _MAX_SPEED:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"expected a number from 0 to {_MAX_SPEED:g}, got {text!r}")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535 (0 = any free port), got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Triage Jira / Jira Service Management incidents from the terminal.",
        epilog=(
            "Without a subcommand, opens the TUI against the configured Jira. The config file is found via "
            "--config, then $ONCALL_TUI_CONFIG, then the user config directory."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: $ONCALL_TUI_CONFIG or user dir)")
    parser.add_argument("--profile", metavar="NAME", help="named profile of the config ([profiles.NAME])")
    parser.add_argument("--readonly", action="store_true", help="never write to Jira (browse only)")
    parser.add_argument("--no-mouse", action="store_true", help="disable mouse tracking (saves traffic over SSH)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="the TUI against the embedded Jira simulator",
        description=(
            "Start the embedded Jira simulator on loopback and open the TUI against it. Writes nothing into your "
            "config."
        ),
    )
    demo.add_argument("--scenario", default="default", help="simulator scenario: default, outage, large")
    demo.add_argument("--speed", type=_positive_float, default=1.0, help="simulated time runs X times faster")
    demo.add_argument("--no-mouse", action="store_true", help="disable mouse tracking")

    sim = sub.add_parser(
        "sim",
        help="serve the Jira simulator on loopback for any client",
        description=(
            "Serve the embedded Jira simulator (Jira Cloud REST v2/v3 or Data Center v2, JSM servicedeskapi, "
            "JSM Ops on-call) and print its URL and credentials. The control API for tests and drills lives "
            "under /_sim/."
        ),
    )
    sim.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sim.add_argument("--port", type=_port, default=0, help="port to bind (default: a free port)")
    sim.add_argument("--scenario", default="default", help="default, outage or large")
    sim.add_argument("--flavour", choices=("cloud", "datacenter"), default="cloud", help="Jira deployment to mimic")
    sim.add_argument("--speed", type=_positive_float, default=1.0, help="simulated time runs X times faster")
    sim.add_argument(
        "--faults",
        metavar="SPEC",
        help="inject faults, e.g. 'rate=0.2,retry-after=3,5xx=0.1,latency=50-300ms,drop=0.05,html=0.1'",
    )
    sim.add_argument("--token", metavar="T", help="API token / PAT to accept (default: a random one)")
    sim.add_argument("--seed", type=int, default=7, help="scenario seed (deterministic data)")
    sim.add_argument("--config-out", metavar="PATH", help="write an oncall-tui config that connects to it")
    sim.add_argument(
        "--exit-after", type=_positive_float, metavar="SECONDS", help="stop by itself after this many seconds"
    )

    init = sub.add_parser(
        "init",
        help="interactive set-up; writes the config (TOML)",
        description=(
            "Ask for the Jira URL, deployment, identity and where the API token comes from; test the connection "
            "and the token; then write the config (mode 0600) to --config PATH or the default path. The token "
            "itself is never accepted on the command line: point at it with --token-env/--token-file/--token-cmd, "
            "or paste it when asked (it is then stored in a 0600 file next to the config)."
        ),
        epilog="Exit status: 0 written, 1 not written (file exists), 2 missing answer, 3 config problem, "
        "4 Jira unreachable or credentials refused.",
    )
    init.add_argument("--url", help="Jira base URL")
    init.add_argument(
        "--deployment", choices=("cloud", "datacenter", "auto"), default="auto", help="default: ask the server"
    )
    init.add_argument("--email", help="your Atlassian account e-mail (Cloud)")
    init.add_argument("--username", help="your Jira username (Data Center; default: as Jira reports it)")
    init.add_argument("--token-env", metavar="VAR", help="read the token from this environment variable")
    init.add_argument("--token-file", metavar="PATH", help="read the token from this file (mode 0600)")
    init.add_argument("--token-cmd", metavar="CMD", help="read the token from this command's output")
    init.add_argument("--ca-bundle", metavar="PEM|system", help='CA certificates: a PEM file, or "system" (default)')
    init.add_argument("--project", metavar="KEY", help="limit the default queues to these project keys (KEY,KEY)")
    init.add_argument(
        "--queue-jql", metavar="JQL", action="append", help="a queue's JQL (repeatable; replaces the default queues)"
    )
    init.add_argument(
        "--queue-name", metavar="NAME", action="append", help="the name of the matching --queue-jql (repeatable)"
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing config without asking")
    init.add_argument("--non-interactive", action="store_true", help="never prompt; fail on missing answers")

    lst = sub.add_parser(
        "list",
        help="one-shot queue snapshot with SLA state, for scripts",
        description="Print one queue with key, priority, status, assignee, most urgent SLA and summary.",
        epilog="Exit status: 0 ok, 3 config error (file and key named), 4 Jira unreachable or credentials refused.",
    )
    lst.add_argument("--queue", metavar="NAME", help="queue name from the config (default: the first)")
    fmt = lst.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="stable JSON (schema in docs/list-json.md)")
    fmt.add_argument("--plain", action="store_true", help="tab-separated, no colours, no headers")

    sub.add_parser(
        "doctor",
        help="check config, network, TLS, auth, permissions, fields",
        description=(
            "Check, in order: config, API token, DNS, TCP, TLS, proxy, Jira's answer, authentication, "
            "permissions, JSM agent, SLA fields, each queue's JQL and clock skew; print the fix for each failure."
        ),
        epilog="Exit status: 0 all checks passed (warnings allowed), 1 a check failed, 3 the config is missing "
        "or invalid.",
    )

    report = sub.add_parser("report", help="shift handover report (Markdown)")
    report.add_argument("--since", default="8h", help="period to cover, e.g. 8h, 12h, 1d")
    report.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command
    try:
        if command == "sim":
            from oncall_tui.cli_sim import run_sim

            return run_sim(args)
        if command == "demo":
            from oncall_tui.cli_tui import run_demo

            return run_demo(args)
        if command is None:
            from oncall_tui.cli_tui import run_tui

            return run_tui(args)
        if command == "list":
            from oncall_tui.cli_list import run_list

            return run_list(args)
        if command == "doctor":
            from oncall_tui.cli_doctor import run_doctor

            return run_doctor(args)
        if command == "init":
            from oncall_tui.cli_init import run_init

            return run_init(args)
        return _not_yet(command)
    except KeyboardInterrupt:
        return 130


def _not_yet(what: str) -> int:
    print(f"{PROG}: {what} is not yet available in this version.", file=sys.stderr)
    return EXIT_NOT_YET
