"""Cohort metrics: monthly acquisition cohorts, their retention and repeat purchases.

Each function picks the path (rollups.status.use_rollups), asks cohorts.raw or
cohorts.rollup for the same typed rows (cohorts.rows) and finishes them. Definitions:
cohorts.catalogue, rendered into docs/metrics.md.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ecomanalytics.filters import MetricFilters
from ecomanalytics.money import ZERO_MONEY, money, rate, revenue_measure
from ecomanalytics.periods import (
    Granularity,
    Window,
    add_months,
    buckets,
    is_partial,
    label,
    resolve_window,
    today,
)
from ecomanalytics.rollups.status import use_rollups

from . import (
    raw,
    rfm_scoring,
    rollup,
    stored_customer_types,
    stored_ltv,
    stored_rfm,
    stored_value,
)
from .rfm_scoring import SORT_COLUMNS, Keyset, RfmSort
from .rows import (
    COHORT_BY_CHOICES,
    PROSPECTS,
    RFM_GRID,
    RFM_GROUPS,
    CohortBy,
    CohortCount,
    CustomerTypeTotals,
    ReturningCounts,
    RfmCell,
    RfmFigures,
    RfmGroupStats,
    RfmScores,
)

__all__ = [
    "COHORT_BY_CHOICES",
    "CohortBy",
    "customer_value",
    "customer_value_holdout",
    "lifetime_value",
    "new_vs_returning",
    "repeat_purchase",
    "retention_matrix",
    "rfm_customers",
    "rfm_groups",
]


@dataclass(frozen=True, slots=True)
class CohortRetention:
    cohort: date  # first day of the cohort month
    size: int
    # Members with a revenue order in month cohort + k, for k = 0..months-1; None
    # where that month has not ended yet.
    active: list[int | None]
    # active[k] / size; None where active[k] is.
    retention: list[float | None]


@dataclass(frozen=True, slots=True)
class CohortRepeatPurchase:
    cohort: date
    customers: int
    repeat_customers: int
    repeat_rate: float | None


def retention_matrix(
    *, filters: MetricFilters, months: int = 12, cohort_by: CohortBy = "first_order"
) -> list[CohortRetention]:
    """Share of each monthly cohort with at least one revenue order in month k.

    retention[k] = active[k] / size, active[k] = cohort members with a revenue order
    placed in calendar month cohort + k (shop time zone), for k in 0..months-1; None
    where month cohort + k has not ended yet (its last day is today or later). Only
    cohorts with customers are listed, oldest first. Definition:
    cohorts.catalogue.RETENTION.
    """
    path = rollup if use_rollups() else raw
    counts = path.retention_counts(filters=filters, cohort_by=cohort_by)
    sizes, active = _split(counts)
    first_unended_day = today()
    matrix = []
    for cohort, size in sorted(sizes.items()):
        actives: list[int | None] = []
        for offset in range(months):
            month = add_months(cohort, offset)
            ended = add_months(month, 1) - timedelta(days=1) < first_unended_day
            actives.append(active[cohort].get(month, 0) if ended else None)
        matrix.append(
            CohortRetention(
                cohort=cohort,
                size=size,
                active=actives,
                retention=[None if n is None else rate(n, size) for n in actives],
            )
        )
    return matrix


def _split(
    counts: list[CohortCount],
) -> tuple[dict[date, int], dict[date, dict[date, int]]]:
    """Cohort sizes, and active customers per cohort and month."""
    sizes: dict[date, int] = {}
    active: dict[date, dict[date, int]] = defaultdict(dict)
    for count in counts:
        if count.activity_month is None:
            sizes[count.cohort] = sizes.get(count.cohort, 0) + count.customers
        else:
            months = active[count.cohort]
            months[count.activity_month] = (
                months.get(count.activity_month, 0) + count.customers
            )
    return {cohort: size for cohort, size in sizes.items() if size}, active


def repeat_purchase(
    *, filters: MetricFilters, cohort_by: CohortBy = "first_order"
) -> list[CohortRepeatPurchase]:
    """Per cohort: members, members with two or more revenue orders in all the data.

    repeat_rate = repeat_customers / customers. Orders count whatever their date,
    even outside start/end and after today. Oldest cohort first. Definition:
    cohorts.catalogue.REPEAT_PURCHASE.
    """
    path = rollup if use_rollups() else raw
    return [
        CohortRepeatPurchase(
            cohort=row.cohort,
            customers=row.customers,
            repeat_customers=row.repeat_customers,
            repeat_rate=rate(row.repeat_customers, row.customers),
        )
        for row in path.repeat_rows(filters=filters, cohort_by=cohort_by)
        if row.customers
    ]


@dataclass(frozen=True, slots=True)
class CustomerTypePeriod:
    period: str  # the bucket's label
    new_customers: int
    returning_customers: int
    new_orders: int
    returning_orders: int
    new_revenue: Decimal
    returning_revenue: Decimal
    # returning_revenue / (new_revenue + returning_revenue); None when that is 0.
    returning_revenue_share: float | None
    partial: bool


@dataclass(frozen=True, slots=True)
class NewVsReturning:
    start: date | None
    end: date | None
    granularity: Granularity
    # Customers with a revenue order placed in the window.
    customers: int
    # Those of them with two or more revenue orders placed up to the window's end.
    repeat_customers: int
    # Shopify's returning customer rate: repeat_customers / customers.
    returning_customer_rate: float | None
    results: list[CustomerTypePeriod]


def new_vs_returning(
    *, filters: MetricFilters, granularity: Granularity = "month"
) -> NewVsReturning:
    """New and returning customers, their revenue orders and revenue per bucket, and
    the window's returning customer rate.

    New in a bucket: the customer's first revenue order ever lies in it; returning:
    it lies before. Every bucket of the window is listed, zero-filled. Definition:
    cohorts.catalogue.NEW_VS_RETURNING.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return NewVsReturning(None, None, granularity, 0, 0, None, [])
    rows, counts = _customer_types(filters, window, granularity)
    by_key = {(row.bucket, row.new): row for row in rows}
    results = [
        _customer_type_period(
            label(first, granularity),
            new=by_key.get((first, True)),
            returning=by_key.get((first, False)),
            partial=is_partial(first, last, window),
        )
        for first, last in buckets(window, granularity)
    ]
    return NewVsReturning(
        start=window.start,
        end=window.end,
        granularity=granularity,
        customers=counts.customers,
        repeat_customers=counts.repeat_customers,
        returning_customer_rate=rate(counts.repeat_customers, counts.customers),
        results=results,
    )


