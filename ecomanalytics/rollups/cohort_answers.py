"""Cohort metrics answered from the roll-ups (cohorts.metrics dispatches here).

CustomerCohort holds one row per customer with both cohort anchors (local day and
month of the acquisition order, of the signup) and the acquisition's source, device
and categories; ActiveMonth one row per (customer, month with a revenue order). A
cohort query is then a filter on customers and a GROUP BY over their active months,
with no per-customer lookup of the first order.

With no filter or one, the answers read CohortCell instead: those customers already
summed per anchor day and active month, so the rows read grow with the days, not
with the customers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import Window

from .dimensions import MONTH, matching, single_filter, span
from .models import AcquisitionCategory, ActiveMonth, CohortCell, CustomerCohort

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


# Cohort cells of a missing start or end: the anchor days before or after any data.
EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)
CELL_CODES = {"first_order": "f", "signup": "s"}


def _cells(*, filters: MetricFilters, cohort_by: str) -> QuerySet[CohortCell] | None:
    """The CohortCell rows of the filters' level and anchor days; None when more than
    one filter is given (no such level: models.CohortCell)."""
    if not single_filter(filters):
        return None
    cells = CohortCell.objects.filter(
        matching(filters, categories="all"), cohort_by=CELL_CODES[cohort_by]
    ).order_by()
    if filters.start is None and filters.end is None:
        return cells.filter(grain=MONTH)
    anchors = Window(filters.start or EARLIEST, filters.end or LATEST)
    return cells.filter(span(anchors))


def retention_counts(
    *, filters: MetricFilters, cohort_by: str
) -> list[tuple[date, date | None, int]]:
    """(cohort, None, size) per cohort and (cohort, active month, customers) pairs."""
    cells = _cells(filters=filters, cohort_by=cohort_by)
    if cells is not None:
        return [
            (row["month"], row["active_month"], row["total"])
            for row in cells.values("month", "active_month").annotate(
                total=Sum("customers")
            )
        ]
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
    cells = _cells(filters=filters, cohort_by=cohort_by)
    if cells is not None:
        return list(
            cells.filter(active_month__isnull=True)
            .values(cohort=F("month"))
            .annotate(
                customers=Sum("customers"), repeat_customers=Sum("repeat_customers")
            )
            .order_by("cohort")
        )
    return list(
        _members(filters=filters, cohort_by=cohort_by)
        .values("cohort")
        .annotate(
            customers=Count("pk"),
            repeat_customers=Count("pk", filter=Q(revenue_orders__gte=2)),
        )
        .order_by("cohort")
    )
