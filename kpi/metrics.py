"""Headline metrics of the shop: the KPI summary, revenue over time, conversion, funnel.

Each function resolves the window, picks the path (rollups.status.use_rollups), asks
kpi.raw or kpi.rollup for the same typed rows (kpi.rows) and finishes them into
frozen dataclasses. Revenue is the rows' sales terms added up as
settings.REVENUE_MEASURE (ecomanalytics.money), here, so both paths share it. Definitions: kpi.catalogue (rendered into docs/metrics.md); money
is Decimal cents, rates are unrounded floats and None where the denominator is 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Literal

from django.conf import settings

from ecomanalytics.filters import MetricFilters
from ecomanalytics.money import (
    ZERO_MONEY,
    RevenueMeasure,
    SalesTerms,
    average,
    rate,
    revenue_measure,
)
from ecomanalytics.periods import (
    Granularity,
    Window,
    buckets,
    is_partial,
    label,
    resolve_window,
)
from ecomanalytics.rollups.dimensions import (
    one_dimension_facts_cover,
    order_facts_cover,
)
from ecomanalytics.rollups.status import use_rollups
from ecomanalytics.rollups.ttc_facts import TRANSITIONS

from . import catalogue, raw, rollup
from .decomposition import Effects, PeriodVolume, decompose
from .rows import (
    NO_ORDERS,
    BucketCheckouts,
    BucketSessions,
    BucketTotals,
    CartLine,
    CodeTotals,
    CustomerFunnelFigures,
    FunnelMoney,
    OrderTotals,
    SourceOrders,
    SourceSessions,
    SourceVisits,
    TransitionDurations,
)

Compare = Literal["previous_period", "previous_year"]
FUNNEL_EVENTS = raw.FUNNEL_EVENTS
FUNNEL_STEPS: tuple[str, ...] = ("session", *FUNNEL_EVENTS)
DEFAULT_WINDOW_DAYS = int(catalogue.WINDOW_DAYS.default)
NO_CUSTOMER_FUNNEL = CustomerFunnelFigures(
    reached=(0,) * len(FUNNEL_STEPS), known_sessions=0, anonymous_sessions=0
)


@dataclass(frozen=True, slots=True)
class KpiFigures:
    start: date | None
    end: date | None
    revenue: Decimal
    orders: int
    average_order_value: Decimal
    completed_orders: int
    all_orders: int
    completion_rate: float | None  # completed_orders / all_orders
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
    # compare: the compared window's buckets, aligned with results by position.
    compare: str | None = None
    compare_start: date | None = None
    compare_end: date | None = None
    compared: list[RevenuePeriod] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SalesFigures:
    """Shopify's Sales report breakdown: gross sales - discounts - returns = net
    sales; + shipping + taxes = total sales; and the revenue orders placed."""

    gross_sales: Decimal
    discounts: Decimal
    returns: Decimal
    net_sales: Decimal
    shipping: Decimal
    taxes: Decimal
    total_sales: Decimal
    orders: int

    @classmethod
    def of(cls, terms: SalesTerms, orders: int) -> SalesFigures:
        return cls(
            gross_sales=terms.gross_sales,
            discounts=terms.discounts,
            returns=terms.returns,
            net_sales=terms.net_sales,
            shipping=terms.shipping,
            taxes=terms.taxes,
            total_sales=terms.total_sales,
            orders=orders,
        )


NO_SALES = SalesFigures.of(SalesTerms(), 0)


@dataclass(frozen=True, slots=True)
class SalesWindow:
    start: date | None
    end: date | None
    figures: SalesFigures


@dataclass(frozen=True, slots=True)
class SalesPeriod:
    period: str
    partial: bool
    figures: SalesFigures


@dataclass(frozen=True, slots=True)
class SalesBreakdown:
    """The sales terms of the window, of the equal window before it, and per bucket."""

    start: date | None
    end: date | None
    granularity: Granularity
    currency: str
    revenue_measure: RevenueMeasure
    totals: SalesFigures
    previous: SalesWindow
    results: list[SalesPeriod]


@dataclass(frozen=True, slots=True)
class SourceConversion:
    source: str
    sessions: int
    converted_sessions: int
    conversion_rate: float | None


@dataclass(frozen=True, slots=True)
class SessionTotals:
    sessions: int
    converted_sessions: int
    conversion_rate: float | None


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
    conversion_from_start: float | None
    conversion_from_previous: float | None
    # The revenue orders of the purchase events of the sessions at the step.
    orders: int = 0
    revenue: Decimal = ZERO_MONEY
    revenue_per_session: Decimal = ZERO_MONEY  # revenue / sessions, 0 without
    # Value left behind, add_to_cart and begin_checkout only (None elsewhere): the
    # sessions at the step without a purchase event, and their add_to_cart events
    # at list price.
    abandoned_sessions: int | None = None
    abandoned_cart_units: int | None = None
    abandoned_cart_value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FunnelGroup:
    """The whole funnel of one value of the breakdown dimension."""

    value: str
    steps: list[FunnelStep]


@dataclass(frozen=True, slots=True)
class Funnel:
    start: date | None
    end: date | None
    steps: list[FunnelStep]
    breakdown: str | None = None
    groups: list[FunnelGroup] = field(default_factory=list)


def kpi_summary(*, filters: MetricFilters) -> Summary:
    """Revenue, orders, average order value, completion rate and customers.

    Definition: kpi.catalogue.SUMMARY. Revenue: the REVENUE_MEASURE of the revenue
    orders placed in the window, returns of the refunds given in it. Window: [start, end] as inclusive local days;
    a missing bound is taken from the data span. previous: the window of equal
    length ending the day before start. One aggregate over both windows.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        empty = _figures(None, NO_ORDERS)
        return Summary(None, None, settings.CURRENCY, empty, empty)
    windows = {"current": window, "previous": window.previous()}
    path = rollup if use_rollups(level_kept=order_facts_cover(filters)) else raw
    totals = path.order_totals(filters=filters, windows=windows)
    return Summary(
        start=window.start,
        end=window.end,
        currency=settings.CURRENCY,
        current=_figures(window, totals["current"]),
        previous=_figures(windows["previous"], totals["previous"]),
    )


