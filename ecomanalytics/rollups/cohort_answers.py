"""Cohort metrics answered from the roll-ups (cohorts.metrics dispatches here).

CustomerCohort holds one row per customer with both cohort anchors (local day and
month of the acquisition order, of the signup) and the acquisition's source, device
and categories; ActiveMonth one row per (customer, month with a revenue order). A
cohort query is then a filter on customers and a GROUP BY over their active months,
with no per-customer lookup of the first order.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from ecomanalytics.filters import MetricFilters

from .models import AcquisitionCategory, ActiveMonth, CustomerCohort

ANCHORS = {
    # cohort_by: (the day selected by start/end, the cohort month)
    "first_order": ("acquired_day", "acquisition_month"),
    "signup": ("signup_day", "signup_month"),
}


def _members(*, filters: MetricFilters, cohort_by: str) -> QuerySet[CustomerCohort]:
    anchor_day, cohort_month = ANCHORS[cohort_by]
    members = CustomerCohort.objects.filter(**{f"{anchor_day}__isnull": False})
    if filters.country:
        members = members.filter(country=filters.country)
    if filters.source:
        members = members.filter(acquisition_source=filters.source)
    if filters.device:
        members = members.filter(acquisition_device=filters.device)
    if filters.category:
        members = members.filter(
            Exists(
                AcquisitionCategory.objects.filter(
                    member_id=OuterRef("pk"), category__name=filters.category
                )
            )
        )
    if filters.start is not None:
        members = members.filter(**{f"{anchor_day}__gte": filters.start})
    if filters.end is not None:
        members = members.filter(**{f"{anchor_day}__lte": filters.end})
    return members.order_by().annotate(cohort=F(cohort_month))


def retention_counts(
    *, filters: MetricFilters, cohort_by: str
) -> list[tuple[date, date | None, int]]:
    """(cohort, None, size) per cohort and (cohort, active month, customers) pairs."""
    members = _members(filters=filters, cohort_by=cohort_by)
    sizes = members.values("cohort").annotate(customers=Count("pk"))
    _, cohort_month = ANCHORS[cohort_by]
    # One ActiveMonth row per (customer, month): counting rows counts customers.
    active = (
        ActiveMonth.objects.filter(member_id__in=members.values("pk"))
        .order_by()
        .values("month", cohort=F(f"member__{cohort_month}"))
        .annotate(customers=Count("pk"))
    )
    return [(row["cohort"], None, row["customers"]) for row in sizes] + [
        (row["cohort"], row["month"], row["customers"]) for row in active
    ]


def repeat_rows(*, filters: MetricFilters, cohort_by: str) -> list[dict[str, Any]]:
    """{cohort, customers, repeat_customers} per cohort, oldest first."""
    return list(
        _members(filters=filters, cohort_by=cohort_by)
        .values("cohort")
        .annotate(
            customers=Count("pk"),
            repeat_customers=Count("pk", filter=Q(revenue_orders__gte=2)),
        )
        .order_by("cohort")
    )