def _customer_types(
    filters: MetricFilters, window: Window, granularity: Granularity
) -> tuple[list[CustomerTypeTotals], ReturningCounts]:
    """On the roll-up path the snapshot stored after the refresh where one applies
    (cohorts.stored_customer_types), else summed now."""
    if use_rollups():
        stored = stored_customer_types.stored_customer_types(
            filters, window=window, granularity=granularity
        )
        if stored is not None:
            return stored
    path = rollup if use_rollups() else raw
    rows = path.customer_type_totals(
        filters=filters, window=window, granularity=granularity
    )
    return rows, path.returning_counts(filters=filters, window=window)


def _customer_type_period(
    period: str,
    *,
    new: CustomerTypeTotals | None,
    returning: CustomerTypeTotals | None,
    partial: bool,
) -> CustomerTypePeriod:
    measure = revenue_measure()
    new_revenue = new.terms.revenue(measure) if new else ZERO_MONEY
    returning_revenue = returning.terms.revenue(measure) if returning else ZERO_MONEY
    return CustomerTypePeriod(
        period=period,
        new_customers=new.customers if new else 0,
        returning_customers=returning.customers if returning else 0,
        new_orders=new.orders if new else 0,
        returning_orders=returning.orders if returning else 0,
        new_revenue=new_revenue,
        returning_revenue=returning_revenue,
        returning_revenue_share=rate(
            returning_revenue, new_revenue + returning_revenue
        ),
        partial=partial,
    )


