"""Bulk writes of generated rows: binary COPY on PostgreSQL, multi-row INSERTs on SQLite.

Rows arrive as numpy columns (generator.TableRows) with explicit primary keys; they are
converted a chunk at a time, whole columns at once, so memory stays bounded whatever
the batch. Only identifiers taken from the models' _meta are put into SQL text, quoted
by the backend; values always travel as parameters or as COPY data.
"""

from __future__ import annotations

import io
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
from django.apps import apps
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Max, Model

from ecomanalytics.store.columns import column_name, concrete_field

from . import encoding
from .generator import Catalogue, Column, NextIds, TableRows

if TYPE_CHECKING:
    from psycopg2.extensions import connection as PsycopgConnection

CHUNK_ROWS = 50_000
# Children first: the order in which the shop's tables can be emptied.
SHOP_MODELS = (
    "SessionEvent",
    "WebSession",
    "RefundLine",
    "Refund",
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
            _model(name)._default_manager.using(using).aggregate(top=Max("id"))["top"]
            or 0
        ) + 1

    return NextIds(
        customer=after_max("Customer"),
        order=after_max("Order"),
        orderitem=after_max("OrderItem"),
        websession=after_max("WebSession"),
        sessionevent=after_max("SessionEvent"),
        refund=after_max("Refund"),
        refundline=after_max("RefundLine"),
    )


def ensure_catalogue(catalogue: Catalogue, *, using: str = "default") -> np.ndarray:
    """Create the catalogue's missing categories and products; their ids, in order.

    Existing categories (by name) and products (by sku) are reused as they are.
    """
    category_model, product_model = _model("Category"), _model("Product")
    categories = category_model._default_manager.using(using)
    categories.bulk_create(
        [category_model(name=name) for name in catalogue.category_names],
        ignore_conflicts=True,
    )
    category_ids = dict(
        categories.filter(name__in=catalogue.category_names).values_list("name", "id")
    )
    products = product_model._default_manager.using(using)
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
            self.connection.ops.quote_name(column_name(model, name))
            for name in rows.columns
        ]
        db_types = [self._db_type(concrete_field(model, name)) for name in rows.columns]
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = [
                Column(
                    column.kind,
                    column.values[start : start + CHUNK_ROWS],
                    column.labels,
                    column.fmt,
                )
                for column in rows.columns.values()
            ]
            self.write_chunk(table, columns, db_types, chunk)

    def _db_type(self, field: Field[Any, Any]) -> str:
        """The column's type; a foreign key's is the type of the key it points at."""
        if field.is_relation:
            db_type = field.rel_db_type(self.connection)
        else:
            db_type = field.db_type(self.connection)
        if db_type is None:
            raise ValueError(f"{field} has no column type")
        return db_type

    def write_chunk(
        self, table: str, columns: list[str], db_types: list[str], chunk: list[Column]
    ) -> None:
        raise NotImplementedError

    def drain(self) -> None:
        """Wait until everything written so far has reached the database."""

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
            self.build_indexes([definition for _, definition in indexes])

    def build_indexes(self, definitions: list[str]) -> None:
        with self.connection.cursor() as cursor:
            for definition in definitions:
                cursor.execute(definition)

    def secondary_indexes(
        self, cursor: CursorWrapper, tables: list[str]
    ) -> list[tuple[str, str]]:
        """(name, CREATE INDEX statement) of the non-unique indexes of the tables."""
        raise NotImplementedError