def _figures(window: Window | None, totals: OrderTotals) -> KpiFigures:
    revenue = totals.terms.revenue()
    return KpiFigures(
        start=window.start if window else None,
        end=window.end if window else None,
        revenue=revenue,
        orders=totals.orders,
        average_order_value=average(revenue, totals.orders),
        completed_orders=totals.completed_orders,
        all_orders=totals.all_orders,
        completion_rate=rate(totals.completed_orders, totals.all_orders),
        customers=totals.customers,
    )


def revenue_over_time(
    *,
    filters: MetricFilters,
    granularity: Granularity = "month",
    compare: Compare | None = None,
) -> RevenueSeries:
    """Revenue, revenue orders and average order value per day, ISO week or month.

    Definition: kpi.catalogue.REVENUE. Every bucket touching the window is listed,
    zero-filled; partial = the bucket's last day is today or later, or the bucket
    reaches outside the window. compare adds the compared window's buckets
    (compared_window), aligned by position.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return RevenueSeries(None, None, granularity, [], compare)
    path = rollup if use_rollups(level_kept=order_facts_cover(filters)) else raw
    results = _revenue_periods(path, filters, window, granularity)
    if compare is None:
        return RevenueSeries(window.start, window.end, granularity, results)
    before = compared_window(window, compare)
    return RevenueSeries(
        start=window.start,
        end=window.end,
        granularity=granularity,
        results=results,
        compare=compare,
        compare_start=before.start,
        compare_end=before.end,
        compared=_revenue_periods(path, filters, before, granularity),
    )


def _revenue_periods(
    path: ModuleType, filters: MetricFilters, window: Window, granularity: Granularity
) -> list[RevenuePeriod]:
    rows = path.revenue_buckets(filters=filters, window=window, granularity=granularity)
    by_bucket = {row.bucket: row for row in rows}
    measure = revenue_measure()
    results = []
    for first, last in buckets(window, granularity):
        row = by_bucket.get(first)
        revenue = row.terms.revenue(measure) if row else ZERO_MONEY
        orders = row.orders if row else 0
        results.append(
            RevenuePeriod(
                period=label(first, granularity),
                revenue=revenue,
                orders=orders,
                average_order_value=average(revenue, orders),
                partial=is_partial(first, last, window),
            )
        )
    return results


def sales_breakdown(
    *, filters: MetricFilters, granularity: Granularity = "month"
) -> SalesBreakdown:
    """Gross sales, discounts, returns, net sales, shipping, taxes, total sales and
    revenue orders of the window, of the equal window before it, and per bucket.

    Definition: kpi.catalogue.SALES. Sales terms of the revenue orders placed in the
    period; returns of the refunds given in it (refund date), whenever the order was
    placed. With a category: its lines, shipping and taxes 0. Every bucket touching
    the window is listed, zero-filled; partial as for revenue over time.
    """
    window = resolve_window(filters.start, filters.end)
    measure = revenue_measure()
    if window is None:
        return SalesBreakdown(
            start=None,
            end=None,
            granularity=granularity,
            currency=settings.CURRENCY,
            revenue_measure=measure,
            totals=NO_SALES,
            previous=SalesWindow(None, None, NO_SALES),
            results=[],
        )
    path = rollup if use_rollups(level_kept=order_facts_cover(filters)) else raw
    rows = path.revenue_buckets(filters=filters, window=window, granularity=granularity)
    by_bucket = {row.bucket: row for row in rows}
    before = window.previous()
    # Without a start the window begins on the first order's day, so the one before
    # it holds no sales and no returns (a refund follows its order): nothing to ask.
    previous = (
        path.revenue_buckets(filters=filters, window=before, granularity="month")
        if filters.start is not None
        else []
    )
    results = [
        SalesPeriod(
            period=label(first, granularity),
            partial=is_partial(first, last, window),
            figures=_bucket_figures(by_bucket.get(first)),
        )
        for first, last in buckets(window, granularity)
    ]
    return SalesBreakdown(
        start=window.start,
        end=window.end,
        granularity=granularity,
        currency=settings.CURRENCY,
        revenue_measure=measure,
        totals=_sales_figures(rows),
        previous=SalesWindow(before.start, before.end, _sales_figures(previous)),
        results=results,
    )


def _bucket_figures(row: BucketTotals | None) -> SalesFigures:
    return NO_SALES if row is None else SalesFigures.of(row.terms, row.orders)


def _sales_figures(rows: list[BucketTotals]) -> SalesFigures:
    """The figures of buckets added up (each order lies in one bucket, the day it
    was placed, so their orders add up too)."""
    terms = sum((row.terms for row in rows), SalesTerms())
    return SalesFigures.of(terms, sum(row.orders for row in rows))


def conversion_by_source(*, filters: MetricFilters) -> Conversion:
    """Share of sessions with a purchase event, per traffic source and overall.

    Definition: kpi.catalogue.CONVERSION. A session belongs to the window of its
    start; converted = it has a purchase event. Sources with sessions only, most
    sessions first, then by name.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return Conversion(None, None, [], SessionTotals(0, 0, None))
    path = rollup if use_rollups() else raw
    rows: list[SourceSessions] = path.sessions_by_source(filters=filters, window=window)
    results = [
        SourceConversion(
            source=row.source,
            sessions=row.sessions,
            converted_sessions=row.converted,
            conversion_rate=rate(row.converted, row.sessions),
        )
        for row in rows
    ]
    sessions = sum(row.sessions for row in rows)
    converted = sum(row.converted for row in rows)
    return Conversion(
        start=window.start,
        end=window.end,
        results=results,
        overall=SessionTotals(sessions, converted, rate(converted, sessions)),
    )


