"""The finest grouping level of a day table, grouped from the raw rows once into a
temporary table, and the coarser levels grouped from that small table.

A level that keeps one dimension and sets the others ALL is the finest level's rows
summed over the others; grouping the raw rows again for each level read the session
events three times (the product funnel facts: 217 s of a 560 s full refresh at 100k
orders). Sums add up across levels; a distinct count does only where each counted
thing has one value of every dimension (a session, an order), which the callers say.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import Model, QuerySet

from ecomanalytics.store.columns import column_name

from .inserts import clustered_order, execute_insert
from .models import ALL, DIMENSIONS

if TYPE_CHECKING:
    from .inserts import SqlParam


@contextmanager
def finest_rows(
    name: str,
    source: QuerySet,
    summed: Collection[str],
    using: str,
    dropped: Collection[str] = (),
) -> Iterator[str]:
    """A temporary table `name` holding the rows of `source` (a grouped query, or a
    UNION ALL of them) with the `summed` columns added up per key of the other
    columns but the `dropped` ones; yields its quoted name and drops it after the
    block."""
    connection = connections[using]
    quote = connection.ops.quote_name
    names = [
        column
        for column in (*source.query.values_select, *source.query.annotation_select)
        if column not in dropped
    ]
    sql, params = source.query.get_compiler(using).as_sql()
    keys = [quote(column) for column in names if column not in summed]
    selected = [
        f"SUM({quote(column)}) AS {quote(column)}"
        if column in summed
        else quote(column)
        for column in names
    ]
    table = quote(name)
    with connection.cursor() as cursor:
        # A refresh that failed on this connection may have left it behind.
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} AS SELECT {', '.join(selected)} "
            f"FROM ({sql}) finest_source GROUP BY {', '.join(keys)}",
            params,
        )
    try:
        yield table
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def insert_level(
    model: type[Model],
    table: str,
    using: str,
    *,
    kept: Sequence[str],
    columns: dict[str, str],
    measures: Sequence[str],
    present: Sequence[str] = (),
) -> int:
    """INSERT INTO model's table the day rows of one level summed from the finest
    rows in `table`: the dimensions not `kept` as ALL, the others grouped with the
    other `columns` (model field -> the table's column), the `measures` (same names
    in both) summed, over the finest rows whose `present` columns are not NULL."""
    connection = connections[using]
    quote = connection.ops.quote_name
    targets: list[str] = []
    selected: list[str] = []
    grouped: list[str] = []
    params: list[SqlParam] = []
    for field, column in columns.items():
        targets.append(column_name(model, field))
        if field in DIMENSIONS and field not in kept:
            selected.append("%s")
            params.append(ALL)
        else:
            selected.append(quote(column))
            grouped.append(quote(column))
    for measure in measures:
        targets.append(column_name(model, measure))
        selected.append(f"SUM({quote(measure)})")
    conditions = [f"{quote(column)} IS NOT NULL" for column in present]
    order = [
        quote(columns[field])
        for field in clustered_order(model)
        if field in columns and quote(columns[field]) in grouped
    ]
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(map(quote, targets))}) "
        f"SELECT {', '.join(selected)} FROM {table} "
        + (f"WHERE {' AND '.join(conditions)} " if conditions else "")
        + f"GROUP BY {', '.join(grouped)}"
        + (f" ORDER BY {', '.join(order)}" if order else "")
    )
    return execute_insert(using, statement, params)
