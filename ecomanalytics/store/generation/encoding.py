"""Generated columns as bytes, built with numpy a whole column at a time.

The writer turns millions of values into SQL parameters or COPY data per batch; doing
it value by value in Python (`str`, `%`, datetime formatting) was much of the client's
time. Here a column becomes a matrix of bytes, one row per value, with a mask of the
bytes that belong to the value where values differ in length ("page_view" vs
"purchase"). `pg_copy_binary` lays the fields of each row side by side and compacts
them, row by row, into PostgreSQL's binary COPY format: no text for the server to
parse, and no Python call per value. `sqlite_times` gives SQLite's datetime text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# Bytes of a column: (uint8 matrix n x width, bool mask n x width or None for "all").
Ragged = tuple[np.ndarray, np.ndarray | None]

_INT_FORMAT = re.compile(r"^([^%]*)%(0?)(\d*)d([^%]*)$")
# PostgreSQL's epoch (2000-01-01 UTC) in Unix seconds.
_PG_EPOCH = 946_684_800
DAY = 86_400


def formatted_ints(fmt: str, values: np.ndarray) -> Ragged:
    """`fmt % value` of each non-negative int, for formats like "S%010d" or "c%d@x".

    Digits are drawn right-aligned in a field as wide as the widest value; the mask
    drops the unused leading positions, so each row reads exactly `fmt % value`.
    """
    match = _INT_FORMAT.match(fmt)
    if match is None or (match[3] and not match[2]):
        raise ValueError(f"unsupported format {fmt!r}")
    prefix, suffix = match[1].encode("ascii"), match[4].encode("ascii")
    pad = int(match[3] or 0)
    values = np.asarray(values, dtype=np.int64)
    if values.size and values.min() < 0:
        raise ValueError("formatted_ints takes non-negative values")
    top = int(values.max()) if values.size else 0
    width = max(len(str(top)), pad, 1)
    count = len(values)
    digits = np.empty((count, width), dtype=np.uint8)
    rest = values.copy()
    for position in range(width - 1, -1, -1):
        rest, digit = np.divmod(rest, 10)
        digits[:, position] = digit
    digits += ord("0")
    # Digits of each value (at least one), then at least `pad`.
    places = np.ones(count, dtype=np.int64)
    for power in range(1, width):
        places += values >= 10**power
    places = np.maximum(places, pad)
    matrix = np.empty((count, len(prefix) + width + len(suffix)), dtype=np.uint8)
    matrix[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    matrix[:, len(prefix) : len(prefix) + width] = digits
    matrix[:, len(prefix) + width :] = np.frombuffer(suffix, dtype=np.uint8)
    mask = np.ones(matrix.shape, dtype=bool)
    mask[:, len(prefix) : len(prefix) + width] = np.arange(width) >= (
        width - places[:, None]
    )
    return matrix, mask


def labels(codes: np.ndarray, names: tuple[str, ...]) -> Ragged:
    """The names of the codes (indexes into names)."""
    encoded = [name.encode() for name in names]
    width = max((len(name) for name in encoded), default=0)
    table = np.zeros((len(encoded), width), dtype=np.uint8)
    for row, name in enumerate(encoded):
        table[row, : len(name)] = np.frombuffer(name, dtype=np.uint8)
    lengths = np.asarray([len(name) for name in encoded], dtype=np.int64)
    table_mask = np.arange(width) < lengths[:, None]
    return table[codes], table_mask[codes]


def sqlite_times(epoch_seconds: np.ndarray) -> np.ndarray:
    """Django's SQLite datetime text, naive UTC "YYYY-MM-DD HH:MM:SS", as an S19 array.

    Put together from two small tables, the dates of the days spanned and the 86,400
    times of a day, instead of formatting each moment on its own.
    """
    day, second = np.divmod(np.asarray(epoch_seconds, dtype=np.int64), DAY)
    first = int(day.min()) if day.size else 0
    days = np.arange(first, first + (int(day.max()) - first + 1 if day.size else 0))
    dates = np.datetime_as_string(days.astype("datetime64[D]"), unit="D")
    matrix = np.empty((len(day), 19), dtype=np.uint8)
    matrix[:, :10] = _ascii_matrix(dates, 10)[day - first]
    matrix[:, 10] = ord(" ")
    matrix[:, 11:] = _day_times()[second]
    return matrix.view("S19").ravel()


def _ascii_matrix(text: np.ndarray, width: int) -> np.ndarray:
    return text.astype(f"S{width}").view(np.uint8).reshape(-1, width)


_DAY_TIMES: list[np.ndarray] = []


def _day_times() -> np.ndarray:
    """ "HH:MM:SS" of every second of a day, as a uint8 matrix (made once)."""
    if not _DAY_TIMES:
        seconds = np.arange(DAY)
        clock = np.stack([seconds // 3600, seconds // 60 % 60, seconds % 60], axis=1)
        tens, units = np.divmod(clock, 10)
        matrix = np.full((DAY, 8), ord(":"), dtype=np.uint8)
        matrix[:, 0::3] = tens + ord("0")
        matrix[:, 1::3] = units + ord("0")
        _DAY_TIMES.append(matrix)
    return _DAY_TIMES[0]


# --- PostgreSQL binary COPY ----------------------------------------------------------

_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_TRAILER = b"\xff\xff"


def _big_endian(values: np.ndarray, dtype: str) -> np.ndarray:
    """Values as a uint8 matrix, one big-endian number per row."""
    wire = np.asarray(values).astype(dtype)
    return wire.view(np.uint8).reshape(len(wire), np.dtype(dtype).itemsize)


def pg_int(values: np.ndarray, size: int) -> np.ndarray:
    """int2 / int4 / int8 fields."""
    return _big_endian(values, f">i{size}")


def pg_bool(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=bool).astype(np.uint8).reshape(-1, 1)


def pg_timestamptz(epoch_seconds: np.ndarray) -> np.ndarray:
    """timestamptz fields: microseconds since 2000-01-01 UTC."""
    return _big_endian((np.asarray(epoch_seconds) - _PG_EPOCH) * 1_000_000, ">i8")


def pg_numeric_cents(cents: np.ndarray) -> np.ndarray:
    """numeric fields of cents / 100, with 2 decimal places.

    The wire form is base-10000 digits: three for the whole part (up to 10**12, the
    range of numeric(14, 2)) and one for the cents, with weight 2 and scale 2. The
    server strips leading and trailing zero digits, so the stored value is the one
    the text "1234.56" gives.
    """
    cents = np.asarray(cents, dtype=np.int64)
    whole, fraction = np.divmod(np.abs(cents), 100)
    if whole.size and whole.max() >= 10**12:
        raise ValueError("amount out of range for numeric(14, 2)")
    fields = np.empty((len(cents), 8), dtype=np.int64)
    fields[:, 0] = 4  # ndigits
    fields[:, 1] = 2  # weight of the first digit: 10000 ** 2
    fields[:, 2] = np.where(cents < 0, 0x4000, 0)  # sign
    fields[:, 3] = 2  # display scale
    fields[:, 4] = whole // 10**8
    fields[:, 5] = whole // 10**4 % 10**4
    fields[:, 6] = whole % 10**4
    fields[:, 7] = fraction * 100
    return _big_endian(fields.ravel(), ">i2").reshape(len(cents), 16)


@dataclass(frozen=True, slots=True)
class Field:
    """One column of a binary COPY: its bytes per row, and which rows are NULL."""

    data: np.ndarray  # uint8 matrix, one row per value
    mask: np.ndarray | None = None  # bytes that belong to each value (None: all)
    null: np.ndarray | None = None  # rows that are NULL (None: none)


def pg_copy_binary(fields: list[Field], rows: int) -> bytes:
    """A complete binary COPY stream (header, tuples, trailer) of the fields' rows.

    Each tuple is laid out at fixed offsets in a matrix as wide as its widest form
    (field count; per field a 4-byte length, -1 for NULL, then the value's bytes);
    the mask of the bytes in use compacts it, row by row, into the stream.
    """
    width = 2 + sum(4 + field.data.shape[1] for field in fields)
    matrix = np.empty((rows, width), dtype=np.uint8)
    keep = np.ones((rows, width), dtype=bool)
    matrix[:, :2] = np.frombuffer(len(fields).to_bytes(2, "big"), dtype=np.uint8)
    offset, ragged = 2, False
    for field in fields:
        size = field.data.shape[1]
        used = np.ones((rows, size), dtype=bool) if field.mask is None else field.mask
        if field.null is not None:
            used = used & ~field.null[:, None]
        lengths = used.sum(axis=1, dtype=np.int64)
        if field.null is not None:
            lengths[field.null] = -1
        matrix[:, offset : offset + 4] = _big_endian(lengths, ">i4")
        matrix[:, offset + 4 : offset + 4 + size] = field.data
        if field.mask is not None or field.null is not None:
            keep[:, offset + 4 : offset + 4 + size] = used
            ragged = True
        offset += 4 + size
    body = matrix[keep] if ragged else matrix
    return b"".join((_HEADER, body.tobytes(), _TRAILER))
