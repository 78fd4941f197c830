"""Distinct customers as sums of first links (models.ChainLinks), in one SQL statement.

A customer is counted in a window by the one link that is their first inside it: a
link on a day of the window whose previous day is before the window's start. The
rows to sum are, for each range of span_ranges() (month rows for whole months, day
rows for partial ones):
- month precision, previous month before the start's month (or no previous day);
- day precision, previous day in the start's month before the start (only when the
  window does not start on the 1st).
Each month-precision range is one index range, the day-precision links of a window
one more; their UNION ALL is summed per window (and product). The SQL
is written here rather than composed with the ORM: composing a dozen filtered
querysets cost more Python time (about 10 ms) than the database spent answering.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import Window
from ecomanalytics.store.models import Category

from .dimensions import DAY, MONTH, level_values, span_ranges
from .models import CustomerLinks, DiscountLinks, ProductLinks

if TYPE_CHECKING:
    from .inserts import SqlParam


def customers_per_window(
    filters: MetricFilters, windows: dict[str, Window]
) -> dict[str, int]:
    """Distinct customers with a revenue order (with a line of the category) per
    window, at the level of the filters (at most one given: dimensions.single_filter)."""
    level, params = _level(filters)
    if level is None:
        return dict.fromkeys(windows, 0)
    if filters.category:
        category = _connection(CustomerLinks).ops.quote_name(Category._meta.db_table)
        level.append(f"category_id IN (SELECT id FROM {category} WHERE name = %s)")
        params.append(filters.category)
    else:
        level.append("category_id IS NULL")
    sums = _sums(CustomerLinks, level, params, windows, key=None)
    return {name: sums.get((name, None), 0) for name in windows}


def buyers_per_product(
    filters: MetricFilters, window: Window, products: Sequence[int]
) -> dict[int, int]:
    """Distinct customers with a revenue-order line of each product in the window, at
    the level of source, device or country (at most one given)."""
    level, params = _level(filters)
    if level is None or not products:
        return {}
    level.append(f"product_id IN ({', '.join(['%s'] * len(products))})")
    params.extend(products)
    sums = _sums(ProductLinks, level, params, {"window": window}, key="product_id")
    return {product: buyers for (_, product), buyers in sums.items()}


def _level(filters: MetricFilters) -> tuple[list[str] | None, list[SqlParam]]:
    """The conditions selecting the filters' level (dimensions.matching's rows)."""
    values = level_values(filters)
    if values is None:
        return None, []
    return [f"{column} = %s" for column in values], list(values.values())


# Overloaded: the sums are per window and value of the key column (an id), or per
# window alone (None) without one.
@overload
def _sums(
    model: type[Model],
    level: list[str],
    level_params: list[SqlParam],
    windows: dict[str, Window],
    key: None,
) -> dict[tuple[str, None], int]: ...


@overload
def _sums(
    model: type[Model],
    level: list[str],
    level_params: list[SqlParam],
    windows: dict[str, Window],
    key: str,
) -> dict[tuple[str, int], int]: ...


def _sums(
    model: type[Model],
    level: list[str],
    level_params: list[SqlParam],
    windows: dict[str, Window],
    key: str | None,
) -> dict[tuple[str, Any], int]:  # the key as the cursor returns it
    connection = _connection(model)
    table = connection.ops.quote_name(model._meta.db_table)
    key_column = key or "NULL"
    where = " AND ".join(level)
    day = connection.ops.adapt_datefield_value
    parts: list[str] = []
    params: list[SqlParam] = []
    select = f"SELECT %s AS link_window, {key_column} AS link_key, links FROM {table}"
    for name, window in windows.items():
        month_start = window.start.replace(day=1)
        ranges = span_ranges(window)
        for grain, first, last in ranges:
            parts.append(
                f"{select} WHERE {where} AND grain = %s AND day >= %s AND day <= %s "
                f"AND previous_grain = '{MONTH}' AND (previous IS NULL OR previous < %s)"
            )
            params += [name, *level_params, grain, day(first), day(last)]
            params.append(day(month_start))
        if window.start != month_start:
            # One read of the few links whose previous day lies in the start's month,
            # filtered to the window's rows (its ranges would each read them again).
            in_window = " OR ".join(
                ["(grain = %s AND day >= %s AND day <= %s)"] * len(ranges)
            )
            parts.append(
                f"{select} WHERE {where} AND previous_grain = '{DAY}' "
                f"AND previous >= %s AND previous < %s AND ({in_window})"
            )
            params += [name, *level_params, day(month_start), day(window.start)]
            for grain, first, last in ranges:
                params += [grain, day(first), day(last)]
    statement = (
        "SELECT link_window, link_key, SUM(links) "
        f"FROM ({' UNION ALL '.join(parts)}) first_links "
        "GROUP BY link_window, link_key"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return {(name, value): int(total) for name, value, total in cursor.fetchall()}


def _connection(model: type[Model]) -> BaseDatabaseWrapper:
    """The database the metrics read (the analytics replica when one is set)."""
    return connections[router.db_for_read(model)]


def customers_per_code(filters: MetricFilters, window: Window) -> dict[str, int]:
    """Distinct customers with a revenue order in the window per discount-codes value
    ("" for no code), at the level of source, device or country (at most one given);
    codes without such a customer are left out."""
    level, params = _level(filters)
    if level is None:
        return {}
    sums = _sums(DiscountLinks, level, params, {"window": window}, key="discount_codes")
    # _sums types its keys as ids (the other tables' keys); these are the codes.
    return {str(code): customers for (_, code), customers in sums.items()}
