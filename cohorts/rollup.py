"""Cohort queries on the roll-up tables; they return the same rows as cohorts.raw.

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
from typing import TYPE_CHECKING

from django.db.models import Count, F, QuerySet, Sum

from ecomanalytics.filters import MetricFilters, Table, filter_rows
from ecomanalytics.periods import Window
from ecomanalytics.rollups.dimensions import MONTH, matching, single_filter, span
from ecomanalytics.rollups.models import ActiveMonth, CohortCell, CustomerCohort

from . import raw
from .rows import CohortAnnotation, CohortBy, CohortCount, CohortRepeats

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import WithAnnotations


ANCHORS: dict[CohortBy, tuple[str, str]] = {
    # cohort_by: (the day selected by start/end, the cohort month)
    "first_order": ("acquired_day", "acquisition_month"),
    "signup": ("signup_day", "signup_month"),
}
# Cohort cells of a missing start or end: the anchor days before or after any data.
EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)
CELL_CODES: dict[CohortBy, str] = {"first_order": "f", "signup": "s"}


def _members(
    *, filters: MetricFilters, cohort_by: CohortBy
) -> QuerySet[WithAnnotations[CustomerCohort, CohortAnnotation]]:
    anchor_day, cohort_month = ANCHORS[cohort_by]
    members = CustomerCohort.objects.filter(**{f"{anchor_day}__isnull": False})
    members = filter_rows(members, filters, Table.COHORT_MEMBERS)
    if filters.start is not None:
        members = members.filter(**{f"{anchor_day}__gte": filters.start})
    if filters.end is not None:
        members = members.filter(**{f"{anchor_day}__lte": filters.end})
    return members.order_by().annotate(cohort=F(cohort_month))


def _cells(
    *, filters: MetricFilters, cohort_by: CohortBy
) -> QuerySet[CohortCell] | None:
    """The CohortCell rows of the filters' level and anchor days; None when more than
    one filter is given (no such level: rollups.models.CohortCell)."""
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
    *, filters: MetricFilters, cohort_by: CohortBy
) -> list[CohortCount]:
    cells = _cells(filters=filters, cohort_by=cohort_by)
    if cells is not None:
        return [
            CohortCount(row["month"], row["active_month"], row["total"])
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
    return [CohortCount(row["cohort"], None, row["customers"]) for row in sizes] + [
        CohortCount(row["cohort"], row["month"], row["customers"]) for row in active
    ]


def repeat_rows(*, filters: MetricFilters, cohort_by: CohortBy) -> list[CohortRepeats]:
    cells = _cells(filters=filters, cohort_by=cohort_by)
    if cells is None:
        # Two filters or more: counted on the cohort members.
        return raw.repeat_counts(_members(filters=filters, cohort_by=cohort_by))
    rows = (
        cells.filter(active_month__isnull=True)
        .values(cohort=F("month"))
        .annotate(customers=Sum("customers"), repeat_customers=Sum("repeat_customers"))
        .order_by("cohort")
    )
    return [
        CohortRepeats(row["cohort"], row["customers"], row["repeat_customers"])
        for row in rows
    ]
