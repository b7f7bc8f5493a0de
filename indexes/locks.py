"""Single-writer locks: one process at a time opens a shard or a vault.

Qdrant Edge keeps one writer per shard, and a second process that opens a live shard does
damage before it fails: it truncates the shard's tracker journal, then dies on the WAL
lock, and every later write of the live process fails. So every shard and every vault is
opened through :func:`hold`, which takes an exclusive ``flock`` on a lock file beside it
*before* anything else touches its files, and writes the holder's pid into it for the
error message. A second process gets :class:`~rag.core.errors.IndexBusy` and has touched
nothing but the lock file.

``flock`` belongs to an open file description: the lock goes when the holder closes it or
dies (kill -9 included), so a crash never leaves a stale lock behind. Within one process,
opening the same shard again after closing it works; holding it twice at once does not
(Qdrant Edge refuses that too), and is reported the same way.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from rag.core.errors import IndexBusy

ADVICE = "use the HTTP API of the running server or stop it"


def lock_path(target: Path) -> Path:
    """The lock file of ``target``: beside it, so it exists before the target does."""
    return target.with_name(f"{target.name}.lock")


class FileLock:
    """An exclusive lock held through one open file; released by :meth:`release`."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Drop the lock (idempotent). The file stays: removing it would let a waiting
        opener lock a file that a third process then replaces."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor releases the flock


def _holder(fd: int) -> str:
    """The pid the holder wrote, as text ("unknown" while it is still writing it)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"


def try_hold(path: Path) -> FileLock | None:
    """The lock file ``path``, locked, or None when another open file holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return FileLock(path, fd)


def hold(path: Path, what: str) -> FileLock:
    """Lock the lock file ``path`` for this process, or raise :class:`IndexBusy` naming the
    holder. ``what`` names what it guards in the message ("the vector shard /d/knowledge/
    shard")."""
    lock = try_hold(path)
    if lock is not None:
        return lock
    holder = _busy_holder(path)
    if holder == str(os.getpid()):
        raise IndexBusy(f"{what} is already open in this process")
    raise IndexBusy(f"{what} is in use by another healthrag process (pid {holder}); {ADVICE}")


def _busy_holder(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return "unknown"
    try:
        return _holder(fd)
    finally:
        os.close(fd)
