"""Refreshing the metric roll-ups after an import.

The importers write with bulk SQL, which sends no model signals, so the roll-ups'
own refresh-on-save does not run: the importers ask for one refresh, once the import
has committed, from the first local day it touched.
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.db import transaction

from ecomanalytics.periods import local_date


def refresh_rollups_after_commit(since: datetime | None, *, everything: bool) -> None:
    """After commit: refresh built roll-ups from since's local day (all when everything)."""
    if since is None and not everything:
        return
    if not apps.is_installed("ecomanalytics.rollups"):
        return

    def refresh() -> None:
        from ecomanalytics.rollups.models import RollupState
        from ecomanalytics.rollups.refresh import refresh_rollups
        from ecomanalytics.rollups.status import rollups_enabled

        if rollups_enabled() and RollupState.objects.exists():
            refresh_rollups(
                since=None if everything or since is None else local_date(since)
            )

    transaction.on_commit(refresh)
