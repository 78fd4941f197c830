"""KPI queries on the roll-up tables; they return the same rows as kpi.raw.

The order facts (with a category, the category facts) hold the sales terms, the
returns on the refunds' days, so the sums of a window's rows are its terms.

The KPI `customers` (distinct customers) is not additive across days: it is summed
from the chain links (rollups.models.ChainLinks), or counted on the raw orders when
two filters or more are given (the links keep single dimensions only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, F, Q, QuerySet, Sum, Value, When

from ecomanalytics.filters import (
    LEVEL_DIMENSIONS,
    MetricFilters,
    Table,
    column,
    given,
)
from ecomanalytics.money import SALES_TERMS, SalesTerms, money
from ecomanalytics.periods import Granularity, Window
from ecomanalytics.rollups.customer_funnel_facts import STEP_TIME_COLUMNS
from ecomanalytics.rollups.dimensions import (
    days,
    every_value,
    level_values,
    matching,
    single_filter,
    span,
)
from ecomanalytics.rollups.link_sums import customers_per_code, customers_per_window
from ecomanalytics.rollups.local_time import epoch_microseconds
from ecomanalytics.rollups.models import (
    ALL,
    LINE_SALES_TERMS,
    CategoryDay,
    CustomerFunnelSession,
    DiscountDay,
    FunnelDay,
    OrderDay,
    SessionDay,
    TimeToConvertDay,
)
from ecomanalytics.store.choices import OrderStatus

from . import raw
from .rows import (
    BucketCheckouts,
    BucketSessions,
    BucketTotals,
    CodeTotals,
    CustomerFunnelFigures,
    FunnelMoney,
    OrderTotals,
    SourceOrders,
    SourceSessions,
    SourceVisits,
    TransitionDurations,
)


def _order_facts(filters: MetricFilters) -> QuerySet[OrderDay] | QuerySet[CategoryDay]:
    """Per-order facts; with a category, the facts of that category's lines."""
    if filters.category:
        return CategoryDay.objects.filter(matching(filters, categories="all"))
    return OrderDay.objects.filter(matching(filters))


def _terms(filters: MetricFilters) -> tuple[str, ...]:
    """The sales terms the facts hold: lines have no shipping or taxes."""
    return LINE_SALES_TERMS if filters.category else SALES_TERMS


def _term_sums(filters: MetricFilters) -> dict[str, Sum]:
    return {f"total_{term}": Sum(term) for term in _terms(filters)}


def _terms_of(row: Mapping[str, Any]) -> SalesTerms:
    return SalesTerms.of({term: row.get(f"total_{term}") for term in SALES_TERMS})


def order_totals(
    *, filters: MetricFilters, windows: dict[str, Window]
) -> dict[str, OrderTotals]:
    """The OrderTotals of each (disjoint) window.

    The facts are summed per (window, status), a handful of rows, and the totals
    are added up from those: eight FILTERed sums over the same rows cost as much
    again in the ORM's compilation as the query itself (10 of 17 ms at 1M orders).
    """
    names = list(windows)
    spans = [span(windows[name]) for name in names]
    labelled = Case(
        *(
            When(rows, then=Value(name))
            for name, rows in zip(names, spans, strict=True)
        ),
        output_field=CharField(),
    )
    anywhere = Q()
    for rows in spans:
        anywhere |= rows
    per_status = (
        _order_facts(filters)
        .filter(anywhere)
        .annotate(window=labelled)
        .values("window", "status")
        .annotate(total_orders=Sum("orders"), **_term_sums(filters))
    )
    terms = dict.fromkeys(names, SalesTerms())
    counts = {name: dict.fromkeys(("orders", "all", "completed"), 0) for name in names}
    for facts in per_status:
        window_counts, count = counts[facts["window"]], facts["total_orders"]
        window_counts["all"] += count
        if facts["status"] in settings.REVENUE_STATUSES:
            terms[facts["window"]] += _terms_of(facts)
            window_counts["orders"] += count
        if facts["status"] == OrderStatus.COMPLETED:
            window_counts["completed"] += count
    customers = _customers(filters=filters, windows=windows)
    return {
        name: OrderTotals(
            terms=terms[name],
            orders=counts[name]["orders"],
            all_orders=counts[name]["all"],
            completed_orders=counts[name]["completed"],
            customers=customers[name],
        )
        for name in names
    }


def _customers(*, filters: MetricFilters, windows: dict[str, Window]) -> dict[str, int]:
    if single_filter(filters):
        return customers_per_window(filters, windows)
    return raw.customers(filters=filters, windows=windows)


