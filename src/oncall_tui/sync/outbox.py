"""The durable outbox: every command, and every comment draft, on disk before anything is sent.

SQLite in the user state directory. Not WAL: WAL needs shared memory that NFS home directories (common on jump
hosts) do not give; the rollback journal works everywhere. `synchronous = FULL`: a command reported as recorded
survives a power cut, not only a crash. The file is 0600 in a 0700 directory (comment text can be
confidential), and the schema is versioned with `user_version`.

A store that cannot be used (corrupt, locked by another process for too long, read-only, a full disk) never
stops the app: the outbox says what went wrong once (`problem`) and carries on in memory, and the UI tells the
user that writes are no longer protected against a crash.

Every method is synchronous and thread-safe: the pipeline calls them through `asyncio.to_thread` so an fsync
never stalls the screen. Several oncall-tui processes may share one outbox (two SSH sessions, two jump hosts on
one NFS home): a command belongs to the process that made or resumed it (`owner`), and another process takes
over only the commands of an owner that is gone.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from oncall_tui.domain.codec import CodecError, person_from_data, person_to_data
from oncall_tui.domain.people import Person
from oncall_tui.sync.commands import ACTIVE, STOPPED, Command, CommandFormatError, from_data, to_data

SCHEMA_VERSION = 1
FILE_NAME = "outbox.sqlite3"
# How long a write waits for another process's lock before the outbox gives up on that write.
BUSY_TIMEOUT_MS = 5000
# An owner on another host (which we cannot ask whether it still runs) that has not touched its commands for
# this long is taken to be gone.
FOREIGN_OWNER_TIMEOUT = timedelta(minutes=10)
# Confirmed and dropped commands are kept this long (an audit trail of what this terminal sent), then deleted.
KEEP_FINISHED = timedelta(days=7)


def default_path() -> Path:
    import platformdirs

    return platformdirs.user_state_path("oncall-tui", appauthor=False) / FILE_NAME


class ProblemKind(StrEnum):
    CORRUPT = "corrupt"
    LOCKED = "locked"
    READ_ONLY = "read_only"
    NEWER = "newer"  # written by a newer oncall-tui: not touched
    FAILED = "failed"  # anything else the disk said (full, I/O error)


@dataclass(frozen=True, slots=True)
class OutboxProblem:
    kind: ProblemKind
    path: str
    detail: str


@dataclass(frozen=True, slots=True)
class StoredDraft:
    key: str
    text: str
    public: bool
    changed: datetime


_SCHEMA = """
CREATE TABLE IF NOT EXISTS commands (
    id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    account TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL,
    created TEXT NOT NULL,
    changed TEXT NOT NULL,
    owner TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS commands_by_site ON commands (site, state);
CREATE TABLE IF NOT EXISTS drafts (
    site TEXT NOT NULL,
    key TEXT NOT NULL,
    text TEXT NOT NULL,
    public INTEGER NOT NULL,
    changed TEXT NOT NULL,
    PRIMARY KEY (site, key)
);
CREATE TABLE IF NOT EXISTS identities (
    site TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    changed TEXT NOT NULL
);
"""


def this_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_gone(owner: str, changed: datetime, now: datetime) -> bool:
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname():
        return now - changed >= FOREIGN_OWNER_TIMEOUT
    try:
        pid = int(pid_text)
    except ValueError:
        return True
    if pid == os.getpid():
        return False
    runs = _runs_oncall_tui(pid)
    if runs is not None:
        return not runs
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # A live process of that pid: ours if it still touches its commands, a reused pid if it has not for long.
    return now - changed >= FOREIGN_OWNER_TIMEOUT


def _runs_oncall_tui(pid: int) -> bool | None:
    """Whether process `pid` is a live oncall-tui (None: this system cannot tell, no /proc). A zombie (killed,
    not yet reaped by its parent: after a dropped SSH session, sshd's child) is not alive, and a pid reused by
    another program is not ours."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    try:
        stat = (proc / str(pid) / "stat").read_text()
        cmdline = (proc / str(pid) / "cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return None
    # "pid (comm) S ...": the state follows the last ")" (comm may hold anything).
    state = stat.rpartition(")")[2].split()[:1]
    if state in (["Z"], ["X"]):
        return False
    return b"oncall" in cmdline


class Outbox:
    """Commands and drafts on disk (or, when the disk cannot be used, in memory: `durable` is then False)."""

    def __init__(self, path: Path | None, *, owner: str | None = None) -> None:
        self.path = path
        self.owner = owner or this_owner()
        self.problem: OutboxProblem | None = None
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        # In memory only when the disk cannot be used: drafts still survive closing the dialog.
        self._drafts: dict[tuple[str, str], StoredDraft] = {}
        if path is not None:
            self._open(path)

    @classmethod
    def in_memory(cls) -> Outbox:
        """An outbox that keeps nothing on disk, on purpose (the demo, whose site dies with the process)."""
        return cls(None)

    @property
    def durable(self) -> bool:
        return self._db is not None

    # ---- opening ----------------------------------------------------------------------------------------------

    def _open(self, path: Path) -> None:
        try:
            _private_dir(path.parent)
            fresh = not path.exists()
            # Created 0600 before SQLite opens it: never a moment in which it is readable by others.
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            if not fresh and path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None)
        except OSError as exc:
            self._fail(ProblemKind.READ_ONLY if _read_only(exc) else ProblemKind.FAILED, str(exc), path)
            return
        except sqlite3.Error as exc:
            self._fail(_kind(exc), str(exc), path)
            return
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = db.execute("PRAGMA journal_mode = DELETE").fetchone()
            if mode is None:
                raise sqlite3.DatabaseError("journal mode not accepted")
            db.execute("PRAGMA synchronous = FULL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                db.close()
                self._fail(ProblemKind.NEWER, f"schema version {version}", path)
                return
            if version < SCHEMA_VERSION:
                with _transaction(db):
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            # A quick look at every page: a damaged file is found now, not halfway through a send.
            check = db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
        except sqlite3.Error as exc:
            db.close()
            self._fail(_kind(exc), str(exc), path)
            return
        self._db = db
        self._housekeep()

    def _fail(self, kind: ProblemKind, detail: str, path: Path | None = None) -> None:
        """Carry on in memory and remember why (the first problem is the one reported)."""
        if self.problem is None:
            self.problem = OutboxProblem(kind, str(path or self.path or ""), detail)
        if self._db is not None:
            with suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    @contextmanager
    def _using(self) -> Iterator[sqlite3.Connection | None]:
        """The connection under the lock, in one transaction; None when there is none. A failure disables the
        outbox (the body's remaining statements are skipped; callers read `durable` afterwards)."""
        with self._lock:
            db = self._db
            if db is None:
                yield None
                return
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                self._fail(_kind(exc), str(exc))
                yield None
                return
            try:
                yield db
            except sqlite3.Error as exc:
                with suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                self._fail(_kind(exc), str(exc))
                return
            except BaseException:
                with suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
            try:
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._fail(_kind(exc), str(exc))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # ---- commands ---------------------------------------------------------------------------------------------

    def record(self, site: str, account: str, command: Command) -> bool:
        """Write (or overwrite) the command; True when it is on disk."""
        now = _stamp()
        data = json.dumps(to_data(command), ensure_ascii=False, separators=(",", ":"))
        with self._using() as db:
            if db is None:
                return False
            db.execute(
                "INSERT INTO commands (id, site, account, key, state, data, created, changed, owner)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET state = excluded.state, data = excluded.data,"
                " changed = excluded.changed, owner = excluded.owner, account = excluded.account",
                (command.id, site, account, command.key, command.state.value, data, now, now, self.owner),
            )
        # Not inside the block: a failing COMMIT disables the outbox after the body has run.
        return self.durable

    def claim(self, site: str, account: str) -> list[Command]:
        """The commands of `site` still to be carried out or decided (ACTIVE and STOPPED ones) whose owner is
        this process or gone, made this process's; oldest first. `account` "" matches any, and commands
        recorded before the user was known (account "") go to whoever connects to the site."""
        states = {s.value for s in ACTIVE | STOPPED}
        out: list[Command] = []
        now = datetime.now(UTC)
        with self._using() as db:
            if db is None:
                return []
            rows = db.execute(
                "SELECT id, account, state, data, changed, owner FROM commands WHERE site = ? ORDER BY created, rowid",
                (site,),
            ).fetchall()
            for command_id, row_account, state, data, changed, owner in rows:
                if state not in states:
                    continue
                if account and row_account not in ("", account):
                    continue
                if owner != self.owner and not _owner_gone(owner, _parse_stamp(changed), now):
                    continue
                try:
                    command = from_data(json.loads(data))
                except (CommandFormatError, ValueError, RecursionError):
                    continue  # another version's record, or damage: left as it is, never sent
                db.execute(
                    "UPDATE commands SET owner = ?, changed = ? WHERE id = ?", (self.owner, _stamp(), command_id)
                )
                out.append(command)
        return out

    def _housekeep(self) -> None:
        cutoff = (datetime.now(UTC) - KEEP_FINISHED).isoformat()
        with self._using() as db:
            if db is not None:
                db.execute("DELETE FROM commands WHERE state IN ('confirmed', 'dropped') AND changed < ?", (cutoff,))

    # ---- drafts -----------------------------------------------------------------------------------------------

    def save_draft(self, site: str, key: str, text: str, public: bool) -> bool:
        """Keep (or, for empty text, forget) the comment draft on `key`; True when it is on disk."""
        now = datetime.now(UTC)
        if text.strip():
            self._drafts[(site, key)] = StoredDraft(key, text, public, now)
        else:
            self._drafts.pop((site, key), None)
        with self._using() as db:
            if db is None:
                return False
            if text.strip():
                db.execute(
                    "INSERT INTO drafts (site, key, text, public, changed) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (site, key) DO UPDATE SET text = excluded.text, public = excluded.public,"
                    " changed = excluded.changed",
                    (site, key, text, int(public), now.isoformat()),
                )
            else:
                db.execute("DELETE FROM drafts WHERE site = ? AND key = ?", (site, key))
        return self.durable

    def drafts(self, site: str) -> dict[str, StoredDraft]:
        found = {key: draft for (s, key), draft in self._drafts.items() if s == site}
        with self._using() as db:
            if db is not None:
                for key, text, public, changed in db.execute(
                    "SELECT key, text, public, changed FROM drafts WHERE site = ?", (site,)
                ):
                    found.setdefault(key, StoredDraft(key, text, bool(public), _parse_stamp(changed)))
        return found

    # ---- who the user is, for a start without Jira --------------------------------------------------------------

    def remember_me(self, site: str, person: Person) -> None:
        with self._using() as db:
            if db is not None:
                db.execute(
                    "INSERT INTO identities (site, person, changed) VALUES (?, ?, ?)"
                    " ON CONFLICT (site) DO UPDATE SET person = excluded.person, changed = excluded.changed",
                    (site, json.dumps(person_to_data(person)), _stamp()),
                )

    def last_me(self, site: str) -> Person | None:
        with self._using() as db:
            if db is None:
                return None
            row = db.execute("SELECT person FROM identities WHERE site = ?", (site,)).fetchone()
        if row is None:
            return None
        try:
            return person_from_data(json.loads(row[0]))
        except (ValueError, RecursionError, CodecError):
            return None


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _private_dir(directory: Path) -> None:
    from oncall_tui.private_files import make_private_dirs

    make_private_dirs(directory)
    # The app's own directory, made earlier by hand or by an older version with the umask's mode: ours to tighten.
    if directory.stat().st_mode & 0o077 and directory.stat().st_uid == os.getuid():
        os.chmod(directory, 0o700)


def _read_only(exc: OSError) -> bool:
    import errno

    return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST)


def _kind(exc: sqlite3.Error) -> ProblemKind:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return ProblemKind.LOCKED
    if "readonly" in text or "read-only" in text or "attempt to write" in text:
        return ProblemKind.READ_ONLY
    damaged = ("not a database", "malformed", "quick_check", "file is not")
    if isinstance(exc, sqlite3.DatabaseError) and any(word in text for word in damaged):
        return ProblemKind.CORRUPT
    return ProblemKind.FAILED


def _stamp() -> str:
    return datetime.now(UTC).isoformat()


def _parse_stamp(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)
