"""Orders' refund terms read from the database, and the statuses refunds settle.

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

from .cents import to_cents
from .models import Order, OrderItem, Refund, RefundLine
from .refunds import LineTerms, OrderTerms, settled_status

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