Breakdown = Literal["source", "device", "country"]
# The steps that leave value behind: a cart was filled.
CART_STEPS = ("add_to_cart", "begin_checkout")


def funnel(*, filters: MetricFilters, breakdown: Breakdown | None = None) -> Funnel:
    """Sessions reaching each step of session → product_view → add_to_cart →
    begin_checkout → purchase, closed and sequential, with the money of each step;
    with a breakdown, the same funnel per value of the session's dimension.

    Definition: kpi.catalogue.FUNNEL. conversion_from_start = sessions at the step /
    sessions; conversion_from_previous = sessions at the step / sessions at the step
    before (1.0 for the first step); None without sessions. A session is at step k
    when it got at least as far (WebSession.funnel_step >= k): the rows of each
    furthest step are added up from the step on. One grouped query.
    """
    window = resolve_window(filters.start, filters.end)
    rows = []
    if window is not None:
        path = rollup if use_rollups() else raw
        rows = path.funnel_money(filters=filters, window=window, breakdown=breakdown)
    measure = revenue_measure()
    groups = sorted({row.group for row in rows if row.sessions}) if breakdown else []
    return Funnel(
        start=window.start if window else None,
        end=window.end if window else None,
        steps=_funnel_steps(rows, measure),
        breakdown=breakdown,
        groups=[
            FunnelGroup(
                value,
                _funnel_steps([row for row in rows if row.group == value], measure),
            )
            for value in groups
        ],
    )


def _funnel_steps(rows: list[FunnelMoney], measure: RevenueMeasure) -> list[FunnelStep]:
    """The steps of the sessions of these rows: step k adds up the rows of the
    sessions whose furthest step is k or further."""
    reached = [
        [row for row in rows if row.furthest_step >= number]
        for number in range(len(FUNNEL_STEPS))
    ]
    counts = [sum(row.sessions for row in at_step) for at_step in reached]
    steps = []
    for number, (step, at_step) in enumerate(zip(FUNNEL_STEPS, reached, strict=True)):
        revenue = sum((row.terms for row in at_step), SalesTerms()).revenue(measure)
        left = step in CART_STEPS
        steps.append(
            FunnelStep(
                step=step,
                sessions=counts[number],
                conversion_from_start=rate(counts[number], counts[0]),
                conversion_from_previous=rate(
                    counts[number], counts[max(number - 1, 0)]
                ),
                orders=sum(row.orders for row in at_step),
                revenue=revenue,
                revenue_per_session=average(revenue, counts[number]),
                abandoned_sessions=(
                    sum(row.unconverted_sessions for row in at_step) if left else None
                ),
                abandoned_cart_units=(
                    sum(row.cart_units for row in at_step) if left else None
                ),
                abandoned_cart_value=(
                    sum((row.cart_value for row in at_step), ZERO_MONEY)
                    if left
                    else None
                ),
            )
        )
    return steps


