"""What the engine knows about its connection to Jira: one immutable record, replaced as polls succeed or fail.

Times come in two kinds on purpose: site time (the Jira clock the app shows, which runs fast in demo drills and
stands still in tests) says *when* ("offline since 12:03"), monotonic time says *how long* (freshness, the next
try), so a fast or frozen site clock never makes data look fresher or older than it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from oncall_tui.jira.errors import InvalidJql, JiraError

# Seconds between tries while Jira fails: quick at first (a blip clears in seconds), then patient (an outage
# must not be hammered by every on-call engineer's client). The last step repeats.
BACKOFF: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0, 30.0, 60.0)


class LinkState(StrEnum):
    CONNECTING = "connecting"  # no poll has succeeded yet, none has failed
    LIVE = "live"  # the last poll got an answer from Jira
    FAILING = "failing"  # Jira (or something in front of it) answers, but badly: 5xx, 429, a login page ...
    OFFLINE = "offline"  # Jira cannot be reached at all (DNS, refused, connect timeout, proxy, TLS)

    @property
    def degraded(self) -> bool:
        return self in (LinkState.FAILING, LinkState.OFFLINE)


@dataclass(frozen=True, slots=True)
class Connection:
    state: LinkState = LinkState.CONNECTING
    # Site time the current state began; failing and offline count as one spell of trouble, so switching
    # between them keeps the time the trouble started.
    since: datetime | None = None
    # The failure that put the connection in its state (None while connecting or live).
    error: JiraError | None = None
    # The last successful poll, in site time (for "data from 12:02") and monotonic seconds (for freshness).
    last_ok_at: datetime | None = None
    last_ok_monotonic: float | None = None
    # When the engine tries again, in monotonic seconds (None while a poll runs or before the first).
    next_try_at: float | None = None
    # Failed polls in a row (0 while live).
    failures: int = 0

    @property
    def degraded(self) -> bool:
        return self.state.degraded


def breaks_connection(error: JiraError) -> bool:
    """Whether a failed poll says something about the connection rather than about the queue: Jira refusing a
    queue's JQL is Jira answering, and polling a broken query faster would not mend it."""
    return not isinstance(error, InvalidJql)


def state_for(error: JiraError) -> LinkState:
    return LinkState.OFFLINE if error.unreachable else LinkState.FAILING


def backoff_delay(failures: int, retry_after: float | None, steps: tuple[float, ...] = BACKOFF) -> float:
    """Seconds before the next try after `failures` failures in a row; never sooner than Jira's Retry-After
    (polling before it only earns another 429; the client caps what it believes)."""
    step = steps[min(max(failures, 1), len(steps)) - 1]
    return max(step, retry_after or 0.0)
