"""Shopify's orders export CSV, mapped onto our order lines (docs/importing.md, "Shopify").

One row per line item, the rows of an order one after the other under its Name. The
order-level fields (Email, Financial Status, Created at, the money terms, ...) are read
from the order's first row; later rows of the same Name inherit them, and may leave
them blank or repeat them (some exports repeat Email or Created at on every row), but
a value repeated differently is an error. A Name met again after another order's rows
is an error too: Shopify writes an order's rows together, and taking the rows for a
second order of the same Name would import it wrong. The mapping of statuses,
customers, products, devices and money terms is documented in docs/importing.md and
in map_status() below.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from ..choices import Device, OrderStatus, TrafficSource
from .generic_orders import (
    ZERO,
    OrderLine,
    ParsedRow,
    line_discount_problem,
    parse_discount_codes,
    parse_money_or_zero,
    parse_optional_money,
)
from .parsing import (
    FieldError,
    ImportFileError,
    RowError,
    RowReader,
    header_problem_sentence,
    iter_rows,
    match_header,
    parse_datetime,
    parse_identifier,
    parse_money,
    parse_quantity,
    read_header,
)

REQUIRED_COLUMNS = (
    "name",
    "email",
    "financial status",
    "fulfillment status",
    "created at",
    "lineitem quantity",
    "lineitem name",
    "lineitem price",
    "lineitem sku",
)
# Every other column of Shopify's documented orders export (they are read or ignored).
OPTIONAL_COLUMNS = (
    "paid at",
    "fulfilled at",
    "accepts marketing",
    "currency",
    "subtotal",
    "shipping",
    "taxes",
    "total",
    "discount code",
    "discount amount",
    "shipping method",
    "lineitem compare at price",
    "lineitem requires shipping",
    "lineitem taxable",
    "lineitem fulfillment status",
    "billing name",
    "billing street",
    "billing address1",
    "billing address2",
    "billing company",
    "billing city",
    "billing zip",
    "billing province",
    "billing country",
    "billing phone",
    "shipping name",
    "shipping street",
    "shipping address1",
    "shipping address2",
    "shipping company",
    "shipping city",
    "shipping zip",
    "shipping province",
    "shipping country",
    "shipping phone",
    "notes",
    "note attributes",
    "cancelled at",
    "payment method",
    "payment reference",
    "refunded amount",
    "vendor",
    "outstanding balance",
    "employee",
    "location",
    "device id",
    "id",
    "tags",
    "risk level",
    "source",
    "lineitem discount",
    "tax 1 name",
    "tax 1 value",
    "tax 2 name",
    "tax 2 value",
    "tax 3 name",
    "tax 3 value",
    "tax 4 name",
    "tax 4 value",
    "tax 5 name",
    "tax 5 value",
    "phone",
    "receipt number",
    "duties",
    "billing province name",
    "shipping province name",
    "payment id",
    "payment terms name",
    "next payment due at",
    "payment references",
)
# Shopify writes "2025-01-31 23:59:00 -0500".
SHOPIFY_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z")
MOBILE_SOURCES = frozenset({"iphone", "android", "mobile"})

FINANCIAL_STATUSES = (
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
    "expired",
)
FULFILLMENT_STATUSES = ("fulfilled", "partial", "unfulfilled", "restocked", "pending")


def map_status(*, financial: str, fulfillment: str, cancelled: bool) -> str:
    """Our order status from Shopify's financial and fulfilment statuses.

    cancelled (Cancelled at set) wins; refunded -> refunded; voided or expired ->
    cancelled; pending, authorized, partially_paid -> pending; paid and
    partially_refunded -> completed when fulfilled, shipped when partially fulfilled,
    paid otherwise: a partial refund keeps the order as revenue, its Refunded Amount
    becomes a refund (returns) on the refund's day.
    """
    if cancelled:
        return OrderStatus.CANCELLED
    if financial == "refunded":
        return OrderStatus.REFUNDED
    if financial in ("voided", "expired"):
        return OrderStatus.CANCELLED
    if financial in ("pending", "authorized", "partially_paid"):
        return OrderStatus.PENDING
    if fulfillment == "fulfilled":
        return OrderStatus.COMPLETED
    if fulfillment == "partial":
        return OrderStatus.SHIPPED
    return OrderStatus.PAID


def _lower_choice(value: str, choices: tuple[str, ...], *, blank_ok: bool) -> str:
    lowered = value.lower().replace(" ", "_")
    if not lowered and blank_ok:
        return ""
    if lowered not in choices:
        raise FieldError(f"{value!r} is not one of {', '.join(choices)}")
    return lowered


# The order-level columns a later row of an order may repeat; a repeated value must
# be the first row's. How each is compared: money as amounts, times as moments.
_AS_MONEY = frozenset({"discount amount", "shipping", "taxes", "refunded amount"})
_AS_TIME = frozenset({"created at", "paid at", "cancelled at"})
ORDER_LEVEL_COLUMNS = (
    "email",
    "financial status",
    "fulfillment status",
    "paid at",
    "created at",
    "cancelled at",
    "currency",
    "source",
    "billing country",
    "shipping country",
    "discount code",
    "discount amount",
    "shipping",
    "taxes",
    "refunded amount",
)
# Refund.external_id's max_length.
MAX_REFUND_ID = 64


def refund_external_id(name: str) -> str:
    """The id of the refund an order's Refunded Amount becomes: derived from the
    order's Name, so importing the export again finds the same refund."""
    external_id = f"shopify-refund-{name}"
    if len(external_id) <= MAX_REFUND_ID:
        return external_id
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"shopify-refund-{digest[: MAX_REFUND_ID - len('shopify-refund-')]}"