@dataclass(frozen=True, slots=True)
class RfmGroup:
    group: str
    customers: int
    # customers / all customers counted (with the prospects); None without any.
    share: float | None
    revenue: Decimal
    revenue_share: float | None  # revenue / all customers' revenue
    # Nearest-rank medians; None for an empty group and for the prospects.
    median_recency: int | None  # days since the last revenue order
    median_frequency: int | None
    median_monetary: Decimal | None


@dataclass(frozen=True, slots=True)
class RfmGridCell:
    r_score: int
    fm_score: int
    group: str
    customers: int


@dataclass(frozen=True, slots=True)
class RfmReport:
    as_of: date | None
    customers: int  # with the prospects
    revenue: Decimal
    groups: list[RfmGroup]
    grid: list[RfmGridCell]  # R 5..1, FM 1..5


def rfm_as_of(filters: MetricFilters) -> date | None:
    """The RFM day: end, else the data's last day (None without orders)."""
    if filters.end is not None:
        return filters.end
    span = resolve_window(None, None)
    return span.end if span else None


def rfm_groups(*, filters: MetricFilters) -> RfmReport:
    """Customers, revenue and medians per RFM group as of end, and the 5x5 grid.

    Definition: cohorts.catalogue.RFM_GROUPS. Scores and groups are computed in the
    database (cohorts.rfm_scoring).
    """
    as_of = rfm_as_of(filters)
    if as_of is None:
        return RfmReport(None, 0, ZERO_MONEY, _groups([], 0, None), _grid([]))
    figures = _rfm_figures(filters, as_of)
    customers = sum(row.customers for row in figures.stats) + figures.prospects
    return RfmReport(
        as_of=as_of,
        customers=customers,
        revenue=sum((row.revenue for row in figures.stats), ZERO_MONEY),
        groups=_groups(figures.stats, figures.prospects, as_of),
        grid=_grid(figures.cells),
    )


def _rfm_figures(filters: MetricFilters, as_of: date) -> RfmFigures:
    """On the roll-up path the snapshot stored after the refresh (cohorts.stored_rfm)
    where one applies, else scored now on the path's tables."""
    if not use_rollups():
        summary = raw.rfm_summary(filters=filters, as_of=as_of)
        return RfmFigures(
            stats=rfm_scoring.group_stats(summary),
            prospects=raw.prospects(filters=filters, as_of=as_of),
            cells=rfm_scoring.grid(summary),
        )
    stored = stored_rfm.stored_figures(filters, as_of)
    return stored or stored_rfm.computed_figures(filters, as_of)


def _groups(
    stats: list[RfmGroupStats], prospects: int, as_of: date | None
) -> list[RfmGroup]:
    by_group = {row.group: row for row in stats}
    customers = sum(row.customers for row in stats) + prospects
    revenue = sum((row.revenue for row in stats), ZERO_MONEY)
    groups = []
    for name in RFM_GROUPS:
        row = by_group.get(name)
        count = prospects if name == PROSPECTS else (row.customers if row else 0)
        group_revenue = row.revenue if row else ZERO_MONEY
        groups.append(
            RfmGroup(
                group=name,
                customers=count,
                share=rate(count, customers),
                revenue=group_revenue,
                revenue_share=rate(group_revenue, revenue),
                median_recency=(
                    (as_of - row.median_last_day).days if row and as_of else None
                ),
                median_frequency=row.median_frequency if row else None,
                median_monetary=row.median_monetary if row else None,
            )
        )
    return groups


