"""Comment drafts, saved as they are typed: a crash, a lost SSH session or a kill loses at most the last moment.

Each change is kept in memory at once and written to the outbox a moment later (debounced, so a fast typist
costs one write per pause, not one per key); `flush` writes whatever is still waiting, synchronously (quit,
SIGTERM, SIGHUP). Drafts are per site and incident and are offered again after a restart.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from oncall_tui.sync.outbox import Outbox

SAVE_DELAY_SECONDS = 0.3


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    public: bool


class DraftBook:
    def __init__(self, outbox: Outbox, site: str, *, delay: float = SAVE_DELAY_SECONDS) -> None:
        self.outbox = outbox
        self.site = site
        self.delay = delay
        self._drafts: dict[str, Draft] = {
            key: Draft(stored.text, stored.public) for key, stored in outbox.drafts(site).items()
        }
        self._dirty: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._saving: asyncio.Future[None] | None = None

    def get(self, key: str) -> Draft | None:
        return self._drafts.get(key)

    def unsent(self) -> list[str]:
        """Keys with a draft that has text, sorted."""
        return sorted(key for key, draft in self._drafts.items() if draft.text.strip())

    def put(self, key: str, text: str, public: bool) -> None:
        """The draft as it stands now (empty text forgets it); written to disk a moment later."""
        draft = Draft(text, public)
        if self._drafts.get(key) == draft:
            return
        if text.strip():
            self._drafts[key] = draft
        else:
            self._drafts.pop(key, None)
        self._dirty.add(key)
        self._schedule()

    def drop(self, key: str) -> None:
        """The draft was sent (its text now lives in a command): forget it, on disk too."""
        self.put(key, "", self._drafts[key].public if key in self._drafts else False)

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._timer = loop.call_later(self.delay, self._save_later)

    def _save_later(self) -> None:
        self._timer = None
        if self._saving is not None and not self._saving.done():
            # One write at a time; what changed meanwhile goes with the next.
            self._schedule()
            return
        batch = self._take_dirty()
        self._saving = asyncio.ensure_future(asyncio.to_thread(self._write, batch))
        self._saving.add_done_callback(lambda f: f.cancelled() or f.exception())

    def _take_dirty(self) -> list[str]:
        batch = sorted(self._dirty)
        self._dirty.clear()
        return batch

    def _write(self, keys: list[str]) -> None:
        for key in keys:
            # The draft as it is at the moment of writing, not when the write was planned: a slow write that
            # ends after a newer one never puts older text back.
            draft = self._drafts.get(key)
            if draft is None:
                self.outbox.save_draft(self.site, key, "", False)
            else:
                self.outbox.save_draft(self.site, key, draft.text, draft.public)

    def flush(self) -> None:
        """Write every change still waiting, now (synchronously: the process may be about to end)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._write(self._take_dirty())

    def __contains__(self, key: object) -> bool:
        return key in self._drafts