@dataclass(frozen=True, slots=True)
class _OrderFields:
    """What an order's first row says of the order, in our vocabulary."""

    placed_at: datetime
    status: str
    customer_id: str
    email: str
    country: str
    device: str
    discount: Decimal | None
    discount_codes: str
    shipping: Decimal
    tax: Decimal
    refund_amount: Decimal
    refunded_at: datetime | None


@dataclass(slots=True)
class _CurrentOrder:
    """The order whose rows are being read: its Name, first row and fields."""

    name: str = ""
    first_line: int = 0
    first_cells: list[str] | None = None
    fields: _OrderFields | None = None  # None: its first row is invalid


def parse_shopify_orders(path: Path) -> Iterator[ParsedRow]:
    """Every line-item row of a Shopify orders export as our order line."""
    names = read_header(path)
    header, problems = match_header(
        names, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS
    )
    if problems:
        if {"order_id", "sku", "unit_price"} <= set(names):
            raise ImportFileError(
                f"{path.name} is not a Shopify orders export: it looks like a generic "
                "orders file, use --format generic."
            )
        raise ImportFileError(header_problem_sentence(path, problems, "Shopify orders"))
    get = {
        column: header.getter(column) for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    }
    shop_currency = settings.CURRENCY.upper()

    current = _CurrentOrder()
    # Name -> the last line of its rows, for the orders read before the current one.
    finished: dict[str, int] = {}
    last_line = 0
    for line, cells in iter_rows(path):
        errors: list[RowError] = []
        name = get["name"](cells)
        if name != current.name or current.first_cells is None:
            if current.first_cells is not None:
                finished[current.name] = last_line
            current = _CurrentOrder(name, line, cells)
            if name in finished:
                errors.append(
                    RowError(
                        line,
                        "Name",
                        f"order {name} already had rows up to line {finished[name]}, "
                        "before another order's: the rows of an order must be "
                        "together, as Shopify exports them",
                    )
                )
            elif not get["created at"](cells):
                errors.append(
                    RowError(
                        line,
                        "Created at",
                        f"is empty on the first row of order {name or '(no Name)'}",
                    )
                )
            else:
                current.fields, first_row_errors = _order_fields(
                    get, cells, line, shop_currency
                )
                errors.extend(first_row_errors)
        else:
            errors.extend(_repeated_differently(get, cells, line, current))
        last_line = line
        yield _line_item(get, line, cells, name, current, errors)


def _line_item(
    get: dict[str, Callable[[Sequence[str]], str]],
    line: int,
    cells: list[str],
    name: str,
    current: _CurrentOrder,
    errors: list[RowError],
) -> ParsedRow:
    reader = RowReader(get, line, cells, label=str.title)
    field = reader.parse
    try:
        order_id = parse_identifier(name)
    except FieldError as error:
        errors.append(RowError(line, "Name", error.args[0]))
        order_id = name
    sku = get["lineitem sku"](cells) or get["lineitem name"](cells)[:64]
    if not sku:
        errors.append(
            RowError(line, "Lineitem sku", "is empty and so is Lineitem name")
        )
    quantity = field("lineitem quantity", parse_quantity)
    unit_price = field("lineitem price", parse_money)
    line_discount = field("lineitem discount", parse_optional_money)
    errors.extend(reader.errors)
    if quantity is not None and unit_price is not None:
        reason = line_discount_problem(quantity, unit_price, line_discount)
        if reason:
            errors.append(RowError(line, "Lineitem Discount", reason))
    order = current.fields
    # A row of an order whose first row is invalid is rejected with that order.
    if errors or not order:
        return ParsedRow(line, cells, name, errors)
    return ParsedRow(
        line,
        cells,
        name,
        OrderLine(
            order_id=order_id,
            placed_at=order.placed_at,
            customer_id=order.customer_id,
            status=order.status,
            sku=sku[:64],
            quantity=quantity,
            unit_price=unit_price,
            product_name=get["lineitem name"](cells)[:255],
            category=get["vendor"](cells)[:128],
            customer_email=order.email,
            country=order.country,
            traffic_source=TrafficSource.DIRECT,
            device=order.device,
            discount=order.discount,
            discount_codes=order.discount_codes,
            shipping=order.shipping,
            tax=order.tax,
            line_discount=line_discount,
            refund_amount=order.refund_amount,
            refunded_at=order.refunded_at,
        ),
    )