def _grid(cells: list[RfmCell]) -> list[RfmGridCell]:
    counts = {(cell.r_score, cell.fm_score): cell.customers for cell in cells}
    return [
        RfmGridCell(r_score, fm_score, group, counts.get((r_score, fm_score), 0))
        for r_score, groups in RFM_GRID.items()
        for fm_score, group in enumerate(groups, start=1)
    ]


@dataclass(frozen=True, slots=True)
class RfmCustomer:
    customer_id: int
    external_id: str
    email: str | None  # None unless the reader may see personal data
    country: str
    last_order_day: date
    recency: int  # days from the last revenue order's local day to as_of
    frequency: int
    monetary: Decimal
    r_score: int
    f_score: int
    m_score: int
    fm_score: int
    group: str
    # From the stored customer-value fit (12 months); None without one.
    predicted_revenue: Decimal | None
    probability_alive: float | None


@dataclass(frozen=True, slots=True)
class RfmCustomerPage:
    as_of: date | None
    group: str | None
    sort: RfmSort
    results: list[RfmCustomer]
    next_cursor: str | None  # pass as cursor for the next page; None on the last


CURSOR_PATTERN = r"^-?[0-9]{1,15}(\.[0-9]{1,2})?~[0-9]{1,18}$"


def encode_cursor(sort: RfmSort, row: RfmScores) -> str:
    """<sort value>~<customer id>; a last day as its day number (date.toordinal)."""
    column, _ = SORT_COLUMNS[sort]
    value = getattr(row, column)
    number = value.toordinal() if isinstance(value, date) else value
    return f"{number}~{row.customer_id}"


def decode_cursor(sort: RfmSort, cursor: str) -> Keyset:
    """The keyset of a cursor of CURSOR_PATTERN (ValueError otherwise). Any such
    cursor is a position in the order: a day number out of range is clamped."""
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise ValueError("not a cursor: give the next_cursor of a page")
    number, customer_id = cursor.split("~")
    column, _ = SORT_COLUMNS[sort]
    if column == "last_day":
        day = min(max(int(Decimal(number)), 1), date.max.toordinal())
        return Keyset(date.fromordinal(day), int(customer_id))
    return Keyset(Decimal(number), int(customer_id))


def _scored_page(
    filters: MetricFilters,
    as_of: date,
    group: str | None,
    sort: RfmSort,
    after: Keyset | None,
    limit: int,
) -> list[RfmScores]:
    """On the roll-up path the level's customers stored with the RFM snapshot
    where they apply (at most one filter, no start), else scored now on the
    path's tables."""
    if use_rollups():
        stored = stored_rfm.stored_customers(
            filters, as_of, group=group, sort=sort, after=after, limit=limit
        )
        if stored is not None:
            return stored
    path = rollup if use_rollups() else raw
    summary = path.rfm_summary(filters=filters, as_of=as_of)
    return rfm_scoring.scored_customers(
        summary, group=group, sort=sort, after=after, limit=limit
    )


def rfm_customers(
    *,
    filters: MetricFilters,
    group: str | None = None,
    sort: RfmSort = "monetary_desc",
    cursor: str | None = None,
    limit: int = 50,
    personal_data: bool = False,
) -> RfmCustomerPage:
    """One page of the customers of an RFM group (all groups when None) with their
    R, F, M and scores, keyset-paginated. Prospects have no scores: an empty list.

    Definition: cohorts.catalogue.RFM_CUSTOMERS. personal_data adds the email.
    """
    as_of = rfm_as_of(filters)
    if as_of is None or group == PROSPECTS:
        return RfmCustomerPage(as_of, group, sort, [], None)
    after = decode_cursor(sort, cursor) if cursor else None
    rows = _scored_page(filters, as_of, group, sort, after, limit + 1)
    page, more = rows[:limit], len(rows) > limit
    details = raw.customer_details([row.customer_id for row in page])
    predictions = stored_value.predictions([row.customer_id for row in page])
    return RfmCustomerPage(
        as_of=as_of,
        group=group,
        sort=sort,
        results=[
            RfmCustomer(
                customer_id=row.customer_id,
                external_id=details[row.customer_id]["external_id"],
                email=details[row.customer_id]["email"] if personal_data else None,
                country=details[row.customer_id]["country"],
                last_order_day=row.last_day,
                recency=(as_of - row.last_day).days,
                frequency=row.frequency,
                monetary=row.monetary,
                r_score=row.r_score,
                f_score=row.f_score,
                m_score=row.m_score,
                fm_score=row.fm_score,
                group=row.group,
                predicted_revenue=predictions.get(row.customer_id, (None, None))[0],
                probability_alive=predictions.get(row.customer_id, (None, None))[1],
            )
            for row in page
        ],
        next_cursor=encode_cursor(sort, page[-1]) if more else None,
    )


