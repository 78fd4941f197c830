"""Demand metrics: monthly revenue growth, top products, sales by category and month,
returns by category or product.

Each function picks the path (rollups.status.use_rollups), asks demand.raw or
demand.rollup for the same typed rows (demand.rows) and finishes them. Definitions:
demand.catalogue, rendered into docs/metrics.md. Revenue = the sales terms added up
as settings.REVENUE_MEASURE (net sales by default: gross sales - discounts -
returns), of revenue orders placed in the period, returns dated at the refund; with
a category filter only that category's lines (no shipping or taxes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from django.conf import settings

from ecomanalytics.filters import MetricFilters
from ecomanalytics.money import ZERO_MONEY, rate, revenue_measure
from ecomanalytics.periods import (
    Window,
    add_months,
    bucket_start,
    buckets,
    is_partial,
    next_bucket,
    resolve_window,
    today,
)
from ecomanalytics.rollups.dimensions import (
    one_dimension_facts_cover,
    order_facts_cover,
)
from ecomanalytics.rollups.status import use_rollups

from . import raw, rollup
from .rows import MonthTerms, ReturnsRow

ReturnsBy = Literal["category", "product"]
SeriesGrain = Literal["month", "week"]
SeriesMetric = Literal["revenue", "units"]


@dataclass(frozen=True, slots=True)
class ProductDemand:
    sku: str
    name: str
    category: str
    units: int
    revenue: Decimal
    buyers: int  # distinct customers


@dataclass(frozen=True, slots=True)
class CategoryMonth:
    month: date
    category: str
    units: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class ReturnFigures:
    units_sold: int
    units_returned: int
    unit_return_rate: float | None  # units_returned / units_sold
    gross_sales: Decimal
    returned_value: Decimal
    value_return_rate: float | None  # returned_value / gross_sales

    @classmethod
    def of(cls, rows: list[ReturnsRow]) -> ReturnFigures:
        units_sold = sum(row.units_sold for row in rows)
        units_returned = sum(row.units_returned for row in rows)
        gross_sales = sum((row.gross_sales for row in rows), ZERO_MONEY)
        returned_value = sum((row.returned_value for row in rows), ZERO_MONEY)
        return cls(
            units_sold=units_sold,
            units_returned=units_returned,
            unit_return_rate=rate(units_returned, units_sold),
            gross_sales=gross_sales,
            returned_value=returned_value,
            value_return_rate=rate(returned_value, gross_sales),
        )


@dataclass(frozen=True, slots=True)
class ReturnsLine:
    category: str
    sku: str | None  # by product only
    name: str | None  # by product only
    figures: ReturnFigures


@dataclass(frozen=True, slots=True)
class Returns:
    start: date | None
    end: date | None
    by: ReturnsBy
    currency: str
    totals: ReturnFigures
    results: list[ReturnsLine]


@dataclass(frozen=True, slots=True)
class MonthlyGrowth:
    month: date  # first day of the month
    revenue: Decimal
    previous_revenue: Decimal  # of the month before
    # (revenue - previous_revenue) / previous_revenue; None when previous is zero.
    growth_rate: float | None
    partial: bool


def _facts_cover(filters: MetricFilters) -> bool:
    """Whether the roll-ups answer: usable, and the line facts keeping the filters'
    level."""
    return use_rollups(level_kept=one_dimension_facts_cover(filters))


def _revenue_facts_cover(filters: MetricFilters) -> bool:
    """As _facts_cover for monthly revenue, which reads the order facts (every level)
    without a category."""
    return use_rollups(level_kept=order_facts_cover(filters))


def _revenue_by_month(rows: list[MonthTerms]) -> dict[date, Decimal]:
    measure = revenue_measure()
    return {row.month: row.terms.revenue(measure) for row in rows}


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
    path = rollup if _revenue_facts_cover(filters) else raw
    rows = path.window_and_month_before(
        filters=filters, window=window, month_before=month_before
    )
    revenue_by_month = _revenue_by_month(rows)
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

    units = Σ quantity over the lines of revenue orders placed in the window, revenue
    = their gross sales - discounts - the returns of the product's refund lines given
    in the window (as the revenue measure; lines have no shipping or taxes); buyers =
    distinct customers of those orders. Only products with units sold are listed.
    Definition: demand.catalogue.TOP_PRODUCTS.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return []
    path = rollup if _facts_cover(filters) else raw
    rows = path.best_sellers(filters=filters, window=window, limit=limit)
    measure = revenue_measure()
    return [
        ProductDemand(
            sku=row.sku,
            name=row.name,
            category=row.category,
            units=row.units,
            revenue=row.terms.revenue(measure),
            buyers=row.buyers,
        )
        for row in rows
    ]


def sales_by_category(*, filters: MetricFilters) -> list[CategoryMonth]:
    """Units and revenue per (calendar month, category) pair with sales or returns in
    the window: units sold by revenue orders placed in the month, revenue as the
    measure with the returns of refunds given in the month.

    Sorted by month, then category name; pairs with neither are not listed.
    Definition: demand.catalogue.BY_CATEGORY.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return []
    path = rollup if _facts_cover(filters) else raw
    measure = revenue_measure()
    return [
        CategoryMonth(
            month=row.month,
            category=row.category,
            units=row.units,
            revenue=row.terms.revenue(measure),
        )
        for row in path.category_months(filters=filters, window=window)
    ]


