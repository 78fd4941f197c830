"""Building the chain-link roll-ups that count distinct customers (models.ChainLinks).

Per level, the days on which each customer had a revenue order (or a line of the
level's category or product) are chained in date order with LAG(): each link is
(day, previous day), and the links are counted per (day, previous day, level) in one
INSERT ... SELECT, so rows never travel through Python. The raw rows are read once per
table into a materialized base of distinct (customer, local day, keys...): each row's
local day is computed once, and every level is a DISTINCT projection of that base.
The month-precision links and the month rows are then sums of the day rows.

An incremental refresh from `since` rebuilds the links of days from `since` on. A link
depends on the customer's earlier days, so the chains are rebuilt for the customers
with a revenue order from `since` on, over their whole history; only their links from
`since` on are kept (the earlier ones did not change).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import (
    Exists,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)

from ecomanalytics.periods import local_midnight
from ecomanalytics.store.columns import column_name
from ecomanalytics.store.models import Order, OrderItem

from .dimensions import DAY, MONTH
from .inserts import execute_insert, insert_select
from .local_time import FirstOfMonth, LocalDate
from .models import ALL, DIMENSIONS, CustomerLinks, DiscountLinks, ProductLinks

if TYPE_CHECKING:
    from .inserts import SqlParam

# Columns of the bases: customer and local day, then what the levels key on.
CUSTOMER, DAY_COLUMN = "link_customer", "link_day"


@dataclass(frozen=True, slots=True)
class Branch:
    """One level read from one base: per link key, the base column (None: ALL, or
    NULL for a key that is not a dimension)."""

    base: str
    columns: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class LinkTable:
    model: type[Model]
    keys: tuple[str, ...]  # the model's level fields, in order
    bases: Callable[[date | None], dict[str, QuerySet]]
    branches: tuple[Branch, ...]


def _dimension_levels(base: str, extra: dict[str, str | None]) -> list[Branch]:
    """No filter, then each dimension alone; `extra` keys go with every level."""
    alone = [{dimension: dimension} for dimension in DIMENSIONS]
    return [
        Branch(base, dict.fromkeys(DIMENSIONS) | level | extra)
        for level in [{}, *alone]
    ]


def _revenue_orders(since: date | None) -> QuerySet:
    orders = Order.objects.revenue().order_by()
    if since is not None:
        orders = orders.filter(Exists(_ordered_since(since, "customer_id")))
    return orders


def _revenue_lines(since: date | None) -> QuerySet:
    lines = OrderItem.objects.revenue().order_by()
    if since is not None:
        lines = lines.filter(Exists(_ordered_since(since, "order__customer_id")))
    return lines


def _ordered_since(since: date, customer: str) -> QuerySet:
    return Order.objects.revenue().filter(
        customer_id=OuterRef(customer), placed_at__gte=local_midnight(since)
    )


def _order_days(since: date | None) -> QuerySet:
    """Each (customer, local day, source, device, country) with a revenue order."""
    return (
        _revenue_orders(since)
        .annotate(
            link_customer=F("customer_id"),
            link_day=LocalDate("placed_at"),
            link_country=F("customer__country"),
        )
        .values(CUSTOMER, DAY_COLUMN, "traffic_source", "device", "link_country")
        .distinct()
    )


def _code_days(since: date | None) -> QuerySet:
    """Each (customer, local day, source, device, country, discount codes) with a
    revenue order."""
    return (
        _revenue_orders(since)
        .annotate(
            link_customer=F("customer_id"),
            link_day=LocalDate("placed_at"),
            link_country=F("customer__country"),
            link_codes=F("discount_codes"),
        )
        .values(
            CUSTOMER,
            DAY_COLUMN,
            "traffic_source",
            "device",
            "link_country",
            "link_codes",
        )
        .distinct()
    )


LINE_KEYS = {
    "link_source": F("order__traffic_source"),
    "link_device": F("order__device"),
    "link_country": F("order__customer__country"),
    "link_category": F("product__category_id"),
    "link_product": F("product_id"),
}


def _line_days(since: date | None, *keys: str) -> QuerySet:
    """Each (customer, local day, keys...) with a revenue-order line (LINE_KEYS)."""
    return (
        _revenue_lines(since)
        .annotate(
            link_customer=F("order__customer_id"),
            link_day=LocalDate("order__placed_at"),
            **{key: LINE_KEYS[key] for key in keys},
        )
        .values(CUSTOMER, DAY_COLUMN, *keys)
        .distinct()
    )


ORDER_COLUMNS = {"traffic_source": "traffic_source", "device": "device"}
LINE_COLUMNS = {"traffic_source": "link_source", "device": "link_device"}


def _renamed(branches: list[Branch], columns: dict[str, str]) -> tuple[Branch, ...]:
    """The branches with dimension names mapped to their base's column names."""
    return tuple(
        Branch(
            branch.base,
            {
                key: (columns.get(column, column) if column else None)
                for key, column in branch.columns.items()
            },
        )
        for branch in branches
    )


LINK_TABLES = (
    LinkTable(
        model=CustomerLinks,
        keys=(*DIMENSIONS, "category"),
        bases=lambda since: {
            "order_days": _order_days(since),
            "category_days": _line_days(since, "link_category"),
        },
        branches=(
            *_renamed(
                _dimension_levels("order_days", {"category": None}),
                ORDER_COLUMNS | {"country": "link_country"},
            ),
            Branch(
                "category_days",
                dict.fromkeys(DIMENSIONS) | {"category": "link_category"},
            ),
        ),
    ),
    LinkTable(
        model=ProductLinks,
        keys=(*DIMENSIONS, "product"),
        bases=lambda since: {
            "product_days": _line_days(
                since, "link_product", "link_source", "link_device", "link_country"
            )
        },
        branches=_renamed(
            _dimension_levels("product_days", {"product": "link_product"}),
            LINE_COLUMNS | {"country": "link_country"},
        ),
    ),
    LinkTable(
        model=DiscountLinks,
        keys=(*DIMENSIONS, "discount_codes"),
        bases=lambda since: {"code_days": _code_days(since)},
        branches=_renamed(
            _dimension_levels("code_days", {"discount_codes": "link_codes"}),
            ORDER_COLUMNS | {"country": "link_country"},
        ),
    ),
)


