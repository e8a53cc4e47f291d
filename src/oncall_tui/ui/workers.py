"""The one place where an unexpected worker failure becomes a notification instead of silence.

Textual's `Worker.StateChanged` does not bubble: each node that runs workers forwards its events here.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from oncall_tui.i18n import ENGLISH
from oncall_tui.jira.errors import JiraError
from oncall_tui.ui.words import error_words


def notify_worker_error(node: DOMNode, event: Worker.StateChanged) -> None:
    if event.state is not WorkerState.ERROR or event.worker.error is None:
        return
    error = event.worker.error
    tr = getattr(node.app, "tr", ENGLISH)
    if isinstance(error, JiraError):
        message = error_words(error, tr)
    else:
        # A bug below the UI: Python's own words for it, in the UI's sentence.
        message = tr("Something went wrong inside oncall-tui: {error}", error=f"{type(error).__name__}: {error}")
    node.notify(message, title=tr("Error"), severity="error", timeout=15, markup=False)
