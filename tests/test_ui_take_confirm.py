"""Pilot: `m` on a colleague's incident asks first, naming them; unassigned or mine, it takes at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.config_schema import ConfigError
from oncall_tui.ui.screens.dialogs import ConfirmDialog
from oncall_tui.ui.screens.main import MainScreen
from tests.tui_harness import Tui, quiet_tui, select_row, started, switch_to, table, wait_for

SIZE = (120, 40)


def colleague_incident(tui: Tui) -> tuple[str, str]:
    """An open incident in "All open" assigned to someone else, and that person's name."""
    me = tui.session.me
    assert me is not None
    for key in tui.session.store.keys("All open"):
        incident = tui.session.store.get(key)
        if incident is not None and incident.assignee is not None and incident.assignee.id != me.id:
            return key, incident.assignee.display_name
    raise AssertionError("the scenario has no incident assigned to a colleague")


def question(tui: Tui) -> str:
    screen = tui.app.screen
    assert isinstance(screen, ConfirmDialog)
    return screen.question


async def test_taking_a_colleagues_incident_asks_and_esc_leaves_it_with_them() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            key, name = colleague_incident(tui)
            owner = tui.issue(key)["assignee"]
            await select_row(pilot, app, key)
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            parts = name.split()
            assert question(tui) == f"{key} is {parts[0][0]}. {' '.join(parts[1:])}'s. Take it? m/esc"
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            assert tui.issue(key)["assignee"] == owner, "esc leaves it with the colleague"
            assert not tui.session.store.has_pending(key)


async def test_a_second_m_takes_the_colleagues_incident() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            key, _ = colleague_incident(tui)
            await select_row(pilot, app, key)
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("m")
            await wait_for(pilot, lambda: tui.issue(key)["assignee"] == tui.session.me.id)  # type: ignore[union-attr]


async def test_unassigned_and_my_own_incidents_are_taken_without_a_question() -> None:
    with quiet_tui() as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 2, "Unassigned")
            key = table(app).selected_key
            assert key is not None and tui.issue(key)["assignee"] is None
            await pilot.press("m")
            await wait_for(pilot, lambda: tui.issue(key)["assignee"] == tui.session.me.id)  # type: ignore[union-attr]
            assert not isinstance(app.screen, ConfirmDialog)
            await switch_to(pilot, app, 1, "Mine")
            mine = table(app).selected_key
            assert mine is not None
            await pilot.press("m")
            await wait_for(pilot, lambda: any(f"Take {mine}: done" in n.message for n in app._notifications))
            assert not isinstance(app.screen, ConfirmDialog)


async def test_the_question_can_be_switched_off() -> None:
    with quiet_tui(confirm_take=False) as tui:
        app = tui.app
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 5, "All open")
            key, _ = colleague_incident(tui)
            await select_row(pilot, app, key)
            await pilot.press("m")
            await wait_for(pilot, lambda: tui.issue(key)["assignee"] == tui.session.me.id)  # type: ignore[union-attr]
            assert not isinstance(app.screen, ConfirmDialog)


def test_the_config_switches_the_question_off(tmp_path: Path) -> None:
    from oncall_tui.cli_tui import _session_and_app
    from oncall_tui.config import load_config

    path = tmp_path / "config.toml"
    path.write_text(
        '[jira]\nurl = "https://example.atlassian.net"\ndeployment = "cloud"\nemail = "a@example.com"\n'
        'token_env = "JIRA_API_TOKEN"\n[ui]\nconfirm_take = false\n'
        '[[queues]]\nname = "Open"\njql = "project = OPS ORDER BY key"\n'
    )
    config = load_config(path)
    assert config.ui.confirm_take is False
    _, app = _session_and_app(config, object(), readonly=False, mouse=False, time_zone=None)
    assert app.confirm_take is False
    path.write_text(path.read_text().replace("confirm_take = false", "confirm_take = 1"))
    with pytest.raises(ConfigError, match=r"ui\.confirm_take"):
        load_config(path)