class SQLiteWriter(TableWriter):
    """Multi-row INSERTs with executemany on the raw sqlite3 connection.

    One statement per row cost most of the load: with AUTOINCREMENT primary keys each
    statement also updates sqlite_sequence. A statement of about a hundred rows does
    that once per hundred rows, and the parameters of a chunk are built as one grid of
    Python objects from numpy rather than a tuple per row.
    """

    # Below SQLite's smallest limit on bound parameters (999 before 3.32).
    MAX_PARAMETERS = 999

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        super().__init__(connection)
        self._synchronous: int | None = None  # the setting to restore after a load
        with connection.cursor() as cursor:
            # A 128 MB page cache (default 2 MB) for inserts into indexed tables.
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

    @contextmanager
    def indexes_deferred(self) -> Iterator[None]:
        """Also no fsync while the empty tables fill (outside a transaction only).

        With `synchronous = OFF` commits and WAL checkpoints leave the pages to the
        operating system instead of waiting for the disk: a crashed process loses
        nothing, only a crash of the machine during the load could. The setting is
        restored before the indexes are rebuilt, so the next sync (a commit or a
        checkpoint, as the connection's setting asks) writes out the whole file and
        the finished load is as durable as before.
        """
        if self.connection.in_atomic_block:
            with super().indexes_deferred():
                yield
            return
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            (self._synchronous,) = cursor.fetchone()
            cursor.execute("PRAGMA synchronous = OFF")
        try:
            with super().indexes_deferred():
                yield
        finally:
            self._restore_synchronous()

    def _restore_synchronous(self) -> None:
        if self._synchronous is not None:
            with self.connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous = {int(self._synchronous)}")
            self._synchronous = None

    def build_indexes(self, definitions: list[str]) -> None:
        # CREATE INDEX sorts in cache_size memory: with SQLite's default 2 MB it sorts
        # small runs and merges them, about 30 % faster than one sort of 128 MB.
        self._restore_synchronous()
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            (cache_size,) = cursor.fetchone()
            cursor.execute("PRAGMA cache_size = -2000")
            try:
                with transaction.atomic(using=self.connection.alias):
                    for definition in definitions:
                        cursor.execute(definition)
            finally:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")

    def parameters(self, column: Column) -> np.ndarray:
        """A column's values as an object array of the Python values sqlite3 binds."""
        values = column.values
        match column.kind:
            case "int" | "bool":
                return values.astype(object)
            case "nullable_int":
                objects = values.astype(object)
                objects[values < 0] = None
                return objects
            case "time":
                return encoding.sqlite_times(values).astype("U19").astype(object)
            case "cents":
                # Cents / 100 as float: repr gives the exact 2-decimal text back.
                return (values / 100).astype(object)
            case "label":
                # The same str object for every row with that label.
                return np.asarray(column.labels, dtype=object)[values]
            case "format":
                return np.asarray(
                    list(map(column.fmt.__mod__, values.tolist())), dtype=object
                )
        raise ValueError(column.kind)

    def write_chunk(
        self, table: str, columns: list[str], db_types: list[str], chunk: list[Column]
    ) -> None:
        count, width = len(chunk[0].values), len(chunk)
        grid = np.empty((count, width), dtype=object)
        for index, column in enumerate(chunk):
            grid[:, index] = self.parameters(column)
        per_statement = max(1, self.MAX_PARAMETERS // width)
        whole = count - count % per_statement
        insert = "INSERT INTO {} ({}) VALUES ".format(table, ", ".join(columns))
        row = "({})".format(", ".join("?" * width))
        self.connection.ensure_connection()
        cursor = self.connection.connection.cursor()
        try:
            if whole:
                cursor.executemany(
                    insert + ", ".join([row] * per_statement),
                    grid[:whole].reshape(-1, per_statement * width).tolist(),
                )
            if whole < count:
                cursor.execute(
                    insert + ", ".join([row] * (count - whole)),
                    grid[whole:].ravel().tolist(),
                )
        finally:
            cursor.close()


class PostgreSQLWriter(TableWriter):
    """Binary COPY ... FROM STDIN from a second thread; then the sequences catch up.

    The main thread generates and encodes the next chunk while the COPY of the previous
    one runs (psycopg2 releases the GIL while the server ingests). At most two encoded
    chunks wait, so memory stays bounded; `drain` waits for them before a commit.
    """

    PENDING_CHUNKS = 2

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        super().__init__(connection)
        self._copier: ThreadPoolExecutor | None = None
        self._pending: deque[Future[None]] = deque()

    def fields(self, db_types: list[str], chunk: list[Column]) -> list[encoding.Field]:
        """Each column's binary COPY field, by the column's database type."""
        return [
            _binary_field(db_type, column)
            for db_type, column in zip(db_types, chunk, strict=True)
        ]

    def write_chunk(
        self, table: str, columns: list[str], db_types: list[str], chunk: list[Column]
    ) -> None:
        data = encoding.pg_copy_binary(
            self.fields(db_types, chunk), len(chunk[0].values)
        )
        sql = "COPY {} ({}) FROM STDIN WITH (FORMAT binary)".format(
            table, ", ".join(columns)
        )
        while len(self._pending) >= self.PENDING_CHUNKS:
            self._pending.popleft().result()
        self.connection.ensure_connection()
        if self._copier is None:
            self._copier = ThreadPoolExecutor(1, thread_name_prefix="generate-copy")
        self._pending.append(
            self._copier.submit(_copy, self.connection.connection, sql, data)
        )

    def drain(self) -> None:
        errors = []
        while self._pending:
            try:
                self._pending.popleft().result()
            except Exception as error:  # the first one is raised, after the rest
                errors.append(error)
        if errors:
            raise errors[0]

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

    def build_indexes(self, definitions: list[str]) -> None:
        """Build the indexes, two at a time on their own connections when possible.

        An index build keeps one core busy, so two connections use both cores of a
        small machine. Inside an outer transaction (tests) the tables are locked by
        it, and the indexes are built on its connection, one after the other.
        """
        if self.connection.in_atomic_block:
            super().build_indexes(definitions)
            return
        sizes = self._table_sizes(definitions)
        queue = deque(sorted(definitions, key=sizes.__getitem__, reverse=True))
        lock = threading.Lock()

        def next_definition() -> str | None:
            with lock:
                return queue.popleft() if queue else None

        def builder() -> None:
            params = self.connection.get_connection_params()
            raw = self.connection.get_new_connection(params)
            try:
                raw.autocommit = True
                with raw.cursor() as cursor:
                    cursor.execute("SET maintenance_work_mem = '256MB'")
                    while (definition := next_definition()) is not None:
                        cursor.execute(definition)
            finally:
                raw.close()

        with ThreadPoolExecutor(2, thread_name_prefix="generate-index") as pool:
            builds = [pool.submit(builder) for _ in range(2)]
        for build in builds:
            build.result()

    def _table_sizes(self, definitions: list[str]) -> dict[str, int]:
        """Each definition's table size in bytes, an estimate of its build's cost."""
        tables = {}
        for definition in definitions:
            match = _INDEXED_TABLE.search(definition)
            tables[definition] = match[1] if match else None
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, pg_relation_size(to_regclass(name)) "
                "FROM unnest(%s::text[]) AS name",
                [sorted({table for table in tables.values() if table})],
            )
            size = dict(cursor.fetchall())
        return {
            definition: size.get(table) or 0 for definition, table in tables.items()
        }

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
        if self._copier is not None:
            self._copier.shutdown()
            self._copier = None


