"""The engine's event stream: a small, typed publish/subscribe channel between the headless core and its views.

The sync layer (polls, counts, the clock, the command pipeline) publishes plain frozen dataclasses; whoever
shows them (the Textual app, a test, a future notifier) subscribes. Publishing is synchronous and in the
publisher's event loop, so a subscriber sees events in the order they happened; a subscriber that raises is
a bug in that subscriber and must not stop the others from hearing the event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Subscriber = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Hear every event from now on; returns the function that stops it."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: object) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("an event subscriber failed on %s", type(event).__name__)
