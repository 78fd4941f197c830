"""KPI queries on the raw tables (orders, order lines, refunds, refund lines, sessions,
events).

Each returns the rows of kpi.rows, so kpi.metrics finishes both paths alike. Money
comes as sales terms: the orders' (with a category, the lines') by the day they were
placed, the refunds' returns by the day they were given, in one statement per query
(ecomanalytics.sales.added_up).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from ecomanalytics.filters import (
    LEVEL_DIMENSIONS,
    MetricFilters,
    Table,
    column,
    filter_rows,
    filter_sessions,
    given,
)
from ecomanalytics.money import SALES_TERMS, ZERO_MONEY, SalesTerms, money
from ecomanalytics.periods import Granularity, Window, shop_tz
from ecomanalytics.rollups.customer_funnel_facts import (
    STEP_TIME_COLUMNS,
    session_step_times,
)
from ecomanalytics.rollups.local_time import epoch_microseconds
from ecomanalytics.rollups.ttc_facts import gridded_durations
from ecomanalytics.sales import (
    added_up,
    order_rows,
    sales_rows,
    summed_per_key,
    term_sums,
)
from ecomanalytics.store.choices import FUNNEL_EVENT_STEPS, EventType, OrderStatus
from ecomanalytics.store.models import Order, Refund, SessionEvent, WebSession
from ecomanalytics.store.session_progress import (
    purchasing_sessions,
)

from .rows import (
    BucketCheckouts,
    BucketSessions,
    BucketTotals,
    CartLine,
    CheckoutSession,
    CodeTotals,
    CustomerFunnelFigures,
    FunnelMoney,
    OrderTotals,
    SourceOrders,
    SourceSessions,
    SourceVisits,
    TransitionDurations,
)

FUNNEL_EVENTS: tuple[str, ...] = tuple(str(step) for step in FUNNEL_EVENT_STEPS)
TRUNCATE = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


ORDER_COUNTS = ("orders", "all_orders", "completed_orders", "customers")
MEASURES = (*SALES_TERMS, *ORDER_COUNTS)


def _labelled(windows: dict[str, Window], within: Callable[[Window], Q]) -> Case:
    """The name of the window each row lies in."""
    return Case(
        *(When(within(period), then=Value(name)) for name, period in windows.items()),
        output_field=CharField(),
    )


def order_totals(
    *, filters: MetricFilters, windows: dict[str, Window]
) -> dict[str, OrderTotals]:
    """The OrderTotals of each (disjoint) window, in one statement: the orders (with
    a category, its lines) placed in the windows grouped by window, and the refunds
    given in them, added up per window."""
    table = sales_rows(filters)
    is_revenue = Q(**{f"{table.status()}__in": settings.REVENUE_STATUSES})
    is_completed = Q(**{table.status(): OrderStatus.COMPLETED})
    spanning = _spanning(windows)
    distinct = table.lines
    sales = (
        table.sales.filter(table.placed_in(spanning))
        .annotate(window=_labelled(windows, table.placed_in))
        .values("window")
    )
    refunds = (
        table.revenue_refunds()
        .filter(table.refunded_in(spanning))
        .annotate(window=_labelled(windows, table.refunded_in))
        .values("window")
    )
    order_sums = {
        **table.term_sums(is_revenue),
        "orders": Count(table.order_key, filter=is_revenue, distinct=distinct),
        "all_orders": Count(table.order_key, distinct=distinct),
        "completed_orders": Count(
            table.order_key, filter=is_completed, distinct=distinct
        ),
        "customers": Count(table.customer(), filter=is_revenue, distinct=True),
    }
    rows = added_up([(sales, order_sums), (refunds, table.return_sums())])
    sums = summed_per_key(rows, lambda row: row["window"], MEASURES)
    return {name: _order_totals(sums.get(name, {})) for name in windows}


def _order_totals(sums: dict[str, Any]) -> OrderTotals:
    return OrderTotals(
        terms=SalesTerms.of(sums),
        **{count: sums.get(count, 0) for count in ORDER_COUNTS},
    )


def _in_any(windows: dict[str, Window], within: Callable[[Window], Q]) -> Q:
    """Rows in one of the windows (which need not touch: a year apart)."""
    condition = Q(pk__in=[])
    for period in windows.values():
        condition |= within(period)
    return condition


def orders_by_source(
    *, filters: MetricFilters, windows: dict[str, Window]
) -> list[SourceOrders]:
    """Per (window, order's traffic source): the sales terms and count of the revenue
    orders placed in it and the returns of the refunds given in it, one statement."""
    table = order_rows(filters)
    sales = (
        table.revenue_sales()
        .filter(_in_any(windows, table.placed_in))
        .annotate(
            window=_labelled(windows, table.placed_in), order_source=F("traffic_source")
        )
        .values("window", "order_source")
    )
    refunds = (
        table.revenue_refunds()
        .filter(_in_any(windows, table.refunded_in))
        .annotate(
            window=_labelled(windows, table.refunded_in),
            order_source=F("order__traffic_source"),
        )
        .values("window", "order_source")
    )
    rows = added_up(
        [
            (sales, {**table.term_sums(), "orders": Count("id")}),
            (refunds, table.return_sums()),
        ]
    )
    sums = summed_per_key(
        rows, lambda row: (row["window"], row["order_source"]), MEASURES
    )
    return [
        SourceOrders(window, source, SalesTerms.of(row), row["orders"])
        for (window, source), row in sorted(sums.items())
    ]


def sessions_per_source(
    *, filters: MetricFilters, windows: dict[str, Window]
) -> list[SourceVisits]:
    """Sessions started in each window per the session's traffic source."""

    def started_in(period: Window) -> Q:
        since, until = period.bounds()
        return Q(started_at__gte=since, started_at__lt=until)

    rows = (
        filter_sessions(WebSession.objects.all(), filters)
        .filter(_in_any(windows, started_in))
        .annotate(window=_labelled(windows, started_in))
        .values("window", "traffic_source")
        .annotate(sessions=Count("id"))
        .order_by("window", "traffic_source")
    )
    return [
        SourceVisits(row["window"], row["traffic_source"], row["sessions"])
        for row in rows
    ]


def _spanning(windows: dict[str, Window]) -> Window:
    """The one window from the first window's start to the last one's end: a single
    range of the placed_at index, the windows told apart by a CASE."""
    return Window(
        min(period.start for period in windows.values()),
        max(period.end for period in windows.values()),
    )


def customers(*, filters: MetricFilters, windows: dict[str, Window]) -> dict[str, int]:
    """Distinct customers with a revenue order in each window (one indexed query)."""
    table = sales_rows(filters)
    row = (
        table.revenue_sales()
        .filter(table.placed_in(_spanning(windows)))
        .aggregate(
            **{
                name: Count(
                    table.customer(), filter=table.placed_in(period), distinct=True
                )
                for name, period in windows.items()
            }
        )
    )
    return {name: row[name] for name in windows}


def revenue_buckets(
    *, filters: MetricFilters, window: Window, granularity: Granularity
) -> list[BucketTotals]:
    """Per bucket: the sales terms and count of the revenue orders placed in it (with
    a category, of its lines) and the returns of the refunds given in it."""
    table = sales_rows(filters)
    truncate = TRUNCATE[granularity]
    sales = (
        table.revenue_sales()
        .filter(table.placed_in(window))
        .annotate(bucket=truncate(table.placed_at(), tzinfo=shop_tz()))
        .values("bucket")
    )
    refunds = (
        table.revenue_refunds()
        .filter(table.refunded_in(window))
        .annotate(bucket=truncate(table.refunded_at, tzinfo=shop_tz()))
        .values("bucket")
    )
    orders = Count(table.order_key, distinct=table.lines)
    rows = added_up(
        [
            (sales, {**table.term_sums(), "orders": orders}),
            (refunds, table.return_sums()),
        ]
    )
    sums = summed_per_key(rows, lambda row: _local_day(row["bucket"]), MEASURES)
    return [
        BucketTotals(bucket=bucket, terms=SalesTerms.of(row), orders=row["orders"])
        for bucket, row in sorted(sums.items())
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


def _code_orders(filters: MetricFilters, window: Window) -> QuerySet[Order]:
    """Revenue orders placed in the window matching source, device and country
    (category does not apply to the discount-codes report)."""
    since, until = window.bounds()
    return filter_rows(
        Order.objects.revenue(), filters, Table.ORDERS, names=LEVEL_DIMENSIONS
    ).filter(placed_at__gte=since, placed_at__lt=until)


def _acquisition_orders(orders: QuerySet[Order]) -> QuerySet[Order]:
    """The orders that are their customer's first revenue order ever (placed_at,
    then id), the cohorts' acquisition order: no earlier revenue order exists.

    In WHERE, not as an aggregate's FILTER: there the databases can answer it with
    one anti-join (175 ms at 100k orders on PostgreSQL) instead of a probe per order
    (850 ms).
    """
    earlier = Order.objects.revenue().filter(
        Q(placed_at__lt=OuterRef("placed_at")) | Q(pk__lt=OuterRef("pk")),
        customer_id=OuterRef("customer_id"),
        # Redundant with the OR, but a range of the (customer, placed_at) index.
        placed_at__lte=OuterRef("placed_at"),
    )
    return orders.filter(~Exists(earlier))


def _refunds(filters: MetricFilters, window: Window) -> QuerySet[Refund]:
    """Refunds given in the window on revenue orders matching the filters."""
    since, until = window.bounds()
    order_filters = {
        f"order__{column(Table.ORDERS, name)}": value
        for name, value in given(filters, names=LEVEL_DIMENSIONS).items()
    }
    return Refund.objects.filter(
        refunded_at__gte=since,
        refunded_at__lt=until,
        order__status__in=settings.REVENUE_STATUSES,
        **order_filters,
    )


def discount_code_totals(*, filters: MetricFilters, window: Window) -> list[CodeTotals]:
    """Per discount-codes value: the revenue orders placed in the window, their
    acquisition orders, and the refunds of that value's revenue orders given in the
    window (three grouped queries)."""
    orders = _code_orders(filters, window)
    per_code = (
        orders.values("discount_codes")
        .annotate(
            orders=Count("id"),
            customers=Count("customer_id", distinct=True),
            gross_sales=Sum("total"),
            discounts=Sum("discount"),
        )
        .order_by()
    )
    new_customers = dict(
        _acquisition_orders(orders)
        .values("discount_codes")
        .annotate(new=Count("id"))
        .values_list("discount_codes", "new")
        .order_by()
    )
    refunds = (
        _refunds(filters, window)
        .values(code=F("order__discount_codes"))
        .annotate(returns=Sum("amount"))
        .order_by()
    )
    returns = {row["code"]: money(row["returns"]) for row in refunds}
    totals = [
        CodeTotals(
            code=row["discount_codes"],
            orders=row["orders"],
            customers=row["customers"],
            new_customers=new_customers.get(row["discount_codes"], 0),
            gross_sales=money(row["gross_sales"]),
            discounts=money(row["discounts"]),
            returns=returns.pop(row["discount_codes"], ZERO_MONEY),
        )
        for row in per_code
    ]
    # Values whose orders lie outside the window but were refunded in it.
    return totals + [
        CodeTotals(code, 0, 0, 0, ZERO_MONEY, ZERO_MONEY, refunded)
        for code, refunded in returns.items()
    ]


# The session columns a funnel breakdown groups by.
BREAKDOWN_COLUMNS = {
    "source": "traffic_source",
    "device": "device",
    "country": "country",
}
FUNNEL_MONEY = (
    "sessions",
    "unconverted_sessions",
    "cart_units",
    "cart_value",
    "orders",
    *SALES_TERMS,
)
EVENT_ORDER_TERMS = {
    "gross_sales": F("order__total"),
    "discounts": F("order__discount"),
    "shipping": F("order__shipping"),
    "taxes": F("order__tax"),
}


def funnel_money(
    *, filters: MetricFilters, window: Window, breakdown: str | None
) -> list[FunnelMoney]:
    """Per (breakdown value, furthest step): the sessions started in the window,
    the add-to-cart events of those without a purchase, the revenue orders of their
    purchase events and the refunds of those orders given in the window, whenever
    the session (one UNION ALL). The furthest step is WebSession.funnel_step, which
    session_progress keeps from the events by the funnel's definition."""
    since, until = window.bounds()
    started = _sessions_in(filters, window)
    events = SessionEvent.objects.order_by().filter(session__in=started.values("id"))

    def keyed(rows: QuerySet[Any], path: str) -> QuerySet[Any]:
        group = F(f"{path}{BREAKDOWN_COLUMNS[breakdown]}") if breakdown else Value("")
        return rows.annotate(group=group, furthest_step=F(f"{path}funnel_step")).values(
            "group", "furthest_step"
        )

    purchases = SessionEvent.objects.order_by().filter(
        event_type=EventType.PURCHASE, order__status__in=settings.REVENUE_STATUSES
    )
    refunded = purchases.filter(
        session__in=filter_sessions(WebSession.objects.all(), filters).values("id"),
        order__refunds__refunded_at__gte=since,
        order__refunds__refunded_at__lt=until,
    )
    rows = added_up(
        [
            (
                keyed(started.order_by(), ""),
                {
                    "sessions": Count("id"),
                    "unconverted_sessions": Count("id", filter=Q(converted=False)),
                },
            ),
            (
                keyed(
                    events.filter(
                        event_type=EventType.ADD_TO_CART, session__converted=False
                    ),
                    "session__",
                ),
                {"cart_units": Count("id"), "cart_value": Sum("product__list_price")},
            ),
            (
                keyed(purchases.filter(session__in=started.values("id")), "session__"),
                {"orders": Count("id"), **term_sums(EVENT_ORDER_TERMS)},
            ),
            (
                keyed(refunded, "session__"),
                {"returns": Sum(F("order__refunds__amount"))},
            ),
        ],
        money=(*SALES_TERMS, "cart_value"),
    )
    sums = summed_per_key(
        rows, lambda row: (row["group"], row["furthest_step"]), FUNNEL_MONEY
    )
    return [_funnel_money(group, step, row) for (group, step), row in sums.items()]


def _funnel_money(group: str, step: int, row: dict[str, Any]) -> FunnelMoney:
    return FunnelMoney(
        group=group,
        furthest_step=step,
        sessions=row["sessions"],
        unconverted_sessions=row["unconverted_sessions"],
        cart_units=row["cart_units"],
        cart_value=money(row["cart_value"]),
        orders=row["orders"],
        terms=SalesTerms.of(row),
    )


# The funnel step number of begin_checkout (WebSession.funnel_step).
CHECKOUT_STEP = FUNNEL_EVENTS.index("begin_checkout") + 1


def session_buckets(
    *, filters: MetricFilters, window: Window, granularity: Granularity, by_source: bool
) -> list[BucketSessions]:
    """Sessions and converted sessions per bucket of their start (and source)."""
    truncate = TRUNCATE[granularity]
    group = F("traffic_source") if by_source else Value("")
    rows = (
        _sessions_in(filters, window)
        .annotate(bucket=truncate("started_at", tzinfo=shop_tz()), group=group)
        .values("bucket", "group")
        .annotate(
            sessions=Count("id"),
            converted=Count("id", filter=Q(id__in=purchasing_sessions())),
        )
        .order_by("bucket", "group")
    )
    return [
        BucketSessions(
            _local_day(row["bucket"]), row["group"], row["sessions"], row["converted"]
        )
        for row in rows
    ]


def checkout_buckets(
    *, filters: MetricFilters, window: Window, granularity: Granularity
) -> list[BucketCheckouts]:
    """Per bucket of the session's start: sessions at begin_checkout, those without
    a purchase event, and their add_to_cart events at list price (one UNION ALL)."""
    truncate = TRUNCATE[granularity]
    checkouts = _sessions_in(filters, window).filter(funnel_step__gte=CHECKOUT_STEP)
    abandoned_carts = SessionEvent.objects.order_by().filter(
        event_type=EventType.ADD_TO_CART,
        session__in=checkouts.filter(converted=False).values("id"),
    )
    rows = added_up(
        [
            (
                checkouts.order_by()
                .annotate(bucket=truncate("started_at", tzinfo=shop_tz()))
                .values("bucket"),
                {
                    "checkouts": Count("id"),
                    "abandoned": Count("id", filter=Q(converted=False)),
                },
            ),
            (
                abandoned_carts.annotate(
                    bucket=truncate("session__started_at", tzinfo=shop_tz())
                ).values("bucket"),
                {"cart_units": Count("id"), "cart_value": Sum("product__list_price")},
            ),
        ],
        money=("cart_value",),
    )
    sums = summed_per_key(
        rows,
        lambda row: _local_day(row["bucket"]),
        ("checkouts", "abandoned", "cart_units", "cart_value"),
    )
    return [
        BucketCheckouts(
            bucket=bucket,
            checkouts=row["checkouts"],
            abandoned=row["abandoned"],
            cart_units=row["cart_units"],
            cart_value=money(row["cart_value"]),
        )
        for bucket, row in sorted(sums.items())
    ]


def abandoned_checkout_sessions(
    *,
    filters: MetricFilters,
    window: Window,
    before: tuple[datetime, int] | None,
    limit: int,
) -> list[CheckoutSession]:
    """The latest sessions of known customers started in the window that reached
    begin_checkout without a purchase event, newest first (started_at, then id),
    from just before the cursor on: a keyset page of the (started_at) index."""
    sessions = _sessions_in(filters, window).filter(
        funnel_step__gte=CHECKOUT_STEP, converted=False, customer__isnull=False
    )
    if before is not None:
        started_at, session_id = before
        sessions = sessions.filter(
            Q(started_at__lt=started_at) | Q(started_at=started_at, id__lt=session_id)
        )
    rows = sessions.order_by("-started_at", "-id").values(
        "id",
        "external_id",
        "started_at",
        "traffic_source",
        "device",
        "customer__external_id",
        "customer__email",
    )[:limit]
    return [
        CheckoutSession(
            session_id=row["id"],
            session=row["external_id"],
            started_at=row["started_at"],
            source=row["traffic_source"],
            device=row["device"],
            customer=row["customer__external_id"],
            email=row["customer__email"],
        )
        for row in rows
    ]


def cart_lines(*, session_ids: list[int]) -> list[CartLine]:
    """The add_to_cart events of these sessions (one page) per product."""
    rows = (
        SessionEvent.objects.filter(
            session_id__in=session_ids,
            event_type=EventType.ADD_TO_CART,
            product__isnull=False,
        )
        .values("session_id", "product__sku", "product__name", "product__list_price")
        .annotate(units=Count("id"))
        .order_by("session_id", "product__sku")
    )
    return [
        CartLine(
            session_id=row["session_id"],
            sku=row["product__sku"],
            name=row["product__name"],
            list_price=money(row["product__list_price"]),
            units=row["units"],
        )
        for row in rows
    ]


def transition_durations(
    *, filters: MetricFilters, window: Window
) -> list[TransitionDurations]:
    """The sessions started in the window per transition and grid point of its
    duration: the very rounding the roll-up build applies (rollups.ttc_facts), in
    one statement."""
    return [
        TransitionDurations(transition, seconds, sessions)
        for transition, seconds, sessions in gridded_durations(
            _sessions_in(filters, window)
        )
    ]


# The customer funnel over one row per session (customer_id, started_us and the
# first time of each step in it, µs since 1970 UTC): t0 = each customer's first
# session start in the window; then each step's time is the earliest first time of
# that step, over the customer's sessions started within the conversion window, at
# or after the previous step's time and at most the window after t0. Chained
# aggregates, one grouped CTE per step; the journeys come from the shop tables
# (raw) or from the roll-up (rollup.customer_funnel), so both chain alike. The
# table and column names are constants; every value is a parameter.
ENTERED_SQL = """
WITH journey AS ({journeys}),
step0 AS (
    SELECT customer_id, MIN(started_us) AS t0, MIN(started_us) AS reached_us
    FROM journey
    WHERE started_us >= %s AND started_us < %s
    GROUP BY customer_id
),
reach AS (
    SELECT j.*, e.t0
    FROM journey j JOIN step0 e ON e.customer_id = j.customer_id
    WHERE j.started_us >= e.t0 AND j.started_us <= e.t0 + %s
)"""
STEP_SQL = """,
step{number} AS (
    SELECT p.customer_id, p.t0, MIN(r.{column}) AS reached_us
    FROM step{previous} p LEFT JOIN reach r
        ON r.customer_id = p.customer_id
        AND r.{column} >= p.reached_us AND r.{column} <= p.t0 + %s
    GROUP BY p.customer_id, p.t0
)"""
COUNTS_SQL = """
SELECT {counts},
    (SELECT COUNT(*) FROM journey WHERE started_us >= %s AND started_us < %s)"""


def chained_customer_steps(
    journeys: QuerySet[Any], *, window: Window, window_days: int
) -> tuple[tuple[int, ...], int]:
    """The customers at each step of the customer funnel, and the sessions of the
    journeys started in the window (one statement)."""
    since, until = (epoch_microseconds(edge) for edge in window.bounds())
    conversion_window = window_days * 24 * 3600 * 1_000_000
    journeys_sql, journeys_params = journeys.query.get_compiler(
        using=journeys.db
    ).as_sql()
    sql = ENTERED_SQL.format(journeys=journeys_sql)
    params: list[Any] = [*journeys_params, since, until, conversion_window]
    for number, step_time in enumerate(STEP_TIME_COLUMNS, start=1):
        sql += STEP_SQL.format(number=number, previous=number - 1, column=step_time)
        params.append(conversion_window)
    counts = ", ".join(
        f"(SELECT COUNT(reached_us) FROM step{number})"
        for number in range(len(STEP_TIME_COLUMNS) + 1)
    )
    sql += COUNTS_SQL.format(counts=counts)
    params += [since, until]
    with connections[journeys.db].cursor() as cursor:
        cursor.execute(sql, params)
        *reached, known_sessions = cursor.fetchone()
    return tuple(reached), known_sessions


def customer_funnel(
    *, filters: MetricFilters, window: Window, window_days: int
) -> CustomerFunnelFigures:
    """The customer funnel from the sessions and events: the sessions that may count
    (started from the window's start to window_days after its end) reduced to their
    per-session first step times, chained; and the anonymous sessions of the window
    counted."""
    since, until = window.bounds()
    sessions = filter_sessions(WebSession.objects.all(), filters).filter(
        started_at__gte=since, started_at__lt=until + timedelta(days=window_days)
    )
    reached, known_sessions = chained_customer_steps(
        session_step_times(sessions), window=window, window_days=window_days
    )
    anonymous = _sessions_in(filters, window).filter(customer__isnull=True).count()
    return CustomerFunnelFigures(reached, known_sessions, anonymous)
