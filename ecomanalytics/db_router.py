"""Read-replica routing: the shop's data is read from the analytics database when one exists.

settings.py installs AnalyticsReplicaRouter only when ANALYTICS_DATABASE_URL is set; it
then defines DATABASES["analytics"], a read replica of the primary (streaming replication
on PostgreSQL). Metric queries read the shop's tables there, so long aggregations do not
compete with imports and admin writes on the primary. Everything else stays on "default":
writes, migrations, and the reads of auth, sessions and tokens, which must see the login
that was just written (a replica may lag by a few hundred milliseconds).

The data version and the roll-up state are read on the replica too, beside the rows
they describe. A metric response is cached under the data version it read; read on
the primary, that version could be ahead of a replica that has not replayed the load
yet, and the replica's old numbers would be cached under the new version until it
expired. Read on the replica, the version is never newer than the rows an answer is
computed from, and a load shows once the replica has replayed it. A metric request
reads all of them in one snapshot of the replica (ops/read_snapshot.py), so a replay
in the middle of a request cannot mix old and new numbers in one answer.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

ANALYTICS_DB_ALIAS = "analytics"

# Apps whose tables the metrics read: the raw shop data and the metric apps' roll-ups.
SHOP_DATA_APPS = frozenset({"store", "kpi", "cohorts", "demand", "rollups"})
# Read where the shop's data is read, for the reason in the module docstring:
# (app label, model name). Not Options.label_lower: the database cache routes a
# stand-in model whose _meta has no label.
READ_WITH_SHOP_DATA = frozenset({("ops", "dataversion")})


class AnalyticsReplicaRouter:
    """Shop-data reads go to the replica; writes and everything else go to the primary.

    Two cases read the shop's data from the primary all the same, because they need to
    see their own writes, which the replica may not have received yet:
    - inside a transaction on the primary (imports, the generator, admin saves all run
      in transaction.atomic());
    - following a relation from an object that was loaded from the primary.
    """

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        meta = model._meta
        if (
            meta.app_label not in SHOP_DATA_APPS
            and (meta.app_label, meta.model_name) not in READ_WITH_SHOP_DATA
        ):
            return DEFAULT_DB_ALIAS
        if ANALYTICS_DB_ALIAS not in settings.DATABASES:
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db == DEFAULT_DB_ALIAS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return ANALYTICS_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Both aliases hold the same rows: a relation across them is a relation.
        return True

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        # The replica receives the schema through replication, never through migrate.
        return db == DEFAULT_DB_ALIAS
