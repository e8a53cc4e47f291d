"""The last-known state of each queue, on disk, so a restart shows the rows at once (marked "as of HH:MM")
instead of an empty table until Jira answers.

One file per site, queue and JQL (a queue whose JQL changed must not show its old members), named by a hash of
the three: the name says nothing about them. The file is a header line with the format version, then zlib'd
compact JSON (a 10,000-incident queue is ~11 MB of JSON and ~1 MB on disk). It is written atomically and
privately (`private_files`). The cache is a convenience: a damaged, foreign or unreadable file is ignored and a
failing disk never stops the app. Either is reported as a `CacheProblem` value (an English message id and its
parameters, for the UI to translate), kept in `problem` and published on the event bus if one is given.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from oncall_tui.domain.codec import CodecError, incident_from_data, incident_to_data
from oncall_tui.domain.incident import Incident
from oncall_tui.private_files import Replace, write_private_atomic
from oncall_tui.sync.events import EventBus

__all__ = [
    "FORMAT_VERSION",
    "CacheProblem",
    "ProblemKind",
    "Snapshot",
    "SnapshotCache",
    "default_snapshot_dir",
    "site_key",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_MAGIC = b"oncall-tui snapshot "
# A queue of 10,000 incidents is ~11 MB of JSON: a file claiming far more is not ours (or a zlib bomb).
_MAX_JSON_BYTES = 512 * 1024 * 1024
_SUFFIX = ".snapshot"


def default_snapshot_dir() -> Path:
    # appauthor=False: on Windows, avoid the doubled "oncall-tui\oncall-tui" directory (as config.py does).
    return platformdirs.user_cache_path("oncall-tui", appauthor=False) / "snapshots"


def site_key(url: str) -> str:
    """The site as scheme://host[:port]/path: no user info, query or fragment, which may carry a token."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # IPv6
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"


class ProblemKind(StrEnum):
    DAMAGED = "damaged"  # cut short, not zlib, not JSON, wrong shapes or types
    VERSION = "version"  # written by another version of the format
    FOREIGN = "foreign"  # a valid file for another site, queue or JQL (a copied file)
    UNREADABLE = "unreadable"  # the operating system refused to read it
    UNWRITABLE = "unwritable"  # saving failed (read-only, full disk, a file where the directory should be)


# English message ids (translated in oncall_tui.i18n.catalog_cache); {queue} is the queue's name.
MESSAGES: dict[ProblemKind, str] = {
    ProblemKind.DAMAGED: "The saved copy of {queue} is damaged and was ignored.",
    ProblemKind.VERSION: "The saved copy of {queue} is from another version and was ignored.",
    ProblemKind.FOREIGN: "The saved copy of {queue} belongs to another queue and was ignored.",
    ProblemKind.UNREADABLE: "The saved copy of {queue} could not be read and was ignored: {error}",
    ProblemKind.UNWRITABLE: "Queues cannot be saved for the next start ({error}); saving is off until it works.",
}


@dataclass(frozen=True, slots=True)
class CacheProblem:
    """Something the user should know about the cache; `message` is an English id with `params` for it."""

    kind: ProblemKind
    queue: str
    path: Path
    # Technical detail for logs and `doctor` (the codec's or the OS's words); not part of the message.
    detail: str = ""
    error: str = ""

    @property
    def message(self) -> str:
        return MESSAGES[self.kind]

    @property
    def params(self) -> dict[str, str]:
        """The message's parameters, exactly those its placeholders name."""
        values = {"queue": self.queue, "error": self.error}
        return {name: value for name, value in values.items() if "{" + name + "}" in self.message}


@dataclass(frozen=True, slots=True)
class Snapshot:
    queue: str
    taken_at: datetime
    incidents: tuple[Incident, ...]


class _Ignored(Exception):
    def __init__(self, kind: ProblemKind, detail: str, error: str = "") -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.error = error


