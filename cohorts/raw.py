"""Cohort queries on the raw tables (customers and their orders).

The acquisition order is looked up per customer by a correlated subquery on the
(customer, placed_at) index, and the order filters test that one order by primary
key: matching all revenue orders against "is the first of its customer" instead is
quadratic on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

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

from ecomanalytics.filters import (
    DIMENSION_FILTERS,
    FILTER_LOOKUPS,
    MetricFilters,
    Table,
    filter_rows,
    given,
)
from ecomanalytics.periods import local_midnight, shop_tz
from ecomanalytics.store.models import Customer, Order

from .rows import CohortAnnotation, CohortBy, CohortCount, CohortRepeats

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations


# The filters that describe the person (the rest describe the acquisition order).
PERSON_FILTERS = tuple(
    name for name in DIMENSION_FILTERS if Table.CUSTOMERS in FILTER_LOOKUPS[name]
)
ACQUISITION_FILTERS = tuple(
    name for name in DIMENSION_FILTERS if name not in PERSON_FILTERS
)


def retention_counts(
    *, filters: MetricFilters, cohort_by: CohortBy
) -> list[CohortCount]:
    """Cohort sizes and (cohort, activity month) customers: one UNION ALL query."""
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
        CohortCount(
            cohort=_as_date(row["cohort"]),
            activity_month=(
                None
                if row["activity_month"] is None
                else _as_date(row["activity_month"])
            ),
            customers=row["customers"],
        )
        for row in sizes.union(activity, all=True)
    ]


def repeat_rows(*, filters: MetricFilters, cohort_by: CohortBy) -> list[CohortRepeats]:
    revenue_order_count = (
        Order.objects.revenue()
        .filter(customer_id=OuterRef("pk"))
        .order_by()
        .values("customer_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    members = _cohort_members(filters=filters, cohort_by=cohort_by).annotate(
        revenue_orders=Subquery(revenue_order_count, output_field=IntegerField())
    )
    return repeat_counts(members)


def repeat_counts(members: QuerySet[Any]) -> list[CohortRepeats]:
    """Members and repeat customers per cohort, oldest first, of cohort members
    annotated (or stored) with `cohort` and `revenue_orders` (the roll-up path's
    CustomerCohort rows have both)."""
    rows = (
        members.order_by()
        .values("cohort")
        .annotate(
            customers=Count("pk"),
            repeat_customers=Count("pk", filter=Q(revenue_orders__gte=2)),
        )
        .order_by("cohort")
    )
    return [
        CohortRepeats(
            _as_date(row["cohort"]), row["customers"], row["repeat_customers"]
        )
        for row in rows
    ]


def _as_date(value: date | datetime) -> date:
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
) -> QuerySet[WithAnnotations[Customer, CohortAnnotation]]:
    """The customers of the cohorts in range, annotated with `cohort` (a month's 1st)."""
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
    customers = filter_rows(customers, filters, Table.CUSTOMERS, names=PERSON_FILTERS)
    if given(filters, names=ACQUISITION_FILTERS):
        acquisition = Order.objects.filter(pk=OuterRef("acquisition_id"))
        customers = customers.annotate(
            acquisition_id=Subquery(_first_revenue_order(OuterRef("pk")).values("pk"))
        ).filter(
            Exists(
                filter_rows(
                    acquisition, filters, Table.ORDERS, names=ACQUISITION_FILTERS
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
