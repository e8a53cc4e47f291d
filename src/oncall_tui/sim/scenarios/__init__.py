"""Seeded, deterministic scenarios for the simulator.

`build_state(name, clock=..., seed=...)` gives the same site for the same seed and clock start: every
random choice comes from one `random.Random(seed)`, every time is relative to the clock's `now()` at build
time, and ids are derived, never drawn from uuid4 or the real clock.
"""

from __future__ import annotations

import random

from oncall_tui.sim.clock import SimClock
from oncall_tui.sim.model import Flavour
from oncall_tui.sim.scenarios.actions import create_incident, customer_comment, reassign, register, set_status
from oncall_tui.sim.scenarios.catalog import install_projects, install_slas, install_workflow
from oncall_tui.sim.scenarios.default import Cast, build_default_issues
from oncall_tui.sim.scenarios.large import build_large_issues
from oncall_tui.sim.scenarios.life import schedule_life
from oncall_tui.sim.scenarios.links import add_outage_links, install_runbook_links
from oncall_tui.sim.scenarios.oncall import install_oncall, team_for_component
from oncall_tui.sim.scenarios.outage import MAJOR_INCIDENT_SUMMARY, install_outage
from oncall_tui.sim.scenarios.people import ME_ACCOUNT_ID, ME_EMAIL, ME_USERNAME, build_users
from oncall_tui.sim.state import SimState

__all__ = [
    "MAJOR_INCIDENT_SUMMARY",
    "ME_ACCOUNT_ID",
    "ME_EMAIL",
    "ME_USERNAME",
    "SCENARIOS",
    "build_state",
    "create_incident",
    "customer_comment",
    "reassign",
    "set_status",
    "team_for_component",
]

SCENARIOS: dict[str, str] = {
    "default": "A normal day: ~40 open incidents across eight services, recent resolved ones, CDH requests.",
    "outage": "The default day two minutes into a CRM Platform outage: a major incident and a burst of tickets.",
    "large": "10,000 open incidents over all services, for benchmarks.",
}


def build_state(scenario: str, *, flavour: Flavour = "cloud", clock: SimClock, seed: int = 7) -> SimState:
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; valid scenarios: {', '.join(SCENARIOS)}")
    master = random.Random(seed)
    # One child generator per concern, drawn in a fixed order: a change to one part's data leaves the
    # others (team ids, say) as they were.
    oncall_rng, issues_rng, extra_rng, life_rng = (random.Random(master.getrandbits(64)) for _ in range(4))

    state = SimState(flavour=flavour, clock=clock, scenario=scenario)
    agents, customers = build_users()
    for user in (*agents, *customers):
        state.users[user.account_id] = user
    by_name = {user.display_name: user for user in agents}
    install_workflow(state)
    install_slas(state)
    install_projects(state, by_name)
    install_oncall(state, oncall_rng, by_name)
    register(state)

    cast = Cast.of(state, ME_ACCOUNT_ID)
    if scenario == "large":
        build_large_issues(state, issues_rng, cast)
    else:
        build_default_issues(state, issues_rng, cast)
    major = install_outage(state, extra_rng, cast) if scenario == "outage" else None
    install_runbook_links(state)
    if major is not None:
        add_outage_links(state, major)
    schedule_life(state, life_rng, cast)
    return state
