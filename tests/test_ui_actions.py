"""Pilot: every incident action from the keyboard, its effect read back from the simulator."""

from __future__ import annotations

from textual.widgets import Static, TextArea

from oncall_tui.ui.screens.dialogs import AssignDialog, CommentDialog, PickDialog
from oncall_tui.ui.screens.main import MainScreen
from tests.tui_harness import (
    choose,
    notes,
    option_labels,
    quiet_tui,
    select_row,
    started,
    switch_to,
    table,
    type_text,
    wait_for,
)

SIZE = (120, 40)


async def test_assign_finds_people_without_typing_umlauts_and_assigns_the_picked_one() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 2, "Unassigned")
            key = table(app).selected_key
            assert key is not None
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AssignDialog))
            await type_text(pilot, "muller")
            await pilot.press("down")  # to the results; the search for what was typed runs first
            await wait_for(pilot, lambda: "Zoë Müller" in " ".join(option_labels(app)))
            assert all("Müller" in label or "Muñoz" in label for label in option_labels(app))
            await choose(pilot, app, "Zoë Müller")
            await wait_for(pilot, lambda: tui.issue(key)["assigneeName"] == "Zoë Müller")
            await wait_for(pilot, lambda: not tui.session.store.has_pending(key))
            assert tui.session.store.get(key).assignee.display_name == "Zoë Müller"  # type: ignore[union-attr]
            assert any("done" in n for n in notes(app))


async def test_assign_enter_right_after_typing_assigns_the_typed_match_not_a_stale_result() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 2, "Unassigned")
            key = table(app).selected_key
            assert key is not None
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AssignDialog) and bool(option_labels(app)))
            # The list still shows the empty search's results when enter comes before the debounce fires.
            await type_text(pilot, "zoe\n")
            await wait_for(pilot, lambda: tui.issue(key)["assigneeName"] is not None)
            assert tui.issue(key)["assigneeName"] == "Zoë Müller"


async def test_comment_is_internal_by_default_and_keeps_its_lines() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).selected_key
            assert key is not None
            before = len(tui.issue(key)["comments"])
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            assert "internal" in app.screen.query_one("#visibility", Static).content.plain  # type: ignore[union-attr]
            await type_text(pilot, "Pool limit raised\nWatching the graphs")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: len(tui.issue(key)["comments"]) == before + 1)
            comment = tui.issue(key)["comments"][-1]
            assert comment["public"] is False
            assert comment["text"].split("\n") == ["Pool limit raised", "Watching the graphs"]
            assert key not in app.drafts, "a sent draft is forgotten"
            body = app.main.query_one("#detail-body", Static)
            await wait_for(pilot, lambda: "Pool limit raised" in body.content.plain)  # type: ignore[union-attr]
            latest = body.content.plain.split("Latest comments")[1]  # type: ignore[union-attr]
            assert "internal" in latest.split("Pool limit raised")[0].splitlines()[-1]


async def test_comment_ctrl_t_makes_it_a_public_reply() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).selected_key
            assert key is not None
            before = len(tui.issue(key)["comments"])
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "We are on it")
            await pilot.press("ctrl+t")
            visibility = app.screen.query_one("#visibility", Static)
            assert "PUBLIC" in visibility.content.plain  # type: ignore[union-attr]
            assert visibility.has_class("-public")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: len(tui.issue(key)["comments"]) == before + 1)
            comment = tui.issue(key)["comments"][-1]
            assert comment["public"] is True and comment["text"] == "We are on it"


