"""Shopify's orders export CSV, mapped onto our order lines (docs/importing.md, "Shopify").

One row per line item; the order-level fields (Email, Financial Status, Created at, ...)
are filled on the first row of each order only, so later rows of the same Name inherit
them. The mapping of statuses, customers, products and devices is documented in
docs/importing.md and in map_status() below.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from ..choices import Device, OrderStatus, TrafficSource
from .generic_orders import OrderLine, ParsedRow
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
    paid otherwise. A partial refund keeps the order as revenue at its line prices.
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

    # The order-level fields of the order whose rows are being read.
    current_name = ""
    current: dict[str, object] = {}
    for line, cells in iter_rows(path):
        errors: list[RowError] = []
        name = get["name"](cells)
        if get["created at"](cells):
            current_name = name
            current, first_row_errors = _order_fields(get, cells, line, shop_currency)
            errors.extend(first_row_errors)
        elif name != current_name:
            errors.append(
                RowError(
                    line,
                    "Created at",
                    f"is empty on the first row of order {name or '(no Name)'}",
                )
            )
            current_name, current = name, {}

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
        errors.extend(reader.errors)
        # A row of an order whose first row is invalid is rejected with that order.
        if errors or not current:
            yield ParsedRow(line, cells, name, errors)
            continue
        yield ParsedRow(
            line,
            cells,
            name,
            OrderLine(
                order_id=order_id,
                placed_at=current["placed_at"],  # type: ignore[arg-type]
                customer_id=current["customer_id"],  # type: ignore[arg-type]
                status=current["status"],  # type: ignore[arg-type]
                sku=sku[:64],
                quantity=quantity,
                unit_price=unit_price,
                product_name=get["lineitem name"](cells)[:255],
                category=get["vendor"](cells)[:128],
                customer_email=current["email"],  # type: ignore[arg-type]
                country=current["country"],  # type: ignore[arg-type]
                traffic_source=TrafficSource.DIRECT,
                device=current["device"],  # type: ignore[arg-type]
            ),
        )


def _order_fields(
    get: dict, cells: list[str], line: int, shop_currency: str
) -> tuple[dict[str, object], list[RowError]]:
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
    email = get["email"](cells).lower()
    source = get["source"](cells).lower()
    if errors:
        return {}, errors
    return {
        "placed_at": placed_at,
        "status": map_status(
            financial=financial,
            fulfillment=fulfillment,
            cancelled=bool(get["cancelled at"](cells)),
        ),
        "customer_id": (email or f"guest-{get['name'](cells)}")[:64],
        "email": email[:254],
        "country": (get["billing country"](cells) or get["shipping country"](cells))[
            :64
        ],
        "device": Device.MOBILE if source in MOBILE_SOURCES else Device.DESKTOP,
    }, errors
