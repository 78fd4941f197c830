"""Headline metrics of the shop: the KPI summary, revenue over time, conversion, funnel.

Every function takes MetricFilters, runs one grouped query (plus the data-span lookup
when start or end is missing) and returns frozen dataclasses. Definitions follow
docs/metrics.md; money is Decimal rounded to cents, rates are floats rounded to 4
decimals, and every rate with a zero denominator is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from ecomanalytics.filters import (
    MetricFilters,
    filter_items,
    filter_orders,
    filter_sessions,
)
from ecomanalytics.periods import (
    Granularity,
    Window,
    buckets,
    is_partial,
    label,
    resolve_window,
    shop_tz,
)
from ecomanalytics.rollups.dimensions import order_facts_cover
from ecomanalytics.rollups.status import use_rollups
from ecomanalytics.store.choices import FUNNEL_EVENT_STEPS, OrderStatus
from ecomanalytics.store.models import Order, OrderItem, WebSession
from ecomanalytics.store.session_progress import (
    annotate_funnel_progress,
    purchasing_sessions,
)

CENT = Decimal("0.01")
ZERO_MONEY = Decimal("0.00")
# Wide enough for a sum of many order totals; the cents are rounded in Python.
MONEY_SUM = DecimalField(max_digits=20, decimal_places=2)
# Plain strings: they name annotations and are returned to callers.
FUNNEL_EVENTS: tuple[str, ...] = tuple(str(step) for step in FUNNEL_EVENT_STEPS)
FUNNEL_STEPS: tuple[str, ...] = ("session", *FUNNEL_EVENTS)
TRUNCATE = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


@dataclass(frozen=True, slots=True)
class KpiFigures:
    revenue: Decimal
    orders: int
    average_order_value: Decimal
    completion_rate: float
    customers: int


@dataclass(frozen=True, slots=True)
class Summary:
    """The KPIs of the window and of the window of equal length just before it."""

    start: date | None
    end: date | None
    currency: str
    current: KpiFigures
    previous: KpiFigures


@dataclass(frozen=True, slots=True)
class RevenuePeriod:
    period: str
    revenue: Decimal
    orders: int
    average_order_value: Decimal
    partial: bool


@dataclass(frozen=True, slots=True)
class RevenueSeries:
    start: date | None
    end: date | None
    granularity: Granularity
    results: list[RevenuePeriod]


@dataclass(frozen=True, slots=True)
class SourceConversion:
    source: str
    sessions: int
    converted_sessions: int
    conversion_rate: float


@dataclass(frozen=True, slots=True)
class SessionTotals:
    sessions: int
    converted_sessions: int
    conversion_rate: float


@dataclass(frozen=True, slots=True)
class Conversion:
    start: date | None
    end: date | None
    results: list[SourceConversion]
    overall: SessionTotals


@dataclass(frozen=True, slots=True)
class FunnelStep:
    step: str
    sessions: int
    conversion_from_start: float
    conversion_from_previous: float


@dataclass(frozen=True, slots=True)
class Funnel:
    start: date | None
    end: date | None
    steps: list[FunnelStep]


def money(value: Decimal | None) -> Decimal:
    return (value or ZERO_MONEY).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(numerator: int | Decimal, denominator: int | Decimal) -> float:
    """numerator / denominator rounded to 4 decimals; 0 when the denominator is 0."""
    if not denominator:
        return 0.0
    return round(float(numerator) / float(denominator), 4)


def average(total: Decimal | None, count: int) -> Decimal:
    return money(Decimal(total or 0) / count) if count else ZERO_MONEY


@dataclass(frozen=True, slots=True)
class _OrderRows:
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


def _order_rows(filters: MetricFilters) -> _OrderRows:
    if filters.category:
        return _OrderRows(
            rows=filter_items(OrderItem.objects.all(), filters),
            prefix="order__",
            order_key="order",
            money_per_row=F("quantity") * F("unit_price"),
        )
    return _OrderRows(
        rows=filter_orders(Order.objects.all(), filters),
        prefix="",
        order_key="id",
        money_per_row=F("total"),
    )


def _placed_in(table: _OrderRows, window: Window) -> Q:
    since, until = window.bounds()
    placed_at = table.field("placed_at")
    return Q(**{f"{placed_at}__gte": since, f"{placed_at}__lt": until})


def kpi_summary(*, filters: MetricFilters) -> Summary:
    """Revenue, orders, average order value, completion rate and customers.

    Window: [start, end] as inclusive local days; a missing bound is taken from the
    data span (local days of the first and last order, any status, unfiltered).
    - revenue = Σ order total of revenue orders (paid, shipped, completed) placed in
      the window; with a category, Σ quantity x unit price of that category's lines.
    - orders = revenue orders placed in the window (with a category: having ≥1 line
      of it).
    - average_order_value = revenue / orders, 0 when there are no orders.
    - completion_rate = completed orders / all orders placed in the window, any
      status; 0 when there are none.
    - customers = distinct customers with ≥1 revenue order placed in the window.
    - previous: the same figures for the window of equal length ending the day
      before start.
    All of it is one aggregate over both windows.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        empty = _figures({})
        return Summary(None, None, settings.CURRENCY, empty, empty)
    previous = window.previous()
    if use_rollups(level_kept=order_facts_cover(filters)):
        from ecomanalytics.rollups.kpi_answers import summary_row

        row = summary_row(filters=filters, window=window, previous=previous)
        return Summary(
            start=window.start,
            end=window.end,
            currency=settings.CURRENCY,
            current=_figures(row, "current"),
            previous=_figures(row, "previous"),
        )
    table = _order_rows(filters)
    status = table.field("status")
    is_revenue = Q(**{f"{status}__in": settings.REVENUE_STATUSES})
    is_completed = Q(**{status: OrderStatus.COMPLETED})
    distinct = bool(filters.category)

    aggregates: dict[str, Any] = {}
    for name, period in (("current", window), ("previous", previous)):
        placed = _placed_in(table, period)
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
            f"{name}_completed": Count(
                table.order_key, filter=placed & is_completed, distinct=distinct
            ),
            f"{name}_customers": Count(
                table.field("customer"), filter=placed & is_revenue, distinct=True
            ),
        }
    row = table.rows.filter(
        _placed_in(table, Window(previous.start, window.end))
    ).aggregate(**aggregates)
    return Summary(
        start=window.start,
        end=window.end,
        currency=settings.CURRENCY,
        current=_figures(row, "current"),
        previous=_figures(row, "previous"),
    )