class SnapshotCache:
    """`save` after each successful poll, `load` before the first; neither raises for the disk or the content."""

    def __init__(
        self,
        directory: Path | None,
        site: str,
        *,
        events: EventBus | None = None,
        replace: Replace | None = None,
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_snapshot_dir()
        self.site = site_key(site)
        self.events = events
        self.problem: CacheProblem | None = None
        self._replace = replace
        self._save_failing = False

    def path(self, queue: str, jql: str) -> Path:
        key = json.dumps([self.site, queue, jql], ensure_ascii=False).encode("utf-8", "surrogatepass")
        return self.directory / (hashlib.sha256(key).hexdigest()[:40] + _SUFFIX)

    # ---- saving ------------------------------------------------------------------------------------------------

    def save(self, queue: str, jql: str, incidents: Iterable[Incident], taken_at: datetime) -> bool:
        """Write the queue's members as of `taken_at`; False (and one report per failing stretch) on failure."""
        if taken_at.tzinfo is None:
            raise ValueError("taken_at must be timezone-aware")  # a caller's bug, not the disk's
        path = self.path(queue, jql)
        collecting = gc.isenabled()
        gc.disable()  # as in load: encoding makes many objects that are all garbage right after
        try:
            payload = self._encode(queue, jql, incidents, taken_at)
        except ValueError as exc:
            return self._save_failed(queue, path, exc)
        finally:
            if collecting:
                gc.enable()
        try:
            write_private_atomic(path, payload, replace=self._replace)
        except OSError as exc:
            return self._save_failed(queue, path, exc)
        self._save_failing = False
        return True

    def _save_failed(self, queue: str, path: Path, exc: Exception) -> bool:
        error = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        # Every poll saves: a full disk must be said once, not every 15 seconds.
        if not self._save_failing:
            self._save_failing = True
            self._report(CacheProblem(ProblemKind.UNWRITABLE, queue, path, detail=str(exc), error=error))
        return False

    def _encode(self, queue: str, jql: str, incidents: Iterable[Incident], taken_at: datetime) -> bytes:
        head = {"site": self.site, "queue": queue, "jql": jql, "taken_at": taken_at.isoformat()}
        # The same compact JSON document as one `json.dumps` of it would be, but fed to the compressor one
        # incident at a time: the whole document as dicts and then as text is ~60 MB for 10,000 incidents, on
        # top of a full store and table (it set the peak RSS of a first load).
        packer = zlib.compressobj(1)  # level 1: a tenth of the size for a few tens of ms; higher gains little
        out = [_MAGIC + str(FORMAT_VERSION).encode() + b"\n", packer.compress(_dumps(head)[:-1] + b',"incidents":[')]
        for index, incident in enumerate(incidents):
            out.append(packer.compress((b"," if index else b"") + _dumps(incident_to_data(incident))))
        out.append(packer.compress(b"]}"))
        out.append(packer.flush())
        return b"".join(out)

    # ---- loading -----------------------------------------------------------------------------------------------

    def load(self, queue: str, jql: str) -> Snapshot | None:
        """The queue as last saved, or None: never saved (silently), or ignored (and `problem` says why)."""
        path = self.path(queue, jql)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._report(
                CacheProblem(ProblemKind.UNREADABLE, queue, path, detail=str(exc), error=exc.strerror or str(exc))
            )
            return None
        # Decoding makes ~40 objects per incident and keeps them all: the cyclic collector would walk the
        # growing heap again and again for nothing (it made loading 10,000 incidents ~40 % slower).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._decode(raw, queue, jql)
        except _Ignored as ignored:
            self._report(CacheProblem(ignored.kind, queue, path, detail=ignored.detail))
            return None
        finally:
            if collecting:
                gc.enable()

    def _decode(self, raw: bytes, queue: str, jql: str) -> Snapshot:
        header, newline, body = raw.partition(b"\n")
        if not newline or not header.startswith(_MAGIC):
            raise _Ignored(ProblemKind.DAMAGED, "no snapshot header")
        version = header[len(_MAGIC) :]
        if version != str(FORMAT_VERSION).encode():
            raise _Ignored(ProblemKind.VERSION, f"format version {version[:20]!r}, expected {FORMAT_VERSION}")
        document = _inflate_json(body)
        if not isinstance(document, dict):
            raise _Ignored(ProblemKind.DAMAGED, "the document is not an object")
        if (document.get("site"), document.get("queue"), document.get("jql")) != (self.site, queue, jql):
            raise _Ignored(ProblemKind.FOREIGN, "site, queue or JQL differ from the file's")
        try:
            taken_at = _taken_at(document.get("taken_at"))
            items = document.get("incidents")
            if not isinstance(items, list):
                raise CodecError("incidents", "expected a list")
            incidents = tuple(incident_from_data(item, f"incidents[{i}]") for i, item in enumerate(items))
        except CodecError as exc:
            raise _Ignored(ProblemKind.DAMAGED, str(exc)) from None
        return Snapshot(queue=queue, taken_at=taken_at, incidents=incidents)

    def _report(self, problem: CacheProblem) -> None:
        log.warning("snapshot cache: %s (%s): %s", problem.kind.value, problem.path.name, problem.detail)
        self.problem = problem
        if self.events is not None:
            self.events.publish(problem)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _inflate_json(body: bytes) -> Any:
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(body, _MAX_JSON_BYTES)
    except zlib.error as exc:
        raise _Ignored(ProblemKind.DAMAGED, f"not zlib data: {exc}") from None
    if inflater.unconsumed_tail:
        raise _Ignored(ProblemKind.DAMAGED, "larger than any queue")
    if not inflater.eof:
        raise _Ignored(ProblemKind.DAMAGED, "cut short")
    if inflater.unused_data:
        raise _Ignored(ProblemKind.DAMAGED, "data after the end")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise _Ignored(ProblemKind.DAMAGED, f"not JSON: {exc}") from None


def _taken_at(value: object) -> datetime:
    if not isinstance(value, str):
        raise CodecError("taken_at", "expected a string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CodecError("taken_at", "expected an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise CodecError("taken_at", "the date and time has no offset")
    return parsed
