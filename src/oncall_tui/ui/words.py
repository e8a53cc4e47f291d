"""What the app says, in the UI's language: actions and their outcomes, Jira's errors, the connection state.

The layers below hand up data (a `Command` in some state, a `JiraError` with a message id and parameters); the sentences
are made here and nowhere else. Jira's own words (an error's `detail`, names, transition names) are put in as
they came. No Textual here: the words are tested without a terminal.
"""

from __future__ import annotations

from oncall_tui.domain.text import sanitize_line
from oncall_tui.i18n import Translator
from oncall_tui.jira.errors import (
    AuthError,
    ConnectionLost,
    DeadlineExceeded,
    HtmlInsteadOfJson,
    InvalidJql,
    JiraError,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from oncall_tui.sync.commands import Command, CommandKind, State
from oncall_tui.sync.escalate import StepKind, next_step, steps_of
from oncall_tui.sync.escalation_desk import BUILT_IN_NAMES
from oncall_tui.sync.pipeline import ReadOnlyError, may_have_landed


def command_words(command: Command, tr: Translator) -> str:
    """ "Take OPS-1", "Assign OPS-1 to Zoë Müller", "Resolve OPS-1" ..."""
    key, target = command.key, sanitize_line(command.target)
    match command.kind:
        case CommandKind.TAKE:
            return tr("Take {key}", key=key)
        case CommandKind.ASSIGN:
            return tr("Assign {key} to {name}", key=key, name=target)
        case CommandKind.UNASSIGN:
            return tr("Unassign {key}", key=key)
        case CommandKind.COMMENT:
            return tr("Add public reply to {key}" if command.public else "Add internal comment to {key}", key=key)
        case CommandKind.TRANSITION:
            return tr("{transition} {key}", transition=target, key=key)
        case CommandKind.PRIORITY:
            return tr("Set priority of {key} to {priority}", key=key, priority=target)
        case CommandKind.ESCALATE:
            level = level_name(command.target, tr)
            if command.params.get("direction") == "down":
                return tr("De-escalate {key} to {level}", key=key, level=level)
            return tr("Escalate {key} to {level}", key=key, level=level)
    return key  # pragma: no cover - every kind is handled above


_STEP_WORDS = {
    StepKind.ASSIGN: "reassigning",
    StepKind.PRIORITY: "raising the priority",
    StepKind.TRANSITION: "moving it on (transition)",
    StepKind.LABEL: "labelling",
    StepKind.COMMENT: "the internal comment",
    StepKind.PAGE: "paging through JSM Ops",
    StepKind.RECORD: "recording the level",
}


def escalation_progress(command: Command, tr: Translator) -> str:
    """ "2 of 5 steps done · next: paging through JSM Ops" (an escalation's steps, as they complete)."""
    steps = steps_of(command.params)
    done = sum(step.done for step in steps)
    upcoming = next_step(command.params)
    if upcoming is None:
        words = tr("{done} of {total} steps done", done=done, total=len(steps))
    else:
        words = tr(
            "{done} of {total} steps done · next: {step}",
            done=done,
            total=len(steps),
            step=tr(_STEP_WORDS[upcoming.kind]),
        )
    skipped = [tr(_STEP_WORDS[step.kind]) for step in steps if step.data.get("skipped")]
    if skipped:
        words += " · " + tr("skipped: {steps}", steps=", ".join(skipped))
    return words


def level_name(name: str, tr: Translator) -> str:
    """A policy's or level's name as shown: a config's as written, the built-in Jira-leads policy's translated."""
    return sanitize_line(tr(name) if name in BUILT_IN_NAMES else name)


def error_words(error: JiraError, tr: Translator, *, hint: bool = True) -> str:
    """The error's message (and what to do about it) in the UI language; Jira's own words (its parameters:
    details, URLs, titles) stay as sent."""
    text = tr(error.message_id, **error.message_params)
    if hint and error.hint_id:
        text += "\n" + tr(error.hint_id, **error.hint_params)
    return text


def state_words(command: Command, tr: Translator) -> str:
    """What became of the command, as its one notice says it (replaced in place as the command moves on)."""
    description = command_words(command, tr)
    error = command.error
    key = command.key
    match command.state:
        case State.QUEUED if error is not None:
            return tr(
                "{description}: waiting ({error}); it is sent by itself when Jira answers.",
                description=description,
                error=error_label(error, tr),
            )
        case State.QUEUED | State.SENDING if command.kind is CommandKind.ESCALATE:
            return f"{description}: {escalation_progress(command, tr)}…"
        case State.QUEUED | State.SENDING:
            return f"{description}…"
        case State.CONFIRMED if command.after_doubt:
            return tr("{description}: done (confirmed after a connection problem)", description=description)
        case State.CONFIRMED:
            return tr("{description}: done", description=description)
        case State.UNCERTAIN if error is None:
            # Taken up after a restart: the app stopped while the request was on its way.
            return tr(
                "{description}: oncall-tui stopped while it was on its way; {key} is checked before anything is "
                "sent again.",
                description=description,
                key=key,
            )
        case State.UNCERTAIN:
            return tr(
                "{description}: {error} It may have gone through: {key} is checked before anything is sent again.",
                description=description,
                error=error_words(error, tr, hint=False),
                key=key,
            )
        case State.CONFLICT:
            return conflict_words(command, tr)
        case State.DROPPED:
            return tr("{description}: dropped", description=description)
    # FAILED
    if error is None:
        return tr(
            "{description}: Jira could not tell whether it went through: check {key}.",
            description=description,
            key=key,
        )
    if isinstance(error, ReadOnlyError):
        return tr("{description}: {error}", description=description, error=error_words(error, tr, hint=False))
    if may_have_landed(error):
        return tr(
            "{description}: {error} It may have gone through: check {key} before trying again",
            description=description,
            error=error_words(error, tr, hint=False),
            key=key,
        )
    if command.kind is CommandKind.ESCALATE:
        upcoming = next_step(command.params)
        step = tr(_STEP_WORDS[upcoming.kind]) if upcoming is not None else ""
        return tr(
            "{description} failed at {step}: {error}\n{progress}; a resend (w, r) carries on from there.",
            description=description,
            step=step,
            error=error_words(error, tr),
            progress=escalation_progress(command, tr),
        )
    return tr("{description} failed: {error}", description=description, error=error_words(error, tr))


def conflict_words(command: Command, tr: Translator) -> str:
    """ "OPS-1 changed since you acted: the assignee is now K. Nowak (you saw: nobody)." """
    clash = command.conflict
    if clash is None:
        return command_words(command, tr)
    nobody = tr("nobody")
    what = {
        "assignee": tr("the assignee"),
        "status": tr("the status"),
        "priority": tr("the priority"),
        "level": tr("the escalation level"),
    }
    return tr(
        "{key} changed since you acted: {field} is now {now} (you saw: {seen}).",
        key=command.key,
        field=what.get(clash.field, clash.field),
        now=sanitize_line(clash.now) if clash.now else nobody,
        seen=sanitize_line(clash.seen) if clash.seen else nobody,
    )


def outbox_problem_words(kind: str, tr: Translator) -> str:
    """Why the outbox cannot be used, in a few words ("damaged", "locked by another process" ...)."""
    words = {
        "corrupt": "damaged",
        "locked": "locked by another process",
        "read_only": "not writable",
        "newer": "written by a newer oncall-tui",
        "failed": "the disk refused",
    }
    return tr(words.get(kind, "the disk refused"))


def state_label(command: Command, tr: Translator) -> str:
    """One or two words for the command list: queued, sending, failed ..."""
    return tr(f"command.{command.state.value}")


def error_label(error: JiraError, tr: Translator) -> str:
    """A few words for the header: what kind of trouble the last poll met. Offline only when Jira could not be
    reached at all; a broken answer, a 5xx or a login page is Jira (or its proxy) answering badly."""
    if error.unreachable:
        return tr("offline")
    if isinstance(error, RateLimited):
        return tr("rate-limited")
    if isinstance(error, AuthError):
        return tr("login refused")
    if isinstance(error, PermissionDenied):
        return tr("access denied")
    if isinstance(error, InvalidJql):
        return tr("JQL refused")
    if isinstance(error, HtmlInsteadOfJson):
        return tr("login page instead of Jira")
    if isinstance(error, DeadlineExceeded):
        return tr("Jira too slow")
    if isinstance(error, ConnectionLost):
        return tr("connection lost")
    if isinstance(error, NetworkError):
        return tr("network error")
    if isinstance(error, NotFound):
        return tr("not found (HTTP 404)")
    if error.status is not None:
        return tr("Jira error (HTTP {status})", status=error.status)
    return tr("Jira error")
