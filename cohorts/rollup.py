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
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import connections
from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from ecomanalytics.filters import (
    DIMENSION_FILTERS,
    FILTER_LOOKUPS,
    MetricFilters,
    Table,
    Through,
    filter_rows,
    given,
)
from ecomanalytics.money import SALES_TERMS, measure_expression
from ecomanalytics.periods import Granularity, Window
from ecomanalytics.rollups.dimensions import MONTH, matching, single_filter, span
from ecomanalytics.rollups.models import (
    ActiveMonth,
    CohortCell,
    CustomerCohort,
    CustomerDay,
)

from . import raw
from .rows import (
    CohortAnnotation,
    CohortBy,
    CohortCount,
    CohortMonthSales,
    CohortRepeats,
    CustomerTypeTotals,
    ReturningCounts,
)

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


def _customer_days(filters: MetricFilters) -> QuerySet[CustomerDay]:
    """The CustomerDay rows of the customers the filters keep (by acquisition)."""
    days = CustomerDay.objects.order_by()
    if not given(filters, names=DIMENSION_FILTERS):
        return days
    members = _members(
        filters=raw.acquisition_filters(filters), cohort_by="first_order"
    )
    return days.filter(member_id__in=members.values("pk"))


def customer_type_totals(
    *, filters: MetricFilters, window: Window, granularity: Granularity
) -> list[CustomerTypeTotals]:
    # Every row lies on or after its customer's acquisition day (orders and refunds
    # of revenue orders), so "first order in the bucket" is "acquired on or after
    # the bucket's first day".
    bucket = F(granularity)
    rows = (
        _customer_days(filters)
        .filter(day__gte=window.start, day__lte=window.end)
        .annotate(
            bucket=bucket,
            new=Case(
                When(member__acquired_day__gte=bucket, then=Value(True)),
                default=Value(False),
            ),
        )
        .values("bucket", "new")
        .annotate(
            # Named apart from the columns they sum, as the ORM requires.
            **{f"sum_{term}": Sum(term) for term in (*SALES_TERMS, "orders")},
            customers=Count("member_id", filter=Q(orders__gt=0), distinct=True),
        )
    )
    return raw.type_totals(
        {name.removeprefix("sum_"): value for name, value in row.items()}
        for row in rows
    )


def returning_counts(*, filters: MetricFilters, window: Window) -> ReturningCounts:
    # Driven by the window's rows rather than by every customer: each customer
    # active in it, with their orders in it; one with two or more there, or with a
    # revenue order before it, has two or more up to its end. Both indexes cover
    # the columns read (models.CustomerDay). The ORM would group by the EXISTS and
    # run it per row, so the outer statement is written here.
    active = (
        _customer_days(filters)
        .filter(day__gte=window.start, day__lte=window.end, orders__gt=0)
        .values("member_id")
        .annotate(window_orders=Sum("orders"))
    )
    inner, params = active.query.sql_with_params()
    connection = connections[active.db]
    table = connection.ops.quote_name(CustomerDay._meta.db_table)
    statement = (
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN active.window_orders >= 2 OR EXISTS "
        f"(SELECT 1 FROM {table} earlier WHERE earlier.member_id = active.member_id "
        "AND earlier.day < %s AND earlier.orders > 0) THEN 1 ELSE 0 END), 0) "
        f"FROM ({inner}) active"
    )
    with connection.cursor() as cursor:
        # The EXISTS's placeholder comes before the inner statement's.
        cursor.execute(
            statement,
            [connection.ops.adapt_datefield_value(window.start), *params],
        )
        customers, repeat_customers = cursor.fetchone()
    return ReturningCounts(customers, repeat_customers)


def rfm_summary(*, filters: MetricFilters, as_of: date) -> QuerySet[Any]:
    """raw.rfm_summary's rows from CustomerDay: one grouped range per customer."""
    sums = {f"sum_{term}": Sum(term) for term in SALES_TERMS}
    days = _customer_days(filters).filter(day__lte=as_of)
    if filters.start is not None:
        days = days.filter(day__gte=filters.start)
    return (
        days.values(customer_id=F("member_id"))
        .annotate(
            last_day=Max("day", filter=Q(orders__gt=0)),
            frequency=Sum("orders"),
            **sums,
        )
        .filter(frequency__gt=0)
        .annotate(
            monetary=measure_expression({term: f"sum_{term}" for term in SALES_TERMS})
        )
        .values("customer_id", "last_day", "frequency", "monetary")
    )


def prospects(*, filters: MetricFilters, as_of: date) -> int:
    # Signup days are the cohort rows'; an acquisition after as_of is still a
    # prospect then.
    if given(filters, names=raw.ACQUISITION_FILTERS):
        return 0
    members = filter_rows(
        CustomerCohort.objects.order_by(),
        filters,
        Table.COHORT_MEMBERS,
        names=raw.PERSON_FILTERS,
    )
    return members.filter(
        Q(acquired_day__isnull=True) | Q(acquired_day__gt=as_of),
        signup_day__lte=as_of,
    ).count()


def cohort_month_sales(*, filters: MetricFilters) -> list[CohortMonthSales]:
    members = _members(filters=filters, cohort_by="first_order")
    days = CustomerDay.objects.order_by()
    if given(filters, names=DIMENSION_FILTERS) or filters.start or filters.end:
        days = days.filter(member_id__in=members.values("pk"))
    rows = days.values("month", cohort=F("member__acquisition_month")).annotate(
        # Named apart from the columns they sum, as the ORM requires.
        **{f"sum_{term}": Sum(term) for term in SALES_TERMS}
    )
    return raw.month_sales(
        {name.removeprefix("sum_"): value for name, value in row.items()}
        for row in rows
    )


def cohort_sizes(*, filters: MetricFilters) -> dict[date, int]:
    members = _members(filters=filters, cohort_by="first_order")
    return {
        row["cohort"]: row["customers"]
        for row in members.values("cohort").annotate(customers=Count("pk"))
    }


def acquisition_values(name: str) -> list[str]:
    """The values filter `name` can keep customers by: those of the cohort rows
    (the acquisition's source, device and categories, the customer's country)."""
    lookup = FILTER_LOOKUPS[name][Table.COHORT_MEMBERS]
    if isinstance(lookup, Through):
        model = apps.get_model(lookup.related)
        values: QuerySet[Any] = model.objects.values_list(lookup.lookup, flat=True)
    else:
        values = CustomerCohort.objects.values_list(lookup, flat=True)
    # A blank value is no filter (filters.given).
    return sorted(value for value in values.order_by().distinct() if value)


def level_filters(dimension: str, value: str) -> MetricFilters:
    """The filters of one level: none, or filter `dimension` = value."""
    level: dict[str, Any] = {dimension: value} if dimension else {}
    return MetricFilters(**level)
