"""Cohort queries on the raw tables (customers and their orders).

The acquisition order is looked up per customer by a correlated subquery on the
(customer, placed_at) index, and the order filters test that one order by primary
key: matching all revenue orders against "is the first of its customer" instead is
quadratic on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek

from ecomanalytics.filters import (
    DIMENSION_FILTERS,
    FILTER_LOOKUPS,
    MetricFilters,
    Table,
    filter_rows,
    given,
)
from ecomanalytics.money import (
    MONEY_SUM,
    SALES_TERMS,
    ZERO_MONEY,
    SalesTerms,
    measure_expression,
)
from ecomanalytics.periods import Granularity, Window, local_midnight, shop_tz
from ecomanalytics.rollups.local_time import LocalDate
from ecomanalytics.sales import (
    ORDER_TERMS,
    RETURNS,
    added_up,
    summed_per_key,
    term_sums,
)
from ecomanalytics.store.models import Customer, Order, Refund

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


TRUNCATE = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
TYPE_MEASURES = (*SALES_TERMS, "orders", "customers")


def acquisition_filters(filters: MetricFilters) -> MetricFilters:
    """The filters without start/end: which customers count, by their acquisition."""
    return replace(filters, start=None, end=None)


def _acquired_customers(filters: MetricFilters) -> QuerySet[Any] | None:
    """The customers the filters keep (by acquisition); None when they keep all."""
    if not given(filters, names=DIMENSION_FILTERS):
        return None
    return _cohort_members(
        filters=acquisition_filters(filters), cohort_by="first_order"
    ).values("pk")


def _truncated(timestamp: Any, granularity: Granularity) -> Any:
    """The local bucket (its first day) of a timestamp column or expression."""
    return TRUNCATE[granularity](timestamp, tzinfo=shop_tz(), output_field=DateField())


def _is_new(customer: str, granularity: Granularity) -> Case:
    """True where the customer's first revenue order ever lies in the row's bucket
    (the bucket annotated just before)."""
    first = Subquery(_first_revenue_order(OuterRef(customer)).values("placed_at"))
    return Case(
        When(Q(bucket=_truncated(first, granularity)), then=Value(True)),
        default=Value(False),
    )


def customer_type_totals(
    *, filters: MetricFilters, window: Window, granularity: Granularity
) -> list[CustomerTypeTotals]:
    """Per bucket and customer type (new, returning): customers, revenue orders and
    their sales terms placed in the bucket, and returns given in it; one UNION ALL."""
    since, until = window.bounds()
    customers = _acquired_customers(filters)
    orders = Order.objects.revenue().order_by()
    refunds = Refund.objects.order_by().filter(
        order__status__in=settings.REVENUE_STATUSES
    )
    if customers is not None:
        orders = orders.filter(customer_id__in=customers)
        refunds = refunds.filter(order__customer_id__in=customers)
    placed = (
        orders.filter(placed_at__gte=since, placed_at__lt=until)
        .annotate(bucket=_truncated("placed_at", granularity))
        .annotate(new=_is_new("customer_id", granularity))
        .values("bucket", "new")
    )
    refunded = (
        refunds.filter(refunded_at__gte=since, refunded_at__lt=until)
        .annotate(bucket=_truncated("refunded_at", granularity))
        .annotate(new=_is_new("order__customer_id", granularity))
        .values("bucket", "new")
    )
    rows = added_up(
        [
            (
                placed,
                {
                    **term_sums(ORDER_TERMS),
                    "orders": Count("pk"),
                    "customers": Count("customer_id", distinct=True),
                },
            ),
            (refunded, {"returns": Sum(RETURNS)}),
        ]
    )
    return type_totals(rows)


def type_totals(rows: Any) -> list[CustomerTypeTotals]:
    """The rows of a (bucket, new) UNION ALL added up per key."""
    sums = summed_per_key(
        rows, lambda row: (_as_date(row["bucket"]), bool(row["new"])), TYPE_MEASURES
    )
    return [
        CustomerTypeTotals(
            bucket=bucket,
            new=new,
            customers=row["customers"],
            terms=SalesTerms.of(row),
            orders=row["orders"],
        )
        for (bucket, new), row in sorted(sums.items())
    ]


def returning_counts(*, filters: MetricFilters, window: Window) -> ReturningCounts:
    """Customers with a revenue order placed in the window; of them, those with two
    or more revenue orders placed up to the window's end (one query)."""
    since, until = window.bounds()
    revenue_orders = Order.objects.revenue().filter(customer_id=OuterRef("pk"))
    orders_to_end = (
        revenue_orders.filter(placed_at__lt=until)
        .order_by()
        .values("customer_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    customers = Customer.objects.order_by()
    acquired = _acquired_customers(filters)
    if acquired is not None:
        customers = customers.filter(pk__in=acquired)
    row = (
        customers.filter(
            Exists(revenue_orders.filter(placed_at__gte=since, placed_at__lt=until))
        )
        .annotate(orders_to_end=Subquery(orders_to_end, output_field=IntegerField()))
        .aggregate(
            customers=Count("pk"),
            repeat_customers=Count("pk", filter=Q(orders_to_end__gte=2)),
        )
    )
    return ReturningCounts(row["customers"], row["repeat_customers"])


def _customer_refunds(since: datetime | None, until: datetime) -> Subquery:
    """Σ refund amounts given in [since, until) on the referenced customer's revenue
    orders (0 when none)."""
    refunds = Refund.objects.filter(
        order__customer_id=OuterRef("customer_id"),
        order__status__in=settings.REVENUE_STATUSES,
        refunded_at__lt=until,
    )
    if since is not None:
        refunds = refunds.filter(refunded_at__gte=since)
    return Subquery(
        refunds.order_by()
        .values("order__customer_id")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=MONEY_SUM,
    )


def rfm_summary(*, filters: MetricFilters, as_of: date) -> QuerySet[Any]:
    """One row per customer with a revenue order placed from start (when given) up
    to `as_of`: customer_id, last_day, frequency, monetary (the revenue measure,
    returns given in the same days)."""
    until = local_midnight(as_of + timedelta(days=1))
    since = local_midnight(filters.start) if filters.start else None
    orders = Order.objects.revenue().order_by().filter(placed_at__lt=until)
    if since is not None:
        orders = orders.filter(placed_at__gte=since)
    customers = _acquired_customers(filters)
    if customers is not None:
        orders = orders.filter(customer_id__in=customers)
    sums = {f"sum_{term}": Sum(expression) for term, expression in ORDER_TERMS.items()}
    columns = {term: f"sum_{term}" for term in ORDER_TERMS} | {"returns": "sum_returns"}
    return (
        orders.values("customer_id")
        .annotate(
            last_day=Max(LocalDate("placed_at")),
            frequency=Count("pk"),
            **sums,
            sum_returns=Coalesce(_customer_refunds(since, until), Value(ZERO_MONEY)),
        )
        .annotate(monetary=measure_expression(columns))
        .values("customer_id", "last_day", "frequency", "monetary")
    )


def prospects(*, filters: MetricFilters, as_of: date) -> int:
    """Customers with no revenue order placed up to `as_of` (who signed up by then).
    The acquisition filters (source, device, category) leave none: a prospect has
    no acquisition."""
    if given(filters, names=ACQUISITION_FILTERS):
        return 0
    until = local_midnight(as_of + timedelta(days=1))
    customers = filter_rows(
        Customer.objects.order_by(), filters, Table.CUSTOMERS, names=PERSON_FILTERS
    )
    return (
        customers.filter(signed_up_at__lt=until)
        .exclude(
            Exists(
                Order.objects.revenue().filter(
                    customer_id=OuterRef("pk"), placed_at__lt=until
                )
            )
        )
        .count()
    )


def customer_details(customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    """External id, email and country of the customers of a page."""
    return {
        row["pk"]: dict(row)
        for row in Customer.objects.filter(pk__in=customer_ids).values(
            "pk", "external_id", "email", "country"
        )
    }


def cohort_month_sales(*, filters: MetricFilters) -> list[CohortMonthSales]:
    """Per (first-order cohort, calendar month): the members' sales terms; one UNION
    ALL of the orders and the refunds, each row's cohort its customer's."""
    members = _cohort_members(filters=filters, cohort_by="first_order").values("pk")

    def cohort_of(customer: str) -> Any:
        first = Subquery(_first_revenue_order(OuterRef(customer)).values("placed_at"))
        return _truncated(first, "month")

    placed = (
        Order.objects.revenue()
        .order_by()
        .filter(customer_id__in=members)
        .annotate(
            cohort=cohort_of("customer_id"), month=_truncated("placed_at", "month")
        )
        .values("cohort", "month")
    )
    refunded = (
        Refund.objects.order_by()
        .filter(
            order__status__in=settings.REVENUE_STATUSES,
            order__customer_id__in=members,
        )
        .annotate(
            cohort=cohort_of("order__customer_id"),
            month=_truncated("refunded_at", "month"),
        )
        .values("cohort", "month")
    )
    rows = added_up(
        [(placed, term_sums(ORDER_TERMS)), (refunded, {"returns": Sum(RETURNS)})]
    )
    return month_sales(rows)


def month_sales(rows: Any) -> list[CohortMonthSales]:
    """The rows of a (cohort, month) UNION ALL added up per key."""
    sums = summed_per_key(
        rows,
        lambda row: (_as_date(row["cohort"]), _as_date(row["month"])),
        SALES_TERMS,
    )
    return [
        CohortMonthSales(cohort, month, SalesTerms.of(row))
        for (cohort, month), row in sorted(sums.items())
    ]


def cohort_sizes(*, filters: MetricFilters) -> dict[date, int]:
    members = _cohort_members(filters=filters, cohort_by="first_order")
    return {
        _as_date(row["cohort"]): row["customers"]
        for row in members.order_by().values("cohort").annotate(customers=Count("pk"))
    }
