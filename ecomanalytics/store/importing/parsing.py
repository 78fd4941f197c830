"""Reading import files: the file checks, the header check and the field parsers.

Every importer reads its file through open_table(): it refuses, in one sentence, files
that are empty, binary, not UTF-8 or of another format, and yields rows with the line
number they start on. Field parsers raise FieldError with the reason a row is rejected.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

# Large enough for any real row, small enough that a binary file fails fast.
csv.field_size_limit(1_000_000)

MAX_MONEY = Decimal("999999999999.99")  # fits DecimalField(max_digits=14, places=2)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message is one sentence for the user."""


class FieldError(ValueError):
    """A field's value is invalid; args[0] is the reason."""


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row was rejected: where (file, line, column) and the reason."""

    line: int
    column: str
    reason: str
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        column = f", column {self.column!r}" if self.column else ""
        return f"{where}line {self.line}{column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Header:
    """A file's header mapped onto a format's columns: column name -> position."""

    positions: dict[str, int]

    def getter(self, column: str) -> Callable[[Sequence[str]], str]:
        """A fast accessor for one column: '' when the column is absent or the row short."""
        index = self.positions.get(column)
        if index is None:
            return lambda row: ""

        def get(row: Sequence[str]) -> str:
            return row[index].strip() if index < len(row) else ""

        return get


def check_file(path: Path) -> None:
    """Refuse, in one sentence, a file that is missing, empty or binary."""
    if not path.is_file():
        raise ImportFileError(f"{path} does not exist or is not a file.")
    with path.open("rb") as raw:
        head = raw.read(8192)
    if not head.strip():
        raise ImportFileError(f"{path.name} is empty: there is nothing to import.")
    if b"\x00" in head:
        raise ImportFileError(
            f"{path.name} is not a CSV file (it contains binary data); "
            "export the data as CSV and try again."
        )


def open_text(path: Path) -> io.TextIOWrapper:
    """The file as UTF-8 text; a byte-order mark (Excel's 'CSV UTF-8') is skipped."""
    return path.open(encoding="utf-8-sig", newline="")


def iter_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, cells) for every non-blank row after the header.

    A decoding error anywhere in the file becomes one ImportFileError sentence.
    """
    with open_text(path) as text:
        reader = csv.reader(text)
        try:
            next(reader, None)
            next_line = reader.line_num + 1
            for cells in reader:
                line = next_line
                next_line = reader.line_num + 1
                if not cells or not any(cell.strip() for cell in cells):
                    continue
                yield line, cells
        except UnicodeDecodeError as error:
            raise ImportFileError(
                f"{path.name} is not UTF-8 text (undecodable byte near line "
                f"{reader.line_num + 1}); save it as 'CSV UTF-8' and try again."
            ) from error
        except csv.Error as error:
            raise ImportFileError(
                f"{path.name} is not a readable CSV file (line {reader.line_num}: "
                f"{error})."
            ) from error


def read_header(path: Path) -> list[str]:
    """The header row, stripped and lower-cased; errors as ImportFileError sentences."""
    return [name.strip().lower() for name in raw_header(path)]


def raw_header(path: Path) -> list[str]:
    """The header row as written; errors as ImportFileError sentences."""
    check_file(path)
    try:
        with open_text(path) as text:
            header = next(csv.reader(text), None)
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"{path.name} is not UTF-8 text; save it as 'CSV UTF-8' and try again."
        ) from error
    except csv.Error as error:
        raise ImportFileError(
            f"{path.name} is not a readable CSV file ({error})."
        ) from error
    if not header or not any(name.strip() for name in header):
        raise ImportFileError(f"{path.name} has no header row.")
    return header


def match_header(
    names: list[str],
    *,
    required: Sequence[str],
    optional: Sequence[str],
    aliases: dict[str, str] | None = None,
) -> tuple[Header, list[RowError]]:
    """Map header names onto a format's columns; missing, unknown or doubled columns are errors.

    Names are compared lower-cased; aliases map another spelling onto a column name.
    """
    aliases = aliases or {}
    known = set(required) | set(optional)
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, raw_name in enumerate(names):
        name = aliases.get(raw_name, raw_name)
        if not name:
            errors.append(RowError(1, f"#{index + 1}", "column without a name"))
        elif name not in known:
            errors.append(RowError(1, raw_name, "unknown column for this format"))
        elif name in positions:
            errors.append(RowError(1, raw_name, "column appears twice"))
        else:
            positions[name] = index
    errors.extend(
        RowError(1, column, "required column is missing")
        for column in required
        if column not in positions
    )
    return Header(positions), errors


def header_problem_sentence(path: Path, errors: list[RowError], fmt: str) -> str:
    listed = "; ".join(str(error) for error in errors[:10])
    more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
    return f"{path.name} does not have the {fmt} header: {listed}{more}."


_shop_tz_cache: dict[str, ZoneInfo] = {}


def shop_zone() -> ZoneInfo:
    name = settings.TIME_ZONE
    if name not in _shop_tz_cache:
        _shop_tz_cache[name] = ZoneInfo(name)
    return _shop_tz_cache[name]


def parse_datetime(value: str, *, extra_formats: Sequence[str] = ()) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime; naive ones are in the shop's zone."""
    if not value:
        raise FieldError("is empty")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        for fmt in extra_formats:
            try:
                moment = datetime.strptime(value, fmt)  # noqa: DTZ007 - zone handled below
                break
            except ValueError:
                continue
        else:
            raise FieldError(f"{value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=shop_zone())
    return moment.astimezone(UTC)


def parse_quantity(value: str) -> int:
    if not value:
        raise FieldError("is empty")
    try:
        quantity = int(value)
    except ValueError:
        raise FieldError(f"{value!r} is not a whole number") from None
    if quantity <= 0:
        raise FieldError(f"{quantity} is not a positive quantity")
    if quantity > 2_147_483_647:
        raise FieldError(f"{quantity} is too large")
    return quantity


def parse_money(value: str) -> Decimal:
    if not value:
        raise FieldError("is empty")
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise FieldError(f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise FieldError(f"{value!r} is not a number")
    if amount < 0:
        raise FieldError(f"{value} is negative")
    if amount > MAX_MONEY:
        raise FieldError(f"{value} is too large")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise FieldError(f"{value} has more than 2 decimal places")
    return amount.quantize(Decimal("0.01"))


def parse_choice(value: str, choices: Sequence[str], *, default: str = "") -> str:
    """A value of a fixed vocabulary, case-insensitive; blank gives the default."""
    if not value:
        if default:
            return default
        raise FieldError("is empty")
    if value in choices:
        # The vocabulary's own string: rows share it instead of holding copies.
        return choices[choices.index(value)]
    lowered = value.lower()
    if lowered not in choices:
        raise FieldError(f"{value!r} is not one of {', '.join(choices)}")
    return choices[choices.index(lowered)]


def parse_identifier(value: str, *, max_length: int = 64) -> str:
    if not value:
        raise FieldError("is empty")
    if len(value) > max_length:
        raise FieldError(f"is longer than {max_length} characters")
    return value


class RowReader:
    """One row's cells read by column name, collecting what is wrong with its fields."""

    __slots__ = ("cells", "errors", "getters", "label", "line")

    def __init__(
        self,
        getters: dict[str, Callable[[Sequence[str]], str]],
        line: int,
        cells: Sequence[str],
        *,
        label: Callable[[str], str] = str,
    ) -> None:
        self.getters = getters
        self.line = line
        self.cells = cells
        self.label = label  # how a column is named in errors
        self.errors: list[RowError] = []

    def text(self, column: str) -> str:
        return self.getters[column](self.cells)

    def parse(self, column: str, parser: Callable[..., object], *args, **kwargs):
        """parser(cell, ...) or None, with the reason recorded, when the value is invalid."""
        try:
            return parser(self.getters[column](self.cells), *args, **kwargs)
        except FieldError as error:
            self.errors.append(RowError(self.line, self.label(column), error.args[0]))
            return None