def revenue_buckets(
    *, filters: MetricFilters, window: Window, granularity: Granularity
) -> list[BucketTotals]:
    rows = (
        _order_facts(filters)
        .filter(
            span(window) if granularity == "month" else days(window),
            status__in=settings.REVENUE_STATUSES,
        )
        .values(bucket_day=F(granularity))
        .annotate(total_orders=Sum("orders"), **_term_sums(filters))
        .order_by("bucket_day")
    )
    return [
        BucketTotals(
            bucket=row["bucket_day"], terms=_terms_of(row), orders=row["total_orders"]
        )
        for row in rows
    ]


def sessions_by_source(
    *, filters: MetricFilters, window: Window
) -> list[SourceSessions]:
    rows = (
        SessionDay.objects.filter(matching(filters, each_source=True), span(window))
        .values("traffic_source")
        .annotate(total_sessions=Sum("sessions"), total_converted=Sum("converted"))
        .order_by("-total_sessions", "traffic_source")
    )
    return [
        SourceSessions(
            row["traffic_source"], row["total_sessions"], row["total_converted"]
        )
        for row in rows
    ]


def discount_code_totals(*, filters: MetricFilters, window: Window) -> list[CodeTotals]:
    """The discount facts of the window summed per codes value (orders and refunds
    alike), customers from the per-code chain links. The facts and links keep no
    filter or one of source, device, country (dimensions.one_dimension_facts_cover)."""
    rows = (
        DiscountDay.objects.filter(
            matching(filters), span(window), status__in=settings.REVENUE_STATUSES
        )
        .values("discount_codes")
        .annotate(
            total_orders=Sum("orders"),
            total_new=Sum("new_customer_orders"),
            total_gross=Sum("gross_sales"),
            total_discounts=Sum("discounts"),
            total_returns=Sum("returns"),
        )
        .order_by()
    )
    customers = customers_per_code(filters, window)
    return [
        CodeTotals(
            code=row["discount_codes"],
            orders=row["total_orders"],
            customers=customers.get(row["discount_codes"], 0),
            new_customers=row["total_new"],
            gross_sales=money(row["total_gross"]),
            discounts=money(row["total_discounts"]),
            returns=money(row["total_returns"]),
        )
        for row in rows
    ]


def _window_of_row(windows: dict[str, Window]) -> tuple[Q, Case]:
    """The rows of any of the windows, and the name of the window each lies in."""
    anywhere = Q(pk__in=[])
    cases = []
    for name, period in windows.items():
        anywhere |= span(period)
        cases.append(When(span(period), then=Value(name)))
    return anywhere, Case(*cases, output_field=CharField())


def orders_by_source(
    *, filters: MetricFilters, windows: dict[str, Window]
) -> list[SourceOrders]:
    """The revenue orders' facts per (window, source): every source's rows of the
    filters' level."""
    anywhere, labelled = _window_of_row(windows)
    rows = (
        OrderDay.objects.filter(
            matching(filters, each_source=True),
            anywhere,
            status__in=settings.REVENUE_STATUSES,
        )
        .annotate(window=labelled)
        .values("window", "traffic_source")
        .annotate(total_orders=Sum("orders"), **_term_sums(filters))
        .order_by("window", "traffic_source")
    )
    return [
        SourceOrders(
            row["window"], row["traffic_source"], _terms_of(row), row["total_orders"]
        )
        for row in rows
    ]


def sessions_per_source(
    *, filters: MetricFilters, windows: dict[str, Window]
) -> list[SourceVisits]:
    anywhere, labelled = _window_of_row(windows)
    rows = (
        SessionDay.objects.filter(matching(filters, each_source=True), anywhere)
        .annotate(window=labelled)
        .values("window", "traffic_source")
        .annotate(total_sessions=Sum("sessions"))
        .order_by("window", "traffic_source")
    )
    return [
        SourceVisits(row["window"], row["traffic_source"], row["total_sessions"])
        for row in rows
    ]


def _breakdown_level(filters: MetricFilters, breakdown: str | None) -> Q:
    """The rows of the filters' level, with every value of the breakdown dimension
    (its filter's alone when it is filtered too) instead of its ALL rows."""
    level = level_values(filters)
    if level is None:
        return Q(pk__in=[])
    column = raw.BREAKDOWN_COLUMNS[breakdown] if breakdown else None
    condition = Q()
    for dimension, value in level.items():
        if dimension == column and value == ALL:
            condition &= every_value(dimension)
        else:
            condition &= Q(**{dimension: value})
    return condition


