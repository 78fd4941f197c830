"""Demand metrics: monthly revenue growth, top products, sales by category and month.

Definitions (docs/metrics.md, "Demand"): revenue = Σ quantity x unit_price over the
lines of revenue orders (paid, shipped, completed); with a category filter only the
lines of that category count. Source and device are the order's, country the
customer's. Months are calendar months in the shop's time zone, and the window is
[start, end] (local dates), the data span filling a missing bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, DateField, DecimalField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from ecomanalytics.filters import MetricFilters, filter_items
from ecomanalytics.periods import (
    Window,
    add_months,
    buckets,
    is_partial,
    local_midnight,
    resolve_window,
    shop_tz,
)
from ecomanalytics.rollups.dimensions import one_dimension_facts_cover
from ecomanalytics.rollups.status import use_rollups
from ecomanalytics.store.models import OrderItem

CENT = Decimal("0.01")
ZERO_MONEY = Decimal("0.00")
# Wide enough for the sum of many lines; SQLite's float sums are rounded to cents.
MONEY_SUM = DecimalField(max_digits=20, decimal_places=2)
LINE_MONEY = F("quantity") * F("unit_price")


@dataclass(frozen=True, slots=True)
class MonthlyGrowth:
    month: date  # first day of the month
    revenue: Decimal
    # (revenue - previous month's revenue) / previous month's revenue; None when the
    # previous month's revenue is zero.
    growth_rate: float | None
    partial: bool


@dataclass(frozen=True, slots=True)
class ProductDemand:
    sku: str
    name: str
    category: str
    units: int
    revenue: Decimal
    buyers: int


@dataclass(frozen=True, slots=True)
class CategoryMonth:
    month: date
    category: str
    units: int
    revenue: Decimal


def revenue_growth(*, filters: MetricFilters) -> list[MonthlyGrowth]:
    """Revenue of every calendar month of the window and its growth on the month before.

    Every month touching the window is listed, zero-filled, oldest first; a month's
    revenue counts the orders placed in it and in the window. growth_rate =
    (revenue - previous) / previous, where previous is the month before's revenue as
    listed; for the first month it is the whole calendar month before it, taken from
    the data even when it lies before start. growth_rate is None where previous is 0.
    partial = the month has not ended yet (its last day is today or later) or it
    reaches outside the window. One grouped query; empty list when there is no window.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return []
    months = list(buckets(window, "month"))
    first_month = months[0][0]
    month_before = add_months(first_month, -1)
    if use_rollups(level_kept=one_dimension_facts_cover(filters)):
        from ecomanalytics.rollups.demand_answers import monthly_revenue_rows

        rows = monthly_revenue_rows(
            filters=filters, window=window, month_before=month_before
        )
    else:
        rows = _raw_growth_rows(filters, window, month_before, first_month)
    revenue_by_month = {_as_date(row["month"]): _money(row["revenue"]) for row in rows}
    previous = revenue_by_month.get(month_before, ZERO_MONEY)
    growth = []
    for first, last in months:
        revenue = revenue_by_month.get(first, ZERO_MONEY)
        growth.append(
            MonthlyGrowth(
                month=first,
                revenue=revenue,
                growth_rate=float((revenue - previous) / previous)
                if previous
                else None,
                partial=is_partial(first, last, window),
            )
        )
        previous = revenue
    return growth


def _raw_growth_rows(
    filters: MetricFilters, window: Window, month_before: date, first_month: date
) -> QuerySet[OrderItem]:
    window_from, window_until = window.bounds()
    placed = Q(
        order__placed_at__gte=window_from, order__placed_at__lt=window_until
    ) | Q(
        order__placed_at__gte=local_midnight(month_before),
        order__placed_at__lt=local_midnight(first_month),
    )
    return (
        _revenue_lines(filters)
        .filter(placed)
        .values(month=_month("order__placed_at"))
        .annotate(revenue=Sum(LINE_MONEY, output_field=MONEY_SUM))
    )


