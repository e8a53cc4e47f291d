"""`oncall-tui sim` and (until the TUI lands) `oncall-tui demo`: the embedded simulator from the command line."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oncall_tui.queries import SlaGoals
    from oncall_tui.sim.state import SimState

EXIT_USAGE = 2


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def scenario_sla_goals(state: SimState | None = None) -> list[SlaGoals]:
    """The simulator's SLAs with their goal per priority, from its own definitions (those of `state`, else the
    catalog every scenario installs): the generated "At risk" queue then covers exactly the site's clocks."""
    from oncall_tui.queries import SlaGoals, jql_field

    if state is None:
        from oncall_tui.sim.clock import SimClock
        from oncall_tui.sim.scenarios.catalog import install_slas, install_workflow
        from oncall_tui.sim.state import SimState

        state = SimState(flavour="cloud", clock=SimClock(speed=0.0))
        install_workflow(state)  # the priorities
        install_slas(state)
    result = []
    for definition in state.sla_definitions:
        goals = {}
        for priority_id, priority in state.priorities.items():
            goal = definition.goal_for(priority_id)
            if goal is not None:
                goals[priority.name] = goal.duration_ms
        result.append(SlaGoals(jql_field(definition.name, definition.field_id), goals))
    return result


def sim_config(
    url: str,
    flavour: str,
    email: str,
    username: str,
    token: str,
    *,
    state: SimState | None = None,
    escalation_due_queue: bool = False,
) -> dict[str, Any]:
    """A complete oncall-tui config (per the contract in PRODUCT.md) for connecting to a simulator.

    `state` is the simulated site, whose SLA definitions shape the "At risk" queue; without it, the catalog's.
    The escalation policies are always there; `escalation_due_queue` adds the "Escalation due" queue (as
    `sim --config-out` does), off by default so in-process harnesses keep their five tabs until the table
    filters that queue by due escalations (issue 9).
    """
    from oncall_tui.config_schema import SlaConfig
    from oncall_tui.domain.sla import AtRiskThresholds
    from oncall_tui.queries import at_risk_jql

    # The thresholds the table uses when the config has no [sla] table, as this one has none.
    defaults = SlaConfig()
    thresholds = AtRiskThresholds(defaults.at_risk_minutes, defaults.at_risk_fraction)
    at_risk = at_risk_jql(scenario_sla_goals(state), thresholds, scope="project = OPS")
    jira: dict[str, Any] = {"url": url, "deployment": flavour}
    if flavour == "cloud":
        jira["email"] = email
    else:
        jira["username"] = username
    # Inline token: the simulator's throw-away credential, in a file created 0600.
    jira["token"] = token
    from oncall_tui.cli_sim_escalation import escalation_tables

    escalation = escalation_tables(flavour, state)
    return {
        "jira": jira,
        "contact": escalation["contact"],
        "rota": escalation["rota"],
        "escalation": escalation["escalation"],
        "queues": [
            {"name": "Mine", "jql": "assignee = currentUser() AND statusCategory != Done ORDER BY priority DESC"},
            {
                "name": "Unassigned",
                "jql": "project = OPS AND assignee IS EMPTY AND statusCategory != Done ORDER BY priority DESC",
            },
            {
                "name": "P1/P2",
                "jql": "project = OPS AND priority IN (Highest, High) AND statusCategory != Done "
                "ORDER BY priority DESC",
                "watch": True,
            },
            {"name": "At risk", "jql": at_risk},
            {"name": "All open", "jql": "project = OPS AND statusCategory != Done ORDER BY priority DESC"},
            *(escalation["queues"] if escalation_due_queue else []),
        ],
    }


def write_private_toml(path: Path, data: dict[str, Any]) -> None:
    """Write a config holding a token: the config module's writer (0600 from the first byte, atomic, no
    following a planted symlink), after checking the data loads as a config."""
    from oncall_tui.config import save_config

    save_config(path, data)


def run_sim(args: argparse.Namespace) -> int:
    from oncall_tui.sim.faults import FaultSpecError, parse_faults
    from oncall_tui.sim.scenarios import SCENARIOS
    from oncall_tui.sim.server import SimServer, build_site

    if args.scenario not in SCENARIOS:
        print(
            f"oncall-tui sim: unknown scenario {args.scenario!r}; choose one of: {', '.join(SCENARIOS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        faults = parse_faults(args.faults)
    except FaultSpecError as exc:
        print(f"oncall-tui sim: --{exc}", file=sys.stderr)
        return EXIT_USAGE
    if not _is_loopback(args.host):
        print(
            f"oncall-tui sim: warning: binding {args.host}, not loopback: anyone who can reach it can use the "
            "simulator's credentials.",
            file=sys.stderr,
        )
    state = build_site(scenario=args.scenario, flavour=args.flavour, speed=args.speed, token=args.token, seed=args.seed)
    try:
        server = SimServer(state, host=args.host, port=args.port, faults=faults)
    except OSError as exc:
        print(f"oncall-tui sim: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    login = server.login()
    kind = "Jira Cloud" if login.flavour == "cloud" else "Jira Data Center"
    lines = [
        f"oncall-tui simulator: {kind}, scenario {args.scenario!r}, speed {args.speed:g}x",
        f"  URL:       {login.url}",
    ]
    if login.flavour == "cloud":
        lines += [f"  E-mail:    {login.email}", f"  API token: {login.token}"]
        lines.append(f"  JSM Ops:   {login.url}/jsm/ops/api/{state.cloud_id}/v1")
    else:
        lines += [f"  Username:  {login.username}", f"  PAT:       {login.token}  (Authorization: Bearer)"]
    lines.append(f"  Control:   {login.url}/_sim/state")
    if faults.active:
        lines.append(f"  Faults:    {args.faults}")
    if args.config_out:
        out = Path(args.config_out)
        data = sim_config(
            login.url, login.flavour, login.email, login.username, login.token, state=state, escalation_due_queue=True
        )
        write_private_toml(out, data)
        lines.append(f"  Config:    {out} (use: oncall-tui --config {out})")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)
    if args.exit_after:
        timer = threading.Timer(args.exit_after, server.request_stop)
        timer.daemon = True
        timer.start()
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0
