"""Demand metrics: monthly revenue growth, top products, sales by category and month.

Each function picks the path (rollups.status.use_rollups), asks demand.raw or
demand.rollup for the same typed rows (demand.rows) and finishes them. Definitions:
demand.catalogue, rendered into docs/metrics.md. Revenue = Σ quantity x unit_price
over the lines of revenue orders; with a category filter only that category's lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ecomanalytics.filters import MetricFilters
from ecomanalytics.money import ZERO_MONEY, rate
from ecomanalytics.periods import add_months, buckets, is_partial, resolve_window
from ecomanalytics.rollups.dimensions import one_dimension_facts_cover
from ecomanalytics.rollups.status import use_rollups

from . import raw, rollup
from .rows import CategoryMonthSales, ProductSales

# The demand endpoints list the rows as the queries give them.
ProductDemand = ProductSales
CategoryMonth = CategoryMonthSales


@dataclass(frozen=True, slots=True)
class MonthlyGrowth:
    month: date  # first day of the month
    revenue: Decimal
    previous_revenue: Decimal  # of the month before
    # (revenue - previous_revenue) / previous_revenue; None when previous is zero.
    growth_rate: float | None
    partial: bool


def _facts_cover(filters: MetricFilters) -> bool:
    """Whether the roll-ups answer: usable, and keeping the filters' level."""
    return use_rollups(level_kept=one_dimension_facts_cover(filters))


def revenue_growth(*, filters: MetricFilters) -> list[MonthlyGrowth]:
    """Revenue of every calendar month of the window and its growth on the month before.

    Every month touching the window is listed, zero-filled, oldest first; a month's
    revenue counts the orders placed in it and in the window. growth_rate =
    (revenue - previous) / previous, where previous is the month before's revenue as
    listed; for the first month it is the whole calendar month before it, taken from
    the data even when it lies before start. None where previous is 0. Definition:
    demand.catalogue.GROWTH.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return []
    months = list(buckets(window, "month"))
    month_before = add_months(months[0][0], -1)
    path = rollup if _facts_cover(filters) else raw
    rows = path.window_and_month_before(
        filters=filters, window=window, month_before=month_before
    )
    revenue_by_month = {row.month: row.revenue for row in rows}
    previous = revenue_by_month.get(month_before, ZERO_MONEY)
    growth = []
    for first, last in months:
        revenue = revenue_by_month.get(first, ZERO_MONEY)
        change = rate(revenue - previous, previous)
        growth.append(
            MonthlyGrowth(
                month=first,
                revenue=revenue,
                previous_revenue=previous,
                growth_rate=change,
                partial=is_partial(first, last, window),
            )
        )
        previous = revenue
    return growth


def top_products(*, filters: MetricFilters, limit: int = 10) -> list[ProductDemand]:
    """The `limit` best-selling products of the window: units descending, then sku.

    units = Σ quantity, revenue = Σ quantity x unit_price over the lines of revenue
    orders placed in the window; buyers = distinct customers of those orders. Only
    products with sales are listed. Definition: demand.catalogue.TOP_PRODUCTS.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return []
    path = rollup if _facts_cover(filters) else raw
    return path.best_sellers(filters=filters, window=window, limit=limit)


def sales_by_category(*, filters: MetricFilters) -> list[CategoryMonth]:
    """Units and revenue per (calendar month, category) pair with sales in the window.

    Sorted by month, then category name; pairs without sales are not listed.
    Definition: demand.catalogue.BY_CATEGORY.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return []
    path = rollup if _facts_cover(filters) else raw
    return path.category_months(filters=filters, window=window)


def monthly_revenue(
    *, filters: MetricFilters, first: date, last: date
) -> list[Decimal]:
    """Revenue of each calendar month from `first` to `last` (months' first days),
    zero-filled. The whole months count, whatever start/end say."""
    path = rollup if _facts_cover(filters) else raw
    rows = path.whole_months(filters=filters, first=first, last=last)
    revenue_by_month = {row.month: row.revenue for row in rows}
    series = []
    month = first
    while month <= last:
        series.append(revenue_by_month.get(month, ZERO_MONEY))
        month = add_months(month, 1)
    return series
