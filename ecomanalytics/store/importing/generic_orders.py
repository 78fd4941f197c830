"""The generic orders CSV: one row per order line (docs/importing.md, fixtures/orders_generic.csv)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from ..choices import Device, OrderStatus, TrafficSource
from ..discounts import DiscountError, normalised_discount_codes
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
    # The order's money terms besides its lines (repeated on each of its rows, as the
    # other order-level fields), and the line's own share of the discount.
    "discount",
    "discount_codes",
    "shipping",
    "tax",
    "line_discount",
)
STATUSES = tuple(OrderStatus.values)
SOURCES = tuple(TrafficSource.values)
DEVICES = tuple(Device.values)
DEFAULT_SOURCE = TrafficSource.DIRECT.value
DEFAULT_DEVICE = Device.DESKTOP.value
ZERO = Decimal("0.00")


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
    # The order's discount; None: the file gives none, the order's is the sum of its
    # lines' own discounts.
    discount: Decimal | None = None
    discount_codes: str = ""  # normalised (discounts.normalised_discount_codes)
    shipping: Decimal = ZERO
    tax: Decimal = ZERO
    # The line's own discount; None: the line takes a share of the order's discount.
    line_discount: Decimal | None = None
    # What was given back on the order as a whole (Shopify's Refunded Amount), and when.
    refund_amount: Decimal = ZERO
    refunded_at: datetime | None = None


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
    ("discount", "discount"),
    ("discount_codes", "discount_codes"),
    ("shipping", "shipping"),
    ("tax", "tax"),
    ("refund_amount", "refund_amount"),
    ("refunded_at", "refunded_at"),
)


def parse_optional_money(value: str) -> Decimal | None:
    """A money cell that may be blank: None when it is."""
    return parse_money(value) if value else None


def parse_money_or_zero(value: str) -> Decimal:
    return parse_money(value) if value else ZERO


def parse_discount_codes(value: str) -> str:
    if not value:
        return ""
    try:
        return normalised_discount_codes(value)
    except DiscountError as error:
        raise FieldError(error.args[0]) from None


def line_discount_problem(
    quantity: int, unit_price: Decimal, line_discount: Decimal | None
) -> str:
    """Why a line's own discount cannot be; "" when it can."""
    if line_discount is not None and line_discount > quantity * unit_price:
        return f"{line_discount} is more than the line's {quantity} x {unit_price}"
    return ""


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
                discount=parse_optional_money(get["discount"](cells)),
                discount_codes=parse_discount_codes(get["discount_codes"](cells)),
                shipping=parse_money_or_zero(get["shipping"](cells)),
                tax=parse_money_or_zero(get["tax"](cells)),
                line_discount=parse_optional_money(get["line_discount"](cells)),
            )
            if line_discount_problem(
                values.quantity, values.unit_price, values.line_discount
            ):
                raise FieldError("invalid")
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
    quantity = reader.parse("quantity", parse_quantity)
    unit_price = reader.parse("unit_price", parse_money)
    reader.parse("traffic_source", parse_choice, SOURCES, default=DEFAULT_SOURCE)
    reader.parse("device", parse_choice, DEVICES, default=DEFAULT_DEVICE)
    reader.parse("discount", parse_optional_money)
    reader.parse("discount_codes", parse_discount_codes)
    reader.parse("shipping", parse_money_or_zero)
    reader.parse("tax", parse_money_or_zero)
    line_discount = reader.parse("line_discount", parse_optional_money)
    if quantity is not None and unit_price is not None:
        reason = line_discount_problem(quantity, unit_price, line_discount)
        if reason:
            reader.errors.append(RowError(line, "line_discount", reason))
    return reader.errors
