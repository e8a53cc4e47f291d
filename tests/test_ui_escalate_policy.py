"""Pilot, issue 9's acceptance: escalating with the demo's policies (the simulator's teams, schedules and JSM Ops
escalations) from L1 to L2, and checking in the simulator what Jira and JSM Ops hold afterwards; a failure in the
middle resumed without repeating what succeeded; three incidents at once.

Who L2 is is computed here from the simulator's own schedule data (its rotations), not read from the app."""

from __future__ import annotations

from typing import Any

import httpx

from oncall_tui.domain.escalation import PROPERTY, label_for
from oncall_tui.domain.incident import Incident
from oncall_tui.sim import oncall as sim_oncall
from oncall_tui.sync.commands import State
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.commands import CommandsDialog
from oncall_tui.ui.screens.escalate import EscalateDialog
from tests.tui_harness import Tui, notes, quiet_tui, select_row, started, table, type_text, wait_for

SIZE = (160, 48)
REASON = "checkout errors for every EU customer"


def team_incidents(app: OncallApp, tui: Tui) -> list[Incident]:
    """Open incidents at level 1 whose policy is a service team's (its L2 is the team's secondary schedule)."""
    state = tui.server.state
    found = []
    for key in table(app).visible_keys():
        incident = tui.session.store.get(key)
        if incident is None or incident.escalation is not None or incident.status_category.value == "done":
            continue
        policy = app.escalation.policy_for(incident)
        if any(s.name == f"{policy.name} – Secondary" for s in state.schedules.values()):
            found.append(incident)
    return found


def secondary_on_call(tui: Tui, team: str) -> str:
    """The account id on call now in the team's secondary schedule, by the simulator's own rotation maths."""
    state = tui.server.state
    schedule = next(s for s in state.schedules.values() if s.name == f"{team} – Secondary")
    (who,) = sim_oncall.on_call_at(schedule, state.now())
    return who


def alerts(tui: Tui) -> list[dict[str, Any]]:
    data: Any = httpx.get(f"{tui.server.url}/_sim/alerts", timeout=10).json()
    return list(data["alerts"] if isinstance(data, dict) else data)


async def escalate_with_reason(pilot: Any, app: OncallApp, reason: str = REASON) -> None:
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, EscalateDialog))
    await type_text(pilot, reason)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: not isinstance(app.screen, EscalateDialog))


async def test_escalating_from_l1_to_l2_does_what_the_policy_says_in_jira_and_jsm_ops() -> None:
    with quiet_tui(escalation=True) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            incident = team_incidents(app, tui)[0]
            key = incident.key
            await select_row(pilot, app, key)
            policy = app.escalation.policy_for(incident)
            expected = secondary_on_call(tui, policy.name)
            priority_before = tui.issue(key)["priority"]
            await escalate_with_reason(pilot, app)
            await wait_for(pilot, lambda: PROPERTY in tui.issue(key)["properties"], timeout=20)
            await wait_for(pilot, lambda: not tui.session.pipeline.for_key(key))
            issue = tui.issue(key)
            assert issue["assignee"] == expected, "reassigned to L2's on-call person"
            assert issue["priority"] == "Highest" != priority_before or priority_before == "Highest"
            assert label_for(1) in issue["labels"]
            comment = next(c for c in issue["comments"] if REASON in c["text"])
            assert comment["public"] is False
            name = tui.server.state.users[expected].display_name
            assert f"@{name}" in comment["text"], "the L2 contact is mentioned"
            record = issue["properties"][PROPERTY]
            assert record["level"] == 1 and record["levelName"] == "L2 secondary"
            (entry,) = record["history"]
            assert entry["reason"] == REASON and entry["toWhomIds"] == [expected]
            me = tui.session.me
            assert me is not None and entry["byId"] == me.id
            (page,) = [a for a in alerts(tui) if key in str(a)]
            assert page["count"] == 1
            assert any(f"Escalate {key} to L2 secondary: done" in n for n in notes(app))


async def test_a_failed_middle_step_is_reported_and_resumed_without_repeating_what_succeeded() -> None:
    with quiet_tui(escalation=True) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            incident = team_incidents(app, tui)[0]
            key = incident.key
            await select_row(pilot, app, key)
            expected = secondary_on_call(tui, app.escalation.policy_for(incident).name)
            # Jira refuses the comment: the reassignment, priority, transition and label before it have landed.
            tui.faults(f"status=403,paths=/rest/api/3/issue/{key}/comment,methods=POST")
            await escalate_with_reason(pilot, app)
            pipeline = tui.session.pipeline
            await wait_for(pilot, lambda: any(c.state is State.FAILED for c in pipeline.for_key(key)), timeout=20)
            assert any("failed at the internal comment" in n for n in notes(app)), notes(app)
            issue = tui.issue(key)
            assert issue["assignee"] == expected and label_for(1) in issue["labels"]
            assert PROPERTY not in issue["properties"] and alerts(tui) == []
            sent = [(e.method, e.path) for e in tui.server.exchanges]
            tui.faults("")
            await pilot.press("w")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandsDialog))
            await pilot.press("r")
            await wait_for(pilot, lambda: PROPERTY in tui.issue(key)["properties"], timeout=20)
            await wait_for(pilot, lambda: not pipeline.for_key(key))
            again = [(e.method, e.path) for e in tui.server.exchanges][len(sent) :]
            writes = [(m, p) for m, p in again if m in ("PUT", "POST") and "/search" not in p]
            assert ("PUT", f"/rest/api/3/issue/{key}/assignee") not in writes, "the reassignment is not repeated"
            assert ("PUT", f"/rest/api/3/issue/{key}") not in writes, "nor the priority or the label"
            assert len([c for c in tui.issue(key)["comments"] if REASON in c["text"]]) == 1
            assert len([a for a in alerts(tui) if key in str(a)]) == 1


async def test_three_incidents_are_escalated_at_once_each_to_its_own_next_level() -> None:
    with quiet_tui(escalation=True) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            chosen = team_incidents(app, tui)[:3]
            assert len(chosen) == 3
            for incident in chosen:
                await select_row(pilot, app, incident.key)
                await pilot.press("space")
            await escalate_with_reason(pilot, app, "payment provider outage")
            for incident in chosen:
                await wait_for(pilot, lambda k=incident.key: PROPERTY in tui.issue(k)["properties"], timeout=20)
            await wait_for(pilot, lambda: not any(tui.session.pipeline.for_key(i.key) for i in chosen))
            for incident in chosen:
                issue = tui.issue(incident.key)
                expected = secondary_on_call(tui, app.escalation.policy_for(incident).name)
                assert issue["assignee"] == expected
                assert issue["properties"][PROPERTY]["history"][0]["reason"] == "payment provider outage"
            assert len(alerts(tui)) == 3
