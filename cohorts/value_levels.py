"""Every single filter value's customer-value aggregates, summed when the fit is stored.

A filtered request reads its level's CustomerValueLevel row (stored_value) instead of
scanning every CustomerValue row of the fit. The fit still holds every customer's
prediction in numpy arrays, so the levels are summed there: one streamed query per
dimension reads which customers each value keeps (their cohort rows, as the
per-request path selects them), and numpy groups the predictions by (value, cohort),
(value, RFM group), (value, tenth of P(alive)) and ranks the top customers per value.
Grouped SQL over the stored rows took 47.6 of the 103 s of a 454k-customer fit on
PostgreSQL. The rows are those stored_value.summary and stored_value._top_rows return
for the level's filter: predicted revenue summed in exact cents, means of the same
values (floats summed in another order can differ from the database's in their last
bits, far below the API's rounding).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.apps import apps

from ecomanalytics.filters import DIMENSION_FILTERS, FILTER_LOOKUPS, Table, Through
from ecomanalytics.periods import month_number, month_of_number
from ecomanalytics.rollups.models import CustomerCohort
from ecomanalytics.store.models import Customer

from .models import CustomerValueFit, CustomerValueLevel
from .rollup import ANCHORS, acquisition_values
from .stored_value import NOBODY, TOP_STORED

ANCHOR_DAY, COHORT_MONTH = ANCHORS["first_order"]
CHUNK = 10_000
TENTHS = 10
NO_COHORT = -1


@dataclass(frozen=True)
class Predictions:
    """The fit's stored per-customer values, aligned, sorted by customer id."""

    customer: np.ndarray  # int64 ids, ascending
    cents: np.ndarray  # int64 predicted revenue in cents, as stored
    probability_alive: np.ndarray
    expected_orders: np.ndarray
    rfm_group: list[str]


@dataclass(frozen=True)
class Memberships:
    """One row per (customer of the fit, value of a filter that keeps the customer)."""

    customer: np.ndarray  # index into Predictions
    value: np.ndarray  # index into values
    cohort: np.ndarray  # months since year 0 of the acquisition month
    values: list[str]


def store_levels(fit: CustomerValueFit, predictions: Predictions) -> int:
    """Store every value of every filter (acquisition_values), a value without
    customers as NOBODY; the number of levels stored."""
    levels = []
    for name in DIMENSION_FILTERS:
        summaries = level_summaries(predictions, memberships(name, predictions))
        levels += [
            CustomerValueLevel(fit=fit, dimension=name, value=value, summary=summary)
            for value, summary in summaries.items()
        ]
    CustomerValueLevel.objects.bulk_create(levels)
    return len(levels)


def memberships(name: str, predictions: Predictions) -> Memberships:
    """The customers of the fit that filter `name` keeps, per value: those with a
    first order whose cohort row (or one of its to-many rows) has the value."""
    values = acquisition_values(name)
    codes = {value: code for code, value in enumerate(values)}
    customer, value, cohort = [], [], []
    for customer_id, level, month in _membership_rows(name).iterator(chunk_size=CHUNK):
        code = codes.get(level)
        if code is not None:
            customer.append(customer_id)
            value.append(code)
            cohort.append(_cohort_number(month))
    ids = np.asarray(customer, dtype=np.int64)
    position = np.searchsorted(predictions.customer, ids)
    inside = position < len(predictions.customer)
    kept = inside.copy()
    kept[inside] = predictions.customer[position[inside]] == ids[inside]
    return Memberships(
        customer=position[kept],
        value=np.asarray(value, dtype=np.int64)[kept],
        cohort=np.asarray(cohort, dtype=np.int64)[kept],
        values=values,
    )


def _membership_rows(name: str) -> Any:
    """(customer id, value, acquisition month) of every customer with a first order,
    from the cohort rows the per-request filter reads (rollup._members)."""
    lookup = FILTER_LOOKUPS[name][Table.COHORT_MEMBERS]
    if isinstance(lookup, Through):
        member = lookup.link.removesuffix("_id")
        related = apps.get_model(lookup.related).objects
        return (
            related.filter(**{f"{member}__{ANCHOR_DAY}__isnull": False})
            .order_by()
            .values_list(lookup.link, lookup.lookup, f"{member}__{COHORT_MONTH}")
        )
    return (
        CustomerCohort.objects.filter(**{f"{ANCHOR_DAY}__isnull": False})
        .order_by()
        .values_list("customer_id", lookup, COHORT_MONTH)
    )


def _cohort_number(month: date | None) -> int:
    return NO_COHORT if month is None else month_number(month)


def level_summaries(
    predictions: Predictions, members: Memberships
) -> dict[str, dict[str, Any]]:
    """Each value: stored_value.summary's aggregates and the TOP_STORED top customers
    of the customers the filter keeps (a value nobody has: NOBODY's)."""
    summaries = {value: _nobody() for value in members.values}
    for code, row in _cohort_rows(predictions, members):
        summaries[members.values[code]]["cohorts"].append(row)
    for code, row in _rfm_group_rows(predictions, members):
        summaries[members.values[code]]["rfm_groups"].append(row)
    for code, tenth, customers in _histogram_rows(predictions, members):
        summaries[members.values[code]]["alive_histogram"][tenth] += customers
    for code, row in _top_rows(predictions, members):
        summaries[members.values[code]]["top_customers"].append(row)
    return summaries


