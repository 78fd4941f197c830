"""Importing refunds: checked against their orders, allocated to the lines, all or nothing.

The file is read once into refunds (a refund's rows hold the same refund id; their
number is small next to the orders'); then, in one transaction that locks the orders
concerned, each refund is checked against its order as stored and as the file's
earlier refunds leave it: the order must exist, the refund may not be dated before
the order, give back more than is left to refund, or return more units of a sku than
were bought and not yet returned. If any row is invalid and skip_invalid is off,
nothing is written. Otherwise refunds are upserted by refund id (re-importing one
changes nothing; a changed time, amount or set of returned units replaces it), their
lines allocated by store.refunds, and a revenue order whose refunds now give back all
it paid becomes refunded. The roll-ups refresh after commit from the earliest day
touched: the refunds' days (old and new) and their orders' days, since an order
refunded in full leaves every figure of its own day.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from ..cents import from_cents, to_cents
from ..choices import OrderStatus
from ..data_version import bump_data_version
from ..models import Order, Refund, RefundLine
from ..refund_terms import order_terms, orders_to_settle
from ..refunds import (
    AllocatedLine,
    OrderTerms,
    allocate_refund,
    amount_problem,
    units_by_item,
)
from .bulk_insert import chunks, db_datetime, delete_where_in, insert_rows
from .locking import serialized
from .parsing import RowError, raw_header
from .progress import progress_bar
from .refunds_csv import REFUND_FIELDS, RefundRow, parse_refunds
from .report import ErrorLog, ImportReport, RejectedWriter, rejected_path_for
from .rollups import refresh_rollups_after_commit


@dataclass(slots=True)
class _RefundSeen:
    """A refund as its rows give it: the fields they agree on, the units by sku."""

    order_id: str
    refunded_at: datetime
    amount: Decimal
    first_line: int
    money_only: bool
    units: dict[str, int] = field(default_factory=dict)
    sku_lines: dict[str, int] = field(default_factory=dict)  # sku -> its first line
    allocation: list[AllocatedLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _OrderFound:
    pk: int
    placed_at: datetime


@dataclass(frozen=True, slots=True)
class _StoredRefund:
    pk: int
    order: int
    refunded_at: datetime
    amount: int  # cents
    lines: tuple[AllocatedLine, ...]


class _Reading:
    def __init__(self) -> None:
        self.rows_read = 0
        self.errors = ErrorLog()
        self.refunds: dict[str, _RefundSeen] = {}
        # refund id -> the line of its first invalid row
        self.bad: dict[str, int] = {}

    def reject(self, refund_id: str, error: RowError) -> None:
        self.errors.add(error)
        self.bad.setdefault(refund_id, error.line)


@serialized
def import_refunds_file(
    path: Path | str, *, skip_invalid: bool = False, progress: bool = False
) -> ImportReport:
    """Import a refunds file (docs/importing.md, "Refunds CSV"); see the docstring."""
    started = time.monotonic()
    path = Path(path)
    header = raw_header(path)
    reading = _read(path, progress=progress)
    counts: dict[str, int] = {}
    with transaction.atomic():
        orders, stored = _check_against_orders(reading, progress=progress)
        written = not reading.errors or skip_invalid
        if written:
            counts = _write(reading, orders, stored)
    rejected = None
    if written and reading.errors:
        rejected = _write_rejected(path, header, reading)
    if written:
        bump_data_version()
    return ImportReport(
        kind="refunds",
        source=path.name,
        rows_read=reading.rows_read,
        written=written,
        counts=counts,
        errors=tuple(reading.errors.listed),
        error_count=reading.errors.count,
        rejected_rows=rejected.count if rejected else 0,
        rejected_file=str(rejected.path) if rejected else "",
        seconds=time.monotonic() - started,
    )


def _read(path: Path, *, progress: bool) -> _Reading:
    """Every row, grouped by refund id; rows of one refund must agree."""
    reading = _Reading()
    for parsed in progress_bar(parse_refunds(path), progress, "checking"):
        reading.rows_read += 1
        if isinstance(parsed.result, list):
            for error in parsed.result:
                reading.errors.add(error)
            if parsed.refund_id:
                reading.bad.setdefault(parsed.refund_id, parsed.line)
            continue
        row: RefundRow = parsed.result
        known = reading.refunds.get(row.refund_id)
        if known is None:
            reading.refunds[row.refund_id] = _RefundSeen(
                order_id=row.order_id,
                refunded_at=row.refunded_at,
                amount=row.amount,
                first_line=parsed.line,
                money_only=not row.sku,
                units={row.sku: row.quantity} if row.sku else {},
                sku_lines={row.sku: parsed.line} if row.sku else {},
            )
            continue
        problem = _disagreement(known, row, parsed.line)
        if problem is not None:
            reading.reject(row.refund_id, problem)
            continue
        # Several rows of one sku add up (an order may hold the sku on two lines).
        known.units[row.sku] = known.units.get(row.sku, 0) + row.quantity
        known.sku_lines.setdefault(row.sku, parsed.line)
    return reading


def _disagreement(known: _RefundSeen, row: RefundRow, line: int) -> RowError | None:
    for column in REFUND_FIELDS:
        here, there = getattr(row, column), getattr(known, column)
        if here != there:
            shown_here = here.isoformat() if isinstance(here, datetime) else str(here)
            shown_there = (
                there.isoformat() if isinstance(there, datetime) else str(there)
            )
            return RowError(
                line,
                column,
                f"refund {row.refund_id} has {shown_here!r} here but "
                f"{shown_there!r} on line {known.first_line}",
            )
    if known.money_only or not row.sku:
        return RowError(
            line,
            "sku",
            f"refund {row.refund_id} has a row without sku on line "
            f"{known.first_line if known.money_only else line}: a refund of money only "
            "is one row; a refund that returns units names a sku on each of its rows",
        )
    return None


def _check_against_orders(
    reading: _Reading, *, progress: bool
) -> tuple[dict[str, _OrderFound], dict[str, _StoredRefund]]:
    """Check each valid refund against its order; allocate the ones that pass.

    Returns the orders by external id and the stored refunds by refund id (those the
    file names). The orders are locked (SELECT ... FOR UPDATE) until the transaction
    ends, so no other writer changes what was checked.
    """
    candidates = {
        refund_id: refund
        for refund_id, refund in reading.refunds.items()
        if refund_id not in reading.bad
    }
    orders = _orders(refund.order_id for refund in candidates.values())
    stored = _stored(candidates)
    by_order: dict[int, list[tuple[str, _RefundSeen]]] = defaultdict(list)
    for refund_id, refund in candidates.items():
        error = _order_error(refund_id, refund, orders, stored)
        if error is not None:
            reading.reject(refund_id, error)
        else:
            by_order[orders[refund.order_id].pk].append((refund_id, refund))
    leaving_out = {
        stored[refund_id].pk for refund_id in candidates if refund_id in stored
    }
    terms = order_terms(by_order, leaving_out=leaving_out)
    for order_pk, refunds in progress_bar(list(by_order.items()), progress, "matching"):
        order = terms[order_pk]
        for refund_id, refund in sorted(
            refunds, key=lambda pair: (pair[1].refunded_at, pair[1].first_line)
        ):
            order = _take(reading, order, refund_id, refund, stored.get(refund_id))
    return orders, stored


def _orders(external_ids: Iterable[str]) -> dict[str, _OrderFound]:
    found: dict[str, _OrderFound] = {}
    for chunk in chunks(sorted(set(external_ids))):
        found.update(
            (external_id, _OrderFound(pk, placed_at))
            for external_id, pk, placed_at in Order.objects.select_for_update()
            .filter(external_id__in=chunk)
            .order_by()
            .values_list("external_id", "pk", "placed_at")
        )
    return found


def _stored(refunds: dict[str, _RefundSeen]) -> dict[str, _StoredRefund]:
    rows: dict[str, tuple[int, int, datetime, Decimal]] = {}
    for chunk in chunks(sorted(refunds)):
        rows.update(
            (external_id, (pk, order, refunded_at, amount))
            for external_id, pk, order, refunded_at, amount in Refund.objects.filter(
                external_id__in=chunk
            ).values_list("external_id", "pk", "order", "refunded_at", "amount")
        )
    lines: dict[int, list[AllocatedLine]] = defaultdict(list)
    for chunk in chunks(sorted(pk for pk, *_ in rows.values())):
        for refund, item, quantity, amount in (
            RefundLine.objects.filter(refund__in=chunk)
            .order_by("pk")
            .values_list("refund", "item", "quantity", "amount")
        ):
            lines[refund].append(AllocatedLine(item, quantity, to_cents(amount)))
    return {
        external_id: _StoredRefund(
            pk, order, refunded_at, to_cents(amount), tuple(lines.get(pk, ()))
        )
        for external_id, (pk, order, refunded_at, amount) in rows.items()
    }


def _order_error(
    refund_id: str,
    refund: _RefundSeen,
    orders: dict[str, _OrderFound],
    stored: dict[str, _StoredRefund],
) -> RowError | None:
    order = orders.get(refund.order_id)
    if order is None:
        return RowError(
            refund.first_line,
            "order_id",
            f"there is no order {refund.order_id}: import the orders first",
        )
    known = stored.get(refund_id)
    if known is not None and known.order != order.pk:
        owner = Order.objects.filter(pk=known.order).values_list(
            "external_id", flat=True
        )
        return RowError(
            refund.first_line,
            "order_id",
            f"refund {refund_id} is stored on order {owner.first()}; a refund "
            "cannot move to another order",
        )
    if refund.refunded_at < order.placed_at:
        return RowError(
            refund.first_line,
            "refunded_at",
            f"is before order {refund.order_id} was placed "
            f"({order.placed_at.isoformat()})",
        )
    return None


def _take(
    reading: _Reading,
    order: OrderTerms,
    refund_id: str,
    refund: _RefundSeen,
    stored: _StoredRefund | None,
) -> OrderTerms:
    """Check one refund against the order as the refunds before it leave it; the
    order as the next one sees it (with this refund, or its stored version if it is
    rejected)."""
    amount = to_cents(refund.amount)
    units, problems = units_by_item(order, refund.units)
    errors = [
        RowError(refund.sku_lines[problem.sku], problem.field, problem.reason)
        for problem in problems
    ]
    too_much = amount_problem(order, amount)
    if too_much is not None:
        errors.insert(0, RowError(refund.first_line, "amount", too_much.reason))
    if errors:
        for error in errors:
            reading.reject(refund_id, error)
        if stored is not None:
            return order.with_refund(stored.amount, stored.lines)
        return order
    refund.allocation = allocate_refund(order, amount, units)
    return order.with_refund(amount, refund.allocation)


def _write(
    reading: _Reading, orders: dict[str, _OrderFound], stored: dict[str, _StoredRefund]
) -> dict[str, int]:
    counts = dict.fromkeys(
        (
            "refunds_created",
            "refunds_updated",
            "refunds_unchanged",
            "refund_lines_written",
            "orders_refunded",
        ),
        0,
    )
    to_write: list[tuple[str, _RefundSeen]] = []
    moments: list[datetime] = []
    for refund_id, refund in reading.refunds.items():
        if refund_id in reading.bad:
            continue
        known = stored.get(refund_id)
        if known is not None:
            if _same(known, refund):
                counts["refunds_unchanged"] += 1
                continue
            counts["refunds_updated"] += 1
            moments.append(known.refunded_at)
        else:
            counts["refunds_created"] += 1
        to_write.append((refund_id, refund))
        moments += [refund.refunded_at, orders[refund.order_id].placed_at]
    for batch in chunks(to_write):
        _write_batch(batch, orders, stored, counts)
    counts["orders_refunded"] = _settle(
        {orders[refund.order_id].pk for _, refund in to_write}
    )
    refresh_rollups_after_commit(min(moments, default=None), everything=False)
    return counts


def _same(known: _StoredRefund, refund: _RefundSeen) -> bool:
    return (known.refunded_at, known.amount, sorted(known.lines)) == (
        refund.refunded_at,
        to_cents(refund.amount),
        sorted(refund.allocation),
    )


def _write_batch(
    batch: list[tuple[str, _RefundSeen]],
    orders: dict[str, _OrderFound],
    stored: dict[str, _StoredRefund],
    counts: dict[str, int],
) -> None:
    insert_rows(
        Refund,
        ["external_id", "order", "refunded_at", "amount"],
        [
            (
                refund_id,
                orders[refund.order_id].pk,
                db_datetime(refund.refunded_at),
                refund.amount,
            )
            for refund_id, refund in batch
        ],
        conflict_field="external_id",
        update_fields=["refunded_at", "amount"],
    )
    delete_where_in(
        RefundLine,
        "refund",
        [stored[refund_id].pk for refund_id, _ in batch if refund_id in stored],
    )
    pks = dict(
        Refund.objects.filter(
            external_id__in=[refund_id for refund_id, _ in batch]
        ).values_list("external_id", "pk")
    )
    lines = [
        (pks[refund_id], line.item, line.quantity, from_cents(line.amount))
        for refund_id, refund in batch
        for line in refund.allocation
    ]
    insert_rows(RefundLine, ["refund", "item", "quantity", "amount"], lines)
    counts["refund_lines_written"] += len(lines)


def _settle(order_pks: set[int]) -> int:
    """Orders refunded in full become refunded; how many did."""
    settled = orders_to_settle(order_pks)
    for chunk in chunks(settled):
        Order.objects.filter(pk__in=chunk).update(status=OrderStatus.REFUNDED)
    return len(settled)


def _write_rejected(path: Path, header: list[str], reading: _Reading) -> RejectedWriter:
    """The rows of rejected refunds, as they were, with why (the file read again)."""
    rejected = RejectedWriter(rejected_path_for(path), header)
    reasons = reading.errors.reason_by_line
    try:
        for parsed in parse_refunds(path):
            bad_line = reading.bad.get(parsed.refund_id)
            if parsed.line in reasons:
                rejected.write(parsed.line, parsed.cells, reasons[parsed.line])
            elif bad_line is not None:
                rejected.write(
                    parsed.line,
                    parsed.cells,
                    f"refund {parsed.refund_id} has an invalid row on line {bad_line}",
                )
    finally:
        rejected.close()
    return rejected
