"""The one place where an unexpected worker failure becomes a notification instead of silence.

Textual's `Worker.StateChanged` does not bubble: each node that runs workers forwards its events here.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from oncall_tui.i18n import ENGLISH
from oncall_tui.jira.errors import JiraError


def notify_worker_error(node: DOMNode, event: Worker.StateChanged) -> None:
    if event.state is not WorkerState.ERROR or event.worker.error is None:
        return
    error = event.worker.error
    message = error.full_text if isinstance(error, JiraError) else f"{type(error).__name__}: {error}"
    tr = getattr(node.app, "tr", ENGLISH)
    node.notify(message, title=tr("Error"), severity="error", timeout=15, markup=False)
