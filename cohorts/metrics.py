"""Cohort metrics: monthly acquisition cohorts, their retention and repeat purchases.

Each function picks the path (rollups.status.use_rollups), asks cohorts.raw or
cohorts.rollup for the same typed rows (cohorts.rows) and finishes them. Definitions:
cohorts.catalogue, rendered into docs/metrics.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ecomanalytics.filters import MetricFilters
from ecomanalytics.money import ZERO_MONEY, rate, revenue_measure
from ecomanalytics.periods import (
    Granularity,
    add_months,
    buckets,
    is_partial,
    label,
    resolve_window,
    today,
)
from ecomanalytics.rollups.status import use_rollups

from . import raw, rollup
from .rows import COHORT_BY_CHOICES, CohortBy, CohortCount, CustomerTypeTotals

__all__ = [
    "COHORT_BY_CHOICES",
    "CohortBy",
    "new_vs_returning",
    "repeat_purchase",
    "retention_matrix",
]


@dataclass(frozen=True, slots=True)
class CohortRetention:
    cohort: date  # first day of the cohort month
    size: int
    # Members with a revenue order in month cohort + k, for k = 0..months-1; None
    # where that month has not ended yet.
    active: list[int | None]
    # active[k] / size; None where active[k] is.
    retention: list[float | None]


@dataclass(frozen=True, slots=True)
class CohortRepeatPurchase:
    cohort: date
    customers: int
    repeat_customers: int
    repeat_rate: float | None


def retention_matrix(
    *, filters: MetricFilters, months: int = 12, cohort_by: CohortBy = "first_order"
) -> list[CohortRetention]:
    """Share of each monthly cohort with at least one revenue order in month k.

    retention[k] = active[k] / size, active[k] = cohort members with a revenue order
    placed in calendar month cohort + k (shop time zone), for k in 0..months-1; None
    where month cohort + k has not ended yet (its last day is today or later). Only
    cohorts with customers are listed, oldest first. Definition:
    cohorts.catalogue.RETENTION.
    """
    path = rollup if use_rollups() else raw
    counts = path.retention_counts(filters=filters, cohort_by=cohort_by)
    sizes, active = _split(counts)
    first_unended_day = today()
    matrix = []
    for cohort, size in sorted(sizes.items()):
        actives: list[int | None] = []
        for offset in range(months):
            month = add_months(cohort, offset)
            ended = add_months(month, 1) - timedelta(days=1) < first_unended_day
            actives.append(active[cohort].get(month, 0) if ended else None)
        matrix.append(
            CohortRetention(
                cohort=cohort,
                size=size,
                active=actives,
                retention=[None if n is None else rate(n, size) for n in actives],
            )
        )
    return matrix


def _split(
    counts: list[CohortCount],
) -> tuple[dict[date, int], dict[date, dict[date, int]]]:
    """Cohort sizes, and active customers per cohort and month."""
    sizes: dict[date, int] = {}
    active: dict[date, dict[date, int]] = defaultdict(dict)
    for count in counts:
        if count.activity_month is None:
            sizes[count.cohort] = sizes.get(count.cohort, 0) + count.customers
        else:
            months = active[count.cohort]
            months[count.activity_month] = (
                months.get(count.activity_month, 0) + count.customers
            )
    return {cohort: size for cohort, size in sizes.items() if size}, active


def repeat_purchase(
    *, filters: MetricFilters, cohort_by: CohortBy = "first_order"
) -> list[CohortRepeatPurchase]:
    """Per cohort: members, members with two or more revenue orders in all the data.

    repeat_rate = repeat_customers / customers. Orders count whatever their date,
    even outside start/end and after today. Oldest cohort first. Definition:
    cohorts.catalogue.REPEAT_PURCHASE.
    """
    path = rollup if use_rollups() else raw
    return [
        CohortRepeatPurchase(
            cohort=row.cohort,
            customers=row.customers,
            repeat_customers=row.repeat_customers,
            repeat_rate=rate(row.repeat_customers, row.customers),
        )
        for row in path.repeat_rows(filters=filters, cohort_by=cohort_by)
        if row.customers
    ]


@dataclass(frozen=True, slots=True)
class CustomerTypePeriod:
    period: str  # the bucket's label
    new_customers: int
    returning_customers: int
    new_orders: int
    returning_orders: int
    new_revenue: Decimal
    returning_revenue: Decimal
    # returning_revenue / (new_revenue + returning_revenue); None when that is 0.
    returning_revenue_share: float | None
    partial: bool


@dataclass(frozen=True, slots=True)
class NewVsReturning:
    start: date | None
    end: date | None
    granularity: Granularity
    # Customers with a revenue order placed in the window.
    customers: int
    # Those of them with two or more revenue orders placed up to the window's end.
    repeat_customers: int
    # Shopify's returning customer rate: repeat_customers / customers.
    returning_customer_rate: float | None
    results: list[CustomerTypePeriod]


def new_vs_returning(
    *, filters: MetricFilters, granularity: Granularity = "month"
) -> NewVsReturning:
    """New and returning customers, their revenue orders and revenue per bucket, and
    the window's returning customer rate.

    New in a bucket: the customer's first revenue order ever lies in it; returning:
    it lies before. Every bucket of the window is listed, zero-filled. Definition:
    cohorts.catalogue.NEW_VS_RETURNING.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return NewVsReturning(None, None, granularity, 0, 0, None, [])
    path = rollup if use_rollups() else raw
    rows = path.customer_type_totals(
        filters=filters, window=window, granularity=granularity
    )
    counts = path.returning_counts(filters=filters, window=window)
    by_key = {(row.bucket, row.new): row for row in rows}
    results = [
        _customer_type_period(
            label(first, granularity),
            new=by_key.get((first, True)),
            returning=by_key.get((first, False)),
            partial=is_partial(first, last, window),
        )
        for first, last in buckets(window, granularity)
    ]
    return NewVsReturning(
        start=window.start,
        end=window.end,
        granularity=granularity,
        customers=counts.customers,
        repeat_customers=counts.repeat_customers,
        returning_customer_rate=rate(counts.repeat_customers, counts.customers),
        results=results,
    )


def _customer_type_period(
    period: str,
    *,
    new: CustomerTypeTotals | None,
    returning: CustomerTypeTotals | None,
    partial: bool,
) -> CustomerTypePeriod:
    measure = revenue_measure()
    new_revenue = new.terms.revenue(measure) if new else ZERO_MONEY
    returning_revenue = returning.terms.revenue(measure) if returning else ZERO_MONEY
    return CustomerTypePeriod(
        period=period,
        new_customers=new.customers if new else 0,
        returning_customers=returning.customers if returning else 0,
        new_orders=new.orders if new else 0,
        returning_orders=returning.orders if returning else 0,
        new_revenue=new_revenue,
        returning_revenue=returning_revenue,
        returning_revenue_share=rate(
            returning_revenue, new_revenue + returning_revenue
        ),
        partial=partial,
    )
