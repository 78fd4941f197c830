"""The writer's column encodings: text as Python formats it, binary COPY as stored."""

from datetime import UTC, datetime
from io import BytesIO

import numpy as np
import pytest
from django.db import connection

from ecomanalytics.store.generation import encoding


@pytest.mark.parametrize(
    "fmt", ["S%010d", "O%09d", "C%08d", "customer%d@example.com", "%d", "x%03dy"]
)
def test_formatted_ints_read_as_python_formats_them(fmt):
    values = np.asarray([0, 1, 9, 10, 99, 100, 12_345, 99_999_999, 123_456_789_012])

    matrix, mask = encoding.formatted_ints(fmt, values)

    assert mask is not None
    texts = [bytes(row[keep]).decode() for row, keep in zip(matrix, mask, strict=True)]
    assert texts == [fmt % value for value in values.tolist()]


@pytest.mark.parametrize("fmt", ["%5d", "%s", "a%db%d", "%x"])
def test_formatted_ints_refuse_other_formats(fmt):
    with pytest.raises(ValueError, match="unsupported format"):
        encoding.formatted_ints(fmt, np.asarray([1]))


def test_labels_are_the_names_of_their_codes():
    matrix, mask = encoding.labels(np.asarray([2, 0, 1, 1]), ("page_view", "buy", "x"))

    assert mask is not None
    texts = [bytes(row[keep]).decode() for row, keep in zip(matrix, mask, strict=True)]
    assert texts == ["x", "page_view", "buy", "buy"]


def test_sqlite_times_are_djangos_naive_utc_text():
    moments = [
        datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2024, 2, 29, 0, 0, 0, tzinfo=UTC),
        datetime(2025, 11, 20, 15, 30, 7, tzinfo=UTC),
    ]
    seconds = np.asarray([int(moment.timestamp()) for moment in moments])

    assert encoding.sqlite_times(seconds).tolist() == [
        b"2023-12-31 23:59:59",
        b"2024-02-29 00:00:00",
        b"2025-11-20 15:30:07",
    ]


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="binary COPY is PostgreSQL's"
)
def test_binary_copy_stores_every_type_and_null():
    # given rows of every type the generator writes, NULLs and money edge cases
    row = np.arange(7)
    ids = np.asarray([1, 2, 3, 4, 5, 6, 2**40])
    cents = np.asarray([0, 1, 99, 100, 123_456, 99_999_999_999_999, -250])
    at = [datetime(2025, 11, 20, 15, 30, second, tzinfo=UTC) for second in range(7)]
    data = encoding.pg_copy_binary(
        [
            encoding.Field(encoding.pg_int(ids, 8)),
            encoding.Field(encoding.pg_int(row, 4), null=row % 3 == 0),
            encoding.Field(encoding.pg_int(row - 3, 2)),
            encoding.Field(encoding.pg_bool(row % 2 == 0)),
            encoding.Field(
                encoding.pg_timestamptz(np.asarray([int(a.timestamp()) for a in at]))
            ),
            encoding.Field(encoding.pg_numeric_cents(cents)),
            encoding.Field(*encoding.labels(row % 3, ("page_view", "", "é"))),
            encoding.Field(*encoding.formatted_ints("S%03d", ids % 10_000)),
        ],
        rows=7,
    )

    # when it is copied into a table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copied (a bigint, b integer, c smallint, "
            "d boolean, e timestamptz, f numeric(14, 2), g varchar(16), h text)"
        )
        cursor.copy_expert("COPY copied FROM STDIN WITH (FORMAT binary)", BytesIO(data))
        cursor.execute("SELECT a, b, c, d, e, f::text, g, h FROM copied ORDER BY a")
        rows = cursor.fetchall()

    # then each value is stored as its text form would have stored it
    assert rows == [
        (1, None, -3, True, at[0], "0.00", "page_view", "S001"),
        (2, 1, -2, False, at[1], "0.01", "", "S002"),
        (3, 2, -1, True, at[2], "0.99", "é", "S003"),
        (4, None, 0, False, at[3], "1.00", "page_view", "S004"),
        (5, 4, 1, True, at[4], "1234.56", "", "S005"),
        (6, 5, 2, False, at[5], "999999999999.99", "é", "S006"),
        (2**40, None, 3, True, at[6], "-2.50", "page_view", "S7776"),
    ]


def test_numeric_out_of_range_is_refused():
    with pytest.raises(ValueError, match="out of range"):
        encoding.pg_numeric_cents(np.asarray([100 * 10**12]))