def _materialized(vendor: str) -> str:
    """The hint that computes a base once although every level reads it."""
    if vendor == "postgresql" or sqlite3.sqlite_version_info >= (3, 35):
        return "MATERIALIZED "
    return ""


def _insert_links(table: LinkTable, since: date | None, using: str) -> int:
    """Count the links of every level: one statement over the table's bases.

    Each distinct (customer, day, level) is one link; LAG over the customer's days of
    the level gives its previous day. First links (no previous day) are stored once,
    at month precision; the others at day precision (month precision is added later).
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    model = table.model
    params: list[SqlParam] = []
    ctes = []
    for name, base in table.bases(since).items():
        sql, base_params = base.query.get_compiler(using).as_sql()
        ctes.append(f"{name} AS {_materialized(connection.vendor)}({sql})")
        params.extend(base_params)

    def key_value(key: str, column: str | None) -> str:
        if column is not None:
            return quote(column)
        if key in DIMENSIONS:
            return f"CAST('{ALL}' AS VARCHAR(64))"
        # Typed: PostgreSQL reads a bare NULL as text, which does not UNION with ids.
        return "CAST(NULL AS INTEGER)"

    keys = [f"key_{key}" for key in table.keys]
    levels = " UNION ALL ".join(
        f"SELECT DISTINCT {quote(CUSTOMER)} AS link_customer, "
        f"{quote(DAY_COLUMN)} AS link_day, "
        + ", ".join(
            f"{key_value(key, branch.columns[key])} AS key_{key}" for key in table.keys
        )
        + f" FROM {branch.base}"
        for branch in table.branches
    )
    key_list = ", ".join(keys)
    chained = (
        f"SELECT link_day, {key_list}, LAG(link_day) OVER "
        f"(PARTITION BY link_customer, {key_list} ORDER BY link_day) AS link_previous "
        f"FROM ({levels}) link_days"
    )
    kept = ""
    if since is not None:
        kept = "WHERE link_day >= %s"
        params.append(connection.ops.adapt_datefield_value(since))
    target_columns = [
        column_name(model, name)
        for name in ("grain", "day", "previous_grain", "previous", *table.keys, "links")
    ]
    # INSERT first: Python's sqlite3 reports no rowcount for a statement opening WITH.
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(map(quote, target_columns))}) "
        f"WITH {', '.join(ctes)} "
        f"SELECT '{DAY}', link_day, "
        f"CASE WHEN link_previous IS NULL THEN '{MONTH}' ELSE '{DAY}' END, "
        f"link_previous, {key_list}, COUNT(*) "
        f"FROM ({chained}) links {kept} "
        f"GROUP BY link_day, link_previous, {key_list} "
        # The order of the table's day index (inserts.clustered_order).
        f"ORDER BY {key_list}, 3, link_day"
    )
    return execute_insert(using, statement, params)


def _month_precision(table: LinkTable, since: date | None, using: str) -> int:
    """The day rows' links again with their previous day's month instead of the day."""
    exact = table.model._default_manager.using(using).filter(
        grain=DAY, previous_grain=DAY
    )
    if since is not None:
        exact = exact.filter(day__gte=since)
    query = exact.values(
        "grain", "day", *table.keys, previous_month=FirstOfMonth("previous")
    ).annotate(total=Sum("links"), month_precision=Value(MONTH))
    return insert_select(
        table.model,
        query,
        using,
        {
            "previous_month": "previous",
            "total": "links",
            "month_precision": "previous_grain",
        },
    )


def _month_rows(table: LinkTable, since: date | None, using: str) -> int:
    """Each month's links whose previous day is before the month (or none)."""
    day_rows = (
        table.model._default_manager.using(using)
        .order_by()
        .filter(grain=DAY)
        .annotate(link_month=FirstOfMonth("day"))
        .filter(Q(previous__isnull=True) | Q(previous__lt=F("link_month")))
    )
    if since is not None:
        day_rows = day_rows.filter(day__gte=since.replace(day=1))
    query = day_rows.values(
        "link_month", "previous_grain", "previous", *table.keys
    ).annotate(total=Sum("links"), month_grain=Value(MONTH))
    return insert_select(
        table.model,
        query,
        using,
        {"link_month": "day", "total": "links", "month_grain": "grain"},
    )


def _rebuild(table: LinkTable, since: date | None, using: str) -> int:
    stale = table.model._default_manager.using(using)
    if since is not None:
        stale = stale.filter(
            Q(grain=DAY, day__gte=since) | Q(grain=MONTH, day__gte=since.replace(day=1))
        )
    stale.delete()
    written = _insert_links(table, since, using)
    written += _month_precision(table, since, using)
    return written + _month_rows(table, since, using)


def chain_steps(
    since: date | None, using: str
) -> Iterator[tuple[str, Callable[[], int]]]:
    """The refresh steps of the link tables, for refresh.refresh_rollups."""
    for table in LINK_TABLES:
        yield (
            table.model.__name__,
            partial(_rebuild, table, since, using),
        )
