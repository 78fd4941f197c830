"""The filters every metric accepts, and how they narrow each kind of table.

This module is the one place that says which column a filter reads on which table;
the raw queries (filter_rows), the roll-up levels (level_columns) and the cohort
members all read FILTER_LOOKUPS. Adding a filter dimension means a field on
MetricFilters, a row here, and its roll-up levels (docs/architecture.md).

Decisions (docs/metrics.md): source and device are the order's (the session's for
sessions, the acquisition order's for cohorts; the refunded order's for refunds);
country is the customer's (the session's for sessions); category is the product's, on
each line (on each refunded line for refunds). Sessions have no category.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet


@dataclass(frozen=True, slots=True)
class MetricFilters:
    start: date | None = None
    end: date | None = None
    source: str | None = None
    device: str | None = None
    country: str | None = None
    category: str | None = None


class Table(StrEnum):
    """The kinds of rows a filter narrows."""

    ORDERS = "orders"  # store.Order
    LINES = "lines"  # store.OrderItem
    SESSIONS = "sessions"  # store.WebSession
    CUSTOMERS = "customers"  # store.Customer: attributes of the person only
    COHORT_MEMBERS = "cohort_members"  # rollups.CustomerCohort: the acquisition
    REFUNDS = "refunds"  # store.Refund: its order's source, device and customer
    REFUND_LINES = "refund_lines"  # store.RefundLine: and the refunded line's product
    LEVELS = "levels"  # the dimension columns of the roll-up facts


@dataclass(frozen=True, slots=True)
class Through:
    """A to-many condition: some row of `related` linked to the outer row by `link`
    matches `lookup`. An EXISTS, so a row with several matches counts once."""

    related: str  # "app_label.Model"
    link: str
    lookup: str


Lookup = str | Through

# filter -> table -> the lookup that narrows it; a table missing from a filter's row
# is not narrowed by that filter.
FILTER_LOOKUPS: dict[str, dict[Table, Lookup]] = {
    "source": {
        Table.ORDERS: "traffic_source",
        Table.LINES: "order__traffic_source",
        Table.REFUNDS: "order__traffic_source",
        Table.REFUND_LINES: "refund__order__traffic_source",
        Table.SESSIONS: "traffic_source",
        Table.COHORT_MEMBERS: "acquisition_source",
        Table.LEVELS: "traffic_source",
    },
    "device": {
        Table.ORDERS: "device",
        Table.LINES: "order__device",
        Table.REFUNDS: "order__device",
        Table.REFUND_LINES: "refund__order__device",
        Table.SESSIONS: "device",
        Table.COHORT_MEMBERS: "acquisition_device",
        Table.LEVELS: "device",
    },
    "country": {
        Table.ORDERS: "customer__country",
        Table.LINES: "order__customer__country",
        Table.REFUNDS: "order__customer__country",
        Table.REFUND_LINES: "refund__order__customer__country",
        Table.SESSIONS: "country",
        Table.CUSTOMERS: "country",
        Table.COHORT_MEMBERS: "country",
        Table.LEVELS: "country",
    },
    "category": {
        Table.ORDERS: Through("store.OrderItem", "order_id", "product__category__name"),
        Table.LINES: "product__category__name",
        Table.REFUNDS: Through(
            "store.RefundLine", "refund_id", "item__product__category__name"
        ),
        Table.REFUND_LINES: "item__product__category__name",
        Table.COHORT_MEMBERS: Through(
            "rollups.AcquisitionCategory", "member_id", "category__name"
        ),
        Table.LEVELS: "category__name",
    },
}
DIMENSION_FILTERS = tuple(FILTER_LOOKUPS)
# The dimensions the roll-up levels keep as plain columns (category is a key of its own).
LEVEL_DIMENSIONS = ("source", "device", "country")

# Any queryset, custom ones (OrderQuerySet, ...) keeping their own type.
Rows = TypeVar("Rows", bound=QuerySet[Any])


def given(
    filters: MetricFilters, *, names: tuple[str, ...] = DIMENSION_FILTERS
) -> dict[str, str]:
    """The dimension filters that are set, by name."""
    values = {name: getattr(filters, name) for name in names}
    return {name: value for name, value in values.items() if value}


def condition(table: Table, name: str, value: str) -> Q | Exists | None:
    """The condition of filter `name` = value on `table`; None where it does not apply."""
    lookup = FILTER_LOOKUPS[name].get(table)
    if lookup is None:
        return None
    if isinstance(lookup, Through):
        related = apps.get_model(lookup.related)
        return Exists(
            related.objects.filter(
                **{lookup.link: OuterRef("pk"), lookup.lookup: value}
            )
        )
    return Q(**{lookup: value})


def filter_rows(
    rows: Rows,
    filters: MetricFilters,
    table: Table,
    *,
    names: tuple[str, ...] = DIMENSION_FILTERS,
) -> Rows:
    """`rows` narrowed by every given filter among `names` that applies to `table`."""
    for name, value in given(filters, names=names).items():
        narrowing = condition(table, name, value)
        if narrowing is not None:
            rows = rows.filter(narrowing)
    return rows


def filter_orders(orders: Rows, filters: MetricFilters) -> Rows:
    """Orders matching source, device, country, and having a line of the category."""
    return filter_rows(orders, filters, Table.ORDERS)


def filter_items(items: Rows, filters: MetricFilters) -> Rows:
    """Lines whose order matches source, device, country, of the category's products."""
    return filter_rows(items, filters, Table.LINES)


def filter_sessions(sessions: Rows, filters: MetricFilters) -> Rows:
    """Sessions matching source, device and country; category does not apply."""
    return filter_rows(sessions, filters, Table.SESSIONS)


def column(table: Table, name: str) -> str:
    """The plain column (or single-valued lookup) of filter `name` on `table`."""
    lookup = FILTER_LOOKUPS[name][table]
    if isinstance(lookup, Through):
        raise TypeError(f"{name} is a to-many condition on {table}")
    return lookup


def level_columns() -> dict[str, str]:
    """filter name -> the roll-up level column holding that dimension."""
    return {name: column(Table.LEVELS, name) for name in LEVEL_DIMENSIONS}
