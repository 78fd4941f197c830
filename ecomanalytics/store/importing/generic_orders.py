"""The generic orders CSV: one row per order line (docs/importing.md, fixtures/orders_generic.csv)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from ..choices import Device, OrderStatus, TrafficSource
from .parsing import (
    FieldError,
    ImportFileError,
    RowError,
    RowReader,
    header_problem_sentence,
    iter_rows,
    match_header,
    parse_choice,
    parse_datetime,
    parse_identifier,
    parse_money,
    parse_quantity,
    read_header,
)

REQUIRED_COLUMNS = (
    "order_id",
    "placed_at",
    "customer_id",
    "status",
    "sku",
    "quantity",
    "unit_price",
)
OPTIONAL_COLUMNS = (
    "product_name",
    "category",
    "customer_email",
    "country",
    "traffic_source",
    "device",
)
STATUSES = tuple(OrderStatus.values)
SOURCES = tuple(TrafficSource.values)
DEVICES = tuple(Device.values)
DEFAULT_SOURCE = TrafficSource.DIRECT.value
DEFAULT_DEVICE = Device.DESKTOP.value


class OrderLine(NamedTuple):
    """One order line in our vocabulary, whatever file format it came from."""

    order_id: str
    placed_at: datetime  # aware, UTC
    customer_id: str
    status: str
    sku: str
    quantity: int
    unit_price: Decimal
    product_name: str = ""
    category: str = ""
    customer_email: str = ""
    country: str = ""
    traffic_source: str = DEFAULT_SOURCE
    device: str = DEFAULT_DEVICE


class ParsedRow(NamedTuple):
    """A row of a file: where it is, its cells, its order id and the line or the errors."""

    line: int
    cells: list[str]
    order_id: str
    result: OrderLine | list[RowError]


# The order-level fields every row of one order must agree on, and their file columns.
ORDER_FIELDS = (
    ("placed_at", "placed_at"),
    ("customer_id", "customer_id"),
    ("status", "status"),
    ("traffic_source", "traffic_source"),
    ("device", "device"),
)


def other_format_hint(names: list[str]) -> str:
    """A sentence naming the importer a header belongs to, when it is another one's."""
    if "lineitem quantity" in names or "financial status" in names:
        return "it looks like a Shopify orders export: use --format shopify"
    if "session_id" in names and "event_type" in names:
        return "it looks like an events file: use import_events"
    if "product_id" in names and "order_id" in names and "sku" not in names:
        return "it looks like the seed project's order_items.csv: use import_seed_csv"
    return ""


def parse_generic_orders(path: Path) -> Iterator[ParsedRow]:
    """Every row of a generic orders file, parsed; a wrong header is an ImportFileError."""
    names = read_header(path)
    header, problems = match_header(
        names, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS
    )
    if problems:
        hint = other_format_hint(names)
        if hint:
            raise ImportFileError(f"{path.name} is not a generic orders file: {hint}.")
        raise ImportFileError(header_problem_sentence(path, problems, "generic orders"))

    get = {column: header.getter(column) for column in header.positions}
    get.update(
        {
            column: header.getter(column)
            for column in OPTIONAL_COLUMNS
            if column not in get
        }
    )
    width = len(names)
    last_time: tuple[str, datetime] | None = None
    for line, cells in iter_rows(path):
        order_id = get["order_id"](cells)
        raw_time = get["placed_at"](cells)
        # Lines of one order repeat its timestamp: parse it once.
        if last_time is not None and last_time[0] == raw_time:
            placed_at = last_time[1]
        else:
            try:
                placed_at = parse_datetime(raw_time)
                last_time = (raw_time, placed_at)
            except FieldError:
                placed_at = None
        try:
            # The fast path for a valid row; an invalid one is read again field by
            # field below, to report every problem it has.
            if placed_at is None or len(cells) > width:
                raise FieldError("invalid")
            values = OrderLine(
                order_id=parse_identifier(order_id),
                placed_at=placed_at,
                customer_id=parse_identifier(get["customer_id"](cells)),
                status=parse_choice(get["status"](cells), STATUSES),
                sku=parse_identifier(get["sku"](cells)),
                quantity=parse_quantity(get["quantity"](cells)),
                unit_price=parse_money(get["unit_price"](cells)),
                product_name=get["product_name"](cells)[:255],
                category=get["category"](cells)[:128],
                customer_email=get["customer_email"](cells)[:254],
                country=get["country"](cells)[:64],
                traffic_source=parse_choice(
                    get["traffic_source"](cells), SOURCES, default=DEFAULT_SOURCE
                ),
                device=parse_choice(
                    get["device"](cells), DEVICES, default=DEFAULT_DEVICE
                ),
            )
        except FieldError:
            yield ParsedRow(line, cells, order_id, _row_errors(get, line, cells, width))
        else:
            yield ParsedRow(line, cells, order_id, values)


def _row_errors(get: dict, line: int, cells: list[str], width: int) -> list[RowError]:
    """Every problem of an invalid row, column by column."""
    reader = RowReader(get, line, cells)
    if len(cells) > width:
        # Typically an unquoted comma in a name, which shifts the columns after it.
        reader.errors.append(
            RowError(line, "", f"has {len(cells)} cells but the header has {width}")
        )
    reader.parse("order_id", parse_identifier)
    reader.parse("placed_at", parse_datetime)
    reader.parse("customer_id", parse_identifier)
    reader.parse("status", parse_choice, STATUSES)
    reader.parse("sku", parse_identifier)
    reader.parse("quantity", parse_quantity)
    reader.parse("unit_price", parse_money)
    reader.parse("traffic_source", parse_choice, SOURCES, default=DEFAULT_SOURCE)
    reader.parse("device", parse_choice, DEVICES, default=DEFAULT_DEVICE)
    return reader.errors
