"""KPI queries on the raw tables (orders, order lines, sessions, events).

Each returns the rows of kpi.rows, so kpi.metrics finishes both paths alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from ecomanalytics.filters import (
    MetricFilters,
    filter_items,
    filter_orders,
    filter_sessions,
)
from ecomanalytics.money import MONEY_SUM, money
from ecomanalytics.periods import Granularity, Window, shop_tz
from ecomanalytics.store.choices import FUNNEL_EVENT_STEPS, OrderStatus
from ecomanalytics.store.models import Order, OrderItem, WebSession
from ecomanalytics.store.session_progress import (
    annotate_funnel_progress,
    purchasing_sessions,
)

from .rows import BucketTotals, OrderTotals, SourceSessions, StepCounts

FUNNEL_EVENTS: tuple[str, ...] = tuple(str(step) for step in FUNNEL_EVENT_STEPS)
TRUNCATE = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


@dataclass(frozen=True, slots=True)
class OrderRows:
    """Where order metrics read from.

    Without a category: the orders themselves, money = the stored order total.
    With a category: the lines of that category, money = quantity x unit price, and
    orders are counted distinct, so an order counts once if it has any line of it.
    """

    rows: QuerySet[Any]
    prefix: str
    order_key: str
    money_per_row: Any

    def field(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def placed_in(self, window: Window) -> Q:
        since, until = window.bounds()
        placed_at = self.field("placed_at")
        return Q(**{f"{placed_at}__gte": since, f"{placed_at}__lt": until})

    def with_status(self, statuses: tuple[str, ...]) -> Q:
        return Q(**{f"{self.field('status')}__in": statuses})


def order_rows(filters: MetricFilters) -> OrderRows:
    if filters.category:
        return OrderRows(
            rows=filter_items(OrderItem.objects.all(), filters),
            prefix="order__",
            order_key="order",
            money_per_row=F("quantity") * F("unit_price"),
        )
    return OrderRows(
        rows=filter_orders(Order.objects.all(), filters),
        prefix="",
        order_key="id",
        money_per_row=F("total"),
    )


def order_totals(
    *, filters: MetricFilters, windows: dict[str, Window]
) -> dict[str, OrderTotals]:
    """The OrderTotals of each (disjoint) window, in one aggregate query."""
    table = order_rows(filters)
    is_revenue = table.with_status(settings.REVENUE_STATUSES)
    is_completed = Q(**{table.field("status"): OrderStatus.COMPLETED})
    distinct = bool(filters.category)
    aggregates: dict[str, Any] = {}
    for name, period in windows.items():
        placed = table.placed_in(period)
        aggregates |= {
            f"{name}_revenue": Sum(
                table.money_per_row, filter=placed & is_revenue, output_field=MONEY_SUM
            ),
            f"{name}_orders": Count(
                table.order_key, filter=placed & is_revenue, distinct=distinct
            ),
            f"{name}_all_orders": Count(
                table.order_key, filter=placed, distinct=distinct
            ),
            f"{name}_completed_orders": Count(
                table.order_key, filter=placed & is_completed, distinct=distinct
            ),
            f"{name}_customers": Count(
                table.field("customer"), filter=placed & is_revenue, distinct=True
            ),
        }
    row = table.rows.filter(table.placed_in(_spanning(windows))).aggregate(**aggregates)
    return {
        name: OrderTotals(
            revenue=money(row[f"{name}_revenue"]),
            orders=row[f"{name}_orders"],
            all_orders=row[f"{name}_all_orders"],
            completed_orders=row[f"{name}_completed_orders"],
            customers=row[f"{name}_customers"],
        )
        for name in windows
    }


def _spanning(windows: dict[str, Window]) -> Window:
    """The one window from the first window's start to the last one's end: a single
    range of the placed_at index, the windows told apart by FILTERed aggregates."""
    return Window(
        min(period.start for period in windows.values()),
        max(period.end for period in windows.values()),
    )


def customers(*, filters: MetricFilters, windows: dict[str, Window]) -> dict[str, int]:
    """Distinct customers with a revenue order in each window (one indexed query)."""
    table = order_rows(filters)
    row = table.rows.filter(
        table.placed_in(_spanning(windows)),
        table.with_status(settings.REVENUE_STATUSES),
    ).aggregate(
        **{
            name: Count(
                table.field("customer"), filter=table.placed_in(period), distinct=True
            )
            for name, period in windows.items()
        }
    )
    return {name: row[name] for name in windows}


def revenue_buckets(
    *, filters: MetricFilters, window: Window, granularity: Granularity
) -> list[BucketTotals]:
    table = order_rows(filters)
    truncate = TRUNCATE[granularity](table.field("placed_at"), tzinfo=shop_tz())
    rows = (
        table.rows.filter(
            table.placed_in(window), table.with_status(settings.REVENUE_STATUSES)
        )
        .annotate(bucket=truncate)
        .values("bucket")
        .annotate(
            revenue=Sum(table.money_per_row, output_field=MONEY_SUM),
            orders=Count(table.order_key, distinct=bool(filters.category)),
        )
        .order_by("bucket")
    )
    return [
        BucketTotals(
            bucket=_local_day(row["bucket"]),
            revenue=money(row["revenue"]),
            orders=row["orders"],
        )
        for row in rows
    ]


def _local_day(bucket: datetime | date) -> date:
    if isinstance(bucket, datetime):
        return bucket.astimezone(shop_tz()).date()
    return bucket


def _sessions_in(filters: MetricFilters, window: Window) -> QuerySet[WebSession]:
    since, until = window.bounds()
    return filter_sessions(WebSession.objects.all(), filters).filter(
        started_at__gte=since, started_at__lt=until
    )


def sessions_by_source(
    *, filters: MetricFilters, window: Window
) -> list[SourceSessions]:
    # Uncorrelated on purpose: the databases build the set of purchasing sessions
    # once (a hashed subplan on PostgreSQL) instead of probing per session.
    rows = (
        _sessions_in(filters, window)
        .values("traffic_source")
        .annotate(
            sessions=Count("id"),
            converted=Count("id", filter=Q(id__in=purchasing_sessions())),
        )
        .order_by("-sessions", "traffic_source")
    )
    return [
        SourceSessions(row["traffic_source"], row["sessions"], row["converted"])
        for row in rows
    ]


def funnel_counts(*, filters: MetricFilters, window: Window) -> StepCounts:
    sessions = annotate_funnel_progress(_sessions_in(filters, window))
    row = sessions.aggregate(
        session=Count("id"),
        **{step: Count(f"{step}_at") for step in FUNNEL_EVENTS},
    )
    return (row["session"], *(row[step] for step in FUNNEL_EVENTS))
