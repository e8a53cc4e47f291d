"""Nothing lost across a restart, driven with Pilot against the simulator, with the outbox, drafts and saved
queues in a directory of the test's: drafts are offered again per incident, writes left waiting go out by
themselves once, quitting with writes waiting asks first, and the last-known rows are on screen at once."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from oncall_tui.sync.commands import State
from oncall_tui.ui.screens.commands import CommandsDialog
from oncall_tui.ui.screens.dialogs import CommentDialog
from oncall_tui.ui.screens.main import MainScreen
from tests.conftest import start_sim
from tests.tui_harness import build_tui, notes, started, table, type_text, wait_for

SIZE = (160, 48)


def status_line(app: object) -> str:
    return app.main.query_one("#status").content.plain  # type: ignore[attr-defined]


FAST = {"poll_seconds": 3600.0, "counts_seconds": 3600.0}


async def test_a_draft_comes_back_after_a_restart_on_its_own_incident(tmp_path: Path) -> None:
    server = start_sim()
    try:
        first = build_tui(server, state_dir=tmp_path, **FAST)
        async with first.app.run_test(size=SIZE) as pilot:
            await started(pilot, first)
            key = table(first.app).selected_key
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(first.app.screen, CommentDialog))
            await type_text(pilot, "half a thought")
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(first.app.screen, MainScreen))
            first.app.exit()
        await first.client.aclose()
        second = build_tui(server, state_dir=tmp_path, **FAST)
        async with second.app.run_test(size=SIZE) as pilot:
            await started(pilot, second)
            assert table(second.app).selected_key == key
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(second.app.screen, CommentDialog))
            assert second.app.screen.query_one(TextArea).text == "half a thought"
            await pilot.press("escape")
            await pilot.press("down")
            await wait_for(pilot, lambda: table(second.app).selected_key != key)
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(second.app.screen, CommentDialog))
            assert second.app.screen.query_one(TextArea).text == "", "drafts are per incident"
        await second.client.aclose()
    finally:
        server.stop()


async def test_quitting_with_a_write_waiting_asks_first_and_the_next_start_sends_it_once(tmp_path: Path) -> None:
    server = start_sim()
    try:
        first = build_tui(server, state_dir=tmp_path, **FAST)
        app = first.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, first)
            key = table(app).selected_key
            assert key is not None
            before = len(first.issue(key)["comments"])
            first.faults("rate=1,retry-after=120")  # Jira says "later" to everything
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "sent after the restart")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            await wait_for(pilot, lambda: "1 queued" in status_line(app))
            assert table(app).get_row_at(table(app).cursor_row)[0].plain.endswith("↑"), "the row shows it"
            await pilot.press("q")
            await wait_for(pilot, lambda: any("writes not yet in Jira" in n for n in notes(app)))
            assert app.is_running, "the first q only asks"
            message = next(n for n in notes(app) if "writes not yet in Jira" in n)
            assert key in message and "sent when oncall-tui starts again" in message
            await pilot.press("q")
            await wait_for(pilot, lambda: not app.is_running)
        await first.client.aclose()
        assert len(first.issue(key)["comments"]) == before
        first.faults("")
        second = build_tui(server, state_dir=tmp_path, **FAST)
        async with second.app.run_test(size=SIZE) as pilot:
            await started(pilot, second)
            await wait_for(pilot, lambda: len(second.issue(key)["comments"]) == before + 1)
            await wait_for(pilot, lambda: not second.session.pipeline.commands)
            texts = [c["text"] for c in second.issue(key)["comments"][before:]]
            assert texts == ["sent after the restart"]
        await second.client.aclose()
    finally:
        server.stop()


async def test_the_saved_rows_show_at_once_marked_until_jira_answers(tmp_path: Path) -> None:
    server = start_sim()
    try:
        first = build_tui(server, state_dir=tmp_path, **FAST)
        async with first.app.run_test(size=SIZE) as pilot:
            await started(pilot, first)
            shown = [table(first.app).get_row_at(i)[0].plain for i in range(table(first.app).row_count)]
            # The save runs off the event loop after the poll: wait for the file.
            await wait_for(pilot, lambda: any((tmp_path / "snapshots").glob("*")))
        await first.client.aclose()
        first.faults("latency=2000-2000ms")  # Jira slow to answer the next start
        second = build_tui(server, state_dir=tmp_path, **FAST)
        app = second.app
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: table(app).row_count > 0)
            assert (
                not second.session.status[app.main.active_queue].loaded
                or second.session.status[app.main.active_queue].cached
            ), "the rows came from the saved copy, not from Jira"
            rows = [table(app).get_row_at(i)[0].plain for i in range(table(app).row_count)]
            assert rows == shown
            message = app.main.query_one("#queue-message").content.plain  # type: ignore[attr-defined]
            assert "Saved copy as of" in message
            second.faults("")
            await wait_for(pilot, lambda: not second.session.status[app.main.active_queue].cached, timeout=20)
            await wait_for(
                pilot, lambda: "Saved copy" not in app.main.queue_message().plain if app.main.queue_message() else True
            )
        await second.client.aclose()
    finally:
        server.stop()


async def test_a_damaged_saved_copy_is_ignored_with_a_warning(tmp_path: Path) -> None:
    server = start_sim()
    try:
        first = build_tui(server, state_dir=tmp_path, **FAST)
        async with first.app.run_test(size=SIZE) as pilot:
            await started(pilot, first)
            await wait_for(pilot, lambda: any((tmp_path / "snapshots").glob("*")))
        await first.client.aclose()
        for path in (tmp_path / "snapshots").glob("*"):
            path.write_bytes(b"oncall-tui snapshot 1\n" + b"\x00garbage" * 50)
        second = build_tui(server, state_dir=tmp_path, **FAST)
        app = second.app
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await started(pilot, second)
            await wait_for(pilot, lambda: any("damaged" in n for n in notes(app)))
            assert app.is_running
    finally:
        server.stop()


async def test_the_command_list_shows_a_refused_comment_in_full_and_resends_it(tmp_path: Path) -> None:
    server = start_sim()
    try:
        tui = build_tui(server, state_dir=tmp_path, **FAST)
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).selected_key
            assert key is not None
            before = len(tui.issue(key)["comments"])
            tui.deny("ADD_COMMENTS")
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "refused [bold]now[/]")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog) and not app.screen.sending)
            # Closed while Jira refuses: the text waits in the command list, in full, not lost.
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog) and not app.screen.sending)
            await pilot.press("escape")
            tui.deny()
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            assert len(tui.issue(key)["comments"]) == before
            assert not tui.session.pipeline.stopped(), "a refusal the dialog took back is not listed twice"
            # Refused while the dialog is closed: listed.
            tui.deny("ADD_COMMENTS")
            command = tui.session.pipeline.comment(key, "listed [bold]in full[/]", public=False)
            await wait_for(
                pilot,
                lambda: (
                    tui.session.pipeline.get(command.id) is not None
                    and tui.session.pipeline.get(command.id).state is State.FAILED
                ),
            )  # type: ignore[union-attr]
            await wait_for(pilot, lambda: "1 failed (w)" in status_line(app))
            await pilot.press("w")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandsDialog))
            detail = app.screen.query_one("#command-detail").content.plain  # type: ignore[attr-defined]
            assert "listed [bold]in full[/]" in detail, "the user's text, literally"
            tui.deny()
            await pilot.press("r")
            await wait_for(pilot, lambda: not tui.session.pipeline.commands)
            assert [c["text"] for c in tui.issue(key)["comments"][before:]] == ["listed [bold]in full[/]"]
            await pilot.press("escape")
        await tui.client.aclose()
    finally:
        server.stop()
