"""Pilot: moving around — queues, filter, sort, copy, help, keymap, command palette, quit."""

from __future__ import annotations

import re

from textual.binding import Binding
from textual.command import CommandList
from textual.widgets import Input

from oncall_tui import keys
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dialogs import AssignDialog, CommentDialog, HelpDialog, PickDialog
from oncall_tui.ui.screens.main import MAIN_BINDINGS, MainScreen
from tests.conftest import http_client
from tests.tui_harness import (
    Tui,
    notes,
    quiet_tui,
    send_keys,
    started,
    switch_to,
    table,
    type_text,
    wait_for,
)

SIZE = (120, 40)
PRIORITY_RANK = {"Highest": 1, "High": 2, "Medium": 3, "Low": 4, "Lowest": 5}


def tabs_text(app: OncallApp) -> str:
    return str(app.main.query_one("#tabs").render())


def row_keys(app: OncallApp) -> list[str]:
    return table(app).order


def sim_count(tui: Tui, jql: str) -> int:
    """How many issues the simulator itself finds for a JQL (asked directly, not through the app)."""
    with http_client(tui.server) as api:
        response = api.post("/rest/api/3/search/approximate-count", json={"jql": jql})
        response.raise_for_status()
        count: int = response.json()["count"]
        return count


async def test_number_keys_switch_queues_and_tabs_show_jiras_counts() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            names = [q.name for q in tui.session.queues]
            # Until a count is in, its tab says "?" (never a 0 nobody counted).
            await wait_for(pilot, lambda: "?" not in tabs_text(app))
            expected = {q.name: sim_count(tui, q.jql.split(" ORDER BY")[0]) for q in tui.session.queues}
            for number, name in enumerate(names, start=1):
                assert f"[{number} {name} {expected[name]}]" in tabs_text(app)
            for number in (2, 5, 1):
                name = names[number - 1]
                await switch_to(pilot, app, number, name)
                assert table(app).row_count == expected[name]
                assert f"[{number} {name} {expected[name]}]" in tabs_text(app)


async def test_switching_again_while_a_poll_runs_ends_on_the_last_queue_chosen() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await send_keys(pilot, [("5", "5"), ("2", "2")])  # the second before the first poll is back
            await wait_for(pilot, lambda: not app.engine.polling and table(app).row_count > 0)
            for _ in range(3):
                await pilot.pause()
            assert app.main.active_queue == "Unassigned"
            assert sorted(row_keys(app)) == sorted(tui.session.store.keys("Unassigned"))
            assert all(tui.issue(key)["assignee"] is None for key in row_keys(app))


async def test_quick_filter_narrows_the_table_and_esc_clears_it() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            everything = table(app).row_count
            await pilot.press("slash")
            await wait_for(pilot, lambda: isinstance(app.focused, Input))
            await type_text(pilot, "kafka")
            await wait_for(pilot, lambda: 0 < table(app).row_count < everything)
            for key in row_keys(app):
                assert "kafka" in table(app).get_row(key)[6].plain.casefold()
            assert "OPS-38" in row_keys(app)
            assert f"All open {everything}]" in tabs_text(app), "the tab keeps the queue's full count"
            await pilot.press("escape")
            await wait_for(pilot, lambda: table(app).row_count == everything)
            assert not app.main.query_one("#filter", Input).display
            assert app.focused is table(app)


async def test_filter_keys_are_text_not_commands_and_enter_returns_to_the_table() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            everything = table(app).row_count
            await pilot.press("slash")
            await wait_for(pilot, lambda: isinstance(app.focused, Input))
            # "q", digits and action letters typed into the filter must not quit, switch queues or act.
            await type_text(pilot, "ops-3q")
            await wait_for(pilot, lambda: app.main.query_one("#filter", Input).value == "ops-3q")
            assert app.is_running and app.main.active_queue == "All open"
            assert table(app).row_count == 0
            await pilot.press("backspace", "enter")
            await wait_for(pilot, lambda: app.focused is table(app))
            assert 0 < table(app).row_count < everything
            assert all(key.startswith("OPS-3") for key in row_keys(app))
            await pilot.press("escape")
            await wait_for(pilot, lambda: table(app).row_count == everything)


def _remaining(app: OncallApp, key: str) -> float:
    incident = app.session.store.get(key)
    assert incident is not None
    sla = incident.most_urgent_sla(app.now, app.session.thresholds)
    remaining = sla.remaining_at(app.now) if sla else None
    return remaining.total_seconds() if remaining is not None else float("inf")


async def test_sort_cycles_through_every_order() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            store = tui.session.store

            def by(attr: str) -> list[object]:
                return [getattr(store.get(k), attr) for k in row_keys(app)]

            urgency = [_remaining(app, k) for k in row_keys(app)]
            assert urgency == sorted(urgency), "time to breach is the default order"
            await pilot.press("s")
            await wait_for(pilot, lambda: any("Sorted by priority" in n for n in notes(app)))
            ranks = [PRIORITY_RANK[str(p)] for p in by("priority")]
            assert ranks == sorted(ranks) and len(set(ranks)) > 1
            await pilot.press("s")
            await wait_for(pilot, lambda: any("Sorted by updated" in n for n in notes(app)))
            assert by("updated") == sorted(by("updated"), reverse=True)  # type: ignore[type-var]
            await pilot.press("s")
            await wait_for(pilot, lambda: any("Sorted by created" in n for n in notes(app)))
            assert by("created") == sorted(by("created"), reverse=True)  # type: ignore[type-var]
            await pilot.press("s")
            await wait_for(pilot, lambda: any("Sorted by key" in n for n in notes(app)))
            numbers = [int(k.split("-")[1]) for k in row_keys(app)]
            assert numbers == sorted(numbers)
            await pilot.press("s")
            await wait_for(pilot, lambda: any("Sorted by breach" in n for n in notes(app)))
            assert [_remaining(app, k) for k in row_keys(app)] == urgency