async def test_comment_draft_and_visibility_survive_cancel() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).selected_key
            assert key is not None
            before = len(tui.issue(key)["comments"])
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "half a thought\nsecond line")
            await pilot.press("ctrl+t", "escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            assert app.screen.query_one(TextArea).text == "half a thought\nsecond line"
            assert "PUBLIC" in app.screen.query_one("#visibility", Static).content.plain  # type: ignore[union-attr]
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            assert len(tui.issue(key)["comments"]) == before, "cancel sends nothing"


def comment_problem(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    if not isinstance(screen, CommentDialog):
        return ""
    problem = screen.query_one("#comment-problem", Static)
    return problem.content.plain if problem.display else ""  # type: ignore[union-attr]


async def _failed_send_keeps_draft(fault: str) -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).selected_key
            assert key is not None
            before = len(tui.issue(key)["comments"])
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "status update")
            if fault == "deny":
                tui.deny("ADD_COMMENTS")
            else:
                tui.faults(fault.format(key=key))
            await pilot.press("ctrl+s")
            # The dialog stays open with the reason and the text, editable again.
            await wait_for(pilot, lambda: "failed" in comment_problem(app))
            assert key in comment_problem(app)
            assert app.screen.query_one(TextArea).text == "status update"
            assert not app.screen.query_one(TextArea).read_only
            assert len(tui.issue(key)["comments"]) == before, "nothing was posted"
            await wait_for(pilot, lambda: not tui.session.store.has_pending(key))
            # Closing keeps the draft for the next `c`.
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            assert app.screen.query_one(TextArea).text == "status update"
            # Jira is back: the kept draft goes out and is forgotten.
            tui.deny()
            tui.faults("")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: len(tui.issue(key)["comments"]) == before + 1)
            assert tui.issue(key)["comments"][-1]["text"] == "status update"
            await wait_for(pilot, lambda: key not in app.drafts)
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_comment_draft_survives_permission_denied() -> None:
    await _failed_send_keeps_draft("deny")


async def test_a_comment_the_gateway_refused_waits_and_lands_once_when_jira_is_back() -> None:
    # The gateway answers the POST with 503 (the reads still work): the comment is looked for, not found, and
    # kept as a command that goes out by itself, once, when the gateway lets it through.
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).selected_key
            assert key is not None
            before = len(tui.issue(key)["comments"])
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "status update")
            tui.faults(f"status=503,paths=/rest/api/3/issue/{key}/comment,methods=POST")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            assert key not in app.drafts, "the text lives in the command now, not in a second copy"
            pipeline = tui.session.pipeline
            await wait_for(pilot, lambda: len(pipeline.active()) == 1 and pipeline.active()[0].attempts >= 2)
            assert pipeline.active()[0].text == "status update"
            assert len(tui.issue(key)["comments"]) == before, "nothing landed"
            tui.faults("")
            pipeline.wake()
            await wait_for(pilot, lambda: len(tui.issue(key)["comments"]) == before + 1)
            await wait_for(pilot, lambda: not pipeline.commands)
            assert [c["text"] for c in tui.issue(key)["comments"][before:]] == ["status update"]


async def test_comment_that_may_have_landed_is_not_offered_for_blind_resending() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).selected_key
            assert key is not None
            before = len(tui.issue(key)["comments"])
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "restarted the consumer")
            tui.faults("status=503")  # the POST and the look-up both fail: nobody knows whether it landed
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: any("may have" in n for n in notes(app)))
            message = next(n for n in notes(app) if "may have" in n)
            assert key in message and "press c to retry" not in message
            assert "checked before anything is sent again" in message
            assert isinstance(app.screen, MainScreen) or "may have" in comment_problem(app)
            pipeline = tui.session.pipeline
            [waiting] = pipeline.active()
            assert waiting.text == "restarted the consumer", "the text is kept, in the command"
            tui.faults("")
            pipeline.wake()
            await wait_for(pilot, lambda: not pipeline.commands)
            assert [c["text"] for c in tui.issue(key)["comments"][before:]] == ["restarted the consumer"]


