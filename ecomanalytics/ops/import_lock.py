"""One import at a time, across every process of the site.

Two imports at once failed with a raw traceback: DeadlockDetected on PostgreSQL (both
upsert the same customers and products), "database is locked" on SQLite. An import
now holds a lock from its first write to the end of its roll-up refresh; a second
import started meanwhile is refused at once with one sentence (ImportBusyError), and
nothing of it is written.

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

# pg_advisory_lock takes a bigint: the first 8 bytes of a hash of the lock's name.
ADVISORY_KEY = int.from_bytes(
    hashlib.sha256(b"ecomanalytics:import").digest()[:8], "big", signed=True
)
BUSY = "Another import is running; nothing was written. Try again when it has finished."

_held = threading.local()


class ImportBusyError(Exception):
    """Another process (or thread) holds the import lock."""


@contextmanager
def import_lock() -> Iterator[None]:
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    connection = connections[DEFAULT_DB_ALIAS]
    acquire = _postgresql_lock if connection.vendor == "postgresql" else _file_lock
    with acquire():
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


@contextmanager
def _postgresql_lock() -> Iterator[None]:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise ImportBusyError(BUSY)
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])


def _in_memory(name: str) -> bool:
    return not name or name == ":memory:" or "mode=memory" in name


@contextmanager
def _file_lock() -> Iterator[None]:
    name = str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
    if _in_memory(name):
        # Only this process sees an in-memory database (the tests): a thread lock.
        with _thread_lock():
            yield
        return
    with Path(f"{name}.import-lock").open("ab") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ImportBusyError(BUSY) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_memory_lock = threading.Lock()


@contextmanager
def _thread_lock() -> Iterator[None]:
    if not _memory_lock.acquire(blocking=False):
        raise ImportBusyError(BUSY)
    try:
        yield
    finally:
        _memory_lock.release()