@dataclass(frozen=True, slots=True)
class CohortValue:
    cohort: date  # first day of the first-order month
    customers: int
    # Revenue of the cohort in calendar month cohort + k, k = 0..months-1; None
    # where that month has not ended.
    revenue: list[Decimal | None]
    # Cumulative revenue per customer up to month k (the LTV curve).
    lifetime_value: list[Decimal | None]
    # revenue[k] / revenue[0]; None where revenue[k] is, or revenue[0] is 0.
    revenue_retention: list[float | None]


@dataclass(frozen=True, slots=True)
class AverageValue:
    month: int  # k
    cohorts: int  # cohorts whose month k has ended
    customers: int  # their customers
    # Σ their cumulative revenue up to month k / Σ their customers; None when none.
    lifetime_value: Decimal | None


@dataclass(frozen=True, slots=True)
class LifetimeValue:
    months: int
    results: list[CohortValue]
    average: list[AverageValue]


def _cohort_revenue(
    filters: MetricFilters,
) -> tuple[dict[date, int], dict[tuple[date, date], Decimal]]:
    """Cohort sizes and each cohort's revenue per month: on the roll-up path the
    snapshot stored after the refresh where one applies (cohorts.stored_ltv), else
    summed now."""
    if use_rollups():
        stored = stored_ltv.stored_cohort_revenue(filters)
        if stored is not None:
            return stored
    path = rollup if use_rollups() else raw
    measure = revenue_measure()
    sales = {
        (row.cohort, row.month): row.terms.revenue(measure)
        for row in path.cohort_month_sales(filters=filters)
    }
    return path.cohort_sizes(filters=filters), sales


def lifetime_value(*, filters: MetricFilters, months: int = 12) -> LifetimeValue:
    """Revenue per first-order cohort and month since the first order, the LTV
    curve (cumulative revenue per customer), revenue retention, and the average
    curve weighted by cohort size. Definition: cohorts.catalogue.LIFETIME_VALUE."""
    sizes, sales = _cohort_revenue(filters)
    first_unended_day = today()
    results = []
    reached: list[list[tuple[int, Decimal]]] = [[] for _ in range(months)]
    for cohort, size in sorted(sizes.items()):
        revenue: list[Decimal | None] = []
        cumulative = ZERO_MONEY
        values: list[Decimal | None] = []
        for offset in range(months):
            month = add_months(cohort, offset)
            if add_months(month, 1) - timedelta(days=1) >= first_unended_day:
                revenue.append(None)
                values.append(None)
                continue
            month_revenue = sales.get((cohort, month), ZERO_MONEY)
            cumulative += month_revenue
            revenue.append(month_revenue)
            values.append(money(cumulative / size))
            reached[offset].append((size, cumulative))
        first = revenue[0] if revenue else None
        results.append(
            CohortValue(
                cohort=cohort,
                customers=size,
                revenue=revenue,
                lifetime_value=values,
                revenue_retention=[
                    None if value is None or first is None else rate(value, first)
                    for value in revenue
                ],
            )
        )
    average = [
        AverageValue(
            month=offset,
            cohorts=len(cohorts),
            customers=sum(size for size, _ in cohorts),
            lifetime_value=(
                money(
                    sum((total for _, total in cohorts), ZERO_MONEY)
                    / sum(size for size, _ in cohorts)
                )
                if cohorts
                else None
            ),
        )
        for offset, cohorts in enumerate(reached)
    ]
    return LifetimeValue(months=months, results=results, average=average)


