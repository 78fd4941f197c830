"""Snapshots a refresh stores per level (cohorts.stored_rfm, stored_ltv): no filter
and each single value of source, device, country and category of the acquisition,
one snapshot at a time, answering for the roll-ups it was computed from."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from ecomanalytics.filters import DIMENSION_FILTERS, MetricFilters, given
from ecomanalytics.rollups.dimensions import single_filter
from ecomanalytics.rollups.models import RollupState

from . import rollup
from .models import LevelSnapshot

WHOLE_SHOP = ("", "")  # the (dimension, value) of no filter
Snapshot = TypeVar("Snapshot", bound=LevelSnapshot)


def levels() -> list[tuple[str, str]]:
    """(dimension, value) of no filter and of every single filter value."""
    return [WHOLE_SHOP] + [
        (name, value)
        for name in DIMENSION_FILTERS
        for value in rollup.acquisition_values(name)
    ]


def replace_snapshot(
    model: type[Snapshot],
    store_level: Callable[[Snapshot, str, str], None],
    *,
    rollups_refreshed_at: Any,
    started: float,
    **fields: Any,
) -> Snapshot:
    """In the caller's transaction: the previous snapshot deleted, a new one of
    these roll-ups with every level stored, its count and seconds (from
    `started`, a perf_counter reading) recorded."""
    model._default_manager.all().delete()
    snapshot = model._default_manager.create(
        computed_at=timezone.now(),
        rollups_refreshed_at=rollups_refreshed_at,
        levels=0,
        seconds=0.0,
        **fields,
    )
    stored = levels()
    for dimension, value in stored:
        store_level(snapshot, dimension, value)
    snapshot.levels = len(stored)
    snapshot.seconds = time.perf_counter() - started
    snapshot.save(update_fields=["levels", "seconds"])
    return snapshot


def store_levels(
    model: type[Snapshot],
    store_level: Callable[[Snapshot, str, str], None],
    fields: Callable[[], dict[str, Any] | None] = dict,
) -> Snapshot | None:
    """Store every level in place of the previous snapshot, in one transaction
    (readers see one or the other); None, and nothing stored, without roll-ups or
    when `fields` (the snapshot's own fields, read in the transaction) gives None."""
    started = time.perf_counter()
    with transaction.atomic():
        # Read in the transaction, so on the primary the refresh has just written
        # (with a read replica, outside it these would read the replica).
        state = RollupState.objects.first()
        own_fields = fields()
        if state is None or own_fields is None:
            return None
        return replace_snapshot(
            model,
            store_level,
            rollups_refreshed_at=state.refreshed_at,
            started=started,
            **own_fields,
        )


def stored_level(filters: MetricFilters) -> tuple[str, str] | None:
    """The (dimension, value) a snapshot holds for these filters; None with start or
    two filters or more, which no level holds."""
    if filters.start is not None or not single_filter(filters):
        return None
    return next(iter(given(filters).items()), WHOLE_SHOP)