@dataclass(frozen=True, slots=True)
class CustomerFunnelStep:
    step: str
    customers: int
    conversion_from_start: float | None
    conversion_from_previous: float | None
    # No money per step for customers (kpi.catalogue.FUNNEL): always None, so the
    # response keeps the session funnel's keys.
    orders: None = None
    revenue: None = None


@dataclass(frozen=True, slots=True)
class CustomerFunnel:
    """Known customers through the funnel steps across their sessions, each step
    within window_days of the customer's first session in the window (unit=customer).
    No money per step: see kpi.catalogue.FUNNEL."""

    start: date | None
    end: date | None
    window_days: int
    steps: list[CustomerFunnelStep]
    known_sessions: int  # sessions of known customers started in the window
    anonymous_sessions: int  # sessions without a customer started in it, left out


def customer_funnel(
    *, filters: MetricFilters, window_days: int = DEFAULT_WINDOW_DAYS
) -> CustomerFunnel:
    """Known customers reaching each step of session → product_view → add_to_cart →
    begin_checkout → purchase across their sessions, PostHog's person funnel with a
    conversion window.

    Definition: kpi.catalogue.FUNNEL (unit=customer). t0 = a customer's first
    session start in the window; step k's time = the earliest first event of the
    step in one of their sessions started within [t0, t0 + window_days days of 24 h], at
    or after step k-1's time and at most window_days days of 24 h after t0. Rates as the
    session funnel's, over customers; None without customers. One statement on
    either path (the roll-up chains one row per session instead of its events),
    plus the anonymous sessions' count.
    """
    window = resolve_window(filters.start, filters.end)
    figures = NO_CUSTOMER_FUNNEL
    if window is not None:
        path = rollup if use_rollups() else raw
        figures = path.customer_funnel(
            filters=filters, window=window, window_days=window_days
        )
    reached = figures.reached
    return CustomerFunnel(
        start=window.start if window else None,
        end=window.end if window else None,
        window_days=window_days,
        steps=[
            CustomerFunnelStep(
                step=step,
                customers=reached[number],
                conversion_from_start=rate(reached[number], reached[0]),
                conversion_from_previous=rate(
                    reached[number], reached[max(number - 1, 0)]
                ),
            )
            for number, step in enumerate(FUNNEL_STEPS)
        ],
        known_sessions=figures.known_sessions,
        anonymous_sessions=figures.anonymous_sessions,
    )


@dataclass(frozen=True, slots=True)
class DiscountCodeSales:
    """One discount-codes value's orders and money in the window."""

    code: str | None  # None: the orders without a code
    orders: int
    order_share: float | None  # orders / all revenue orders of the window
    customers: int
    new_customers: int
    returning_customers: int
    gross_sales: Decimal
    discounts: Decimal
    returns: Decimal
    net_sales: Decimal
    discount_rate: float | None  # discounts / gross_sales
    average_order_value: Decimal  # net_sales / orders


@dataclass(frozen=True, slots=True)
class DiscountCodeReport:
    start: date | None
    end: date | None
    currency: str
    revenue_measure: str
    orders: int  # revenue orders of the window
    results: list[DiscountCodeSales]


def discount_codes(*, filters: MetricFilters) -> DiscountCodeReport:
    """Orders, customers and sales per discount-codes value of the window.

    Definition: kpi.catalogue.DISCOUNTS. One row per Order.discount_codes value (a
    combination of codes is one value, so the rows add up to the window's totals),
    the orders without a code as code None; most orders first, then by code, None
    last. Category does not apply. Rates are None without a denominator.
    """
    window = resolve_window(filters.start, filters.end)
    measure = str(revenue_measure())
    if window is None:
        return DiscountCodeReport(None, None, settings.CURRENCY, measure, 0, [])
    path = rollup if use_rollups(level_kept=one_dimension_facts_cover(filters)) else raw
    rows = path.discount_code_totals(filters=filters, window=window)
    orders = sum(row.orders for row in rows)
    results = sorted(
        (_code_sales(row, orders) for row in rows),
        key=lambda sales: (-sales.orders, sales.code is None, sales.code or ""),
    )
    return DiscountCodeReport(
        start=window.start,
        end=window.end,
        currency=settings.CURRENCY,
        revenue_measure=measure,
        orders=orders,
        results=results,
    )


