"""What the app says, in the UI's language: actions and their outcomes, Jira's errors, the connection state.

The layers below hand up data (an `Outcome`, a `JiraError` with a message id and parameters); the sentences
are made here and nowhere else. Jira's own words (an error's `detail`, names, transition names) are put in as
they came. No Textual here: the words are tested without a terminal.
"""

from __future__ import annotations

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
from oncall_tui.sync.actions import Action, ActionKind, Outcome, ReadOnlyError, Result


def action_words(action: Action, tr: Translator) -> str:
    """ "Take OPS-1", "Assign OPS-1 to Zoë Müller", "Resolve OPS-1" ..."""
    key, target = action.key, action.target
    match action.kind:
        case ActionKind.TAKE:
            return tr("Take {key}", key=key)
        case ActionKind.ASSIGN:
            return tr("Assign {key} to {name}", key=key, name=target)
        case ActionKind.UNASSIGN:
            return tr("Unassign {key}", key=key)
        case ActionKind.COMMENT:
            return tr("Add public reply to {key}" if action.public else "Add internal comment to {key}", key=key)
        case ActionKind.TRANSITION:
            return tr("{transition} {key}", transition=target, key=key)
        case ActionKind.PRIORITY:
            return tr("Set priority of {key} to {priority}", key=key, priority=target)
    return key  # pragma: no cover - every kind is handled above


def error_words(error: JiraError, tr: Translator, *, hint: bool = True) -> str:
    """The error's message (and what to do about it) in the UI language; Jira's own words (its parameters:
    details, URLs, titles) stay as sent."""
    text = tr(error.message_id, **error.message_params)
    if hint and error.hint_id:
        text += "\n" + tr(error.hint_id, **error.hint_params)
    return text


def outcome_words(outcome: Outcome, tr: Translator) -> str:
    description = action_words(outcome.action, tr)
    error = outcome.error
    key = outcome.key
    match outcome.result:
        case Result.DONE:
            return tr("{description}: done", description=description)
        case Result.CONFIRMED:
            return tr("{description}: done (confirmed after a connection problem)", description=description)
        case Result.NOT_DONE:
            assert error is not None
            return tr(
                "{description} failed: {error} {key} does not show it: not done.",
                description=description,
                error=error_words(error, tr, hint=False),
                key=key,
            )
        case Result.UNCERTAIN:
            assert error is not None
            text = tr(
                "{description}: {error} It may have gone through: check {key} before trying again",
                description=description,
                error=error_words(error, tr, hint=False),
                key=key,
            )
            if outcome.action.kind is ActionKind.COMMENT:
                return f"{text}; {tr('your text is kept')}."
            return f"{text}."
    assert error is not None
    if isinstance(error, ReadOnlyError):
        return tr("{description}: {error}", description=description, error=error_words(error, tr, hint=False))
    return tr("{description} failed: {error}", description=description, error=error_words(error, tr))


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
