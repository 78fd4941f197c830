"""Telling the roll-ups about an import, once it has committed.

The importers write with bulk SQL, which sends no model signals, so the roll-ups'
own refresh-on-save does not run: the importers send store.loads.rows_loaded once
the import has committed, from the first local day it touched.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from ..loads import rows_loaded


def refresh_rollups_after_commit(since: datetime | None, *, everything: bool) -> None:
    """After commit: announce the load from since's local day (all when everything)."""
    if since is None and not everything:
        return

    def announce() -> None:
        rows_loaded.send(
            sender=refresh_rollups_after_commit,
            using="default",
            since=None if everything else since,
            build=False,
        )

    transaction.on_commit(announce)