def _code_sales(row: CodeTotals, window_orders: int) -> DiscountCodeSales:
    terms = SalesTerms(
        gross_sales=row.gross_sales, discounts=row.discounts, returns=row.returns
    )
    return DiscountCodeSales(
        code=row.code or None,
        orders=row.orders,
        order_share=rate(row.orders, window_orders),
        customers=row.customers,
        new_customers=row.new_customers,
        returning_customers=row.customers - row.new_customers,
        gross_sales=terms.gross_sales,
        discounts=terms.discounts,
        returns=terms.returns,
        net_sales=terms.net_sales,
        discount_rate=rate(terms.discounts, terms.gross_sales),
        average_order_value=average(terms.net_sales, row.orders),
    )


def compared_window(window: Window, compare: Compare) -> Window:
    """previous_period: the equal window ending the day before start; previous_year:
    the same dates a year earlier (February 29 becomes February 28)."""
    if compare == "previous_period":
        return window.previous()
    return Window(_year_before(window.start), _year_before(window.end))


def _year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return day.replace(year=day.year - 1, day=28)
    return day.replace(year=day.year - 1)


@dataclass(frozen=True, slots=True)
class PeriodRevenue:
    """One period's revenue as sessions x orders per session x average order value."""

    sessions: int
    orders: int
    orders_per_session: float | None  # orders / sessions
    average_order_value: Decimal  # revenue / orders, 0 without orders
    revenue: Decimal

    @classmethod
    def of(cls, volume: PeriodVolume) -> PeriodRevenue:
        return cls(
            sessions=volume.sessions,
            orders=volume.orders,
            orders_per_session=rate(volume.orders, volume.sessions),
            average_order_value=average(volume.revenue, volume.orders),
            revenue=volume.revenue,
        )


@dataclass(frozen=True, slots=True)
class RevenueEffects:
    """A revenue change split into effects that add up to it to the cent; shares are
    effect / change (None when the change is 0)."""

    change: Decimal
    change_rate: float | None  # change / previous revenue
    sessions_known: bool
    method: str  # "lmdi" or "zero_factor"
    traffic_effect: Decimal | None
    conversion_effect: Decimal | None
    orders_effect: Decimal  # traffic + conversion, or alone when sessions are unknown
    order_value_effect: Decimal
    traffic_share: float | None
    conversion_share: float | None
    orders_share: float | None
    order_value_share: float | None

    @classmethod
    def of(cls, previous: PeriodVolume, effects: Effects) -> RevenueEffects:
        change = effects.change

        def share(effect: Decimal | None) -> float | None:
            return None if effect is None else rate(effect, change)

        return cls(
            change=change,
            change_rate=rate(change, previous.revenue),
            sessions_known=effects.sessions_known,
            method=effects.method,
            traffic_effect=effects.traffic,
            conversion_effect=effects.conversion,
            orders_effect=effects.orders,
            order_value_effect=effects.order_value,
            traffic_share=share(effects.traffic),
            conversion_share=share(effects.conversion),
            orders_share=share(effects.orders),
            order_value_share=share(effects.order_value),
        )


@dataclass(frozen=True, slots=True)
class RevenueChangeTotal:
    previous: PeriodRevenue  # the compared window
    current: PeriodRevenue
    effects: RevenueEffects


@dataclass(frozen=True, slots=True)
class SourceRevenueChange:
    source: str
    previous: PeriodRevenue
    current: PeriodRevenue
    effects: RevenueEffects
    contribution: float | None  # this source's change / the total change


@dataclass(frozen=True, slots=True)
class RevenueChange:
    start: date | None
    end: date | None
    compare: Compare
    compare_start: date | None
    compare_end: date | None
    currency: str
    revenue_measure: str
    total: RevenueChangeTotal
    results: list[SourceRevenueChange]


NO_VOLUME = PeriodVolume(sessions=0, orders=0, revenue=ZERO_MONEY)


