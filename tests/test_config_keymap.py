"""[keymap]: binding ids from the one registry (`oncall_tui.keys`), key names Textual understands, one action
per key and scope; and the registry itself, the screens built from it, and its agreement with Textual."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from textual.app import App
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import Keys, _character_to_key, _normalize_key_list
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList, TextArea

from oncall_tui import keys
from oncall_tui.cli import main
from oncall_tui.config import ConfigError, load_config
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.commands import CommandsDialog, ConflictDialog
from oncall_tui.ui.screens.dialogs import AssignDialog, CommentDialog, ConfirmDialog, HelpDialog, PickDialog
from oncall_tui.ui.screens.escalate import EscalateDialog
from oncall_tui.ui.screens.main import MainScreen
from tests.tui_harness import quiet_tui, started, switch_to, table, wait_for

BASE: dict[str, Any] = {
    "jira": {"url": "https://example.atlassian.net", "email": "anna.schmidt@example.com"},
    "queues": [{"name": "Open", "jql": "statusCategory != Done"}],
}


def config_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(BASE) + "\n" + text, encoding="utf-8")
    return path


def keymap_problems(tmp_path: Path, text: str) -> list[str]:
    path = config_with(tmp_path, "[keymap]\n" + text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    return [line.removeprefix(f"{path}: ") for line in str(info.value).splitlines()]


def keymap_of(tmp_path: Path, text: str) -> dict[str, str]:
    return dict(load_config(config_with(tmp_path, "[keymap]\n" + text), env={}).keymap)


# ---- ids ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('take = "x"', 'keymap.take: unknown binding id; did you mean "incident.take"?'),
        ('quit = "x"', 'keymap.quit: unknown binding id; did you mean "app.quit"?'),
        ('assign = "x"', 'keymap.assign: unknown binding id; did you mean "incident.assign"?'),
        ('"incident.tkae" = "x"', 'keymap."incident.tkae": unknown binding id; did you mean "incident.take"?'),
        ('"comment.sned" = "x"', 'keymap."comment.sned": unknown binding id; did you mean "comment.send"?'),
    ],
)
def test_unknown_binding_ids_are_refused_with_a_suggestion(tmp_path: Path, line: str, expected: str) -> None:
    assert keymap_problems(tmp_path, line) == [expected]


def test_an_id_nothing_resembles_lists_the_ids(tmp_path: Path) -> None:
    [problem] = keymap_problems(tmp_path, 'zzzzzzzz = "x"')
    expected = "keymap.zzzzzzzz: unknown binding id; expected one of: app.commands, app.help, app.quiet, app.quit, "
    assert problem.startswith(expected)
    assert all(spec.id in problem for spec in keys.BINDINGS)


def test_dotted_ids_may_be_written_without_quotes(tmp_path: Path) -> None:
    # Unquoted, TOML reads `incident.take = "x"` as a table [keymap.incident]: the same binding id.
    assert keymap_of(tmp_path, 'incident.take = "x"\n"queue.filter" = "f"') == {
        "incident.take": "x",
        "queue.filter": "f",
    }
    assert keymap_problems(tmp_path, 'incident.tak = "x"') == [
        'keymap.incident.tak: unknown binding id; did you mean "incident.take"?'
    ]


def test_one_id_written_both_ways_is_refused(tmp_path: Path) -> None:
    problems = keymap_problems(tmp_path, '"incident.take" = "x"\nincident.take = "z"')
    assert problems == [
        'keymap.incident.take: expected each binding id once, got it twice (also keymap."incident.take")'
    ]


# ---- key names ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("binding_id", "written", "stored"),
    [
        ("queue.filter", "/", "slash"),
        ("app.help", "?,f1", "question_mark,f1"),
        ("incident.take", "Ctrl+K", "ctrl+k"),
        ("incident.take", "ctrl+shift+K", "ctrl+shift+k"),
        ("incident.take", "shift+ctrl+up", "ctrl+shift+up"),
        ("queue.clear_filter", "esc", "escape"),
        ("incident.take", "F2", "f2"),
        ("incident.take", "x, ctrl+x, x", "x,ctrl+x"),
        ("incident.take", "shift+x", "X"),
        ("incident.take", "ctrl++", "ctrl+plus"),
        ("incident.take", "Alt+ü", "alt+ü"),
    ],
)
def test_keys_are_stored_as_textual_names_them(tmp_path: Path, binding_id: str, written: str, stored: str) -> None:
    assert keymap_of(tmp_path, f'"{binding_id}" = "{written}"') == {binding_id: stored}


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("control+k", 'unknown modifier "control"'),  # an alias: accepted
        ("contrl+k", 'unknown modifier "contrl" in "contrl+k"; did you mean "ctrl"?'),
        ("ctrl+escap", 'unknown key "escap"; did you mean "escape"?'),
        ("ctrl+ctrl+k", '"ctrl" appears twice in "ctrl+ctrl+k"'),
        ("ctrl+", '"ctrl+" names modifiers but no key'),
    ],
)
def test_keys_textual_would_never_report_are_refused(tmp_path: Path, written: str, why: str) -> None:
    if written == "control+k":
        assert keymap_of(tmp_path, f'"incident.take" = "{written}"') == {"incident.take": "ctrl+k"}
        return
    assert keymap_problems(tmp_path, f'"incident.take" = "{written}"') == [
        f'keymap."incident.take": expected a key such as "ctrl+k" or "f2" (comma-separated for several), '
        f'got "{written}": {why}'
    ]


# ---- one key, one action -----------------------------------------------------------------------------------------


def test_a_default_key_of_an_action_left_alone_is_refused(tmp_path: Path) -> None:
    # The issue's case: q is app.quit's, and would have assigned incidents instead of quitting.
    assert keymap_problems(tmp_path, '"incident.take" = "q"') == [
        'keymap."incident.take": expected a key that no other action on the main screen uses, got "q", '
        "which is also the key of app.quit (its default)"
    ]
    # Moving app.quit away frees q.
    assert keymap_of(tmp_path, '"incident.take" = "q"\n"app.quit" = "ctrl+x"') == {
        "incident.take": "q",
        "app.quit": "ctrl+x",
    }


def test_two_actions_given_one_key_are_refused_naming_both(tmp_path: Path) -> None:
    assert keymap_problems(tmp_path, '"incident.take" = "x"\n"incident.assign" = "ctrl+a,x"') == [
        'keymap."incident.take": expected a key that no other action on the main screen uses, got "x", '
        'which is also the key of incident.assign (at keymap."incident.assign")'
    ]


def test_scopes_are_separate(tmp_path: Path) -> None:
    # ctrl+s sends a comment in the comment dialog; on the main screen it is free.
    assert keymap_of(tmp_path, '"incident.take" = "ctrl+s"') == {"incident.take": "ctrl+s"}
    assert keymap_problems(tmp_path, '"comment.toggle" = "ctrl+s"') == [
        'keymap."comment.toggle": expected a key that no other action in the comment dialog uses, got "ctrl+s", '
        "which is also the key of comment.send (its default)"
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '"incident.take" = "down"',
            'keymap."incident.take": expected a key that is free on the main screen, got "down", '
            "which moves the table cursor",
        ),
        (
            '"incident.take" = "ctrl+p"',
            'keymap."incident.take": expected a key that is free on the main screen, got "ctrl+p", '
            "which opens the command palette",
        ),
        (
            '"comment.send" = "s"',
            'keymap."comment.send": expected a key that is free in the comment dialog, got "s", '
            "which types a character into the text field",
        ),
        (
            '"assign.cancel" = "ctrl+a"',
            'keymap."assign.cancel": expected a key that is free in the assign dialog, got "ctrl+a", '
            "which edits the search text",
        ),
    ],
)
def test_keys_the_focused_widget_or_textual_owns_are_refused(tmp_path: Path, line: str, expected: str) -> None:
    assert keymap_problems(tmp_path, line) == [expected]


def test_keymap_errors_stop_list_before_it_reaches_jira(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    data = {**BASE, "jira": {"url": "http://127.0.0.1:9", "deployment": "cloud", "email": "a@example.net"}}
    path.write_text(tomli_w.dumps(data) + '\n[keymap]\n"incident.take" = "q"\n', encoding="utf-8")
    assert main(["--config", str(path), "list"]) == 3
    err = capsys.readouterr().err
    assert f'{path}: keymap."incident.take": ' in err and "app.quit" in err


# ---- the registry --------------------------------------------------------------------------------------------


def test_registry_defaults_are_normalised_free_and_unique() -> None:
    assert len(keys.BY_ID) == len(keys.BINDINGS)
    for scope in keys.Scope:
        seen: dict[str, str] = {}
        for spec in (b for b in keys.BINDINGS if b.scope is scope):
            for key in spec.keys:
                assert keys.normalize_key(key) == key, spec.id
                assert keys.reserved_reason(scope, key) is None or spec.id == "assign.down", (spec.id, key)
                assert seen.setdefault(key, spec.id) == spec.id, f"{key}: {seen[key]} and {spec.id}"


def textual_bindings(owner: type[Any]) -> list[Binding]:
    return [b if isinstance(b, Binding) else Binding(*b) for b in owner.BINDINGS]


def test_the_screens_bindings_are_the_registry() -> None:
    owners = {
        (keys.Scope.MAIN, True): OncallApp,
        (keys.Scope.MAIN, False): MainScreen,
        (keys.Scope.COMMENT, False): CommentDialog,
        (keys.Scope.PICK, False): PickDialog,
        (keys.Scope.ASSIGN, False): AssignDialog,
        (keys.Scope.HELP, False): HelpDialog,
        (keys.Scope.CONFIRM, False): ConfirmDialog,
        (keys.Scope.COMMANDS, False): CommandsDialog,
        (keys.Scope.CONFLICT, False): ConflictDialog,
        (keys.Scope.ESCALATE, False): EscalateDialog,
    }
    for (scope, app_level), owner in owners.items():
        found = [(b.id, b.key, b.action, b.description, b.show, b.priority) for b in textual_bindings(owner)]
        wanted = [
            (b.id, b.key, b.action, b.text, b.show, b.priority) for b in keys.bindings(scope, app_level=app_level)
        ]
        assert found == wanted, owner.__name__
    assert {b.id for owner in owners.values() for b in textual_bindings(owner)} == set(keys.BY_ID)


def test_binding_rows_list_every_id_with_its_keys_and_description() -> None:
    rows = list(keys.binding_rows({"incident.take": "ctrl+k,m"}))
    assert [r.id for r in rows] == [b.id for b in keys.BINDINGS]
    by_id = {r.id: r for r in rows}
    assert by_id["incident.take"][:3] == ("incident.take", "ctrl+k,m", "take")
    assert by_id["queue.filter"].keys == "/" and by_id["app.help"].keys == "?"
    assert by_id["help.close"].keys == "esc,?,q" and by_id["help.close"].scope is keys.Scope.HELP
    assert (by_id["queue.switch_3"].description, dict(by_id["queue.switch_3"].params)) == (
        "queue {number}",
        {"number": "3"},
    )


# ---- agreement with Textual ----------------------------------------------------------------------------------


def test_character_key_names_are_textuals() -> None:
    printable = [chr(c) for c in range(33, 127) if chr(c) != ","] + ["ü", "§", "€"]
    for char in printable:
        assert keys.normalize_key(char) == _character_to_key(char) == _normalize_key_list(char), char
    assert keys.normalize_key(",") == _character_to_key(",") == "comma"  # a list separator in [keymap]
    assert dict(keys.CHARACTER_KEYS) == {_character_to_key(c): c for c in map(chr, range(33, 127)) if not c.isalnum()}
    assert unicodedata.name("/") == "SOLIDUS"  # the mapping above really goes through Unicode names


def test_named_keys_and_modifiers_are_textuals() -> None:
    textual_names = {k.value.rsplit("+", 1)[-1] for k in Keys if not k.value.startswith("<")}
    assert textual_names | {"space"} >= keys.NAMED_KEYS
    assert {"escape", "enter", "tab", "pageup", "f12"} <= keys.NAMED_KEYS
    modifiers = {part for k in Keys for part in k.value.split("+")[:-1]}
    assert modifiers <= set(keys.MODIFIERS)


@pytest.mark.parametrize(
    ("scope", "widgets"),
    [
        (keys.Scope.MAIN, (DataTable,)),
        (keys.Scope.COMMENT, (TextArea,)),
        (keys.Scope.PICK, (OptionList,)),
        (keys.Scope.ASSIGN, (Input, OptionList)),
        (keys.Scope.HELP, (VerticalScroll,)),
    ],
)
def test_reserved_keys_cover_what_textual_binds(scope: keys.Scope, widgets: tuple[type[Any], ...]) -> None:
    textual_keys = {
        part.strip()
        for owner in (App, Screen, *widgets)
        for binding in textual_bindings(owner)
        for part in binding.key.split(",")
    }
    assert sorted(k for k in textual_keys if keys.reserved_reason(scope, k) is None) == []


def test_the_registry_and_queries_modules_import_no_textual() -> None:
    code = (
        "import sys, oncall_tui.keys, oncall_tui.queries, oncall_tui.config\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


# ---- in the app ------------------------------------------------------------------------------------------------


async def test_a_rebinding_from_the_file_works_in_the_app(tmp_path: Path) -> None:
    # Written as people write it (unquoted dotted id, capitals); loaded as Textual names the key.
    path = config_with(tmp_path, '[keymap]\nincident.take = "Ctrl+K"\n')
    keymap = load_config(path, env={}).keymap
    with quiet_tui(keymap=keymap) as tui:
        app = tui.app
        async with app.run_test(size=(120, 40)) as pilot:
            await started(pilot, tui)
            await switch_to(pilot, app, 2, "Unassigned")
            key = table(app).selected_key
            assert key is not None
            await pilot.press("ctrl+k")
            await wait_for(pilot, lambda: tui.issue(key)["assignee"] == tui.session.me.account_id)  # type: ignore[union-attr]
