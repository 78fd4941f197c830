"""Orders' refund terms read from the database, and the statuses refunds settle.

For the importers (which write with bulk SQL and announce their loads) and the admin
(whose ORM saves the roll-ups and the data version hear of).

order_terms() reads what store.refunds needs to check and allocate a refund: each
order's lines with the units earlier refunds returned, and its earlier refunds' sum,
leaving out the refunds about to be replaced. Three grouped reads per chunk of
orders, whatever their number of lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Sum

from .cents import from_cents, to_cents
from .choices import OrderStatus
from .models import Order, OrderItem, Refund, RefundLine
from .refunds import (
    AllocatedLine,
    LineTerms,
    OrderTerms,
    allocate_refund,
    settled_status,
)

# Orders per read: well below SQLite's smallest limit on bound parameters (999).
CHUNK = 500


@dataclass(frozen=True, slots=True)
class StoredRefund:
    pk: int
    external_id: str
    order: int
    refunded_at: datetime
    amount: int  # cents


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def stored_refunds(order_pks: Iterable[int]) -> dict[int, list[StoredRefund]]:
    """The orders' refunds by order, oldest first."""
    found: dict[int, list[StoredRefund]] = defaultdict(list)
    for chunk in _chunks(sorted(set(order_pks))):
        for pk, external_id, order, refunded_at, amount in (
            Refund.objects.filter(order__in=chunk)
            .order_by("refunded_at", "pk")
            .values_list("pk", "external_id", "order", "refunded_at", "amount")
        ):
            found[order].append(
                StoredRefund(pk, external_id, order, refunded_at, to_cents(amount))
            )
    return dict(found)


def order_terms(
    order_pks: Iterable[int], *, leaving_out: Collection[int] = ()
) -> dict[int, OrderTerms]:
    """Each order's terms; refunds whose pk is in leaving_out count as not there."""
    terms: dict[int, OrderTerms] = {}
    for chunk in _chunks(sorted(set(order_pks))):
        refunded: dict[int, int] = defaultdict(int)
        refund_pks = []
        for pk, order, amount in Refund.objects.filter(order__in=chunk).values_list(
            "pk", "order", "amount"
        ):
            if pk not in leaving_out:
                refunded[order] += to_cents(amount)
                refund_pks.append(pk)
        returned: dict[int, int] = defaultdict(int)
        for item, units in (
            RefundLine.objects.filter(refund__in=refund_pks)
            .values_list("item")
            .annotate(units=Sum("quantity"))
            .order_by()
        ):
            returned[item] = units
        lines: dict[int, list[LineTerms]] = defaultdict(list)
        for pk, order, sku, quantity, unit_price, discount in (
            OrderItem.objects.filter(order__in=chunk)
            .order_by("pk")
            .values_list(
                "pk", "order", "product__sku", "quantity", "unit_price", "discount"
            )
        ):
            lines[order].append(
                LineTerms(
                    item=pk,
                    sku=sku,
                    quantity=quantity,
                    gross=quantity * to_cents(unit_price),
                    discount=to_cents(discount),
                    returned=returned.get(pk, 0),
                )
            )
        for pk, discount, shipping, tax in Order.objects.filter(
            pk__in=chunk
        ).values_list("pk", "discount", "shipping", "tax"):
            order_lines = tuple(lines.get(pk, ()))
            terms[pk] = OrderTerms(
                gross=sum(line.gross for line in order_lines),
                discount=to_cents(discount),
                shipping=to_cents(shipping),
                tax=to_cents(tax),
                refunded=refunded.get(pk, 0),
                lines=order_lines,
            )
    return terms


def orders_to_settle(order_pks: Iterable[int]) -> list[int]:
    """The revenue orders among order_pks whose refunds give back all they paid."""
    pks = sorted(set(order_pks))
    terms = order_terms(pks)
    statuses: dict[int, str] = {}
    for chunk in _chunks(pks):
        statuses.update(Order.objects.filter(pk__in=chunk).values_list("pk", "status"))
    return [
        pk
        for pk, order in terms.items()
        if settled_status(statuses[pk], refunded=order.refunded, paid=order.paid)
        != statuses[pk]
    ]