def revenue_change(
    *, filters: MetricFilters, compare: Compare = "previous_period"
) -> RevenueChange:
    """Why revenue changed: the change from the compared window to the window split
    into traffic, conversion and order-value effects (LMDI), overall and per source.

    Definition: kpi.catalogue.REVENUE_CHANGE. revenue = sessions x orders per session
    x average order value, over the revenue orders placed (returns: refunds given)
    and the sessions started in each window; the per-source rows add up to the
    total's revenue and change. Two grouped queries per path.
    """
    window = resolve_window(filters.start, filters.end)
    measure = str(revenue_measure())
    if window is None:
        nothing = PeriodRevenue.of(NO_VOLUME)
        effects = RevenueEffects.of(NO_VOLUME, decompose(NO_VOLUME, NO_VOLUME))
        return RevenueChange(
            None, None, compare, None, None, settings.CURRENCY, measure,
            RevenueChangeTotal(nothing, nothing, effects), [],
        )  # fmt: skip
    windows = {"current": window, "previous": compared_window(window, compare)}
    path = rollup if use_rollups() else raw
    volumes = _volumes_per_source(
        path.orders_by_source(filters=filters, windows=windows),
        path.sessions_per_source(filters=filters, windows=windows),
    )
    previous = _added_up(volume["previous"] for volume in volumes.values())
    current = _added_up(volume["current"] for volume in volumes.values())
    total = RevenueEffects.of(previous, decompose(previous, current))
    results = [
        SourceRevenueChange(
            source=source,
            previous=PeriodRevenue.of(volume["previous"]),
            current=PeriodRevenue.of(volume["current"]),
            effects=RevenueEffects.of(
                volume["previous"], decompose(volume["previous"], volume["current"])
            ),
            contribution=rate(
                volume["current"].revenue - volume["previous"].revenue, total.change
            ),
        )
        for source, volume in volumes.items()
    ]
    results.sort(key=lambda row: (-abs(row.effects.change), row.source))
    return RevenueChange(
        start=window.start,
        end=window.end,
        compare=compare,
        compare_start=windows["previous"].start,
        compare_end=windows["previous"].end,
        currency=settings.CURRENCY,
        revenue_measure=measure,
        total=RevenueChangeTotal(
            PeriodRevenue.of(previous), PeriodRevenue.of(current), total
        ),
        results=results,
    )


def _volumes_per_source(
    orders: list[SourceOrders], visits: list[SourceVisits]
) -> dict[str, dict[str, PeriodVolume]]:
    """Per source, per window ("previous", "current"): sessions, revenue orders and
    revenue; a source with only sessions, or only orders, has zeros for the rest."""
    measure = revenue_measure()
    sessions = {(row.window, row.source): row.sessions for row in visits}
    money_rows = {(row.window, row.source): row for row in orders}
    sources = sorted({source for _, source in (*sessions, *money_rows)})
    volumes: dict[str, dict[str, PeriodVolume]] = {}
    for source in sources:
        volumes[source] = {}
        for name in ("previous", "current"):
            row = money_rows.get((name, source))
            volumes[source][name] = PeriodVolume(
                sessions=sessions.get((name, source), 0),
                orders=row.orders if row else 0,
                revenue=row.terms.revenue(measure) if row else ZERO_MONEY,
            )
    return volumes


def _added_up(volumes: Iterable[PeriodVolume]) -> PeriodVolume:
    parts = list(volumes)
    return PeriodVolume(
        sessions=sum(part.sessions for part in parts),
        orders=sum(part.orders for part in parts),
        revenue=sum((part.revenue for part in parts), ZERO_MONEY),
    )


@dataclass(frozen=True, slots=True)
class ConversionPeriod:
    period: str
    partial: bool
    sessions: int
    converted_sessions: int
    conversion_rate: float | None  # converted_sessions / sessions


@dataclass(frozen=True, slots=True)
class SourceConversionSeries:
    source: str
    results: list[ConversionPeriod]


@dataclass(frozen=True, slots=True)
class ConversionSeries:
    start: date | None
    end: date | None
    granularity: Granularity
    results: list[ConversionPeriod]
    breakdown: str | None = None
    sources: list[SourceConversionSeries] = field(default_factory=list)
    compare: str | None = None
    compare_start: date | None = None
    compare_end: date | None = None
    compared: list[ConversionPeriod] = field(default_factory=list)


