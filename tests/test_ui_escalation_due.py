"""Pilot: escalation due (issue 9, item 5) with the demo's policies. Due rows are marked in the table, counted in
the header, and a queue with `escalation_due` holds exactly them; an acknowledgement (taking it) clears the mark.
Nothing is escalated without a key."""

from __future__ import annotations

from datetime import timedelta

from oncall_tui.domain.escalation import PROPERTY
from oncall_tui.domain.incident import StatusCategory
from oncall_tui.sim.scenarios.people import SERVICE_TEAMS
from tests.test_ui_failures import status_line
from tests.tui_harness import quiet_tui, select_row, started, switch_to, table, wait_for

SIZE = (160, 48)
DUE_QUEUE = "Escalation due"


def key_cell(app: object, key: str) -> str:
    rows = table(app)  # type: ignore[arg-type]
    return rows.get_row(key)[0].plain


async def test_due_incidents_are_marked_counted_and_held_by_the_due_queue_and_taking_one_clears_it() -> None:
    # The demo's config, as `sim --config-out` writes it: its sixth queue holds the incidents due for escalation.
    with quiet_tui(escalation=True) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            # The policies' levels (and their timeouts) come from JSM Ops: resolve them, then let the clock tick.
            for key in table(app).visible_keys():
                incident = tui.session.store.get(key)
                assert incident is not None
                await app.escalation.resolved(incident)
            app.engine.tick()
            due = dict(app.engine.due.due)
            assert due, "the scenario has unanswered incidents past their L1 response time"
            now = app.clock()
            for key, reason in due.items():
                incident = tui.session.store.get(key)
                assert incident is not None and incident.escalation is None
                # Due by the L1 timeout: unassigned and not started for longer than it; or by the SLA.
                if reason.kind.value == "timeout":
                    assert incident.assignee is None and incident.status_category is StatusCategory.NEW
                    assert incident.created is not None and now - incident.created > timedelta(minutes=15)
            shown = set(table(app).visible_keys())

            def marked() -> set[str]:
                return {key for key in shown if key_cell(app, key).endswith(" »")}

            await wait_for(pilot, lambda: marked() == shown & set(due))
            await wait_for(pilot, lambda: f"{len(due)} due" in status_line(app))
            assert not any(PROPERTY in tui.issue(key)["properties"] for key in due), "nothing escalated by itself"

            assert app.due_queues == {DUE_QUEUE}
            await switch_to(pilot, app, 6, DUE_QUEUE)
            held = set(tui.session.store.keys(DUE_QUEUE))
            assert set(table(app).visible_keys()) == held & set(due)

            # A new Low incident, unanswered for longer than its L1 response time (15 min) and far from its SLA:
            # due for the timeout alone. Taking it answers it: it is due no longer and leaves the due queue.
            service = next(iter(SERVICE_TEAMS))
            made = tui.control(
                "POST", "/incidents", json={"summary": "Exports slow", "priority": "Low", "service": service}
            )
            key = made.json()["key"]
            app.clock = lambda: now + timedelta(minutes=20)
            await pilot.press("r")
            await wait_for(pilot, lambda: tui.session.store.get(key) is not None and not app.engine.polling)
            incident = tui.session.store.get(key)
            assert incident is not None
            await app.escalation.resolved(incident)
            app.engine.tick()
            reason = app.engine.due.due.get(key)
            assert reason is not None and reason.kind.value == "timeout"
            await wait_for(pilot, lambda: key in table(app).visible_keys())
            await select_row(pilot, app, key)
            await pilot.press("m")
            await wait_for(pilot, lambda: tui.issue(key)["assignee"] is not None)
            await wait_for(pilot, lambda: not tui.session.pipeline.for_key(key))
            app.engine.tick()
            assert key not in app.engine.due.due
            await wait_for(pilot, lambda: key not in table(app).visible_keys())
