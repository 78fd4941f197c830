"""Demand metrics answered from the roll-ups (demand.metrics dispatches here).

Revenue here is Σ quantity x unit price over lines: the category facts hold it per
category, so without a category filter it is their sum over categories. Top products
read the product facts; their `buyers` (distinct customers) do not add up across days
and are counted on the raw lines of the listed products only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, Sum

from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import Window

from .dimensions import CategoryRows, matching, span, whole_months
from .models import CategoryDay, ProductDay


def _revenue_lines(filters: MetricFilters, categories: CategoryRows = "all") -> Any:
    return CategoryDay.objects.filter(
        matching(filters, categories=categories),
        status__in=settings.REVENUE_STATUSES,
    )


def monthly_revenue_rows(
    *, filters: MetricFilters, window: Window, month_before: date
) -> list[dict[str, Any]]:
    """{month, revenue} of the window's days and of the whole month before it."""
    rows = (
        _revenue_lines(filters)
        .filter(span(window) | whole_months(month_before, month_before))
        .values("month")
        .annotate(total=Sum("revenue"))
    )
    return [{"month": row["month"], "revenue": row["total"]} for row in rows]


def whole_months_rows(
    *, filters: MetricFilters, first: date, last: date
) -> list[dict[str, Any]]:
    """{month, revenue} of the calendar months first..last (their first days)."""
    rows = (
        _revenue_lines(filters)
        .filter(whole_months(first, last))
        .values("month")
        .annotate(total=Sum("revenue"))
    )
    return [{"month": row["month"], "revenue": row["total"]} for row in rows]


def top_product_rows(
    *, filters: MetricFilters, window: Window, limit: int
) -> list[dict[str, Any]]:
    """sku, name, category, units, revenue, buyers of the best sellers."""
    from demand.metrics import _lines_in

    rows = list(
        ProductDay.objects.filter(matching(filters), span(window))
        .filter(
            Q(product__category__name=filters.category) if filters.category else Q()
        )
        .values("product_id")
        .annotate(
            sku=F("product__sku"),
            name=F("product__name"),
            category=F("product__category__name"),
            total_units=Sum("units"),
            total_revenue=Sum("revenue"),
        )
        .order_by("-total_units", "sku")[:limit]
    )
    if not rows:
        return []
    # Buyers are distinct customers: counted on the raw lines of these products only.
    # Its cost grows with those lines: the raw part of this endpoint (docs/metrics.md).
    buyers = dict(
        _lines_in(window, filters)
        .filter(product_id__in=[row["product_id"] for row in rows])
        .values("product_id")
        .annotate(buyers=Count("order__customer_id", distinct=True))
        .values_list("product_id", "buyers")
    )
    return [
        {
            "sku": row["sku"],
            "name": row["name"],
            "category": row["category"],
            "units": row["total_units"],
            "revenue": row["total_revenue"],
            "buyers": buyers.get(row["product_id"], 0),
        }
        for row in rows
    ]


def category_month_rows(
    *, filters: MetricFilters, window: Window
) -> list[dict[str, Any]]:
    """{month, category, units, revenue} per pair with sales, by month then category."""
    rows = (
        _revenue_lines(filters, categories="each")
        .filter(span(window))
        .values("month", category_name=F("category__name"))
        .annotate(total_units=Sum("units"), total_revenue=Sum("revenue"))
        .order_by("month", "category_name")
    )
    return [
        {
            "month": row["month"],
            "category": row["category_name"],
            "units": row["total_units"],
            "revenue": row["total_revenue"],
        }
        for row in rows
    ]
