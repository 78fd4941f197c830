"""Every single filter value's customer-value aggregates, summed when the fit is stored.

A filtered request reads its level's CustomerValueLevel row (stored_value) instead of
scanning every CustomerValue row of the fit. The levels of a dimension are summed
together, grouped by the level's value: four queries per dimension (cohorts, RFM
groups, P(alive) tenths, top customers), each one scan of the fit's rows, where one
set of queries per level took 16 of the 28 s of a 45k-customer fit on PostgreSQL.
The rows are those stored_value.summary and stored_value._top_rows return for the
level's filter: the same expressions, with the level's value as one more group.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Avg, Count, F, QuerySet, Sum, Window
from django.db.models.functions import Floor, RowNumber

from ecomanalytics.filters import DIMENSION_FILTERS, FILTER_LOOKUPS, Table, Through

from .models import CustomerValue, CustomerValueFit, CustomerValueLevel
from .rollup import ANCHORS, acquisition_values
from .stored_value import NOBODY, TOP_STORED

MEMBER = "customer__cohort_fact"
# The reverse relations of the cohort members' to-many filter tables.
MEMBER_RELATIONS = {"rollups.AcquisitionCategory": "acquisition_categories"}
ANCHOR_DAY, COHORT_MONTH = ANCHORS["first_order"]


def level_lookup(name: str) -> str:
    """The CustomerValue lookup of filter `name`'s value: the cohort member's
    column, or a column of its rows in a to-many table (one row per category)."""
    lookup = FILTER_LOOKUPS[name][Table.COHORT_MEMBERS]
    if isinstance(lookup, Through):
        return f"{MEMBER}__{MEMBER_RELATIONS[lookup.related]}__{lookup.lookup}"
    return f"{MEMBER}__{lookup}"


def store_levels(fit: CustomerValueFit) -> int:
    """Store every value of every filter (acquisition_values), a value without
    customers as NOBODY; the number of levels stored."""
    levels = []
    for name in DIMENSION_FILTERS:
        summaries = level_summaries(fit, name)
        levels += [
            CustomerValueLevel(fit=fit, dimension=name, value=value, summary=summary)
            for value, summary in summaries.items()
        ]
    CustomerValueLevel.objects.bulk_create(levels)
    return len(levels)


def level_summaries(fit: CustomerValueFit, name: str) -> dict[str, dict[str, Any]]:
    """Each value of filter `name`: stored_value.summary's aggregates and the
    TOP_STORED top customers of the customers the filter keeps."""
    summaries = {value: _nobody() for value in acquisition_values(name)}
    rows = _rows(fit, name)
    for value, row in _by_level(_cohort_rows(rows)):
        if value in summaries:
            summaries[value]["cohorts"].append(row)
    for value, row in _by_level(_rfm_group_rows(rows)):
        if value in summaries:
            summaries[value]["rfm_groups"].append(row)
    for value, tenth, customers in _histogram_rows(rows):
        if value in summaries:
            summaries[value]["alive_histogram"][min(int(tenth), 9)] += customers
    for value, row in _by_level(_top_rows(rows)):
        if value in summaries:
            summaries[value]["top_customers"].append(row)
    return summaries


def _nobody() -> dict[str, Any]:
    """NOBODY's shape, with lists of its own to fill."""
    return {key: list(empty) for key, empty in NOBODY.items()}


def _rows(fit: CustomerValueFit, name: str) -> QuerySet[Any]:
    """The fit's rows of customers with a first order (as stored_value._members
    keeps them), one per value of filter `name` they have."""
    return (
        CustomerValue.objects.filter(
            fit=fit, **{f"{MEMBER}__{ANCHOR_DAY}__isnull": False}
        )
        .order_by()
        .annotate(level=F(level_lookup(name)))
        .filter(level__isnull=False)
    )


def _by_level(rows: Iterable[dict[str, Any]]) -> Iterable[tuple[str, dict[str, Any]]]:
    for row in rows:
        value = row.pop("level")
        yield value, row


def _cohort_rows(rows: QuerySet[Any]) -> QuerySet[Any]:
    return (
        rows.values("level", cohort=F(f"{MEMBER}__{COHORT_MONTH}"))
        .annotate(
            customers=Count("pk"),
            total_predicted_revenue=Sum("predicted_revenue"),
            mean_predicted_revenue=Avg("predicted_revenue"),
            mean_probability_alive=Avg("probability_alive"),
        )
        .order_by("level", "cohort")
    )


def _rfm_group_rows(rows: QuerySet[Any]) -> QuerySet[Any]:
    return (
        rows.values("level", "rfm_group")
        .annotate(
            customers=Count("pk"),
            total_predicted_revenue=Sum("predicted_revenue"),
            mean_predicted_revenue=Avg("predicted_revenue"),
        )
        .order_by("level", "rfm_group")
    )


def _histogram_rows(rows: QuerySet[Any]) -> QuerySet[Any]:
    return (
        rows.annotate(tenth=Floor(F("probability_alive") * 10))
        .values("level", "tenth")
        .annotate(n=Count("pk"))
        .values_list("level", "tenth", "n")
    )


def _top_rows(rows: QuerySet[Any]) -> list[dict[str, Any]]:
    """Per value, the TOP_STORED highest predicted revenues, ties by customer id."""
    ranked = (
        rows.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("level")],
                order_by=[F("predicted_revenue").desc(), F("customer_id").asc()],
            )
        )
        .filter(rank__lte=TOP_STORED)
        .values(
            "level",
            "rank",
            "customer_id",
            "probability_alive",
            "expected_orders",
            "predicted_revenue",
            external_id=F("customer__external_id"),
        )
    )
    ordered = sorted(ranked, key=lambda row: (row["level"], row["rank"]))
    return [{key: row[key] for key in row if key != "rank"} for row in ordered]