@dataclass(frozen=True, slots=True)
class ValueFit:
    fitted_at: datetime
    as_of: date
    data_version: str
    customers: int
    repeat_buyers: int
    fit_seconds: float
    bg_nbd: dict[str, float]  # r, alpha, a, b, log_likelihood
    gamma_gamma: dict[str, float]  # p, q, gamma, log_likelihood


@dataclass(frozen=True, slots=True)
class CohortPrediction:
    cohort: date
    customers: int
    predicted_revenue: Decimal  # Σ over the cohort, next 12 months
    mean_predicted_revenue: Decimal
    mean_probability_alive: float


@dataclass(frozen=True, slots=True)
class TopCustomer:
    customer_id: int
    external_id: str
    probability_alive: float
    expected_orders: float
    predicted_revenue: Decimal


@dataclass(frozen=True, slots=True)
class AliveBucket:
    """Customers whose P(alive) lies in [low, high) (the last bucket includes 1)."""

    low: float
    high: float
    customers: int


def alive_buckets(counts: list[int]) -> list[AliveBucket]:
    return [
        AliveBucket(low=tenth / 10, high=(tenth + 1) / 10, customers=count)
        for tenth, count in enumerate(counts)
    ]


@dataclass(frozen=True, slots=True)
class CustomerValueReport:
    horizon_months: int
    fit: ValueFit | None  # None until a fit has run
    cohorts: list[CohortPrediction]
    top_customers: list[TopCustomer]
    # Customers per tenth of P(alive): [0, 0.1), ..., [0.9, 1].
    probability_alive: list[AliveBucket]
    # Every RFM group with customers (prospects have none), months=12 only.
    rfm_groups: list[GroupPrediction]


@dataclass(frozen=True, slots=True)
class GroupPrediction:
    group: str  # the customer's RFM group as of the fit's as_of
    customers: int
    predicted_revenue: Decimal  # Σ over the group, next 12 months
    mean_predicted_revenue: Decimal


def _group_predictions(rows: list[dict[str, Any]]) -> list[GroupPrediction]:
    found = {row["rfm_group"]: row for row in rows}
    return [
        GroupPrediction(
            group=group,
            customers=found[group]["customers"],
            predicted_revenue=money(found[group]["total_predicted_revenue"]),
            mean_predicted_revenue=money(found[group]["mean_predicted_revenue"]),
        )
        for group in RFM_GROUPS
        if group in found
    ]


