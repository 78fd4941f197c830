"""The refunds CSV: one row per refund, or per returned line of a refund
(docs/importing.md, "Refunds CSV"; fixtures/refunds.csv)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

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

REQUIRED_COLUMNS = ("refund_id", "order_id", "refunded_at", "amount")
OPTIONAL_COLUMNS = ("sku", "quantity")
# The refund-level fields every row of one refund must agree on.
REFUND_FIELDS = ("order_id", "refunded_at", "amount")


class RefundRow(NamedTuple):
    refund_id: str
    order_id: str
    refunded_at: datetime  # aware, UTC
    amount: Decimal  # the whole refund's, repeated on each of its rows
    sku: str = ""  # blank: money only, no units sent back
    quantity: int = 0


class ParsedRefund(NamedTuple):
    line: int
    cells: list[str]
    refund_id: str
    result: RefundRow | list[RowError]


def parse_positive_money(value: str) -> Decimal:
    amount = parse_money(value)
    if amount == 0:
        raise FieldError("0 is not a refund: a refund gives money back")
    return amount


def parse_refunds(path: Path) -> Iterator[ParsedRefund]:
    """Every row of a refunds file, parsed; a wrong header is an ImportFileError."""
    names = read_header(path)
    header, problems = match_header(
        names, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS
    )
    if problems:
        if "unit_price" in names or "lineitem quantity" in names:
            raise ImportFileError(
                f"{path.name} is not a refunds file: it looks like an orders file, "
                "use import_orders."
            )
        raise ImportFileError(header_problem_sentence(path, problems, "refunds"))
    get = {
        column: header.getter(column) for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    }
    for line, cells in iter_rows(path):
        reader = RowReader(get, line, cells)
        field = reader.parse
        sku, quantity_text = reader.text("sku"), reader.text("quantity")
        row = RefundRow(
            refund_id=field("refund_id", parse_identifier),
            order_id=field("order_id", parse_identifier),
            refunded_at=field("refunded_at", parse_datetime),
            amount=field("amount", parse_positive_money),
        )
        quantity = 0
        if sku:
            quantity = field("quantity", parse_quantity)
            if len(sku) > 64:
                reader.errors.append(
                    RowError(line, "sku", "is longer than 64 characters")
                )
        elif quantity_text:
            reader.errors.append(
                RowError(line, "sku", "is empty: a quantity returns units of a sku")
            )
        yield ParsedRefund(
            line,
            cells,
            reader.text("refund_id"),
            reader.errors or row._replace(sku=sku, quantity=quantity or 0),
        )