async def test_transition_with_resolution_screen() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await select_row(pilot, app, "OPS-38")
            assert tui.issue("OPS-38")["status"] == "In Progress"
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
            await choose(pilot, app, "Resolve")
            await wait_for(pilot, lambda: isinstance(app.screen, PickDialog) and "Fixed" in option_labels(app))
            await choose(pilot, app, "Fixed")
            await wait_for(pilot, lambda: tui.issue("OPS-38")["status"] == "Resolved")
            assert tui.issue("OPS-38")["resolution"] == "Fixed"
            await wait_for(pilot, lambda: not tui.session.store.has_pending("OPS-38"))
            assert tui.session.store.get("OPS-38").status == "Resolved"  # type: ignore[union-attr]


async def test_cancelling_the_resolution_changes_nothing() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await select_row(pilot, app, "OPS-38")
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
            await choose(pilot, app, "Resolve")
            await wait_for(pilot, lambda: isinstance(app.screen, PickDialog) and "Fixed" in option_labels(app))
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            assert tui.issue("OPS-38")["status"] == "In Progress"
            assert tui.session.store.get("OPS-38").status == "In Progress"  # type: ignore[union-attr]


async def test_transition_without_a_screen() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 2, "Unassigned")
            key = table(app).selected_key
            assert key is not None and tui.issue(key)["status"] == "Open"
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
            await choose(pilot, app, "Start progress")
            await wait_for(pilot, lambda: tui.issue(key)["status"] == "In Progress")
            assert tui.issue(key)["resolution"] is None
            assert isinstance(app.screen, MainScreen), "no resolution dialog for a transition without one"
            await wait_for(pilot, lambda: tui.session.store.get(key).status == "In Progress")  # type: ignore[union-attr]


async def test_priority_change() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await select_row(pilot, app, "OPS-38")
            assert tui.issue("OPS-38")["priority"] == "High"
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
            await choose(pilot, app, "Highest")
            await wait_for(pilot, lambda: tui.issue("OPS-38")["priority"] == "Highest")
            await wait_for(pilot, lambda: not tui.session.store.has_pending("OPS-38"))
            assert tui.session.store.get("OPS-38").priority == "Highest"  # type: ignore[union-attr]
            assert table(app).get_row("OPS-38")[1].plain == "P1"


async def test_refresh_now_brings_changes_made_elsewhere() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await select_row(pilot, app, "OPS-38")
            tui.control("POST", "/issues/OPS-38/status", json={"status": "Pending"})
            await pilot.press("r")
            await wait_for(pilot, lambda: table(app).get_row("OPS-38")[2].plain == "Pending")
            assert tui.session.store.get("OPS-38").status == "Pending"  # type: ignore[union-attr]


async def test_a_key_right_after_the_selected_row_left_does_not_act_on_its_neighbour() -> None:
    from tests.tui_harness import notes, quiet_tui, select_row, switch_to, table, wait_for

    with quiet_tui() as tui:
        app = tui.app
        ticks = [1000.0]
        app.monotonic = lambda: ticks[0]
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: table(app).row_count > 0)
            await switch_to(pilot, app, 2, "Unassigned")
            rows = table(app)
            leaving = rows.order[1]
            await select_row(pilot, app, leaving)
            other = next(
                u for u in tui.server.state.users.values() if u.agent and u.active and u.account_id != tui.session.me.id
            )
            tui.control("POST", f"/issues/{leaving}/assign", json={"accountId": other.account_id})
            await pilot.press("r")
            await wait_for(pilot, lambda: not rows.holds(leaving))
            neighbour = rows.selected_key
            assert neighbour is not None and neighbour != leaving
            assert any(f"{leaving} left this queue" in n for n in notes(app))
            await pilot.press("m")
            await wait_for(pilot, lambda: any("press the key again" in n for n in notes(app)))
            assert tui.issue(neighbour)["assignee"] is None, "the first key press must not take the neighbour"
            ticks[0] += 2.0
            await pilot.press("m")
            await wait_for(pilot, lambda: tui.issue(neighbour)["assignee"] == tui.session.me.id)
