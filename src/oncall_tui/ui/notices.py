"""One notice per topic, replaced in place: "Take OPS-1…" becomes "Take OPS-1: done" instead of a second toast,
and a failure toast never stays above the later success of the same action."""

from __future__ import annotations

from textual.app import App
from textual.notifications import Notification, SeverityLevel


class Notices:
    def __init__(self, app: App[object]) -> None:
        self._app = app
        self._shown: dict[str, Notification] = {}

    def show(
        self,
        topic: str,
        message: str,
        *,
        severity: SeverityLevel = "information",
        timeout: float = 6.0,
        title: str = "",
    ) -> None:
        """Show `message` for `topic`, taking down whatever the topic showed before."""
        self.clear(topic, refresh=False)
        # Topics whose notice has expired are forgotten (one per action and incident would pile up over a shift).
        self._shown = {t: n for t, n in self._shown.items() if n in self._app._notifications}
        notification = Notification(message, title, severity, timeout, markup=False)
        self._shown[topic] = notification
        # Added at once rather than posted (what App.notify does): a replacement shown right after must find
        # this one to take it down. Always called on the app's own thread.
        self._app._notifications.add(notification)
        self._app._refresh_notifications()

    def clear(self, topic: str, *, refresh: bool = True) -> None:
        old = self._shown.pop(topic, None)
        if old is not None and old in self._app._notifications:
            self._app._unnotify(old, refresh=refresh)

    def showing(self, topic: str) -> bool:
        shown = self._shown.get(topic)
        return shown is not None and shown in self._app._notifications
