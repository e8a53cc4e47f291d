"""Pilot: the escalate action (`e`) and marking incidents (space) for an escalation of several at once, against
the simulator over HTTP. What Jira holds afterwards is read from the simulator, not from the app."""

from __future__ import annotations

from typing import Any

from textual.widgets import Checkbox, Input, Static

from oncall_tui.domain.escalation import PROPERTY, label_for
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.escalate import EscalateDialog
from tests.tui_harness import Tui, notes, quiet_tui, select_row, started, table, type_text, wait_for

SIZE = (120, 40)


def project_lead(tui: Tui, project: str) -> str:
    """The project lead's display name, from the simulator's own data."""
    state = tui.server.state
    return state.users[state.projects[project].lead].display_name


def route(app: OncallApp) -> str:
    return str(app.screen.query_one("#escalate-route", Static).content)


async def open_dialog(pilot: Any, app: OncallApp) -> EscalateDialog:
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, EscalateDialog))
    assert isinstance(app.screen, EscalateDialog)
    return app.screen


async def test_escalating_without_a_policy_goes_to_the_project_lead_and_leaves_a_trail_in_jira() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).visible_keys()[0]
            await select_row(pilot, app, key)
            project = key.split("-")[0]
            await wait_for(pilot, lambda: app.leads_for(project) is not None)
            lead = project_lead(tui, project)
            dialog = await open_dialog(pilot, app)
            assert "Project lead" in route(app) and lead in route(app)
            # Mention is the level's effect, and on; nothing the level does not ask for is offered.
            assert dialog.query_one("#escalate-mention", Checkbox).value is True
            assert dialog.query_one("#escalate-reassign", Checkbox).display is False
            # No reason: refused, and the dialog stays.
            await pilot.press("ctrl+s")
            assert isinstance(app.screen, EscalateDialog)
            assert "A reason is required" in str(dialog.query_one("#escalate-problem", Static).content)
            await type_text(pilot, "checkout down for all EU customers")
            assert dialog.query_one("#escalate-reason", Input).value == "checkout down for all EU customers"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: PROPERTY in tui.issue(key)["properties"])
            await wait_for(pilot, lambda: not tui.session.pipeline.for_key(key))
            issue = tui.issue(key)
            assert label_for(1) in issue["labels"]
            record = issue["properties"][PROPERTY]
            assert record["level"] == 1 and record["history"][0]["reason"] == "checkout down for all EU customers"
            comment = next(c for c in issue["comments"] if "checkout down" in c["text"])
            assert comment["public"] is False and f"@{lead}" in comment["text"]
            assert any(f"Escalate {key} to Project lead: done" in n for n in notes(app))


async def test_a_reason_typed_then_cancelled_sends_nothing() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).visible_keys()[0]
            await open_dialog(pilot, app)
            await type_text(pilot, "nope")
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, EscalateDialog))
            assert not tui.session.pipeline.for_key(key)
            assert PROPERTY not in tui.issue(key)["properties"]


async def test_three_marked_incidents_are_escalated_at_once_with_one_reason() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            keys = table(app).visible_keys()[:3]
            for key in keys:
                await select_row(pilot, app, key)
                await pilot.press("space")
            assert app.main.marked == set(keys)
            await wait_for(pilot, lambda: all(app.leads_for(k.split("-")[0]) is not None for k in keys))
            await open_dialog(pilot, app)
            assert all(key in route(app) for key in keys)
            await type_text(pilot, "storm: payment provider outage")
            await pilot.press("ctrl+s")
            for key in keys:
                await wait_for(pilot, lambda key=key: PROPERTY in tui.issue(key)["properties"])
            await wait_for(pilot, lambda: not any(tui.session.pipeline.for_key(k) for k in keys))
            for key in keys:
                issue = tui.issue(key)
                assert issue["properties"][PROPERTY]["history"][0]["reason"] == "storm: payment provider outage"
                assert label_for(1) in issue["labels"]
            assert app.main.marked == set()


async def test_a_marked_row_keeps_its_place_when_the_table_is_sorted() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            rows = table(app)
            key = rows.visible_keys()[0]
            await select_row(pilot, app, key)
            await pilot.press("space")
            for _ in range(4):  # priority, updated, created, key
                await pilot.press("s")
            assert rows.sort_mode == "key"
            keys = rows.visible_keys()
            wanted = sorted(keys, key=lambda k: (k.split("-")[0], int(k.split("-")[1])))
            assert keys == wanted, "the row marked ● sorts by its key like every other"
