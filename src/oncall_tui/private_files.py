"""Files only the user may read, written so that a crash leaves either the old file or the new one.

Shared by the config (which may hold a token) and the caches under `sync/` (which hold incident text):
directories made 0700, files 0600 from their first byte, written to a temporary file in the same directory,
flushed to disk, renamed over the target, and the rename made durable by syncing the directory. No
dependencies, so every layer may use it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["fsync_dir", "make_private_dirs", "open_private_temp", "write_private_atomic"]

Replace = Callable[[Path, Path], None]


def make_private_dirs(directory: Path) -> None:
    """Create `directory` and any missing parents 0700; directories that exist are left as they are."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(d, 0o700)
            os.chmod(d, 0o700)  # mkdir's mode is filtered by the umask


def open_private_temp(target: Path) -> tuple[int, Path]:
    """A new, empty, 0600 file beside `target` (same directory, so the rename is atomic), opened for writing."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            # 0600 from the first byte: the content is private (a token, incident text).
            fd = os.open(tmp, flags, 0o600)
        except FileExistsError:
            continue
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        return fd, tmp


def fsync_dir(directory: Path) -> None:
    # Makes the rename durable on POSIX; directories cannot be opened this way on Windows.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_private_atomic(target: Path, payload: bytes, *, replace: Replace | None = None) -> None:
    """Write `payload` to `target` atomically, the file 0600, missing directories 0700; raises OSError.

    `replace` is the rename step (tests pass one that fails, to show a crash there leaves the old file)."""
    make_private_dirs(target.parent)
    fd, tmp = open_private_temp(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        # Looked up at call time, so a test's spy on os.replace still sees the rename.
        (replace or os.replace)(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)