def allocated_lines(refund: Refund, *, units: dict[int, int]) -> list[AllocatedLine]:
    """The refund's lines as store.refunds allocates its amount: over the units
    returned by item (OrderItem pk), or all of the order's lines when units is empty.
    The refund's own stored lines count as not there (they are being replaced).
    RefundError when its order does not allow it."""
    order = order_terms(
        [refund.order_id], leaving_out={refund.pk} if refund.pk else set()
    )[refund.order_id]
    return allocate_refund(order, to_cents(refund.amount), units)


def save_orders_after_refunds_changed(order_pks: Iterable[int]) -> None:
    """Settle the orders' statuses and save them, through the ORM.

    Saved even when the status stays: an order's save is what the data version and
    the roll-ups hear of (store.signals, rollups.signals), from the order's day,
    which is never after the days of its refunds.
    """
    pks = sorted(set(order_pks))
    settle = set(orders_to_settle(pks))
    for order in Order.objects.filter(pk__in=pks):
        if order.pk in settle:
            order.status = OrderStatus.REFUNDED
        order.save(update_fields=["status"])


@dataclass(frozen=True, slots=True)
class LineChange:
    """An order line as an edit would leave it; item None for a new line."""

    item: int | None
    quantity: int
    gross: int  # cents
    discount: int  # cents


def refund_conflicts(
    order_pk: int, lines: Iterable[LineChange], *, shipping: int, tax: int
) -> list[str]:
    """Why the order's refunds would not fit its lines as an edit leaves them: units
    returned from a line deleted or cut below them, or refunds above the new paid."""
    refunds = Refund.objects.filter(order=order_pk)
    refunded = sum(
        to_cents(amount) for amount in refunds.values_list("amount", flat=True)
    )
    if not refunded:
        return []
    returned = dict(
        RefundLine.objects.filter(refund__order=order_pk, quantity__gt=0)
        .values_list("item")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    problems = []
    left = {line.item: line for line in lines if line.item is not None}
    for item, units in returned.items():
        line = left.get(item)
        if line is None:
            problems.append(
                f"line {item} has {units} units returned by refunds: change the "
                "refunds before deleting it"
            )
        elif line.quantity < units:
            problems.append(
                f"line {item} has {units} units returned by refunds, more than its "
                f"new quantity {line.quantity}"
            )
    kept_lines = list(lines)
    paid = sum(line.gross - line.discount for line in kept_lines) + shipping + tax
    if refunded > paid:
        problems.append(
            f"the order's refunds add up to {from_cents(refunded)}, more than the "
            f"{from_cents(paid)} it would be paid"
        )
    return problems


def reallocate_refunds(order_pk: int) -> None:
    """Allocate the order's refunds again over its lines as they are now, oldest
    first, each returning the units it returned (by line). Through the ORM."""
    units: dict[int, dict[int, int]] = defaultdict(dict)
    for refund_pk, item, quantity in RefundLine.objects.filter(
        refund__order=order_pk, quantity__gt=0
    ).values_list("refund", "item", "quantity"):
        units[refund_pk][item] = quantity
    refunds = list(Refund.objects.filter(order=order_pk).order_by("refunded_at", "pk"))
    order = order_terms([order_pk], leaving_out={refund.pk for refund in refunds})[
        order_pk
    ]
    for refund in refunds:
        allocated = allocate_refund(order, to_cents(refund.amount), units[refund.pk])
        order = order.with_refund(to_cents(refund.amount), allocated)
        refund.lines.all().delete()
        RefundLine.objects.bulk_create(
            RefundLine(
                refund=refund,
                item_id=line.item,
                quantity=line.quantity,
                amount=from_cents(line.amount),
            )
            for line in allocated
        )


def refund_conflicts_after(
    order_pk: int,
    *,
    without: Collection[int] = (),
    adding: Iterable[LineChange] = (),
) -> list[str]:
    """refund_conflicts() for the order's stored lines, less the items in without,
    plus the lines adding."""
    shipping, tax = (
        Order.objects.filter(pk=order_pk).values_list("shipping", "tax").get()
    )
    stored = [
        LineChange(pk, quantity, quantity * to_cents(unit_price), to_cents(discount))
        for pk, quantity, unit_price, discount in OrderItem.objects.filter(
            order=order_pk
        )
        .exclude(pk__in=list(without))
        .values_list("pk", "quantity", "unit_price", "discount")
    ]
    return refund_conflicts(
        order_pk,
        [*stored, *adding],
        shipping=to_cents(shipping),
        tax=to_cents(tax),
    )