def monthly_revenue(
    *, filters: MetricFilters, first: date, last: date
) -> list[Decimal]:
    """Revenue of each calendar month from `first` to `last` (months' first days),
    zero-filled. The whole months count, whatever start/end say."""
    path = rollup if _revenue_facts_cover(filters) else raw
    rows = path.whole_months(filters=filters, first=first, last=last)
    revenue_by_month = _revenue_by_month(rows)
    series = []
    month = first
    while month <= last:
        series.append(revenue_by_month.get(month, ZERO_MONEY))
        month = add_months(month, 1)
    return series


def returns_breakdown(
    *, filters: MetricFilters, by: ReturnsBy = "category", limit: int = 20
) -> Returns:
    """Units and value sold and returned per category (or product) in the window.

    units_sold / gross_sales: lines of revenue orders placed in the window;
    units_returned / returned_value: refund lines of revenue orders given in the
    window (refund date). Rates are returned ÷ sold, None where nothing was sold.
    Sorted by returned_value descending, then category name (products: then sku);
    rows with neither sales nor returns are not listed; `limit` products (categories
    are all listed); totals over every row. Definition: demand.catalogue.RETURNS.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return Returns(None, None, by, settings.CURRENCY, ReturnFigures.of([]), [])
    path = rollup if _facts_cover(filters) else raw
    rows = sorted(
        path.returns(filters=filters, window=window, by=by),
        key=lambda row: (-row.returned_value, row.category, row.sku or ""),
    )
    listed = rows[:limit] if by == "product" else rows
    return Returns(
        start=window.start,
        end=window.end,
        by=by,
        currency=settings.CURRENCY,
        totals=ReturnFigures.of(rows),
        results=[
            ReturnsLine(row.category, row.sku, row.name, ReturnFigures.of([row]))
            for row in listed
        ],
    )


@dataclass(frozen=True, slots=True)
class PeriodSeries:
    """A demand series: every complete month or ISO week, oldest first, zero-filled."""

    grain: SeriesGrain
    metric: SeriesMetric
    periods: list[date]  # first days (Mondays for weeks)
    values: list[float]  # revenue as the measure, or units


def complete_periods(filters: MetricFilters, grain: SeriesGrain) -> Window | None:
    """The whole periods of the window (without start: from the first order's day;
    without end: to yesterday) that ended before today; None when there are none.

    The first period the data covers only in part and the current one are left out.
    """
    yesterday = today() - timedelta(days=1)
    window = resolve_window(filters.start, filters.end or yesterday)
    if window is None:
        return None
    first = bucket_start(window.start, grain)
    if first < window.start:
        first = next_bucket(first, grain)
    last_day = min(window.end, yesterday)
    after_last = bucket_start(last_day + timedelta(days=1), grain)
    if after_last <= first:
        return None
    return Window(first, after_last - timedelta(days=1))


def demand_series(
    *,
    filters: MetricFilters,
    grain: SeriesGrain,
    metric: SeriesMetric,
    product_id: int | None = None,
) -> PeriodSeries:
    """Revenue or units of every complete period (complete_periods), zero-filled.

    Revenue: the shop's orders (with a category its lines, with a product its
    lines), as the revenue measure, returns at the refund's period; units: Σ
    quantity of the lines of revenue orders placed in the period.
    """
    window = complete_periods(filters, grain)
    if window is None:
        return PeriodSeries(grain, metric, [], [])
    shop = product_id is None and not filters.category
    # The shop's series read the order facts, which keep every filter combination.
    covered = _revenue_facts_cover(filters) if shop else _facts_cover(filters)
    path = rollup if covered else raw
    rows = path.period_terms(
        filters=filters, grain=grain, window=window, product_id=product_id
    )
    measure = revenue_measure()
    by_period = {
        row.period: float(row.terms.revenue(measure))
        if metric == "revenue"
        else float(row.units)
        for row in rows
    }
    periods = [first for first, _ in buckets(window, grain)]
    return PeriodSeries(
        grain, metric, periods, [by_period.get(period, 0.0) for period in periods]
    )