def top_products(*, filters: MetricFilters, limit: int = 10) -> list[ProductDemand]:
    """The `limit` best-selling products of the window: units descending, then sku.

    units = Σ quantity, revenue = Σ quantity x unit_price over the lines of revenue
    orders placed in the window; buyers = distinct customers of those orders. Only
    products with sales are listed. One grouped query.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return []
    if use_rollups(level_kept=one_dimension_facts_cover(filters)):
        from ecomanalytics.rollups.demand_answers import top_product_rows

        rows = top_product_rows(filters=filters, window=window, limit=limit)
    else:
        rows = _raw_top_product_rows(filters, window, limit)
    return [
        ProductDemand(
            sku=row["sku"],
            name=row["name"],
            category=row["category"],
            units=row["units"],
            revenue=_money(row["revenue"]),
            buyers=row["buyers"],
        )
        for row in rows
    ]


def _raw_top_product_rows(
    filters: MetricFilters, window: Window, limit: int
) -> QuerySet[OrderItem]:
    return (
        _lines_in(window, filters)
        .values("product_id")
        .annotate(
            sku=F("product__sku"),
            name=F("product__name"),
            category=F("product__category__name"),
            units=Sum("quantity"),
            revenue=Sum(LINE_MONEY, output_field=MONEY_SUM),
            buyers=Count("order__customer_id", distinct=True),
        )
        .order_by("-units", "sku")[:limit]
    )


def sales_by_category(*, filters: MetricFilters) -> list[CategoryMonth]:
    """Units and revenue per (calendar month, category) pair with sales in the window.

    Over the lines of revenue orders placed in the window, months in the shop's time
    zone; sorted by month, then category name. Pairs without sales are not listed.
    One grouped query.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return []
    if use_rollups(level_kept=one_dimension_facts_cover(filters)):
        from ecomanalytics.rollups.demand_answers import category_month_rows

        rows = category_month_rows(filters=filters, window=window)
    else:
        rows = _raw_category_month_rows(filters, window)
    return [
        CategoryMonth(
            month=_as_date(row["month"]),
            category=row["category"],
            units=row["units"],
            revenue=_money(row["revenue"]),
        )
        for row in rows
    ]


def _raw_category_month_rows(
    filters: MetricFilters, window: Window
) -> QuerySet[OrderItem]:
    return (
        _lines_in(window, filters)
        .values(month=_month("order__placed_at"), category=F("product__category__name"))
        .annotate(
            units=Sum("quantity"),
            revenue=Sum(LINE_MONEY, output_field=MONEY_SUM),
        )
        .order_by("month", "category")
    )


def monthly_revenue(
    *, filters: MetricFilters, first: date, last: date
) -> list[Decimal]:
    """Revenue of each calendar month from `first` to `last` (months' first days), zero-filled.

    The whole months count, whatever start/end say. One grouped query.
    """
    if use_rollups(level_kept=one_dimension_facts_cover(filters)):
        from ecomanalytics.rollups.demand_answers import whole_months_rows

        rows = whole_months_rows(filters=filters, first=first, last=last)
    else:
        rows = _raw_whole_months_rows(filters, first, last)
    revenue_by_month = {_as_date(row["month"]): _money(row["revenue"]) for row in rows}
    series = []
    month = first
    while month <= last:
        series.append(revenue_by_month.get(month, ZERO_MONEY))
        month = add_months(month, 1)
    return series


def _raw_whole_months_rows(
    filters: MetricFilters, first: date, last: date
) -> QuerySet[OrderItem]:
    return (
        _revenue_lines(filters)
        .filter(
            order__placed_at__gte=local_midnight(first),
            order__placed_at__lt=local_midnight(add_months(last, 1)),
        )
        .values(month=_month("order__placed_at"))
        .annotate(revenue=Sum(LINE_MONEY, output_field=MONEY_SUM))
    )


def _revenue_lines(filters: MetricFilters) -> QuerySet[OrderItem]:
    """Lines of revenue orders matching the filters (category: that category's lines)."""
    return filter_items(OrderItem.objects.revenue(), filters).order_by()


def _lines_in(window: Window, filters: MetricFilters) -> QuerySet[OrderItem]:
    return _revenue_lines(filters).placed_between(*window.bounds())


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=shop_tz(), output_field=DateField())


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _money(value: Decimal | None) -> Decimal:
    return (value or ZERO_MONEY).quantize(CENT)
