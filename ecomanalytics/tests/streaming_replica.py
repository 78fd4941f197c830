"""The test run's streaming standby as the "analytics" database, for the replica tests.

`WITH_STANDBY=1 bin/with-postgres` (as `make test-postgres` runs it) starts, beside
the throwaway primary, a `pg_basebackup -R` copy of it as a hot standby and exports
STANDBY_DATABASE_URL. Physical replication copies the whole cluster, the test
databases of every pytest-xdist worker included, so the "analytics" alias pointed at
the standby's socket with the test database's name is a real replica of "default".

Pausing WAL replay (pg_wal_replay_pause) holds the standby at a point in the past:
the tests make the replica lag on purpose instead of hoping for it. A pause is for
the whole standby, so the replica tests of different workers take turns (a file
lock), and each waits for the replay of what the previous test left (its flush).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import environ
import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from ecomanalytics.db_router import ANALYTICS_DB_ALIAS

STANDBY_URL_VARIABLE = "STANDBY_DATABASE_URL"
REPLAY_SECONDS = 30.0
POLL_SECONDS = 0.002


def standby_url() -> str:
    """STANDBY_DATABASE_URL, or a skip saying why there is no standby."""
    url = os.environ.get(STANDBY_URL_VARIABLE, "")
    if url:
        return url
    if not _has_binary("pg_basebackup"):
        pytest.skip(
            "no streaming standby: the PostgreSQL binaries (pg_basebackup) are missing"
        )
    pytest.skip(
        "no streaming standby: run under `WITH_STANDBY=1 bin/with-postgres` "
        "(`make test-postgres` does)"
    )


def _has_binary(name: str) -> bool:
    return shutil.which(name) is not None or any(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}")
    )


@dataclass(frozen=True, slots=True)
class StreamingReplica:
    """The standby behind the "analytics" alias, and the primary it follows."""

    host: str

    def primary_position(self) -> str:
        """Where the primary's WAL ends now (an LSN), every commit so far included.

        The test run's primary commits asynchronously (synchronous_commit=off), and a
        standby is sent flushed WAL only. A synchronous commit of a transaction that
        wrote WAL (here a logical-decoding message, which changes no table) flushes
        the WAL of every commit before it.
        """
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            _one(
                DEFAULT_DB_ALIAS, "SELECT set_config('synchronous_commit', 'on', true)"
            )
            _one(
                DEFAULT_DB_ALIAS,
                "SELECT pg_logical_emit_message(true, 'replica-tests', '')::text",
            )
        return _one(DEFAULT_DB_ALIAS, "SELECT pg_current_wal_flush_lsn()::text")

    def wait_for_replay(self, position: str | None = None) -> float:
        """Seconds until the standby has replayed the primary's WAL up to `position`
        (by default: where it ends now)."""
        target = position or self.primary_position()
        started = time.perf_counter()
        deadline = started + REPLAY_SECONDS
        while not _one(
            ANALYTICS_DB_ALIAS, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", target
        ):
            if time.perf_counter() > deadline:
                raise AssertionError(f"the standby did not replay {target} in time")
            time.sleep(POLL_SECONDS)
        return time.perf_counter() - started

    @contextmanager
    def replay_paused(self) -> Iterator[None]:
        """Hold the standby where it is now: what the primary writes in the block
        reaches it (streamed) but is applied only after the block."""
        self.wait_for_replay()
        _one(ANALYTICS_DB_ALIAS, "SELECT pg_wal_replay_pause()::text")
        try:
            yield
        finally:
            _one(ANALYTICS_DB_ALIAS, "SELECT pg_wal_replay_resume()::text")


def _one(alias: str, sql: str, *parameters: str) -> Any:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.fetchone()[0]


@contextmanager
def replica_of_the_test_database() -> Iterator[StreamingReplica]:
    """Point "analytics" (a test mirror of "default") at the standby, for one test.

    The test must commit for the standby to see anything: mark it
    django_db(transaction=True, databases=["default", "analytics"]). As a mirror the
    alias is left out of the flush after the test, which a standby would refuse.
    """
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        pytest.skip("a streaming replica needs PostgreSQL: run `make test-postgres`")
    host = environ.Env.db_url_config(standby_url())["OPTIONS"]["host"]
    replica = connections[ANALYTICS_DB_ALIAS]
    mirrored = replica.settings_dict
    with _turn(Path(host)):
        replica.close()
        primary = connections[DEFAULT_DB_ALIAS].settings_dict
        # The same test database, on the standby's socket (given as ?host=).
        replica.settings_dict = {
            **primary,
            "HOST": "",
            "OPTIONS": {**primary["OPTIONS"], "host": host},
        }
        try:
            streaming = StreamingReplica(host)
            streaming.wait_for_replay()
            yield streaming
        finally:
            replica.close()
            replica.settings_dict = mirrored


@contextmanager
def _turn(standby_socket_directory: Path) -> Iterator[None]:
    """One replica test at a time across the test run's processes."""
    with open(standby_socket_directory.parent / "replica-tests.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
