"""Writing roll-up rows with INSERT ... SELECT: rows never travel through Python."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections
from django.db.models import Model, QuerySet


def execute_insert(using: str, statement: str, params: Sequence[object] = ()) -> int:
    """Run one INSERT statement; the rows it wrote (0 when the driver cannot tell)."""
    with connections[using].cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def insert_select(
    model: type[Model],
    source: QuerySet,
    using: str,
    renamed: dict[str, str] | None = None,
) -> int:
    """INSERT INTO model's table the rows of a grouped query, named like its columns.

    Wrapping the query as a derived table lets the outer SELECT pick its columns by
    name, whatever order the ORM put them in; `renamed` maps a query column to the
    model field it fills where the names differ. Table and column names come from
    the models, values from the query's parameters.
    """
    renamed = renamed or {}
    connection = connections[using]
    quote = connection.ops.quote_name
    names = list(source.query.values_select) + list(source.query.annotation_select)
    columns = [model._meta.get_field(renamed.get(name, name)).column for name in names]
    sql, params = source.query.get_compiler(using).as_sql()
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(column) for column in columns)}) "
        f"SELECT {', '.join(quote(name) for name in names)} FROM ({sql}) rollup_source"
    )
    return execute_insert(using, statement, params)
