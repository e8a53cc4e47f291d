"""Pilot: the UI names each state of a write (issue 8, items 3, 4 and 10), against the simulator over HTTP.

One write kind (take) through queued while Jira is unreachable, uncertain after a lost answer, failed with
Jira's reason; the command list (`w`) with a failed comment's full text, resent (`r`) and dropped (`d`); and the
conflict question when a colleague took the incident between the user's view and the send, with each answer.
"""

from __future__ import annotations

import pytest
from textual.widgets import Label, Static

from oncall_tui.sync import commands as cmds
from oncall_tui.sync.commands import State
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.commands import CommandsDialog, ConflictDialog
from oncall_tui.ui.screens.dialogs import CommentDialog
from oncall_tui.ui.screens.main import MainScreen
from tests.conftest import CheckedSimServer
from tests.pipeline_harness import client_for
from tests.test_ui_failures import status_line, take_unassigned
from tests.tui_harness import Tui, notes, option_labels, quiet_tui, type_text, wait_for

SIZE = (120, 40)


def detail(app: OncallApp) -> str:
    return app.screen.query_one("#command-detail", Static).content.plain  # type: ignore[union-attr]


def labels(app: OncallApp) -> list[str]:
    return [str(label.content) for label in app.screen.query(Label)]


def states_of(tui: Tui, key: str) -> list[State]:
    return [c.state for c in tui.session.pipeline.for_key(key)]


async def open_list(pilot: object, app: OncallApp) -> None:
    await pilot.press("w")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, CommandsDialog))  # type: ignore[arg-type]


async def test_a_take_while_jira_is_unreachable_is_named_queued() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            tui.server.stop()
            # A poll first meets the closed port (and retires the kept-alive connection a late answer could use).
            await pilot.press("r")
            await wait_for(pilot, lambda: "offline" in status_line(app))
            await pilot.press("m")
            await wait_for(pilot, lambda: any(f"Take {key}: waiting (offline)" in n for n in notes(app)))
            assert states_of(tui, key) == [State.QUEUED]
            await open_list(pilot, app)
            assert option_labels(app) == [f"{'queued':<14} Take {key}"]
            assert "it is sent by itself when Jira answers" in detail(app)


async def test_a_comment_whose_answer_is_lost_and_cannot_be_checked_is_named_uncertain() -> None:
    # A comment (an assignment reads the issue before it is sent: with every answer lost it would wait, queued).
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            before = len(tui.issue(key)["comments"])
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "lost on the way back")
            tui.faults("lose=1")  # the comment lands, its answer and every look-up after it are cut off
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: any("It may have gone through" in n for n in notes(app)))
            note = next(n for n in notes(app) if "It may have gone through" in n)
            assert (
                f"Add internal comment to {key}: The connection broke off" in note
                and f"{key} is checked before anything is sent again" in note
            )
            assert states_of(tui, key) == [State.UNCERTAIN]
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            await open_list(pilot, app)
            assert option_labels(app) == [f"{'uncertain':<14} Add internal comment to {key}"]
            tui.faults("")
            tui.session.pipeline.wake()
            await wait_for(pilot, lambda: not tui.session.pipeline.commands)
            assert [c["text"] for c in tui.issue(key)["comments"][before:]] == ["lost on the way back"]


async def test_a_refused_take_is_named_failed_with_the_reason() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            tui.faults(f"status=403,paths=/rest/api/3/issue/{key}/assignee")
            await pilot.press("m")
            await wait_for(pilot, lambda: states_of(tui, key) == [State.FAILED])
            await open_list(pilot, app)
            assert option_labels(app) == [f"{'failed':<14} Take {key}"]
            assert "permission" in detail(app).lower(), detail(app)
            assert tui.issue(key)["assignee"] is None
            assert tui.session.store.get(key).assignee is None, "rolled back"  # type: ignore[union-attr]


async def test_the_command_list_shows_a_failed_comment_in_full_resends_one_and_drops_another() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            pipeline = tui.session.pipeline
            tui.faults(f"status=403,paths=/rest/api/3/issue/{key}/comment,methods=POST")
            kept_text = "Rolled back 4.2.1 on all nodes.\nError rate back to 0.1 %; [bold]not markup[/bold]."
            kept = pipeline.comment(key, kept_text, public=False)
            gone = pipeline.comment(key, "A second thought, not wanted after all.", public=False)
            await wait_for(pilot, lambda: states_of(tui, key) == [State.FAILED, State.FAILED])
            tui.faults("")
            await open_list(pilot, app)
            assert option_labels(app) == [f"{'failed':<14} Add internal comment to {key}"] * 2
            assert kept_text in detail(app), "the whole text, literally, to copy or resend"
            await pilot.press("r")
            await wait_for(pilot, lambda: pipeline.get(kept.id) is None)
            await wait_for(pilot, lambda: len(option_labels(app)) == 1)
            assert "A second thought, not wanted after all." in detail(app)
            await pilot.press("d")
            await wait_for(pilot, lambda: pipeline.get(gone.id) is None)
            await wait_for(pilot, lambda: option_labels(app) == ["Nothing waiting: every write is in Jira."])
            texts = [c["text"] for c in tui.issue(key)["comments"]]
            assert texts.count(kept_text) == 1 and "A second thought, not wanted after all." not in texts


async def colleague_takes_it_meanwhile(tui: Tui, key: str) -> cmds.Command:
    """A take built from the copy the user saw (unassigned), sent after a colleague took the incident."""
    seen = tui.session.store.get(key)
    assert seen is not None and seen.assignee is None
    me = tui.session.me
    assert me is not None
    server = tui.server
    assert isinstance(server, CheckedSimServer)
    async with client_for(server) as other:
        colleague = next(p for p in await other.assignable_users(key) if p.id != me.id)
        await other.assign(key, colleague)
        tui.session.store.put(await other.get_issue(key))  # a poll brought Jira's copy
    return tui.session.pipeline.submit(cmds.take(key, me, seen))


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [pytest.param("y", "mine", id="y-sends-anyway"), pytest.param("d", "theirs", id="d-drops"), ("escape", "later")],
)
async def test_a_conflict_asks_and_each_answer_does_what_it_says(answer: str, outcome: str) -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            key = await take_unassigned(pilot, tui)
            command = await colleague_takes_it_meanwhile(tui, key)
            await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog))
            colleague = tui.issue(key)["assigneeName"]
            question = " ".join(labels(app))
            assert f"{key} changed since you acted: the assignee is now {colleague} (you saw: nobody)." in question
            assert f"Take {key} anyway?" in question
            assert tui.issue(key)["assigneeName"] == colleague, "nothing overwritten while it asks"
            await pilot.press(answer)
            pipeline = tui.session.pipeline
            me = tui.session.me
            assert me is not None
            if outcome == "mine":
                await wait_for(pilot, lambda: tui.issue(key)["assignee"] == me.id)
                await wait_for(pilot, lambda: pipeline.get(command.id) is None)
            elif outcome == "theirs":
                await wait_for(pilot, lambda: pipeline.get(command.id) is None)
                assert tui.issue(key)["assigneeName"] == colleague
                assert any(f"Take {key}: dropped" in n for n in notes(app))
            else:
                await wait_for(pilot, lambda: not isinstance(app.screen, ConflictDialog))
                assert pipeline.stopped() == [pipeline.get(command.id)]
                assert tui.issue(key)["assigneeName"] == colleague
                await open_list(pilot, app)
                assert option_labels(app) == [f"{'conflict':<14} Take {key}"]
                assert "changed since you acted" in detail(app)
