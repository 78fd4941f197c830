"""Cohort metrics: monthly acquisition cohorts, their retention and repeat purchases.

Definitions (docs/metrics.md, "Cohorts"):

- A customer's **acquisition order** is their first revenue order ever (earliest
  `placed_at`, ties broken by id). With `cohort_by="first_order"` (the default) the
  cohort is the month, in the shop's time zone, of that order; with
  `cohort_by="signup"` it is the month of `signed_up_at`, and every customer who signed
  up belongs to one, ordering or not.
- start/end select the customers whose cohort anchor (acquisition order, or signup)
  falls in [start, end]; their later orders count whatever their date.
- Filters describe the acquisition: country is the customer's; source, device and
  category are those of the acquisition order (category: it has a line of that
  category). With `cohort_by="signup"` the same holds, so when source, device or
  category is given, customers who never placed a revenue order drop out: their
  acquisition is unknown.
- Activity: every revenue order of a cohort member counts, whatever its source,
  device, categories or date.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

import pandas as pd
from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    Exists,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import TruncMonth

from ecomanalytics.filters import MetricFilters, filter_orders
from ecomanalytics.periods import add_months, local_midnight, shop_tz, today
from ecomanalytics.rollups.status import use_rollups
from ecomanalytics.store.models import Customer, Order

CohortBy = Literal["first_order", "signup"]
COHORT_BY_CHOICES: tuple[CohortBy, ...] = ("first_order", "signup")


@dataclass(frozen=True, slots=True)
class CohortRetention:
    cohort: date  # first day of the cohort month
    size: int
    # Share of the cohort with a revenue order in month cohort + k, for k = 0..months-1;
    # None where that month has not ended yet.
    retention: list[float | None]


@dataclass(frozen=True, slots=True)
class CohortRepeatPurchase:
    cohort: date
    customers: int
    repeat_customers: int
    repeat_rate: float


def retention_matrix(
    *, filters: MetricFilters, months: int = 12, cohort_by: CohortBy = "first_order"
) -> list[CohortRetention]:
    """Share of each monthly cohort with at least one revenue order in month k.

    retention[k] = |cohort members with a revenue order placed in calendar month
    cohort + k (shop time zone)| / size, for k in 0..months-1. It is None where month
    cohort + k has not ended yet (its last day is today or later, shop time zone).
    With cohort_by="first_order", retention[0] is 1.0 once the cohort month has ended.
    Only cohorts with customers are listed (size > 0, so no division by zero), oldest
    first. One query: cohort sizes and the (cohort, activity month) counts of distinct
    customers, glued with UNION ALL; pandas only pivots the result.
    """
    if use_rollups():
        from ecomanalytics.rollups.cohort_answers import retention_counts

        rows = retention_counts(filters=filters, cohort_by=cohort_by)
    else:
        rows = _raw_retention_counts(filters, cohort_by)
    if not rows:
        return []

    counts = pd.DataFrame.from_records(
        rows, columns=["cohort", "activity_month", "customers"]
    )
    cohort_sizes = counts[counts["activity_month"].isna()].set_index("cohort")[
        "customers"
    ]
    active = (
        counts[counts["activity_month"].notna()]
        .pivot(index="cohort", columns="activity_month", values="customers")
        .fillna(0)
    )
    first_unended_day = today()
    matrix = []
    for cohort, size in sorted(cohort_sizes.items()):
        retention: list[float | None] = []
        for offset in range(months):
            month = add_months(cohort, offset)
            if add_months(month, 1) - timedelta(days=1) >= first_unended_day:
                retention.append(None)
                continue
            customers = 0
            if cohort in active.index and month in active.columns:
                customers = int(active.at[cohort, month])
            retention.append(customers / int(size))
        matrix.append(
            CohortRetention(cohort=cohort, size=int(size), retention=retention)
        )
    return matrix


def _raw_retention_counts(
    filters: MetricFilters, cohort_by: CohortBy
) -> list[tuple[date | None, date | None, int]]:
    """(cohort, None, size) and (cohort, activity month, customers): one UNION query."""
    members = _cohort_members(filters=filters, cohort_by=cohort_by)
    sizes = (
        members.order_by()
        .values("cohort", activity_month=Value(None, output_field=DateField()))
        .annotate(customers=Count("pk"))
    )
    activity = (
        members.order_by()
        .annotate(
            revenue_orders=FilteredRelation(
                "orders",
                condition=Q(orders__status__in=settings.REVENUE_STATUSES),
            )
        )
        .filter(revenue_orders__isnull=False)
        .values(
            "cohort",
            activity_month=TruncMonth(
                "revenue_orders__placed_at", tzinfo=shop_tz(), output_field=DateField()
            ),
        )
        .annotate(customers=Count("pk", distinct=True))
    )
    return [
        (_as_date(row["cohort"]), _as_date(row["activity_month"]), row["customers"])
        for row in sizes.union(activity, all=True)
    ]


def repeat_purchase(
    *, filters: MetricFilters, cohort_by: CohortBy = "first_order"
) -> list[CohortRepeatPurchase]:
    """Per cohort: members, members with two or more revenue orders in all the data.

    repeat_rate = repeat_customers / customers (customers > 0: only cohorts with
    customers are listed). Orders count whatever their date, even outside start/end
    and after today. One grouped query; oldest cohort first.
    """
    if use_rollups():
        from ecomanalytics.rollups.cohort_answers import repeat_rows

        rows = repeat_rows(filters=filters, cohort_by=cohort_by)
    else:
        rows = _raw_repeat_rows(filters, cohort_by)
    return [
        CohortRepeatPurchase(
            cohort=row["cohort"],
            customers=row["customers"],
            repeat_customers=row["repeat_customers"],
            repeat_rate=row["repeat_customers"] / row["customers"],
        )
        for row in rows
    ]


def _raw_repeat_rows(filters: MetricFilters, cohort_by: CohortBy) -> QuerySet[Any]:
    revenue_order_count = (
        Order.objects.revenue()
        .filter(customer_id=OuterRef("pk"))
        .order_by()
        .values("customer_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        _cohort_members(filters=filters, cohort_by=cohort_by)
        .annotate(
            revenue_orders=Subquery(revenue_order_count, output_field=IntegerField())
        )
        .order_by()
        .values("cohort")
        .annotate(
            customers=Count("pk"),
            repeat_customers=Count("pk", filter=Q(revenue_orders__gte=2)),
        )
        .order_by("cohort")
    )


def _as_date(value: date | datetime | None) -> date | None:
    """A month's first day as a date.

    PostgreSQL types a UNION's column after its first part, where activity_month is a
    bare NULL, so its truncated timestamps come back as naive datetimes.
    """
    return value.date() if isinstance(value, datetime) else value


def _first_revenue_order(customer_ref: OuterRef) -> QuerySet[Order]:
    """The acquisition order of the referenced customer (a one-row queryset)."""
    return (
        Order.objects.revenue()
        .filter(customer_id=customer_ref)
        .order_by("placed_at", "pk")[:1]
    )


def _cohort_members(
    *, filters: MetricFilters, cohort_by: CohortBy
) -> QuerySet[Customer]:
    """The customers of the cohorts in range, annotated with `cohort` (a month's 1st).

    The acquisition order is looked up per customer by a correlated subquery on the
    (customer, placed_at) index, and the order filters test that one order by primary
    key: matching all revenue orders against "is the first of its customer" instead
    is quadratic on PostgreSQL.
    """
    customers = Customer.objects.all()
    if cohort_by == "first_order":
        anchor = "acquired_at"
        customers = customers.annotate(
            acquired_at=Subquery(
                _first_revenue_order(OuterRef("pk")).values("placed_at")
            )
        ).filter(acquired_at__isnull=False)
    else:
        anchor = "signed_up_at"
    if filters.country:
        customers = customers.filter(country=filters.country)
    if filters.source or filters.device or filters.category:
        order_filters = replace(filters, start=None, end=None, country=None)
        customers = customers.annotate(
            acquisition_id=Subquery(_first_revenue_order(OuterRef("pk")).values("pk"))
        ).filter(
            Exists(
                filter_orders(
                    Order.objects.filter(pk=OuterRef("acquisition_id")), order_filters
                )
            )
        )
    if filters.start is not None:
        customers = customers.filter(
            **{f"{anchor}__gte": local_midnight(filters.start)}
        )
    if filters.end is not None:
        customers = customers.filter(
            **{f"{anchor}__lt": local_midnight(filters.end + timedelta(days=1))}
        )
    return customers.annotate(
        cohort=TruncMonth(anchor, tzinfo=shop_tz(), output_field=DateField())
    )