def funnel_money(
    *, filters: MetricFilters, window: Window, breakdown: str | None
) -> list[FunnelMoney]:
    column = raw.BREAKDOWN_COLUMNS[breakdown] if breakdown else None
    group = F(column) if column else Value("")
    rows = (
        FunnelDay.objects.filter(_breakdown_level(filters, breakdown), span(window))
        .annotate(group=group)
        .values("group", "funnel_step")
        .annotate(
            total_sessions=Sum("sessions"),
            total_unconverted_sessions=Sum("unconverted_sessions"),
            total_cart_units=Sum("cart_units"),
            total_cart_value=Sum("cart_value"),
            total_orders=Sum("orders"),
            **_term_sums(filters),
        )
        .order_by()
    )
    return [
        FunnelMoney(
            group=row["group"],
            furthest_step=row["funnel_step"],
            sessions=row["total_sessions"],
            unconverted_sessions=row["total_unconverted_sessions"],
            cart_units=row["total_cart_units"],
            cart_value=money(row["total_cart_value"]),
            orders=row["total_orders"],
            terms=_terms_of(row),
        )
        for row in rows
    ]


def _bucket_rows(window: Window, granularity: Granularity) -> Q:
    return span(window) if granularity == "month" else days(window)


def session_buckets(
    *, filters: MetricFilters, window: Window, granularity: Granularity, by_source: bool
) -> list[BucketSessions]:
    group = F("traffic_source") if by_source else Value("")
    rows = (
        SessionDay.objects.filter(
            matching(filters, each_source=by_source), _bucket_rows(window, granularity)
        )
        .annotate(bucket_day=F(granularity), group=group)
        .values("bucket_day", "group")
        .annotate(total_sessions=Sum("sessions"), total_converted=Sum("converted"))
        .order_by("bucket_day", "group")
    )
    return [
        BucketSessions(
            row["bucket_day"],
            row["group"],
            row["total_sessions"],
            row["total_converted"],
        )
        for row in rows
    ]


def checkout_buckets(
    *, filters: MetricFilters, window: Window, granularity: Granularity
) -> list[BucketCheckouts]:
    """The funnel facts of the sessions whose furthest step is begin_checkout or
    further (those that purchased hold no carts and no unconverted sessions)."""
    rows = (
        FunnelDay.objects.filter(
            matching(filters),
            _bucket_rows(window, granularity),
            funnel_step__gte=raw.CHECKOUT_STEP,
        )
        .values(bucket_day=F(granularity))
        .annotate(
            total_checkouts=Sum("sessions"),
            total_abandoned=Sum("unconverted_sessions"),
            total_cart_units=Sum("cart_units"),
            total_cart_value=Sum("cart_value"),
        )
        .order_by("bucket_day")
    )
    return [
        BucketCheckouts(
            bucket=row["bucket_day"],
            checkouts=row["total_checkouts"],
            abandoned=row["total_abandoned"],
            cart_units=row["total_cart_units"],
            cart_value=money(row["total_cart_value"]),
        )
        for row in rows
    ]


def transition_durations(
    *, filters: MetricFilters, window: Window
) -> list[TransitionDurations]:
    """The time-to-convert facts of the filters' level over the window: month rows
    for its whole months, day rows at its edges."""
    rows = (
        TimeToConvertDay.objects.filter(matching(filters), span(window))
        .values("transition", "seconds")
        .annotate(total_sessions=Sum("sessions"))
        .order_by()
    )
    return [
        TransitionDurations(row["transition"], row["seconds"], row["total_sessions"])
        for row in rows
    ]


def customer_funnel(
    *, filters: MetricFilters, window: Window, window_days: int
) -> CustomerFunnelFigures:
    """The customer funnel chained over the roll-up's sessions of known customers
    (one row per session instead of its events), by the raw path's statement; the
    anonymous sessions are the window's sessions (SessionDay, which keeps every
    combination of filters) minus the known ones."""
    since, until = window.bounds()
    dimensions = {
        column(Table.LEVELS, name): value
        for name, value in given(filters, names=LEVEL_DIMENSIONS).items()
    }
    journeys = CustomerFunnelSession.objects.filter(
        started_us__gte=epoch_microseconds(since),
        started_us__lt=epoch_microseconds(until + timedelta(days=window_days)),
        **dimensions,
    ).values("customer_id", "started_us", *STEP_TIME_COLUMNS)
    reached, known_sessions = raw.chained_customer_steps(
        journeys, window=window, window_days=window_days
    )
    sessions = SessionDay.objects.filter(matching(filters), span(window)).aggregate(
        total=Sum("sessions")
    )["total"]
    return CustomerFunnelFigures(
        reached, known_sessions, (sessions or 0) - known_sessions
    )
