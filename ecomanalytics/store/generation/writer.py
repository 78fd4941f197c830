"""Bulk writes of generated rows: COPY on PostgreSQL, executemany on SQLite.

Rows arrive as numpy columns (generator.TableRows) with explicit primary keys; they are
converted to Python values a chunk at a time so memory stays bounded whatever the batch.
Only identifiers taken from the models' _meta are put into SQL text, quoted by the
backend; values always travel as parameters or as COPY data.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from django.apps import apps
from django.core.management.color import no_style
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Max, Model

from .generator import Catalogue, Column, NextIds, TableRows

CHUNK_ROWS = 50_000
# Children first: the order in which the shop's tables can be emptied.
SHOP_MODELS = (
    "SessionEvent",
    "WebSession",
    "OrderItem",
    "Order",
    "Product",
    "Category",
    "Customer",
)


def _model(name: str) -> type[Model]:
    return apps.get_model("store", name)


def next_ids(*, using: str = "default") -> NextIds:
    """The first free id of each generated table, so a run without --flush appends."""

    def after_max(name: str) -> int:
        return (
            _model(name).objects.using(using).aggregate(top=Max("id"))["top"] or 0
        ) + 1

    return NextIds(
        customer=after_max("Customer"),
        order=after_max("Order"),
        orderitem=after_max("OrderItem"),
        websession=after_max("WebSession"),
        sessionevent=after_max("SessionEvent"),
    )


def ensure_catalogue(catalogue: Catalogue, *, using: str = "default") -> np.ndarray:
    """Create the catalogue's missing categories and products; their ids, in order.

    Existing categories (by name) and products (by sku) are reused as they are.
    """
    category_model, product_model = _model("Category"), _model("Product")
    categories = category_model.objects.using(using)
    categories.bulk_create(
        [category_model(name=name) for name in catalogue.category_names],
        ignore_conflicts=True,
    )
    category_ids = dict(
        categories.filter(name__in=catalogue.category_names).values_list("name", "id")
    )
    products = product_model.objects.using(using)
    products.bulk_create(
        [
            product_model(
                sku=sku,
                name=name,
                category_id=category_ids[catalogue.category_names[category]],
                list_price=int(cents) / 100,
            )
            for sku, name, category, cents in zip(
                catalogue.skus,
                catalogue.product_names,
                catalogue.product_category.tolist(),
                catalogue.price_cents.tolist(),
                strict=True,
            )
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    product_ids = dict(products.filter(sku__in=catalogue.skus).values_list("sku", "id"))
    return np.asarray([product_ids[sku] for sku in catalogue.skus], dtype=np.int64)


class TableWriter:
    """Writes TableRows into their tables on one connection; subclassed per backend."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def write(self, rows: TableRows) -> None:
        model = _model(rows.model)
        table = self.connection.ops.quote_name(model._meta.db_table)
        columns = [
            self.connection.ops.quote_name(model._meta.get_field(name).column)
            for name in rows.columns
        ]
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = [
                self.values(column, start, start + CHUNK_ROWS)
                for column in rows.columns.values()
            ]
            self.write_chunk(table, columns, chunk)

    def values(self, column: Column, start: int, stop: int) -> Sequence[object]:
        """A column's Python values for rows [start, stop), as the backend takes them."""
        values = column.values[start:stop]
        match column.kind:
            case "int":
                return values.tolist()
            case "bool":
                return values.tolist()
            case "nullable_int":
                return [None if value < 0 else value for value in values.tolist()]
            case "time":
                return self.times(values)
            case "cents":
                # Cents / 100 as float: repr gives the exact 2-decimal text back.
                return (values / 100).tolist()
            case "label":
                return np.asarray(column.labels)[values].tolist()
            case "format":
                return [column.fmt % value for value in values.tolist()]
            case "text":
                return list(values)
        raise ValueError(column.kind)

    def times(self, epoch_seconds: np.ndarray) -> list[str]:
        raise NotImplementedError

    def write_chunk(
        self, table: str, columns: list[str], values: list[Sequence[object]]
    ) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Empty the shop's tables and restart their id sequences.

        On SQLite, outside a transaction, foreign-key checks are switched off meanwhile
        so each DELETE empties its table at once instead of row by row (children go
        first, so nothing is left dangling). PostgreSQL TRUNCATEs.
        """
        tables = [_model(name)._meta.db_table for name in SHOP_MODELS]
        sql = self.connection.ops.sql_flush(no_style(), tables, reset_sequences=True)
        with self.connection.constraint_checks_disabled():
            self.connection.ops.execute_sql_flush(sql)

    def finish(self) -> None:
        """Called once after the last batch."""

    @contextmanager
    def indexes_deferred(self) -> Iterator[None]:
        """Drop the shop's secondary indexes meanwhile; rebuild them afterwards.

        Building an index once over loaded rows is several times cheaper than updating
        it row by row. Primary keys and unique indexes stay. The indexes are rebuilt
        even when the load fails (in `finally`); only a killed process leaves them out.
        """
        tables = [_model(name)._meta.db_table for name in SHOP_MODELS]
        with self.connection.cursor() as cursor:
            indexes = self.secondary_indexes(cursor, tables)
            for name, _ in indexes:
                cursor.execute("DROP INDEX " + self.connection.ops.quote_name(name))
        try:
            yield
        finally:
            with self.connection.cursor() as cursor:
                for _, definition in indexes:
                    cursor.execute(definition)

    def secondary_indexes(
        self, cursor: CursorWrapper, tables: list[str]
    ) -> list[tuple[str, str]]:
        """(name, CREATE INDEX statement) of the non-unique indexes of the tables."""
        raise NotImplementedError


class SQLiteWriter(TableWriter):
    """executemany on the raw sqlite3 connection, inside the caller's transaction."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        super().__init__(connection)
        with connection.cursor() as cursor:
            # A 128 MB page cache (default 2 MB) for this connection's bulk inserts.
            cursor.execute("PRAGMA cache_size = -131072")

    def secondary_indexes(
        self, cursor: CursorWrapper, tables: list[str]
    ) -> list[tuple[str, str]]:
        # sql is NULL for the indexes behind PRIMARY KEY and UNIQUE columns.
        cursor.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master "
            "WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        )
        return [
            (name, sql)
            for name, table, sql in cursor.fetchall()
            if table in tables and not sql.upper().startswith("CREATE UNIQUE")
        ]

    def times(self, epoch_seconds: np.ndarray) -> list[str]:
        # Django's SQLite format: naive UTC "YYYY-MM-DD HH:MM:SS" (compared as text).
        text = np.datetime_as_string(epoch_seconds.astype("datetime64[s]"), unit="s")
        raw = text.astype("S19")
        raw.view(np.uint8).reshape(-1, 19)[:, 10] = ord(" ")
        return raw.astype("U19").tolist()

    def write_chunk(
        self, table: str, columns: list[str], values: list[Sequence[object]]
    ) -> None:
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            table, ", ".join(columns), ", ".join("?" * len(columns))
        )
        self.connection.ensure_connection()
        cursor = self.connection.connection.cursor()
        try:
            cursor.executemany(sql, zip(*values, strict=True))
        finally:
            cursor.close()


