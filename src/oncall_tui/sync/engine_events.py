"""What the engine publishes on its EventBus: frozen records, no words (the UI translates).

In order, a poll round publishes `Connected` (the session's first answer only), `Arrived` (during the poll,
as the store takes the rows), `ConnectionChanged` (when the connection's state, error or failure count moved),
then `QueuePolled`; the first success and a recovery are followed by a counts round, which ends with
`CountsRefreshed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oncall_tui.domain.people import Person
from oncall_tui.jira.errors import JiraError
from oncall_tui.sync.connection import Connection
from oncall_tui.sync.store import StoreDiff


@dataclass(frozen=True, slots=True)
class Connected:
    """Jira said who we are: the session's first successful request."""

    me: Person


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    """The connection moved (live -> failing, another failure, back to live ...): `previous` is what it was.
    A subscriber that resends queued work listens for `previous.degraded and not connection.degraded`."""

    connection: Connection
    previous: Connection


@dataclass(frozen=True, slots=True)
class QueuePolled:
    """A poll of the active queue ended: `diff` what changed when it succeeded, `error` why not otherwise."""

    queue: str
    diff: StoreDiff | None
    error: JiraError | None


@dataclass(frozen=True, slots=True)
class CountsRefreshed:
    """A round of counts (and of watched-queue polls) ended, well or not: the tabs may say something new."""


@dataclass(frozen=True, slots=True)
class WatchFailed:
    """A watched queue could not be polled: no bell for it until `WatchRecovered`."""

    queue: str
    error: JiraError


@dataclass(frozen=True, slots=True)
class WatchRecovered:
    queue: str


@dataclass(frozen=True, slots=True)
class Arrived:
    """Incidents that entered a loaded queue and are news: not its first fill, not the result of our own write."""

    queue: str
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Tick:
    """The one clock: every second, the site time every countdown is drawn for."""

    now: datetime


@dataclass(frozen=True, slots=True)
class LeadsLoaded:
    """A project's lead and component leads are known now (the contacts pane can show them)."""

    project: str


@dataclass(frozen=True, slots=True)
class EngineFailed:
    """A bug below the UI broke a poll or count round (not a Jira failure): the engine goes on polling."""

    error: Exception
