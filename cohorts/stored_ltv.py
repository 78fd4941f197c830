"""Lifetime value's inputs stored after each roll-up refresh, read in a few rows.

For no filter and each value of each single filter (source, device, country,
category of the acquisition), the statements a lifetime-value request runs on the
roll-up path (rollup.cohort_sizes and cohort_month_sales) run once and their rows
are stored (cohorts.models.CohortSalesSnapshot): the request sums CustomerDay rows
per cohort and month, 200 ms at 100k orders, and the rows it gives are few. A
request with start or end, or with two filters, is computed as before.

The snapshot answers while the roll-ups are those it was computed from, as the RFM
snapshot (cohorts.stored_rfm): during a pending refresh it gives what the roll-ups
give, and after the next refresh requests compute until it is stored again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections

from ecomanalytics.filters import MetricFilters
from ecomanalytics.money import SALES_TERMS, measure_expression, money
from ecomanalytics.periods import cursor_date
from ecomanalytics.rollups.status import current_refreshed_at

from . import rollup
from .models import CohortSalesCell, CohortSalesSnapshot
from .snapshots import store_levels, stored_level


def store_cohort_sales() -> CohortSalesSnapshot | None:
    """Store every level's cohort sizes and monthly sales in place of the previous
    snapshot (one transaction); None, and nothing stored, without roll-ups."""
    return store_levels(CohortSalesSnapshot, _store_level)


def _store_level(snapshot: CohortSalesSnapshot, dimension: str, value: str) -> None:
    filters = rollup.level_filters(dimension, value)
    level = {"snapshot": snapshot, "dimension": dimension, "value": value}
    sizes = [
        CohortSalesCell(**level, cohort=cohort, customers=customers)
        for cohort, customers in rollup.cohort_sizes(filters=filters).items()
    ]
    sales = [
        CohortSalesCell(
            **level,
            cohort=row.cohort,
            month=row.month,
            **{term: getattr(row.terms, term) for term in SALES_TERMS},
        )
        for row in rollup.cohort_month_sales(filters=filters)
    ]
    CohortSalesCell.objects.bulk_create(sizes + sales, batch_size=2000)


def store_after_refresh(**kwargs: Any) -> None:
    """The receiver of rollups_committed (cohorts.apps)."""
    del kwargs  # every level is stored again whatever the refresh touched
    store_cohort_sales()


def stored_cohort_revenue(
    filters: MetricFilters,
) -> tuple[dict[date, int], dict[tuple[date, date], Decimal]] | None:
    """The stored sizes and each cohort's revenue per month (the measure of the
    settings, added up by the database: building every month's terms took a third
    of a lifetime-value request at 1M orders) of these filters' level; None when
    none applies (start or end, two filters, or other roll-ups): two queries."""
    level = stored_level(filters) if filters.end is None else None
    snapshot = None if level is None else _current_snapshot()
    if level is None or snapshot is None:
        return None
    revenue = measure_expression({term: term for term in SALES_TERMS})
    sizes: dict[date, int] = {}
    sales: dict[tuple[date, date], Decimal] = {}
    for cohort, month, customers, month_revenue in _cells(snapshot, level, revenue):
        if month is None:
            sizes[cursor_date(cohort)] = customers
        else:
            sales[cursor_date(cohort), cursor_date(month)] = money(month_revenue)
    return sizes, sales


def _current_snapshot() -> int | None:
    """The snapshot of the roll-ups as they stand, if it is stored yet."""
    return (
        CohortSalesSnapshot.objects.filter(rollups_refreshed_at=current_refreshed_at())
        .values_list("pk", flat=True)
        .first()
    )


def _cells(snapshot: int, level: tuple[str, str], revenue: Any) -> list[tuple]:
    """(cohort, month, customers, revenue) of the level's cells, by cohort and month.

    A raw cursor: the ORM's Decimal converters took 7 of the 9 ms these few hundred
    rows cost; money() reads what the driver gives, as the sums do."""
    dimension, value = level
    cells = (
        CohortSalesCell.objects.filter(
            snapshot_id=snapshot, dimension=dimension, value=value
        )
        .order_by("cohort", "month")
        .annotate(month_revenue=revenue)
        .values_list("cohort", "month", "customers", "month_revenue")
    )
    sql, params = cells.query.sql_with_params()
    with connections[cells.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