def _copy(raw_connection: PsycopgConnection, sql: str, data: bytes) -> None:
    """One COPY on the raw psycopg2 connection (runs in the copier thread)."""
    with raw_connection.cursor() as cursor:
        cursor.copy_expert(sql, io.BytesIO(data), size=1 << 20)


_INT_SIZES = {"smallint": 2, "integer": 4, "bigint": 8}
# The table in pg_get_indexdef's "CREATE INDEX name ON [ONLY] schema.table USING ...".
_INDEXED_TABLE = re.compile(r" ON (?:ONLY )?(\S+) USING ")


def _binary_field(db_type: str, column: Column) -> encoding.Field:
    """A column's binary COPY field for a PostgreSQL column of type db_type."""
    values = column.values
    match column.kind:
        case "int":
            return encoding.Field(encoding.pg_int(values, _INT_SIZES[db_type]))
        case "nullable_int":
            return encoding.Field(
                encoding.pg_int(np.maximum(values, 0), _INT_SIZES[db_type]),
                null=values < 0,
            )
        case "bool":
            return encoding.Field(encoding.pg_bool(values))
        case "time":
            return encoding.Field(encoding.pg_timestamptz(values))
        case "cents":
            return encoding.Field(encoding.pg_numeric_cents(values))
        case "label":
            return encoding.Field(*encoding.labels(values, column.labels))
        case "format":
            return encoding.Field(*encoding.formatted_ints(column.fmt, values))
    raise ValueError(f"no binary COPY for {column.kind} into {db_type}")


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
    try:
        for rows in tables:
            writer.write(rows)
            written[rows.model] = len(rows)
    finally:
        writer.drain()
    return written


def flush_shop(*, using: str = "default") -> None:
    """Empty the shop's tables (see TableWriter.flush)."""
    writer_for(using=using).flush()
