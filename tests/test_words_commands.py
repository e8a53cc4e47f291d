"""Every state of every command kind has words, in English and German, with or without an error: the UI never
crashes on a command it is told about (one taken up after a restart has no error, one refused has one)."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from oncall_tui.domain.incident import FieldChoice, TransitionOption
from oncall_tui.domain.people import Person
from oncall_tui.i18n import translator
from oncall_tui.jira.errors import NetworkError, PermissionDenied, RateLimited, ServerError
from oncall_tui.sync import commands as cmds
from oncall_tui.sync.commands import Command, Conflict, State
from oncall_tui.ui.words import state_label, state_words

ZOE = Person("Zoë [bold]Müller[/]", account_id="a-1")
MADE = [
    cmds.take("OPS-1", ZOE, None),
    cmds.assign("OPS-1", ZOE, None),
    cmds.assign("OPS-1", None, None),
    cmds.comment("OPS-1", "text", public=True, seen=None),
    cmds.comment("OPS-1", "text", public=False, seen=None),
    cmds.transition("OPS-1", TransitionOption("31", "Resolve", to_status="Resolved"), None),
    cmds.priority("OPS-1", FieldChoice("P1", "1"), None),
]
ERRORS = [None, PermissionDenied(), RateLimited(retry_after=5), ServerError(status=503), NetworkError()]


def _variants() -> list[Command]:
    out = []
    for command, state, error in itertools.product(MADE, State, ERRORS):
        conflict = Conflict("assignee", None, "K. Nowak") if state is State.CONFLICT else None
        out.append(dataclasses.replace(command, state=state, error=error, conflict=conflict))
    return out


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_state_kind_and_error_has_words_in_the_ui_language(language: str) -> None:
    tr = translator(language)
    tr.missing = []
    for command in _variants():
        words = state_words(command, tr)
        assert words.strip() and "OPS-1" in words, (command.kind, command.state, command.error)
        assert state_label(command, tr).strip()
    assert tr.missing == [], tr.missing


def test_a_resumed_command_says_it_is_checked_before_anything_is_sent_again() -> None:
    command = MADE[3].with_state(State.UNCERTAIN)
    assert "checked before anything is sent again" in state_words(command, translator("en"))


def test_a_queued_write_says_why_it_waits() -> None:
    command = MADE[0].with_state(State.QUEUED)
    assert state_words(command, translator("en")) == "Take OPS-1…"
    offline = NetworkError()
    offline.unreachable = True
    waiting = MADE[0].with_state(State.QUEUED, error=offline)
    assert "waiting (offline)" in state_words(waiting, translator("en"))