def _figures(row: dict[str, Any], name: str = "") -> KpiFigures:
    def get(key: str) -> Any:
        return row.get(f"{name}_{key}") or 0

    revenue, orders = money(get("revenue")), get("orders")
    return KpiFigures(
        revenue=revenue,
        orders=orders,
        average_order_value=average(revenue, orders),
        completion_rate=ratio(get("completed"), get("all_orders")),
        customers=get("customers"),
    )


def revenue_over_time(
    *, filters: MetricFilters, granularity: Granularity = "month"
) -> RevenueSeries:
    """Revenue, revenue orders and average order value per day, ISO week or month.

    Buckets are local days, weeks starting Monday (labelled with the Monday) or
    calendar months (YYYY-MM) in the shop's time zone; every bucket touching the
    window is listed, zero-filled. revenue and orders are as in kpi_summary (category:
    that category's lines; orders with ≥1 of them). partial = the bucket's last day is
    today or later, or the bucket reaches outside the window.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return RevenueSeries(None, None, granularity, [])
    if use_rollups(level_kept=order_facts_cover(filters)):
        from ecomanalytics.rollups.kpi_answers import revenue_rows

        rows = revenue_rows(filters=filters, window=window, granularity=granularity)
    else:
        rows = _raw_revenue_rows(filters, window, granularity)
    by_bucket = {_local_day(row["bucket"]): row for row in rows}
    results = []
    for first, last in buckets(window, granularity):
        row = by_bucket.get(first, {})
        revenue, orders = money(row.get("revenue")), row.get("orders", 0)
        results.append(
            RevenuePeriod(
                period=label(first, granularity),
                revenue=revenue,
                orders=orders,
                average_order_value=average(revenue, orders),
                partial=is_partial(first, last, window),
            )
        )
    return RevenueSeries(window.start, window.end, granularity, results)


def _raw_revenue_rows(
    filters: MetricFilters, window: Window, granularity: Granularity
) -> QuerySet[Any]:
    table = _order_rows(filters)
    truncate = TRUNCATE[granularity](table.field("placed_at"), tzinfo=shop_tz())
    return (
        table.rows.filter(
            _placed_in(table, window),
            **{f"{table.field('status')}__in": settings.REVENUE_STATUSES},
        )
        .annotate(bucket=truncate)
        .values("bucket")
        .annotate(
            revenue=Sum(table.money_per_row, output_field=MONEY_SUM),
            orders=Count(table.order_key, distinct=bool(filters.category)),
        )
        .order_by("bucket")
    )


def _local_day(bucket: datetime | date) -> date:
    if isinstance(bucket, datetime):
        return bucket.astimezone(shop_tz()).date()
    return bucket


def _sessions_in(filters: MetricFilters, window: Window) -> QuerySet[WebSession]:
    since, until = window.bounds()
    return filter_sessions(WebSession.objects.all(), filters).filter(
        started_at__gte=since, started_at__lt=until
    )


def _raw_conversion_rows(filters: MetricFilters, window: Window) -> QuerySet[Any]:
    # Uncorrelated on purpose: the databases build the set of purchasing sessions
    # once (a hashed subplan on PostgreSQL) instead of probing per session.
    return (
        _sessions_in(filters, window)
        .values("traffic_source")
        .annotate(
            sessions=Count("id"),
            converted=Count("id", filter=Q(id__in=purchasing_sessions())),
        )
        .order_by("-sessions", "traffic_source")
    )


def conversion_by_source(*, filters: MetricFilters) -> Conversion:
    """Share of sessions with a purchase event, per traffic source and overall.

    A session belongs to the window when its start (started_at, its first event) falls
    in it; all its events count, whenever they happened. converted = the session has a
    purchase event, whatever became of the order. conversion_rate = converted_sessions
    / sessions. Only sources with sessions in the window are listed, most sessions
    first, then by source name. source, device and country are the session's.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return Conversion(None, None, [], SessionTotals(0, 0, 0.0))
    if use_rollups():
        from ecomanalytics.rollups.kpi_answers import conversion_rows

        rows = conversion_rows(filters=filters, window=window)
    else:
        rows = _raw_conversion_rows(filters, window)
    results = [
        SourceConversion(
            source=row["traffic_source"],
            sessions=row["sessions"],
            converted_sessions=row["converted"],
            conversion_rate=ratio(row["converted"], row["sessions"]),
        )
        for row in rows
    ]
    sessions = sum(result.sessions for result in results)
    converted = sum(result.converted_sessions for result in results)
    return Conversion(
        start=window.start,
        end=window.end,
        results=results,
        overall=SessionTotals(sessions, converted, ratio(converted, sessions)),
    )


