"""KPI metrics answered from the roll-ups (kpi.metrics dispatches here).

The functions return rows shaped like the raw queries' rows, so kpi.metrics turns both
into the same dataclasses. The KPI `customers` (distinct customers) is not additive
across days: it is summed from the chain links (models.ChainLinks), or counted on the
raw orders when two filters or more are given.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When

from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import Granularity, Window
from ecomanalytics.store.choices import OrderStatus

from .dimensions import days, matching, single_filter, span
from .link_sums import customers_per_window
from .models import CategoryDay, OrderDay, SessionDay


def _order_facts(filters: MetricFilters) -> Any:
    """Per-order facts; with a category, the facts of that category's lines."""
    if filters.category:
        return CategoryDay.objects.filter(matching(filters, categories="all"))
    return OrderDay.objects.filter(matching(filters))


def summary_row(
    *, filters: MetricFilters, window: Window, previous: Window
) -> dict[str, Any]:
    """The aggregate row kpi_summary reads: <current|previous>_<figure>.

    The facts are summed per (period, status), a handful of rows, and the figures
    are added up from those: eight FILTERed sums over the same rows cost as much
    again in the ORM's compilation as the query itself (10 of 17 ms at 1M orders).
    The two windows are disjoint, so a row outside the current one is the previous's.
    """
    current = span(window)
    per_status = (
        _order_facts(filters)
        .filter(span(previous) | current)
        .annotate(
            period=Case(
                When(current, then=Value("current")),
                default=Value("previous"),
                output_field=CharField(),
            )
        )
        .values("period", "status")
        .annotate(total_orders=Sum("orders"), total_revenue=Sum("revenue"))
    )
    row: dict[str, Any] = {}
    for facts in per_status:
        name, status = facts["period"], facts["status"]
        figures = {"all_orders": facts["total_orders"]}
        if status in settings.REVENUE_STATUSES:
            figures |= {
                "revenue": facts["total_revenue"],
                "orders": facts["total_orders"],
            }
        if status == OrderStatus.COMPLETED:
            figures["completed"] = facts["total_orders"]
        for figure, value in figures.items():
            key = f"{name}_{figure}"
            row[key] = row.get(key, 0) + value
    return row | _customers(filters=filters, window=window, previous=previous)


def _customers(
    *, filters: MetricFilters, window: Window, previous: Window
) -> dict[str, Any]:
    """{current,previous}_customers: distinct customers with a revenue order.

    With at most one filter, the sum of the customers' first links in each window;
    with more, counted on the raw orders (one indexed query).
    """
    if single_filter(filters):
        totals = customers_per_window(
            filters, {"current": window, "previous": previous}
        )
        return {f"{name}_customers": total for name, total in totals.items()}
    from kpi.metrics import _order_rows, _placed_in

    table = _order_rows(filters)
    revenue_orders = Q(**{f"{table.field('status')}__in": settings.REVENUE_STATUSES})
    return table.rows.filter(
        _placed_in(table, Window(previous.start, window.end)), revenue_orders
    ).aggregate(
        **{
            f"{name}_customers": Count(
                table.field("customer"), filter=_placed_in(table, period), distinct=True
            )
            for name, period in (("current", window), ("previous", previous))
        }
    )


def revenue_rows(
    *, filters: MetricFilters, window: Window, granularity: Granularity
) -> list[dict[str, Any]]:
    """{bucket, revenue, orders} per day, week or month with revenue orders."""
    return list(
        _order_facts(filters)
        .filter(
            span(window) if granularity == "month" else days(window),
            status__in=settings.REVENUE_STATUSES,
        )
        .values(bucket=F(granularity))
        .annotate(revenue=Sum("revenue"), orders=Sum("orders"))
        .order_by("bucket")
    )


def conversion_rows(*, filters: MetricFilters, window: Window) -> list[dict[str, Any]]:
    """{traffic_source, sessions, converted} per source, most sessions first."""
    rows = (
        SessionDay.objects.filter(matching(filters, each_source=True), span(window))
        .values("traffic_source")
        .annotate(total_sessions=Sum("sessions"), total_converted=Sum("converted"))
        .order_by("-total_sessions", "traffic_source")
    )
    return [
        {
            "traffic_source": row["traffic_source"],
            "sessions": row["total_sessions"],
            "converted": row["total_converted"],
        }
        for row in rows
    ]


def funnel_counts(*, filters: MetricFilters, window: Window) -> list[int]:
    """Sessions at each funnel step: session, product_view, ..., purchase."""
    from kpi.metrics import FUNNEL_EVENTS

    row = SessionDay.objects.filter(matching(filters), span(window)).aggregate(
        session=Sum("sessions"),
        **{f"reached_{step}": Sum(step) for step in FUNNEL_EVENTS},
    )
    return [row["session"] or 0] + [
        row[f"reached_{step}"] or 0 for step in FUNNEL_EVENTS
    ]
