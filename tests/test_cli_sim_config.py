"""The "At risk" queue that `oncall-tui sim --config-out` writes holds exactly the open incidents the table marks ⚠.

Judged against the simulator (real HTTP on loopback, frozen clock): the queue's JQL, run by Jira, against the
domain model (`SlaClock.state_at` on the parsed issues, as the table calls it), for every SLA field. A fresh P1
makes sure one incident is at risk on first response only, which a resolution-only queue misses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from oncall_tui.cli_sim import sim_config
from oncall_tui.config import Config, load_config, resolve_token, save_config
from oncall_tui.domain.incident import Incident
from oncall_tui.domain.sla import AtRiskThresholds, SlaClock, SlaState
from oncall_tui.jira.client import JiraClient
from oncall_tui.queries import SlaGoals, at_risk_jql, jql_field, jql_string, learn_goals
from oncall_tui.sim.server import SimServer
from tests.conftest import FROZEN_START
from tests.sim_process import PROXY_VARS, clean_env, running_sim

FIRST_RESPONSE, RESOLUTION = "Time to first response", "Time to resolution"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def new_p1_minutes_ago(base_url: str, minutes: int) -> str:
    """A P1 created `minutes` ago (by moving the clock on): its first response (goal 30 min, window 30 min) is at
    risk at once, its resolution (goal 4 h, window 48 min) is not."""
    with httpx.Client(base_url=base_url, timeout=10, trust_env=False) as control:
        made = control.post(
            "/_sim/incidents",
            json={"summary": "Consent banner missing on the dealer portal", "priority": "Highest"},
        )
        made.raise_for_status()
        control.post("/_sim/clock", json={"advance": minutes * 60, "speed": 0}).raise_for_status()
        key: str = made.json()["key"]
    return key


def queue_jql(config: Config, name: str) -> str:
    return next(q.jql for q in config.queues if q.name == name)


async def _compare(
    config: Config, now: Callable[[], datetime], open_jql: str
) -> tuple[set[str], set[str], dict[str, dict[str, SlaState]]]:
    thresholds = AtRiskThresholds(config.sla.at_risk_minutes, config.sla.at_risk_fraction)
    async with JiraClient(config.jira, resolve_token(config.jira), now=now, trust_env=False) as client:
        queued = set(await client.search_keys(queue_jql(config, "At risk")))
        open_issues = await client.search(open_jql)
    at = now()
    states = {i.key: {c.name: c.state_at(at, thresholds) for c in i.slas} for i in open_issues}
    marked = {key for key, by_sla in states.items() if SlaState.AT_RISK in by_sla.values()}
    return queued, marked, states


def at_risk_agreement(
    config: Config, now: Callable[[], datetime], open_jql: str
) -> tuple[set[str], set[str], dict[str, dict[str, SlaState]]]:
    """(keys the At risk queue returns, keys of open issues the table marks ⚠, every open issue's SLA states)."""
    return asyncio.run(_compare(config, now, open_jql))


def assert_agrees(
    config: Config, now: Callable[[], datetime], open_jql: str, first_response_only: str, *, varied: bool = True
) -> None:
    queued, marked, states = at_risk_agreement(config, now, open_jql)
    assert states[first_response_only] == {FIRST_RESPONSE: SlaState.AT_RISK, RESOLUTION: SlaState.RUNNING}
    if varied:
        # Not a vacuous equality: the frozen Monday morning has incidents at risk on resolution too, and open
        # incidents that are not at risk at all.
        assert any(by_sla.get(RESOLUTION) is SlaState.AT_RISK for key, by_sla in states.items() if key in marked)
        assert len(marked) < len(states)
    assert queued == marked, (
        f"queued but not marked ⚠: {sorted(queued - marked)}; marked ⚠ but not queued: {sorted(marked - queued)}"
    )


def test_sim_config_at_risk_queue_is_what_the_table_marks(sim: SimServer, tmp_path: Path) -> None:
    key = new_p1_minutes_ago(sim.url, 10)
    login = sim.login()
    data: dict[str, Any] = sim_config(login.url, login.flavour, login.email, login.username, login.token)
    config = load_config(save_config(tmp_path / "sim.toml", data), env={})
    assert_agrees(config, sim.state.clock.now, "project = OPS AND statusCategory != Done", key)


def test_sim_config_out_writes_that_queue(tmp_path: Path) -> None:
    """The real `oncall-tui sim --config-out`: the queue of the file it writes agrees with its own site."""
    path = tmp_path / "sim.toml"
    with running_sim("--scenario", "default", "--speed", "0", "--config-out", str(path), env=clean_env()) as sim:
        url = sim.value("URL")
        key = new_p1_minutes_ago(url, 10)
        now = datetime.fromisoformat(httpx.get(f"{url}/_sim/state", timeout=10, trust_env=False).json()["now"])
        config = load_config(path, env={})
        # Started at the real time of day: business-hours clocks may stand still, so no variety is promised.
        assert_agrees(config, lambda: now, "project = OPS AND statusCategory != Done", key, varied=False)


# ---- the JQL builder on its own ------------------------------------------------------------------------------

HOUR = 3_600_000


def test_no_sla_fields_no_queue() -> None:
    assert at_risk_jql([]) is None


def test_windows_per_priority_are_grouped_and_rounded_up() -> None:
    sla = SlaGoals('"TTR"', {"Highest": 4 * HOUR, "High": 8 * HOUR, "Medium": 8 * HOUR, "Low": HOUR})
    jql = at_risk_jql([sla], AtRiskThresholds(30, 0.2), scope="project = OPS", order_by="")
    assert jql == (
        'project = OPS AND ("TTR" = running() AND "TTR" = withinCalendarHours() AND "TTR" >= remaining("0m") AND '
        '("TTR" <= remaining("30m") OR (priority = "Highest" AND "TTR" <= remaining("48m")) OR '
        '(priority IN ("High", "Medium") AND "TTR" <= remaining("1h 36m")))) AND statusCategory != Done'
    )
    # 25 % of 2 h 15 min is 33 min 45 s: the queue asks for 34 minutes, never fewer than the table's ⚠.
    odd = at_risk_jql([SlaGoals("cf[10031]", {"P1": 135 * 60_000})], AtRiskThresholds(10, 0.25))
    assert odd is not None and '(priority = "P1" AND cf[10031] <= remaining("34m"))' in odd


def test_field_names_and_strings_are_quoted_for_jql() -> None:
    assert jql_string('Zeit "bis" Lösung\\') == '"Zeit \\"bis\\" Lösung\\\\"'
    assert jql_field("Time to resolution", "customfield_10030") == '"Time to resolution"'
    assert jql_field("", "customfield_10030") == "cf[10030]"


def test_goals_are_learned_per_priority_largest_first_ongoing_over_completed() -> None:
    at = FROZEN_START

    def incident(key: str, priority: str, goal: int, *, completed: bool = False, field: str = "customfield_1") -> Any:
        clock = SlaClock("SLA", fetched_at=at, field_id=field, goal_ms=goal, completed=completed)
        return Incident(key=key, id=key, summary="", priority=priority, slas=(clock,))

    sample = [
        incident("A-1", "High", 2 * HOUR),
        incident("A-2", "High", 3 * HOUR),  # another goal for the same priority: the larger one counts
        incident("A-3", "Low", 9 * HOUR, completed=True),  # only completed cycles seen for Low: used
        incident("A-4", "Medium", 9 * HOUR, completed=True),
        incident("A-5", "Medium", 4 * HOUR),  # an ongoing cycle knows Medium's current goal better
        incident("A-6", "High", HOUR, field="customfield_2"),
    ]
    learned = learn_goals(sample, {"customfield_1": "Same", "customfield_2": "Same"})
    assert [s.field for s in learned] == ["cf[1]", "cf[2]"]  # one name for two fields: by id
    assert dict(learned[0].goals_ms) == {"High": 3 * HOUR, "Low": 9 * HOUR, "Medium": 4 * HOUR}
    assert dict(learned[1].goals_ms) == {"High": HOUR}