def conversion_over_time(
    *,
    filters: MetricFilters,
    granularity: Granularity = "month",
    breakdown: Literal["source"] | None = None,
    compare: Compare | None = None,
) -> ConversionSeries:
    """Sessions, converted sessions and their rate per bucket of the sessions'
    start, zero-filled, overall and (breakdown=source) per source; compare adds the
    compared window's overall buckets, aligned by position.

    Definition: kpi.catalogue.CONVERSION_OVER_TIME. One grouped query per window.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return ConversionSeries(None, None, granularity, [], breakdown, [], compare)
    path = rollup if use_rollups() else raw
    rows = path.session_buckets(
        filters=filters,
        window=window,
        granularity=granularity,
        by_source=breakdown == "source",
    )
    overall = _conversion_periods(rows, window, granularity)
    sources = sorted({row.source for row in rows}) if breakdown else []
    per_source = [
        SourceConversionSeries(
            source,
            _conversion_periods(
                [row for row in rows if row.source == source], window, granularity
            ),
        )
        for source in sources
    ]
    series = ConversionSeries(
        window.start, window.end, granularity, overall, breakdown, per_source
    )
    if compare is None:
        return series
    before = compared_window(window, compare)
    earlier = path.session_buckets(
        filters=filters, window=before, granularity=granularity, by_source=False
    )
    return replace(
        series,
        compare=compare,
        compare_start=before.start,
        compare_end=before.end,
        compared=_conversion_periods(earlier, before, granularity),
    )


def _conversion_periods(
    rows: list[BucketSessions], window: Window, granularity: Granularity
) -> list[ConversionPeriod]:
    """Every bucket of the window, zero-filled, the rows of a bucket added up."""
    sessions: dict[date, int] = {}
    converted: dict[date, int] = {}
    for row in rows:
        sessions[row.bucket] = sessions.get(row.bucket, 0) + row.sessions
        converted[row.bucket] = converted.get(row.bucket, 0) + row.converted
    return [
        ConversionPeriod(
            period=label(first, granularity),
            partial=is_partial(first, last, window),
            sessions=sessions.get(first, 0),
            converted_sessions=converted.get(first, 0),
            conversion_rate=rate(converted.get(first, 0), sessions.get(first, 0)),
        )
        for first, last in buckets(window, granularity)
    ]


@dataclass(frozen=True, slots=True)
class CheckoutPeriod:
    period: str
    partial: bool
    checkouts: int  # sessions at the funnel's begin_checkout step
    abandoned_checkouts: int  # those without a purchase event
    abandonment_rate: float | None  # abandoned_checkouts / checkouts
    abandoned_cart_units: int
    abandoned_cart_value: Decimal


@dataclass(frozen=True, slots=True)
class AbandonedCheckouts:
    start: date | None
    end: date | None
    granularity: Granularity
    results: list[CheckoutPeriod]


def abandoned_checkouts(
    *, filters: MetricFilters, granularity: Granularity = "month"
) -> AbandonedCheckouts:
    """Sessions that began checkout without a purchase, per bucket of their start,
    zero-filled, with their rate and cart value.

    Definition: kpi.catalogue.ABANDONED_CHECKOUTS. One grouped query.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return AbandonedCheckouts(None, None, granularity, [])
    path = rollup if use_rollups() else raw
    rows: list[BucketCheckouts] = path.checkout_buckets(
        filters=filters, window=window, granularity=granularity
    )
    by_bucket = {row.bucket: row for row in rows}
    nothing = BucketCheckouts(window.start, 0, 0, 0, ZERO_MONEY)
    results = []
    for first, last in buckets(window, granularity):
        row = by_bucket.get(first, nothing)
        results.append(
            CheckoutPeriod(
                period=label(first, granularity),
                partial=is_partial(first, last, window),
                checkouts=row.checkouts,
                abandoned_checkouts=row.abandoned,
                abandonment_rate=rate(row.abandoned, row.checkouts),
                abandoned_cart_units=row.cart_units,
                abandoned_cart_value=row.cart_value,
            )
        )
    return AbandonedCheckouts(window.start, window.end, granularity, results)


@dataclass(frozen=True, slots=True)
class CartProduct:
    sku: str
    name: str
    list_price: Decimal
    units: int  # add_to_cart events of the product


@dataclass(frozen=True, slots=True)
class AbandonedCheckout:
    session: str
    started_at: datetime
    source: str
    device: str
    customer: str  # the customer's external id
    email: str | None  # staff only
    cart_units: int
    cart_value: Decimal  # Σ units x list price
    products: list[CartProduct]


@dataclass(frozen=True, slots=True)
class AbandonedCheckoutPage:
    start: date | None
    end: date | None
    results: list[AbandonedCheckout]
    next_cursor: str | None  # pass as cursor for the next page; None on the last


