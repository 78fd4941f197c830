"""Demand queries on the raw order lines; they return the rows of demand.rows."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from ecomanalytics.filters import MetricFilters, filter_items
from ecomanalytics.money import MONEY_SUM, money
from ecomanalytics.periods import Window, add_months, local_midnight, shop_tz
from ecomanalytics.store.models import OrderItem
from ecomanalytics.store.querysets import OrderItemQuerySet

from .rows import CategoryMonthSales, MonthTotal, ProductSales

LINE_MONEY = F("quantity") * F("unit_price")


def window_and_month_before(
    *, filters: MetricFilters, window: Window, month_before: date
) -> list[MonthTotal]:
    """Revenue per month of the window's days and of the whole month before it."""
    window_from, window_until = window.bounds()
    first_month = add_months(month_before, 1)
    placed = Q(
        order__placed_at__gte=window_from, order__placed_at__lt=window_until
    ) | Q(
        order__placed_at__gte=local_midnight(month_before),
        order__placed_at__lt=local_midnight(first_month),
    )
    return _month_totals(_revenue_lines(filters).filter(placed))


def whole_months(
    *, filters: MetricFilters, first: date, last: date
) -> list[MonthTotal]:
    """Revenue of the calendar months first..last (their first days)."""
    lines = _revenue_lines(filters).filter(
        order__placed_at__gte=local_midnight(first),
        order__placed_at__lt=local_midnight(add_months(last, 1)),
    )
    return _month_totals(lines)


def best_sellers(
    *, filters: MetricFilters, window: Window, limit: int
) -> list[ProductSales]:
    rows = (
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
    return [
        ProductSales(
            sku=row["sku"],
            name=row["name"],
            category=row["category"],
            units=row["units"],
            revenue=money(row["revenue"]),
            buyers=row["buyers"],
        )
        for row in rows
    ]


def category_months(
    *, filters: MetricFilters, window: Window
) -> list[CategoryMonthSales]:
    rows = (
        _lines_in(window, filters)
        .values(month=_month("order__placed_at"), category=F("product__category__name"))
        .annotate(
            units=Sum("quantity"),
            revenue=Sum(LINE_MONEY, output_field=MONEY_SUM),
        )
        .order_by("month", "category")
    )
    return [
        CategoryMonthSales(
            month=_as_date(row["month"]),
            category=row["category"],
            units=row["units"],
            revenue=money(row["revenue"]),
        )
        for row in rows
    ]


def _month_totals(lines: QuerySet[OrderItem]) -> list[MonthTotal]:
    rows = lines.values(month=_month("order__placed_at")).annotate(
        revenue=Sum(LINE_MONEY, output_field=MONEY_SUM)
    )
    return [MonthTotal(_as_date(row["month"]), money(row["revenue"])) for row in rows]


def _revenue_lines(filters: MetricFilters) -> OrderItemQuerySet:
    """Lines of revenue orders matching the filters (category: that category's lines)."""
    return filter_items(OrderItem.objects.revenue(), filters).order_by()


def _lines_in(window: Window, filters: MetricFilters) -> OrderItemQuerySet:
    return _revenue_lines(filters).placed_between(*window.bounds())


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=shop_tz(), output_field=DateField())


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
