"""One import at a time, across every process of the site.

Two imports at once failed with a raw traceback: DeadlockDetected on PostgreSQL (both
upsert the same customers and products), "database is locked" on SQLite. An import
now holds a lock from its first write to the end of its roll-up refresh; a second
import started meanwhile is refused at once with one sentence (ImportBusyError), and
nothing of it is written. With a wait (the commands' --wait SECONDS) it queues
instead: it polls the lock until the other import has finished, and is refused only
when the wait runs out.

- PostgreSQL: a session-level advisory lock (pg_try_advisory_lock). A killed import's
  session ends, and the server releases its lock.
- SQLite: an exclusive flock on a file beside the database (db.sqlite3.import-lock);
  the operating system releases it when the process ends.

The lock is re-entrant within one process (the seed import runs the orders and
events imports inside its own).
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

# pg_advisory_lock takes a bigint: the first 8 bytes of a hash of the lock's name.
ADVISORY_KEY = int.from_bytes(
    hashlib.sha256(b"ecomanalytics:import").digest()[:8], "big", signed=True
)
BUSY = "Another import is running; nothing was written. Try again when it has finished."
# How often a waiting import tries the lock again: a fraction of any import's length.
POLL_SECONDS = 0.25

_held = threading.local()


class ImportBusyError(Exception):
    """Another process (or thread) holds the import lock."""


def busy_message(waited_seconds: float) -> str:
    if not waited_seconds:
        return BUSY
    return (
        f"Another import was still running after {waited_seconds:g} s of waiting; "
        "nothing was written. Try again when it has finished."
    )


@contextmanager
def import_lock(
    *, wait_seconds: float = 0, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the site's import lock; ImportBusyError when another import holds it.

    wait_seconds: keep trying that long before giving up (0: refuse at once);
    on_wait is called once, when the lock is found taken and the wait begins.
    """
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    connection = connections[DEFAULT_DB_ALIAS]
    lock = _PostgresqlLock() if connection.vendor == "postgresql" else _file_lock()
    _acquire(lock, wait_seconds=wait_seconds, on_wait=on_wait)
    _held.depth = 1
    try:
        yield
    finally:
        _held.depth = 0
        lock.release()


class _Lock:
    def try_acquire(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        """Unlock (after a successful try_acquire) and close."""
        raise NotImplementedError

    def close(self) -> None:
        """Give up without having acquired it."""


def _acquire(
    lock: _Lock, *, wait_seconds: float, on_wait: Callable[[], None] | None
) -> None:
    deadline = time.monotonic() + wait_seconds
    if lock.try_acquire():
        return
    if on_wait is not None and wait_seconds > 0:
        on_wait()
    while time.monotonic() < deadline:
        time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
        if lock.try_acquire():
            return
    lock.close()
    raise ImportBusyError(busy_message(wait_seconds))


class _PostgresqlLock(_Lock):
    """A session-level advisory lock on the default connection."""

    def try_acquire(self) -> bool:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            (acquired,) = cursor.fetchone()
        return bool(acquired)

    def release(self) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])


def _in_memory(name: str) -> bool:
    return not name or name == ":memory:" or "mode=memory" in name


def _file_lock() -> _Lock:
    name = str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
    # Only this process sees an in-memory database (the tests): a thread lock.
    return _ThreadLock() if _in_memory(name) else _FileLock(Path(f"{name}.import-lock"))


class _FileLock(_Lock):
    """An exclusive flock on a file beside the SQLite database."""

    def __init__(self, path: Path) -> None:
        self.handle = path.open("ab")

    def try_acquire(self) -> bool:
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.close()

    def close(self) -> None:
        self.handle.close()


_memory_lock = threading.Lock()


class _ThreadLock(_Lock):
    def try_acquire(self) -> bool:
        return _memory_lock.acquire(blocking=False)

    def release(self) -> None:
        _memory_lock.release()