def _comparable(column: str, value: str) -> object:
    """A cell as it is compared with the same cell of the order's first row."""
    try:
        if column in _AS_MONEY:
            return parse_money(value)
        if column in _AS_TIME:
            return parse_datetime(value, extra_formats=SHOPIFY_TIME_FORMATS)
    except FieldError:
        pass
    return value.casefold()


def _repeated_differently(
    get: dict[str, Callable[[Sequence[str]], str]],
    cells: list[str],
    line: int,
    current: _CurrentOrder,
) -> list[RowError]:
    """The order-level cells a later row repeats with another value than the first's."""
    first = current.first_cells or []
    errors = []
    for column in ORDER_LEVEL_COLUMNS:
        here = get[column](cells)
        if not here:
            continue
        there = get[column](first)
        if _comparable(column, here) != _comparable(column, there):
            errors.append(
                RowError(
                    line,
                    column.title(),
                    f"order {current.name} has {here!r} here but {there!r} on its "
                    f"first row, line {current.first_line}",
                )
            )
    return errors


def _order_fields(
    get: dict, cells: list[str], line: int, shop_currency: str
) -> tuple[_OrderFields | None, list[RowError]]:
    """The order-level fields on an order's first row, and what is wrong with them."""
    reader = RowReader(get, line, cells, label=str.title)
    errors = reader.errors
    checked = reader.parse

    placed_at = checked(
        "created at", parse_datetime, extra_formats=SHOPIFY_TIME_FORMATS
    )
    financial = checked(
        "financial status", _lower_choice, FINANCIAL_STATUSES, blank_ok=False
    )
    fulfillment = checked(
        "fulfillment status", _lower_choice, FULFILLMENT_STATUSES, blank_ok=True
    )
    currency = get["currency"](cells).upper()
    if currency and currency != shop_currency:
        errors.append(
            RowError(
                line,
                "Currency",
                f"{currency} is not the shop's currency {shop_currency}",
            )
        )
    discount = checked("discount amount", parse_optional_money)
    codes = checked("discount code", parse_discount_codes)
    shipping = checked("shipping", parse_money_or_zero)
    tax = checked("taxes", parse_money_or_zero)
    refund_amount = checked("refunded amount", parse_money_or_zero)
    refunded_at = _refund_time(reader, placed_at) if refund_amount else None
    email = get["email"](cells).lower()
    source = get["source"](cells).lower()
    if errors:
        return None, errors
    country = get["billing country"](cells) or get["shipping country"](cells)
    return _OrderFields(
        placed_at=placed_at,
        status=map_status(
            financial=financial,
            fulfillment=fulfillment,
            cancelled=bool(get["cancelled at"](cells)),
        ),
        customer_id=(email or f"guest-{get['name'](cells)}")[:64],
        email=email[:254],
        country=country[:64],
        device=Device.MOBILE if source in MOBILE_SOURCES else Device.DESKTOP,
        discount=discount,
        discount_codes=codes,
        shipping=shipping,
        tax=tax,
        refund_amount=refund_amount or ZERO,
        refunded_at=refunded_at,
    ), errors


def _refund_time(reader: RowReader, placed_at: datetime | None) -> datetime | None:
    """When the order's Refunded Amount was given back, as near as the export tells:
    Cancelled at when set, else Paid at, else Created at (the export has no refund
    time of its own); never before Created at, as no refund precedes its order."""
    for column in ("cancelled at", "paid at"):
        if reader.text(column):
            moment: datetime | None = reader.parse(
                column, parse_datetime, extra_formats=SHOPIFY_TIME_FORMATS
            )
            if moment is not None and placed_at is not None:
                return max(moment, placed_at)
            return moment
    return placed_at