async def test_copy_key_url_and_open() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = table(app).selected_key
            assert key is not None
            await pilot.press("y")
            await wait_for(pilot, lambda: app.clipboard == key)
            await pilot.press("Y")
            url = f"{tui.server.url}/browse/{key}"
            await wait_for(pilot, lambda: app.clipboard == url)
            app.copy_to_clipboard("")
            await pilot.press("o")
            await wait_for(pilot, lambda: app.clipboard == url)
            assert any(url in n for n in notes(app)), "the URL is shown too (useful over SSH)"


async def test_help_lists_every_action_and_closes() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpDialog))
            text = app.screen.query_one("Static").content.plain  # type: ignore[union-attr]
            # Every binding with the keys it answers to, what it does and the id [keymap] takes.
            for row in keys.binding_rows():
                if row.id.startswith("queue.switch_"):
                    continue
                line = rf"^\s*{re.escape(row.keys)}\s+{re.escape(row.description)}\s+{re.escape(row.id)}$"
                assert re.search(line, text, re.MULTILINE), row
            assert re.search(r"^\s*1-9\s+switch queue\s+queue\.switch_N$", text, re.MULTILINE)
            assert "comment dialog" in text and "comment.send" in text
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


def test_every_binding_has_a_unique_id() -> None:
    owners = [OncallApp, MainScreen, CommentDialog, PickDialog, AssignDialog, HelpDialog]
    ids: list[str] = []
    for owner in owners:
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding), f"{owner.__name__}: {binding!r} is not a Binding"
            assert binding.id, f"{owner.__name__}: binding {binding.key} has no id"
            ids.append(binding.id)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {bid for bid, *_ in MAIN_BINDINGS} <= set(ids)


async def test_keymap_override_moves_take_to_another_key() -> None:
    with quiet_tui(keymap={"incident.take": "ctrl+k"}) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 2, "Unassigned")
            key = table(app).selected_key
            assert key is not None
            await pilot.press("m")
            for _ in range(5):
                await pilot.pause()
            assert tui.issue(key)["assignee"] is None, "the old key no longer takes"
            assert not tui.session.store.has_pending(key)
            await pilot.press("ctrl+k")
            await wait_for(pilot, lambda: tui.issue(key)["assignee"] == tui.session.me.account_id)  # type: ignore[union-attr]
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpDialog))
            help_text = app.screen.query_one("Static").content.plain  # type: ignore[union-attr]
            assert re.search(r"^\s*ctrl\+k\s+take\s+incident\.take$", help_text, re.MULTILINE), (
                "help shows the key in use"
            )
            titles = [c.title for c in app.get_system_commands(app.main)]
            assert "Take (ctrl+k)" in titles


async def test_command_palette_offers_every_action_and_runs_them() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            commands = {c.title: c for c in app.get_system_commands(app.main)}
            for _, key, _, desc, _ in MAIN_BINDINGS:
                shown = keys.display_key(key)
                assert f"{desc.capitalize()} ({shown})" in commands
            for queue in tui.session.queues:
                assert f"Queue: {queue.name}" in commands
            # Running a command does what its key does.
            commands["Queue: Unassigned"].callback()
            await wait_for(pilot, lambda: app.main.active_queue == "Unassigned" and table(app).row_count > 0)
            key = table(app).selected_key
            assert key is not None and tui.issue(key)["assignee"] is None
            commands["Take (m)"].callback()
            await wait_for(pilot, lambda: tui.issue(key)["assignee"] == tui.session.me.account_id)  # type: ignore[union-attr]


async def test_command_palette_opens_with_ctrl_p_and_runs_the_chosen_action() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
            await type_text(pilot, "Queue: Unassigned")
            await wait_for(pilot, lambda: app.screen.query_one(CommandList).option_count > 0)
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.main.active_queue == "Unassigned")


async def test_q_quits() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await pilot.press("q")
            await wait_for(pilot, lambda: app._exit)
        assert app.return_code == 0


async def test_ascii_mode_uses_ascii_glyphs_and_borders() -> None:
    from tests.conftest import start_sim
    from tests.tui_harness import build_tui, started

    server = start_sim()
    try:
        tui = build_tui(server, ascii_only=True)
        async with tui.app.run_test(size=(120, 40)) as pilot:
            await started(pilot, tui)
            table = tui.app.main.query_one("#queue")
            sla_cells = [table.get_cell(key, "sla").plain for key in table.visible_keys()]
            assert sla_cells and all(cell.isascii() for cell in sla_cells)
            side = tui.app.main.query_one("#side")
            assert side.styles.border_left[0] == "ascii"
    finally:
        server.stop()


async def test_q_with_an_unsent_draft_asks_before_throwing_the_text_away() -> None:
    from textual.widgets import TextArea

    from oncall_tui.ui.screens.dialogs import CommentDialog
    from tests.tui_harness import notes, type_text

    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            key = app.main.query_one("#queue").selected_key
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            await type_text(pilot, "half-written update")
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, CommentDialog))
            await pilot.press("q")
            await wait_for(pilot, lambda: any("Unsent comment draft" in n for n in notes(app)))
            assert not app._exit, "the first q must not quit"
            assert key in next(n for n in notes(app) if "Unsent comment draft" in n)
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CommentDialog))
            assert app.screen.query_one(TextArea).text == "half-written update"
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, CommentDialog))
            await pilot.press("q")
            await wait_for(pilot, lambda: app._exit)
