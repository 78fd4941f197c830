"""The refunds of imported orders: kept across a re-import, and Shopify's Refunded Amount.

An orders import replaces the lines of every order it re-imports, so the lines of
the order's refunds are allocated again, onto the new lines: a refund that returned
units of a sku returns them from the new lines of that sku, a refund of money only
is spread over the new lines. Before anything is written, the import checks that the
new lines allow the refunds it keeps (the amount against what the file says was
paid, the units against what it says was bought), and rejects the order otherwise.

A Shopify export gives each order's Refunded Amount, not its refunds: it becomes one
refund of money only per order, whose id is derived from the order's Name
(shopify.refund_external_id), so a re-import finds it again; an order whose amount is
back to 0 loses it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS

from ..cents import from_cents, to_cents
from ..models import Order, Refund, RefundLine
from ..refund_terms import order_terms
from ..refunds import AllocatedLine, RefundError, allocate_refund, units_by_item
from .bulk_insert import chunks, db_datetime, delete_where_in, insert_rows
from .parsing import ImportFileError


@dataclass(slots=True)
class KeptRefund:
    """A stored refund of a re-imported order that the file does not replace."""

    pk: int
    external_id: str
    refunded_at: datetime
    amount: int  # cents
    units: dict[str, int] = field(default_factory=dict)  # returned units by sku


@dataclass(frozen=True, slots=True)
class FileRefund:
    """The refund a file records for an order (Shopify's Refunded Amount)."""

    external_id: str
    amount: Decimal
    refunded_at: datetime


# The checks before the write read the primary, where the write goes: a lagging read
# replica (db_router) would miss refunds just loaded.


def orders_with_refunds() -> set[str]:
    """The external ids of the stored orders that have refunds."""
    return set(
        Order.objects.using(DEFAULT_DB_ALIAS)
        .filter(refunds__isnull=False)
        .order_by()
        .values_list("external_id", flat=True)
        .distinct()
    )


def kept_refunds(
    order_ids: Iterable[str], replaced: Callable[[str], str] | None
) -> dict[str, list[KeptRefund]]:
    """The stored refunds of the orders (by external id), oldest first, except the
    one each order's file refund replaces (replaced(order id) is its id)."""
    kept: dict[str, list[KeptRefund]] = defaultdict(list)
    by_pk: dict[int, KeptRefund] = {}
    for chunk in chunks(sorted(order_ids)):
        replacing = {replaced(order_id) for order_id in chunk} if replaced else set()
        for pk, external_id, order_id, refunded_at, amount in (
            Refund.objects.using(DEFAULT_DB_ALIAS)
            .filter(order__external_id__in=chunk)
            .order_by("refunded_at", "pk")
            .values_list(
                "pk", "external_id", "order__external_id", "refunded_at", "amount"
            )
        ):
            if external_id in replacing:
                continue
            refund = KeptRefund(pk, external_id, refunded_at, to_cents(amount))
            kept[order_id].append(refund)
            by_pk[pk] = refund
    for chunk in chunks(sorted(by_pk)):
        for refund_pk, sku, quantity in (
            RefundLine.objects.filter(refund__in=chunk, quantity__gt=0)
            .order_by("pk")
            .values_list("refund", "item__product__sku", "quantity")
        ):
            units = by_pk[refund_pk].units
            units[sku] = units.get(sku, 0) + quantity
    return dict(kept)


def kept_refunds_problem(
    order_id: str,
    refunds: list[KeptRefund],
    *,
    paid: int,
    file_refund: int,
    bought: dict[str, int],
) -> str:
    """Why the file's version of an order does not allow the refunds it keeps."""
    kept = sum(refund.amount for refund in refunds)
    if kept + file_refund > paid:
        named = ", ".join(refund.external_id for refund in refunds)
        also = (
            f" and this file refunds {from_cents(file_refund)}" if file_refund else ""
        )
        return (
            f"order {order_id} keeps its refunds {named} of {from_cents(kept)}{also}: "
            f"more than the {from_cents(paid)} this file says it paid"
        )
    returned: dict[str, int] = defaultdict(int)
    for refund in refunds:
        for sku, units in refund.units.items():
            returned[sku] += units
            if returned[sku] > bought.get(sku, 0):
                return (
                    f"order {order_id} keeps its refund {refund.external_id}, which "
                    f"returns {units} x {sku}, but this file gives the order "
                    f"{bought.get(sku, 0)} of {sku} (less {returned[sku] - units} "
                    "returned by earlier refunds)"
                )
    return ""


def forget_refund_lines(order_pks: list[int]) -> None:
    """Delete the lines of the orders' refunds, before the orders' lines are replaced
    (allocate_again writes them anew)."""
    delete_where_in(
        RefundLine,
        "refund",
        list(Refund.objects.filter(order__in=order_pks).values_list("pk", flat=True)),
    )


@dataclass(slots=True)
class _Outcome:
    counts: dict[str, int]
    moments: list[datetime] = field(default_factory=list)  # days the refunds touched


def write_order_refunds(
    *,
    order_pks: dict[str, int],
    kept: dict[str, list[KeptRefund]],
    file_refunds: dict[str, FileRefund],
    derived_id: Callable[[str], str] | None,
    counts: dict[str, int],
) -> list[datetime]:
    """Upsert the file's refunds, drop the derived refunds the file no longer has,
    and allocate the refunds of the orders again. The moments whose days changed."""
    outcome = _Outcome(counts)
    if derived_id is not None:
        _upsert_file_refunds(order_pks, file_refunds, derived_id, outcome)
    orders = sorted(
        {order_pks[order_id] for order_id in kept}
        | {order_pks[order_id] for order_id in file_refunds}
    )
    for chunk in chunks(orders):
        _allocate_again(chunk, kept, order_pks, outcome)
    return outcome.moments


def _upsert_file_refunds(
    order_pks: dict[str, int],
    file_refunds: dict[str, FileRefund],
    derived_id: Callable[[str], str],
    outcome: _Outcome,
) -> None:
    counts = outcome.counts
    for chunk in chunks(sorted(order_pks)):
        ids = {derived_id(order_id): order_id for order_id in chunk}
        stored = {
            external_id: (pk, order, refunded_at, amount)
            for external_id, pk, order, refunded_at, amount in Refund.objects.filter(
                external_id__in=list(ids)
            ).values_list("external_id", "pk", "order", "refunded_at", "amount")
        }
        rows, gone = [], []
        for external_id, order_id in ids.items():
            refund = file_refunds.get(order_id)
            known = stored.get(external_id)
            if refund is None:
                if known is not None:
                    gone.append(known[0])
                    outcome.moments.append(known[2])
                continue
            row = (order_pks[order_id], refund.refunded_at, refund.amount)
            if known is not None and known[1:] == row:
                counts["refunds_unchanged"] += 1
                continue
            counts["refunds_updated" if known else "refunds_created"] += 1
            outcome.moments.append(refund.refunded_at)
            if known is not None:
                outcome.moments.append(known[2])
            rows.append(
                (external_id, row[0], db_datetime(refund.refunded_at), refund.amount)
            )
        insert_rows(
            Refund,
            ["external_id", "order", "refunded_at", "amount"],
            rows,
            conflict_field="external_id",
            update_fields=["order", "refunded_at", "amount"],
        )
        delete_where_in(RefundLine, "refund", gone)
        delete_where_in(Refund, "id", gone)
        counts["refunds_deleted"] += len(gone)


def _allocate_again(
    order_pks: list[int],
    kept: dict[str, list[KeptRefund]],
    pk_of: dict[str, int],
    outcome: _Outcome,
) -> None:
    """Allocate every refund of the orders onto their (new) lines, oldest first."""
    refunds: dict[int, list[tuple[datetime, int, int]]] = defaultdict(list)
    for pk, order_pk, refunded_at, amount in Refund.objects.filter(
        order__in=order_pks
    ).values_list("pk", "order", "refunded_at", "amount"):
        refunds[order_pk].append((refunded_at, pk, to_cents(amount)))
    units = {
        refund.pk: refund.units
        for order_id, order_refunds in kept.items()
        if pk_of[order_id] in refunds
        for refund in order_refunds
    }
    all_refunds = {pk for order in refunds.values() for _, pk, _ in order}
    terms = order_terms(order_pks, leaving_out=all_refunds)
    lines: list[tuple[int, int, int, Decimal]] = []
    for order_pk, order_refunds in refunds.items():
        order = terms[order_pk]
        for _, refund_pk, cents in sorted(order_refunds):
            by_item, problems = units_by_item(order, units.get(refund_pk, {}))
            try:
                if problems:
                    raise RefundError(problems)
                allocated = allocate_refund(order, cents, by_item)
            except RefundError as error:
                # The checks before writing make this unreachable; refuse rather
                # than store a refund its order does not allow.
                raise ImportFileError(
                    f"Refund {refund_pk} no longer fits its order: {error}; nothing "
                    "was written."
                ) from None
            order = order.with_refund(cents, allocated)
            lines += [_line_row(refund_pk, line) for line in allocated]
    insert_rows(RefundLine, ["refund", "item", "quantity", "amount"], lines)
    if lines:
        outcome.counts["refund_lines_written"] += len(lines)


def _line_row(refund_pk: int, line: AllocatedLine) -> tuple[int, int, int, Decimal]:
    return (refund_pk, line.item, line.quantity, from_cents(line.amount))