class PostgreSQLWriter(TableWriter):
    """COPY ... FROM STDIN in text format; then the id sequences catch up."""

    def times(self, epoch_seconds: np.ndarray) -> list[str]:
        return np.datetime_as_string(
            epoch_seconds.astype("datetime64[s]"), unit="s", timezone="UTC"
        ).tolist()

    def values(self, column: Column, start: int, stop: int) -> Sequence[object]:
        """COPY text of each value: whole columns at once, NULL as \\N."""
        values = super().values(column, start, stop)
        if column.kind == "nullable_int":
            return ["\\N" if value is None else str(value) for value in values]
        if column.kind in ("int", "cents"):
            return list(map(str, values))
        if column.kind == "bool":
            return ["t" if value else "f" for value in values]
        return values

    def write_chunk(
        self, table: str, columns: list[str], values: list[Sequence[object]]
    ) -> None:
        # Generated text never holds tabs, newlines or backslashes: no escaping needed.
        text = "\n".join(map("\t".join, zip(*values, strict=True)))
        sql = "COPY {} ({}) FROM STDIN".format(table, ", ".join(columns))
        with self.connection.cursor() as cursor:
            cursor.copy_expert(sql, io.StringIO(text + "\n"))

    def secondary_indexes(
        self, cursor: CursorWrapper, tables: list[str]
    ) -> list[tuple[str, str]]:
        cursor.execute(
            "SELECT index_class.relname, pg_get_indexdef(pg_index.indexrelid) "
            "FROM pg_index "
            "JOIN pg_class index_class ON index_class.oid = pg_index.indexrelid "
            "JOIN pg_class table_class ON table_class.oid = pg_index.indrelid "
            "WHERE table_class.relname = ANY(%s) AND table_class.relkind = 'r' "
            "AND pg_table_is_visible(table_class.oid) "
            "AND NOT pg_index.indisunique AND NOT pg_index.indisprimary "
            "ORDER BY index_class.relname",
            [tables],
        )
        return cursor.fetchall()

    @contextmanager
    def indexes_deferred(self) -> Iterator[None]:
        with self.connection.cursor() as cursor:
            # Memory for the index builds at the end (the server's default is 64 MB).
            cursor.execute("SET maintenance_work_mem = '256MB'")
            # Generated rows reference only rows generated before them, so the per-row
            # foreign-key triggers (about half the server's COPY time) can be skipped;
            # PostgreSQL allows that to superusers only, so others keep the checks.
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET session_replication_role = replica")
        try:
            with super().indexes_deferred():
                yield
                # Inside an outer transaction, deferred foreign-key checks must run
                # before an index can be built on their tables.
                self.connection.check_constraints()
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("RESET maintenance_work_mem")
                cursor.execute("RESET session_replication_role")

    def flush(self) -> None:
        # Inside an outer transaction, deferred foreign-key checks must run before
        # their tables can be truncated.
        self.connection.check_constraints()
        super().flush()

    def finish(self) -> None:
        models = [_model(name) for name in SHOP_MODELS]
        statements = self.connection.ops.sequence_reset_sql(no_style(), models)
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def writer_for(*, using: str = "default") -> TableWriter:
    connection = connections[using]
    if connection.vendor == "postgresql":
        return PostgreSQLWriter(connection)
    if connection.vendor == "sqlite":
        return SQLiteWriter(connection)
    raise NotImplementedError(
        f"generate_data supports SQLite and PostgreSQL, not {connection.vendor}"
    )


def write_batch(writer: TableWriter, tables: Iterable[TableRows]) -> dict[str, int]:
    """Write one batch's tables in order; rows written per model."""
    written: dict[str, int] = {}
    for rows in tables:
        writer.write(rows)
        written[rows.model] = len(rows)
    return written


def flush_shop(*, using: str = "default") -> None:
    """Empty the shop's tables (see TableWriter.flush)."""
    writer_for(using=using).flush()