def funnel(*, filters: MetricFilters) -> Funnel:
    """Sessions reaching each step of session → product_view → add_to_cart →
    begin_checkout → purchase.

    Closed and sequential: a session reaches step k when it has events of steps 2..k
    at non-decreasing times in that order (other events in between are allowed, no
    step may be skipped). Each step's time is the earliest event of its type at or
    after the previous step's time. Sessions belong to the window of their start.
    conversion_from_start = sessions at the step / sessions; conversion_from_previous
    = sessions at the step / sessions at the step before (1.0 for the first step).
    With no sessions every rate is 0.
    """
    window = resolve_window(filters.start, filters.end)
    counts = [0] * len(FUNNEL_STEPS)
    if window is not None and use_rollups():
        from ecomanalytics.rollups.kpi_answers import funnel_counts

        counts = funnel_counts(filters=filters, window=window)
    elif window is not None:
        sessions = annotate_funnel_progress(_sessions_in(filters, window))
        row = sessions.aggregate(
            session=Count("id"),
            **{step: Count(f"{step}_at") for step in FUNNEL_EVENTS},
        )
        counts = [row[step] for step in FUNNEL_STEPS]
    steps = [
        FunnelStep(
            step=step,
            sessions=count,
            conversion_from_start=ratio(count, counts[0]),
            conversion_from_previous=(
                ratio(count, counts[index - 1]) if index else ratio(count, counts[0])
            ),
        )
        for index, (step, count) in enumerate(zip(FUNNEL_STEPS, counts, strict=True))
    ]
    return Funnel(
        start=window.start if window else None,
        end=window.end if window else None,
        steps=steps,
    )
