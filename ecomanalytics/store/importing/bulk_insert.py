"""Fast multi-row INSERT and upsert for the importers.

Measured on 100,000 order lines, QuerySet.bulk_create spent most of the import building
model instances and compiling per-value SQL (benchmarks/IMPORT.md). The importers
already hold validated, typed values, so they send them as parameters of one prepared
statement per batch: executemany on SQLite, psycopg2's execute_values (multi-row
VALUES pages) on PostgreSQL. Identifiers come from the models' metadata, quoted by the
backend; every value is a query parameter.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Model

from ecomanalytics.store.columns import column_name

PAGE_SIZE = 1000


# Rows per INSERT statement and per validation batch in the importers.
BATCH_SIZE = 5000


def db_datetime(value: datetime) -> object:
    """An aware datetime as the backend stores it (SQLite: UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict_field: str | None = None,
    update_fields: Sequence[str] = (),
) -> None:
    """INSERT rows (values in the order of fields; datetimes through db_datetime).

    With conflict_field, a row whose conflict_field value exists updates update_fields
    (INSERT ... ON CONFLICT DO UPDATE, on both SQLite and PostgreSQL).
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [quote(column_name(model, name)) for name in fields]
    statement = [
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES {{values}}"
    ]
    if conflict_field is not None:
        updates = [quote(column_name(model, name)) for name in update_fields]
        statement.append(
            f" ON CONFLICT ({quote(column_name(model, conflict_field))}) DO UPDATE SET "
            + ", ".join(f"{column} = EXCLUDED.{column}" for column in updates)
        )
    sql = "".join(statement)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(
                cursor.cursor, sql.format(values="%s"), rows, page_size=PAGE_SIZE
            )
        else:
            placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
            cursor.executemany(sql.format(values=placeholders), rows)


# COPY's text format: a backslash, tab, newline or carriage return inside a value
# is escaped; None is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_rows(
    model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """insert_rows of new rows (no conflict handling), through COPY on PostgreSQL:
    execute_values spent 19 of the 100 s of a 454k-customer value fit, mostly
    formatting SQL literals. Values are None, booleans, numbers, dates or text (a
    float's repr reads back exactly, into float and numeric columns alike)."""
    if connection.vendor != "postgresql" or not rows:
        insert_rows(model, fields, rows)
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column_name(model, name)) for name in fields)
    text = "".join(["\t".join(map(_copy_text, row)) + "\n" for row in rows])
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN",
            io.StringIO(text),
            size=1 << 20,
        )


def _copy_text(value: Any) -> str:
    kind = type(value)
    if kind is float or kind is int:  # most values: checked first, exactly
        return repr(value)
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):  # numpy's floats repr as np.float64(...)
        return repr(float(value))
    # Other numbers, dates and text: their str(), as PostgreSQL reads them.
    return str(value).translate(_COPY_ESCAPES)


def delete_where_in(model: type[Model], field: str, values: Sequence[Any]) -> None:
    """DELETE the rows whose field is in values, without loading them.

    QuerySet.delete() would fetch every row to send post_delete signals (the data
    version and roll-up handlers), one per line; the importers bump and refresh once.
    """
    if not values:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    placeholders = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(meta.db_table)} "
            f"WHERE {quote(column_name(model, field))} IN ({placeholders})",
            list(values),
        )


def chunks(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    """Consecutive slices of at most `size` items: one INSERT batch each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
