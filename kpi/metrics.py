"""Headline metrics of the shop: the KPI summary, revenue over time, conversion, funnel.

Each function resolves the window, picks the path (rollups.status.use_rollups), asks
kpi.raw or kpi.rollup for the same typed rows (kpi.rows) and finishes them into
frozen dataclasses. Revenue is the rows' sales terms added up as
settings.REVENUE_MEASURE (ecomanalytics.money), here, so both paths share it. Definitions: kpi.catalogue (rendered into docs/metrics.md); money
is Decimal cents, rates are unrounded floats and None where the denominator is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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

from . import raw, rollup
from .rows import NO_ORDERS, BucketTotals, CodeTotals, OrderTotals, SourceSessions

FUNNEL_EVENTS = raw.FUNNEL_EVENTS
FUNNEL_STEPS: tuple[str, ...] = ("session", *FUNNEL_EVENTS)


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


@dataclass(frozen=True, slots=True)
class Funnel:
    start: date | None
    end: date | None
    steps: list[FunnelStep]


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
    *, filters: MetricFilters, granularity: Granularity = "month"
) -> RevenueSeries:
    """Revenue, revenue orders and average order value per day, ISO week or month.

    Definition: kpi.catalogue.REVENUE. Every bucket touching the window is listed,
    zero-filled; partial = the bucket's last day is today or later, or the bucket
    reaches outside the window.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return RevenueSeries(None, None, granularity, [])
    path = rollup if use_rollups(level_kept=order_facts_cover(filters)) else raw
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
    return RevenueSeries(window.start, window.end, granularity, results)


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
    previous = path.revenue_buckets(filters=filters, window=before, granularity="month")
    results = [
        SalesPeriod(
            period=label(first, granularity),
            partial=is_partial(first, last, window),
            figures=_sales_figures([by_bucket[first]] if first in by_bucket else []),
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


def funnel(*, filters: MetricFilters) -> Funnel:
    """Sessions reaching each step of session → product_view → add_to_cart →
    begin_checkout → purchase, closed and sequential.

    Definition: kpi.catalogue.FUNNEL. conversion_from_start = sessions at the step /
    sessions; conversion_from_previous = sessions at the step / sessions at the step
    before (1.0 for the first step); None without sessions.
    """
    window = resolve_window(filters.start, filters.end)
    counts = (0,) * len(FUNNEL_STEPS)
    if window is not None:
        path = rollup if use_rollups() else raw
        counts = path.funnel_counts(filters=filters, window=window)
    steps = [
        FunnelStep(
            step=step,
            sessions=count,
            conversion_from_start=rate(count, counts[0]),
            conversion_from_previous=rate(count, counts[max(index - 1, 0)]),
        )
        for index, (step, count) in enumerate(zip(FUNNEL_STEPS, counts, strict=True))
    ]
    return Funnel(
        start=window.start if window else None,
        end=window.end if window else None,
        steps=steps,
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
