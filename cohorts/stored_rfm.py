"""RFM groups stored after each roll-up refresh, so that a request reads a few rows.

As of the data's last day (rfm_groups' default as-of), for no filter and for each
value of each single filter (source, device, country, category of the acquisition),
the statements a request runs on the roll-up path (rollup.rfm_summary and prospects,
rfm_scoring.stats_and_grid) run once and their rows are stored
(cohorts.models.RfmSnapshot): scores rank the customers a filter keeps among
themselves, so each level is scored apart. Each level's customers are stored with
their scores (RfmCustomerScore) for the RFM customer list, and the level's groups
and grid are summed from those rows: one scoring per level. A request with start, with an end before
the last day, or with two filters is computed as before: storing those would take a
snapshot per day or per pair of values.

The snapshot answers while the roll-ups are those it was computed from (their
refreshed_at): during a load's pending refresh it gives what the roll-ups give, and
after the next refresh the requests compute until the new snapshot is stored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q

from ecomanalytics.filters import (
    MetricFilters,
)
from ecomanalytics.money import money
from ecomanalytics.periods import resolve_window
from ecomanalytics.rollups.status import current_refreshed_at

from . import rfm_scoring, rollup
from .models import RfmCustomerScore, RfmGridCount, RfmGroupFigures, RfmSnapshot
from .rfm_scoring import Keyset, RfmSort, StoredLevel
from .rows import PROSPECTS, RfmCell, RfmFigures, RfmGroupStats, RfmScores
from .snapshots import store_levels, stored_level


def computed_figures(filters: MetricFilters, as_of: date) -> RfmFigures:
    """What rfm_groups reads on the roll-up path, computed from the roll-ups."""
    stats, cells = rfm_scoring.stats_and_grid(
        rollup.rfm_summary(filters=filters, as_of=as_of)
    )
    return RfmFigures(
        stats=stats,
        prospects=rollup.prospects(filters=filters, as_of=as_of),
        cells=cells,
    )


def store_rfm() -> RfmSnapshot | None:
    """Score every level as of the data's last day and store it in place of the
    previous snapshot (one transaction: readers see one or the other); None, and
    nothing stored, without orders or roll-ups."""
    return store_levels(RfmSnapshot, _store_level, _as_of_data_end)


def _as_of_data_end() -> dict[str, Any] | None:
    span = resolve_window(None, None)
    return None if span is None else {"as_of": span.end}


def _stored_level(snapshot_id: int, dimension: str, value: str) -> StoredLevel:
    return StoredLevel(
        using=RfmCustomerScore.objects.db,
        table=RfmCustomerScore._meta.db_table,
        snapshot_id=snapshot_id,
        dimension=dimension,
        value=value,
    )


def _store_level(snapshot: RfmSnapshot, dimension: str, value: str) -> None:
    filters = rollup.level_filters(dimension, value)
    scores = _stored_level(snapshot.pk, dimension, value)
    rfm_scoring.store_scores(
        rollup.rfm_summary(filters=filters, as_of=snapshot.as_of), scores
    )
    stats, cells = rfm_scoring.stored_stats_and_grid(scores)
    figures = RfmFigures(
        stats=stats,
        prospects=rollup.prospects(filters=filters, as_of=snapshot.as_of),
        cells=cells,
    )
    level = {"snapshot": snapshot, "dimension": dimension, "value": value}
    RfmGroupFigures.objects.bulk_create(
        [
            RfmGroupFigures(
                **level,
                group=row.group,
                customers=row.customers,
                revenue=row.revenue,
                median_last_day=row.median_last_day,
                median_frequency=row.median_frequency,
                median_monetary=row.median_monetary,
            )
            for row in figures.stats
        ]
        + [
            RfmGroupFigures(
                **level, group=PROSPECTS, customers=figures.prospects, revenue=0
            )
        ]
        * bool(figures.prospects)
    )
    RfmGridCount.objects.bulk_create(
        RfmGridCount(
            **level,
            r_score=cell.r_score,
            fm_score=cell.fm_score,
            customers=cell.customers,
        )
        for cell in figures.cells
    )


def _group_stats(row: RfmGroupFigures) -> RfmGroupStats:
    # A group other than the prospects has customers, hence medians.
    assert row.median_last_day is not None
    assert row.median_frequency is not None
    assert row.median_monetary is not None
    return RfmGroupStats(
        group=row.group,
        customers=row.customers,
        revenue=money(row.revenue),
        median_last_day=row.median_last_day,
        median_frequency=row.median_frequency,
        median_monetary=money(row.median_monetary),
    )


def store_after_refresh(**kwargs: Any) -> None:
    """The receiver of rollups_committed (cohorts.apps)."""
    del kwargs  # since, using, progress: every level is rescored as of the last day
    store_rfm()


def _current_snapshot(as_of: date) -> int | None:
    """The stored snapshot's id if it is as of as_of and of the current roll-ups."""
    return (
        RfmSnapshot.objects.filter(
            as_of=as_of,
            rollups_refreshed_at=current_refreshed_at(),
        )
        .values_list("pk", flat=True)
        .first()
    )


def stored_figures(filters: MetricFilters, as_of: date) -> RfmFigures | None:
    """The stored snapshot's figures of these filters as of as_of; None when none
    applies (start given, two filters, another day, or other roll-ups): three
    queries."""
    level = stored_level(filters)
    snapshot = _current_snapshot(as_of) if level else None
    if level is None or snapshot is None:
        return None
    dimension, value = level
    cells_of = Q(snapshot_id=snapshot, dimension=dimension, value=value)
    stats: list[RfmGroupStats] = []
    prospects = 0
    for row in RfmGroupFigures.objects.filter(cells_of).order_by():
        if row.group == PROSPECTS:
            prospects = row.customers
            continue
        stats.append(_group_stats(row))
    cells = [
        RfmCell(r, fm, customers)
        for r, fm, customers in RfmGridCount.objects.filter(cells_of)
        .order_by()
        .values_list("r_score", "fm_score", "customers")
    ]
    return RfmFigures(stats=stats, prospects=prospects, cells=cells)


def stored_customers(
    filters: MetricFilters,
    as_of: date,
    *,
    group: str | None,
    sort: RfmSort,
    after: Keyset | None,
    limit: int,
) -> list[RfmScores] | None:
    """A page of the level's scored customers from the stored snapshot; None when
    it does not apply (start, two filters, another day, other roll-ups)."""
    level = stored_level(filters)
    snapshot = _current_snapshot(as_of) if level else None
    if level is None or snapshot is None:
        return None
    dimension, value = level
    return rfm_scoring.stored_customers(
        _stored_level(snapshot, dimension, value),
        group=group,
        sort=sort,
        after=after,
        limit=limit,
    )