def abandoned_checkout_list(
    *,
    filters: MetricFilters,
    cursor: tuple[datetime, int] | None = None,
    limit: int = 50,
    with_email: bool = False,
) -> AbandonedCheckoutPage:
    """The latest abandoned checkouts of known customers, newest first, one keyset
    page: the sessions, then their carts (two queries on the raw tables, bounded
    by limit; a list of sessions has no roll-up).

    Definition: kpi.catalogue.ABANDONED_CHECKOUT_LIST.
    """
    window = resolve_window(filters.start, filters.end)
    use_rollups(level_kept=False)
    if window is None:
        return AbandonedCheckoutPage(None, None, [], None)
    sessions = raw.abandoned_checkout_sessions(
        filters=filters, window=window, before=cursor, limit=limit + 1
    )
    page, more = sessions[:limit], len(sessions) > limit
    lines: dict[int, list[CartLine]] = {}
    for line in raw.cart_lines(session_ids=[row.session_id for row in page]):
        lines.setdefault(line.session_id, []).append(line)
    results = []
    for row in page:
        cart = lines.get(row.session_id, [])
        results.append(
            AbandonedCheckout(
                session=row.session,
                started_at=row.started_at,
                source=row.source,
                device=row.device,
                customer=row.customer,
                email=row.email if with_email else None,
                cart_units=sum(line.units for line in cart),
                cart_value=sum(
                    (line.list_price * line.units for line in cart), ZERO_MONEY
                ),
                products=[
                    CartProduct(line.sku, line.name, line.list_price, line.units)
                    for line in cart
                ],
            )
        )
    last = page[-1] if page and more else None
    return AbandonedCheckoutPage(
        start=window.start,
        end=window.end,
        results=results,
        next_cursor=checkout_cursor(last.started_at, last.session_id) if last else None,
    )


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def checkout_cursor(started_at: datetime, session_id: int) -> str:
    """The keyset cursor of a list row: microseconds since the epoch and the id."""
    micros = (started_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{session_id}"


def parse_checkout_cursor(cursor: str) -> tuple[datetime, int]:
    micros, session_id = cursor.split(".")
    moment = EPOCH + timedelta(microseconds=int(micros))
    return moment, int(session_id)


# (label, from seconds, to seconds exclusive; None: no end): every edge is a grid
# point of rollups.ttc_facts.GRID, so a grid point's sessions lie in its bucket.
DURATION_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("<1m", 0, 60),
    ("1-5m", 60, 300),
    ("5-15m", 300, 900),
    ("15-30m", 900, 1800),
    ("30-60m", 1800, 3600),
    ("1-6h", 3600, 21600),
    (">6h", 21600, None),
)
PERCENTILES = (25, 50, 75, 90)


@dataclass(frozen=True, slots=True)
class TransitionTime:
    """How long the sessions of the window took over one transition (grid seconds)."""

    from_step: str
    to_step: str
    sessions: int  # the sessions that made the transition
    p25: int | None  # nearest-rank percentiles; None without sessions
    median: int | None
    p75: int | None
    p90: int | None


@dataclass(frozen=True, slots=True)
class DurationBucket:
    """The sessions of one transition whose duration falls in one histogram bucket."""

    from_step: str
    to_step: str
    bucket: str
    min_seconds: int
    max_seconds: int | None  # exclusive; None for the open last bucket
    sessions: int


@dataclass(frozen=True, slots=True)
class TimeToConvert:
    start: date | None
    end: date | None
    transitions: list[TransitionTime]
    histogram: list[DurationBucket]


def time_to_convert(*, filters: MetricFilters) -> TimeToConvert:
    """Per funnel transition (product_view → add_to_cart → begin_checkout →
    purchase, and session → purchase) of the sessions started in the window: the
    sessions that made it, nearest-rank percentiles of its duration and a histogram.

    Definition: kpi.catalogue.TIME_TO_CONVERT (durations and grid:
    rollups.ttc_facts). The rows are (transition, grid point, sessions): a few
    hundred at most whatever the data, so the percentiles are read off their
    running sums here. One query.
    """
    window = resolve_window(filters.start, filters.end)
    rows: list[TransitionDurations] = []
    if window is not None:
        path = (
            rollup
            if use_rollups(level_kept=one_dimension_facts_cover(filters))
            else raw
        )
        rows = path.transition_durations(filters=filters, window=window)
    transitions: list[TransitionTime] = []
    histogram: list[DurationBucket] = []
    for number, (origin, target) in enumerate(TRANSITIONS):
        counts = sorted(
            (row.seconds, row.sessions) for row in rows if row.transition == number
        )
        total = sum(sessions for _, sessions in counts)
        at = {percent: _nearest_rank(counts, total, percent) for percent in PERCENTILES}
        transitions.append(
            TransitionTime(origin, target, total, at[25], at[50], at[75], at[90])
        )
        histogram += [
            DurationBucket(
                origin,
                target,
                bucket,
                low,
                high,
                sum(
                    sessions
                    for seconds, sessions in counts
                    if seconds >= low and (high is None or seconds < high)
                ),
            )
            for bucket, low, high in DURATION_BUCKETS
        ]
    return TimeToConvert(
        start=window.start if window else None,
        end=window.end if window else None,
        transitions=transitions,
        histogram=histogram,
    )


def _nearest_rank(
    counts: list[tuple[int, int]], total: int, percent: int
) -> int | None:
    """The value at rank ceil(percent / 100 * total) of the sorted durations, from
    (duration, how many) pairs in ascending order; None without durations. Integer
    arithmetic: 0.9 * 10 in floats is 9.000000000000002, whose ceiling is 10."""
    if total == 0:
        return None
    rank = max(1, -(-percent * total // 100))
    running = 0
    for seconds, sessions in counts:
        running += sessions
        if running >= rank:
            return seconds
    raise AssertionError("rank beyond the durations")