def customer_value(
    *, filters: MetricFilters, top: int = 10, months: int = 12
) -> CustomerValueReport:
    """The stored fit's predicted value over the next `months` months (1..36) per
    first-order cohort, the top customers and the P(alive) distribution. Definition:
    cohorts.catalogue.CUSTOMER_VALUE. Never fits: reads cohorts.models. Horizons
    other than 12 months come from the fit's stored totals, which take no filter
    (the API refuses the combination)."""
    fit = stored_value.latest_fit()
    if fit is None:
        return CustomerValueReport(months, None, [], [], alive_buckets([0] * 10), [])
    if months == 12:
        cohort_rows = stored_value.by_cohort(fit, filters)
        top_rows = stored_value.top_customers(fit, filters, top)
        groups = _group_predictions(stored_value.by_rfm_group(fit, filters))
    else:
        cohort_rows = stored_value.by_cohort_over(fit, months)
        top_rows = stored_value.top_customers_over(fit, months, top)
        groups = []
    cohorts = [
        CohortPrediction(
            cohort=row["cohort"],
            customers=row["customers"],
            predicted_revenue=money(row["total_predicted_revenue"]),
            mean_predicted_revenue=money(row["mean_predicted_revenue"]),
            mean_probability_alive=float(row["mean_probability_alive"]),
        )
        for row in cohort_rows
        if row["cohort"] is not None
    ]
    tops = [
        TopCustomer(
            customer_id=row["customer_id"],
            external_id=row["external_id"],
            probability_alive=row["probability_alive"],
            expected_orders=row["expected_orders"],
            predicted_revenue=money(row["predicted_revenue"]),
        )
        for row in top_rows
    ]
    histogram = stored_value.probability_alive_histogram(fit, filters)
    return CustomerValueReport(
        horizon_months=months,
        fit=ValueFit(
            fitted_at=fit.fitted_at,
            as_of=fit.as_of,
            data_version=fit.data_version,
            customers=fit.customers,
            repeat_buyers=fit.repeat_buyers,
            fit_seconds=fit.fit_seconds,
            bg_nbd={
                "r": fit.r,
                "alpha": fit.alpha,
                "a": fit.a,
                "b": fit.b,
                "log_likelihood": fit.bg_nbd_log_likelihood,
            },
            gamma_gamma={
                "p": fit.p,
                "q": fit.q,
                "gamma": fit.gamma,
                "log_likelihood": fit.gamma_gamma_log_likelihood,
            },
        ),
        cohorts=cohorts,
        top_customers=tops,
        probability_alive=alive_buckets([histogram[tenth] for tenth in range(10)]),
        rfm_groups=groups,
    )


@dataclass(frozen=True, slots=True)
class HoldoutGroup:
    repeat_orders: int  # x in calibration; 7 stands for 7 or more
    label: str  # "0", …, "6", "7+"
    customers: int
    mean_predicted_orders: float | None  # None for a group without customers
    mean_actual_orders: float | None


@dataclass(frozen=True, slots=True)
class HoldoutCheck:
    calibration_end: date
    holdout_end: date
    holdout_weeks: int
    customers: int
    repeat_buyers: int
    bg_nbd: dict[str, float]  # the calibration fit: r, alpha, a, b, log_likelihood
    predicted_orders: float
    actual_orders: int


@dataclass(frozen=True, slots=True)
class HoldoutReport:
    fitted_at: datetime | None
    as_of: date | None
    holdout: HoldoutCheck | None
    unavailable: str  # why holdout is None; "" otherwise
    # At the top, so that the CSV has a row per group (empty without a holdout).
    groups: list[HoldoutGroup]


def customer_value_holdout() -> HoldoutReport:
    """The stored fit's holdout check (cohorts.value_holdout, computed at fit time).
    Definition: cohorts.catalogue.CUSTOMER_VALUE_HOLDOUT. Never fits."""
    fit = stored_value.latest_fit()
    if fit is None:
        return HoldoutReport(None, None, None, "The model has not been fitted yet.", [])
    stored = fit.holdout
    if stored is None:
        return HoldoutReport(
            fit.fitted_at, fit.as_of, None, fit.holdout_unavailable, []
        )
    check = HoldoutCheck(
        calibration_end=date.fromisoformat(stored["calibration_end"]),
        holdout_end=date.fromisoformat(stored["holdout_end"]),
        holdout_weeks=stored["holdout_weeks"],
        customers=stored["customers"],
        repeat_buyers=stored["repeat_buyers"],
        bg_nbd=stored["bg_nbd"],
        predicted_orders=stored["predicted_orders"],
        actual_orders=stored["actual_orders"],
    )
    groups = [HoldoutGroup(**group) for group in stored["groups"]]
    return HoldoutReport(fit.fitted_at, fit.as_of, check, "", groups)
