"""One snapshot of the read replica for a whole metric request.

Outside a transaction each query sees the replica as replayed at that moment. A
request makes several (the data version, the roll-up state, one or more metric
queries), and WAL replay between two of them would give an answer whose parts
describe different data: the current period after a load and the previous one
before it, or a roll-up state that no longer matches the rows read next. A
REPEATABLE READ transaction on the replica makes every query of the request see the
state of its first one; hot standbys allow it (READ ONLY, not SERIALIZABLE).

A snapshot held on a standby can delay the replay of a vacuum that removes rows it
still sees, by at most max_standby_streaming_delay; a request's snapshot lasts as
long as the request.

On the primary alone nothing changes: its queries keep their own transactions, and
the test suite's transactions stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction

from .models import DataVersion

SNAPSHOT_SQL = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"


@contextmanager
def replica_snapshot() -> Iterator[None]:
    """Run the block in one read-only snapshot of the replica, when metrics read one."""
    alias = router.db_for_read(DataVersion)
    connection = connections[alias]
    if (
        alias == DEFAULT_DB_ALIAS
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        yield
        return
    with transaction.atomic(using=alias):
        with connection.cursor() as cursor:
            # The first statement of the transaction, as PostgreSQL requires.
            cursor.execute(SNAPSHOT_SQL)
        yield
