"""Project leads and component leads for the contacts pane: read once per project, retried after a pause.

The pane asks for a project's leads every time it draws an incident of it; this cache turns that into one
request per project, however many rows are scrolled past while it is under way, and remembers a failed
look-up only to wait before asking again (not at every row).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from oncall_tui.domain.people import Person
from oncall_tui.jira.errors import JiraError

# A project whose leads could not be read is asked again after this long.
LEADS_RETRY_SECONDS = 60.0

Leads = tuple[Person | None, dict[str, Person]]


class ProjectLeads:
    def __init__(
        self,
        client: Callable[[], Any],
        *,
        monotonic: Callable[[], float],
        loaded: Callable[[str], None],
        spawn: Callable[[Any], asyncio.Task[None]],
        retry_seconds: float = LEADS_RETRY_SECONDS,
    ) -> None:
        self._client = client
        self._monotonic = monotonic
        self._loaded = loaded
        self._spawn = spawn
        self.retry_seconds = retry_seconds
        self.known: dict[str, Leads] = {}
        self.failed_at: dict[str, float] = {}
        self._loading: set[str] = set()

    def get(self, project: str) -> Leads | None:
        """The project's leads if known; starts (or, after a failure, later retries) the look-up otherwise."""
        cached = self.known.get(project)
        if cached is not None:
            return cached
        failed_at = self.failed_at.get(project)
        if project not in self._loading and (failed_at is None or self._monotonic() - failed_at >= self.retry_seconds):
            self._loading.add(project)
            self._spawn(self._load(project))
        return None

    async def _load(self, project: str) -> None:
        try:
            info = await self._client().project(project)
        except JiraError:
            self.failed_at[project] = self._monotonic()
            return
        finally:
            self._loading.discard(project)
        self.failed_at.pop(project, None)
        self.known[project] = (info.lead, {c.name: c.lead for c in info.components if c.lead is not None})
        self._loaded(project)
