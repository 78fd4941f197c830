"""Reading the stored customer-value fit (cohorts.models), aggregated in the database.

The customers the filters keep are chosen on their CustomerCohort rows (acquisition),
as the other customer metrics on the roll-up path; the fit is built from the roll-ups
too, so these read no shop table but the customers' external ids.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, QuerySet, Subquery, Sum
from django.db.models.functions import Floor

from ecomanalytics.filters import DIMENSION_FILTERS, MetricFilters, given
from ecomanalytics.money import money
from ecomanalytics.rollups.dimensions import single_filter

from .models import (
    CohortHorizonValue,
    CustomerValue,
    CustomerValueFit,
    CustomerValueLevel,
    TopCustomerHorizon,
)
from .rollup import _members


def latest_fit() -> CustomerValueFit | None:
    return CustomerValueFit.objects.order_by("-fitted_at").first()


def predictions(customer_ids: list[int]) -> dict[int, tuple[Decimal, float]]:
    """The latest fit's (12-month predicted revenue, P(alive)) of these customers
    (a page's): one query on the (fit, customer) index; empty without a fit."""
    values = CustomerValue.objects.filter(
        fit=Subquery(CustomerValueFit.objects.order_by("-fitted_at").values("pk")[:1]),
        customer_id__in=customer_ids,
    )
    return {
        customer: (money(revenue), alive)
        for customer, revenue, alive in values.order_by().values_list(
            "customer_id", "predicted_revenue", "probability_alive"
        )
    }


WHOLE_SHOP = MetricFilters()
COHORT_MONEY = ("total_predicted_revenue", "mean_predicted_revenue")
LEVELS_STORED = "levels_stored"
NOBODY: dict[str, Any] = {
    "cohorts": [],
    "rfm_groups": [],
    "alive_histogram": [0] * 10,
    "top_customers": [],
}
# The top customers a level keeps: the endpoint shows 10.
TOP_STORED = 10


def whole_shop_summary(fit: CustomerValueFit) -> dict[str, Any]:
    """The unfiltered aggregates, for CustomerValueFit.whole_shop: at 650k customers
    each of them scans every CustomerValue row, so a request reads them instead.
    levels_stored: the fit has stored every single filter value's too."""
    return {**summary(fit, WHOLE_SHOP), LEVELS_STORED: True}


def summary(fit: CustomerValueFit, filters: MetricFilters) -> dict[str, Any]:
    """The per-cohort, per-RFM-group and P(alive) aggregates of the customers the
    filters keep, summed now (as JSON stores them)."""
    return {
        "cohorts": _cohort_rows(fit, filters),
        "rfm_groups": _rfm_group_rows(fit, filters),
        "alive_histogram": list(_histogram(fit, filters).values()),
    }


def _stored(fit: CustomerValueFit, filters: MetricFilters) -> dict[str, Any] | None:
    """The stored aggregates of the filters: no filter or one, without start/end
    (a value nobody has: empty); None when they are to be summed now."""
    if not fit.whole_shop:
        return None
    if filters == WHOLE_SHOP:
        return fit.whole_shop
    if filters.start or filters.end or not single_filter(filters):
        return None
    if not fit.whole_shop.get(LEVELS_STORED):
        return None  # a fit stored before the levels were
    ((dimension, value),) = given(filters).items()
    stored = (
        CustomerValueLevel.objects.filter(fit=fit, dimension=dimension, value=value)
        .values_list("summary", flat=True)
        .first()
    )
    return NOBODY if stored is None else stored


def _values(fit: CustomerValueFit, filters: MetricFilters) -> QuerySet[CustomerValue]:
    values = CustomerValue.objects.filter(fit=fit).order_by()
    if given(filters, names=DIMENSION_FILTERS) or filters.start or filters.end:
        members = _members(filters=filters, cohort_by="first_order")
        values = values.filter(customer_id__in=members.values("pk"))
    return values


def by_cohort(fit: CustomerValueFit, filters: MetricFilters) -> list[dict[str, Any]]:
    """Per first-order cohort: customers, Σ and mean predicted revenue, mean P(alive)."""
    stored = _stored(fit, filters)
    if stored is None:
        return _cohort_rows(fit, filters)
    return [
        {
            **row,
            "cohort": date.fromisoformat(row["cohort"]) if row["cohort"] else None,
            **{name: Decimal(row[name]) for name in COHORT_MONEY},
        }
        for row in stored["cohorts"]
    ]


def _cohort_rows(fit: CustomerValueFit, filters: MetricFilters) -> list[dict[str, Any]]:
    rows = (
        _values(fit, filters)
        .values(cohort=F("customer__cohort_fact__acquisition_month"))
        .annotate(
            customers=Count("pk"),
            total_predicted_revenue=Sum("predicted_revenue"),
            mean_predicted_revenue=Avg("predicted_revenue"),
            mean_probability_alive=Avg("probability_alive"),
        )
        .order_by("cohort")
    )
    return [dict(row) for row in rows]


def by_rfm_group(fit: CustomerValueFit, filters: MetricFilters) -> list[dict[str, Any]]:
    """Per RFM group as of the fit's as_of: customers, Σ and mean predicted revenue."""
    stored = _stored(fit, filters)
    if stored is None:
        return _rfm_group_rows(fit, filters)
    return [
        {**row, **{name: Decimal(row[name]) for name in COHORT_MONEY}}
        for row in stored["rfm_groups"]
    ]


def _rfm_group_rows(
    fit: CustomerValueFit, filters: MetricFilters
) -> list[dict[str, Any]]:
    rows = (
        _values(fit, filters)
        .values("rfm_group")
        .annotate(
            customers=Count("pk"),
            total_predicted_revenue=Sum("predicted_revenue"),
            mean_predicted_revenue=Avg("predicted_revenue"),
        )
        .order_by("rfm_group")
    )
    return [dict(row) for row in rows]


def top_customers(
    fit: CustomerValueFit, filters: MetricFilters, limit: int
) -> list[dict[str, Any]]:
    """The `limit` highest predicted revenues, ties by customer id: a level's stored
    list where it holds that many (a filter's customers are picked out of the
    ranked rows one by one: hundreds of milliseconds at 65k customers), else read
    from the per-customer rows (without a filter: an index range, LIMIT)."""
    stored = None if filters == WHOLE_SHOP else _stored(fit, filters)
    if stored is not None and limit <= TOP_STORED:
        return [
            {**row, "predicted_revenue": Decimal(row["predicted_revenue"])}
            for row in stored.get("top_customers", [])[:limit]
        ]
    return _top_rows(fit, filters, limit)


def _top_rows(
    fit: CustomerValueFit, filters: MetricFilters, limit: int
) -> list[dict[str, Any]]:
    rows = (
        _values(fit, filters)
        .order_by("-predicted_revenue", "customer_id")
        .values(
            "customer_id",
            "probability_alive",
            "expected_orders",
            "predicted_revenue",
            external_id=F("customer__external_id"),
        )[:limit]
    )
    return [dict(row) for row in rows]


def probability_alive_histogram(
    fit: CustomerValueFit, filters: MetricFilters
) -> dict[int, int]:
    """Customers per tenth of P(alive): bin k holds [k/10, (k+1)/10), bin 9 also 1."""
    stored = _stored(fit, filters)
    if stored is None:
        return _histogram(fit, filters)
    return dict(enumerate(stored["alive_histogram"]))


def _histogram(fit: CustomerValueFit, filters: MetricFilters) -> dict[int, int]:
    rows = (
        _values(fit, filters)
        .annotate(tenth=Floor(F("probability_alive") * 10))
        .values("tenth")
        .annotate(n=Count("pk"))
        .values_list("tenth", "n")
    )
    bins: dict[int, int] = dict.fromkeys(range(10), 0)
    for tenth, count in rows:
        bins[min(int(tenth), 9)] += count
    return bins


def by_cohort_over(fit: CustomerValueFit, months: int) -> list[dict[str, Any]]:
    """by_cohort's rows for another horizon, from the fit's stored totals (every
    customer: these totals are computed at fit time, without filters)."""
    rows = (
        CohortHorizonValue.objects.filter(fit=fit, months=months)
        .order_by("cohort")
        .values(
            "cohort",
            "customers",
            "mean_probability_alive",
            total_predicted_revenue=F("predicted_revenue"),
        )
    )
    return [
        {
            **row,
            "mean_predicted_revenue": row["total_predicted_revenue"] / row["customers"],
        }
        for row in rows
    ]


def top_customers_over(
    fit: CustomerValueFit, months: int, limit: int
) -> list[dict[str, Any]]:
    rows = (
        TopCustomerHorizon.objects.filter(fit=fit, months=months)
        .order_by("rank")
        .values(
            "customer_id",
            "probability_alive",
            "expected_orders",
            "predicted_revenue",
            external_id=F("customer__external_id"),
        )[:limit]
    )
    return [dict(row) for row in rows]