def _nobody() -> dict[str, Any]:
    """NOBODY's shape, with lists of its own to fill."""
    return {key: list(empty) for key, empty in NOBODY.items()}


@dataclass(frozen=True)
class _Groups:
    """Memberships grouped by (value, key), in that order."""

    value: np.ndarray
    key: np.ndarray
    customers: np.ndarray
    inverse: np.ndarray


def _grouped(members: Memberships, key: np.ndarray) -> _Groups:
    # One int64 per (value, key): np.unique over row pairs (axis=0) sorts them as
    # opaque records, 8 of the 47 s of a 448k-customer fit.
    if len(key) == 0:
        empty = np.empty(0, dtype=np.int64)
        return _Groups(empty, empty, empty, empty)
    low = int(key.min())
    span = int(key.max()) - low + 1
    unique, inverse, counts = np.unique(
        members.value * span + (key - low), return_inverse=True, return_counts=True
    )
    return _Groups(unique // span, unique % span + low, counts, inverse.reshape(-1))


def _cents_by_group(
    predictions: Predictions, members: Memberships, groups: _Groups
) -> np.ndarray:
    totals = np.zeros(len(groups.customers), dtype=np.int64)
    np.add.at(totals, groups.inverse, predictions.cents[members.customer])
    return totals


def _money_sums(total_cents: int, customers: int) -> dict[str, Decimal]:
    total = Decimal(total_cents) / 100
    return {
        "total_predicted_revenue": total,
        "mean_predicted_revenue": total / customers,
    }


def _cohort_rows(
    predictions: Predictions, members: Memberships
) -> list[tuple[int, dict[str, Any]]]:
    groups = _grouped(members, members.cohort)
    cents = _cents_by_group(predictions, members, groups)
    alive = np.bincount(
        groups.inverse,
        weights=predictions.probability_alive[members.customer],
        minlength=len(groups.customers),
    )
    return [
        (
            int(code),
            {
                "cohort": _cohort_month(int(month)),
                "customers": int(customers),
                **_money_sums(int(total), int(customers)),
                "mean_probability_alive": float(alive_sum) / int(customers),
            },
        )
        for code, month, customers, total, alive_sum in zip(
            groups.value, groups.key, groups.customers, cents, alive, strict=True
        )
    ]


def _cohort_month(month: int) -> date | None:
    return None if month == NO_COHORT else month_of_number(month)


def _rfm_group_rows(
    predictions: Predictions, members: Memberships
) -> list[tuple[int, dict[str, Any]]]:
    names = sorted(set(predictions.rfm_group))
    code_of = {name: code for code, name in enumerate(names)}
    group_of = np.fromiter(
        (code_of[name] for name in predictions.rfm_group),
        dtype=np.int64,
        count=len(predictions.rfm_group),
    )
    groups = _grouped(members, group_of[members.customer])
    cents = _cents_by_group(predictions, members, groups)
    return [
        (
            int(code),
            {
                "rfm_group": names[group],
                "customers": int(customers),
                **_money_sums(int(total), int(customers)),
            },
        )
        for code, group, customers, total in zip(
            groups.value, groups.key, groups.customers, cents, strict=True
        )
    ]


def _histogram_rows(
    predictions: Predictions, members: Memberships
) -> list[tuple[int, int, int]]:
    """(value, tenth, customers): bin k holds [k/10, (k+1)/10), bin 9 also 1."""
    tenths = np.floor(predictions.probability_alive * TENTHS).astype(np.int64)
    groups = _grouped(members, np.minimum(tenths, TENTHS - 1)[members.customer])
    return [
        (int(code), int(tenth), int(customers))
        for code, tenth, customers in zip(
            groups.value, groups.key, groups.customers, strict=True
        )
    ]


def _top_rows(
    predictions: Predictions, members: Memberships
) -> list[tuple[int, dict[str, Any]]]:
    """Per value, the TOP_STORED highest predicted revenues, ties by customer id."""
    index = members.customer
    order = np.lexsort(
        (predictions.customer[index], -predictions.cents[index], members.value)
    )
    values = members.value[order]
    starts = np.searchsorted(values, values, side="left")
    best = order[np.arange(len(order)) - starts < TOP_STORED]
    chosen = index[best]
    external = dict(
        Customer.objects.filter(pk__in=predictions.customer[chosen].tolist())
        .order_by()
        .values_list("pk", "external_id")
    )
    rows = []
    for code, i in zip(members.value[best].tolist(), chosen.tolist(), strict=True):
        customer = int(predictions.customer[i])
        rows.append(
            (
                code,
                {
                    "customer_id": customer,
                    "probability_alive": float(predictions.probability_alive[i]),
                    "expected_orders": float(predictions.expected_orders[i]),
                    "predicted_revenue": Decimal(int(predictions.cents[i])) / 100,
                    "external_id": external[customer],
                },
            )
        )
    return rows
