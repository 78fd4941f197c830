"""Writing roll-up rows with INSERT ... SELECT: rows never travel through Python."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import Model, QuerySet

from ecomanalytics.store.columns import column_name, concrete_field

if TYPE_CHECKING:
    # A value the database driver adapts to SQL: named by django-stubs only.
    from django.db.backends.utils import _SQLType as SqlParam


def execute_insert(using: str, statement: str, params: Sequence[SqlParam] = ()) -> int:
    """Run one INSERT statement; the rows it wrote (0 when the driver cannot tell)."""
    with connections[using].cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def insert_select(
    model: type[Model],
    source: QuerySet,
    using: str,
    renamed: dict[str, str] | None = None,
    summed: Collection[str] = (),
) -> int:
    """INSERT INTO model's table the rows of a grouped query, named like its columns,
    in the order of the table's first index (clustered_order).

    Wrapping the query as a derived table lets the outer SELECT pick its columns by
    name, whatever order the ORM put them in; `renamed` maps a query column to the
    model field it fills where the names differ. `summed` names the columns to add
    up per group of the others: a UNION ALL of order and refund rows
    (ecomanalytics.sales.added_up) becomes one row per key. Table and column names
    come from the models, values from the query's parameters.
    """
    renamed = renamed or {}
    connection = connections[using]
    quote = connection.ops.quote_name
    names = list(source.query.values_select) + list(source.query.annotation_select)
    targets = [renamed.get(name, name) for name in names]
    fields = [concrete_field(model, target) for target in targets]
    sql, params = source.query.get_compiler(using).as_sql()
    name_of_field = {
        field.name: name for field, name in zip(fields, names, strict=True)
    }
    order = [
        quote(name_of_field[field])
        for field in clustered_order(model)
        if field in name_of_field
    ]
    selected = [
        f"SUM({quote(name)}) AS {quote(name)}" if name in summed else quote(name)
        for name in names
    ]
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(column_name(model, target)) for target in targets)}) "
        f"SELECT {', '.join(selected)} FROM ({sql}) rollup_source"
    )
    if summed:
        keys = [quote(name) for name in names if name not in summed]
        statement += f" GROUP BY {', '.join(keys)}"
    if order:
        statement += f" ORDER BY {', '.join(order)}"
    return execute_insert(using, statement, params)


def clustered_order(model: type[Model]) -> list[str]:
    """The fields of a roll-up table's first index, the one its queries range over.

    Rows written in that order lie together on disk, so a query's few thousand rows
    are read from tens of pages instead of one page each: written in the grouping's
    (hash) order, the top products' facts of a 90-day window at 1M orders touched 3,600
    pages of the product facts, 7 ms, and 5.9 ms instead of 20.5 ms for the whole
    metric once the table and the product links were in index order (PostgreSQL).
    """
    indexes = model._meta.indexes
    return [field.lstrip("-") for field in indexes[0].fields] if indexes else []
