"""A refund checked against its order and allocated to the order's lines, in cents.

What can be refunded: what the customer paid (gross sales - discounts + shipping +
taxes) less the order's earlier refunds; the units a refund returns: what was bought
less what earlier refunds returned. A refund's amount is allocated to RefundLine rows
in proportion to each line's net value (quantity x unit price - its discount):
- with returned units, to the lines returned, pro-rated by the units (2 of 4 units
  take half the line's net value as weight), each line with its units;
- without, to every line of the order with 0 units (money given back, nothing sent
  back: a goodwill refund, or the export did not say which lines).
The allocation adds up to the amount exactly (cents.split_cents). Lines whose net
value is 0 (discounted in full) take a share only when every weight is 0, then by
their units (or equally). Used by the refunds importer, the Shopify importer, the
admin and the tests; the generator applies the same rules to its arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from django.conf import settings

from .cents import from_cents, split_cents
from .choices import OrderStatus


@dataclass(frozen=True, slots=True)
class LineTerms:
    """An order line as a refund sees it; money in cents."""

    item: int  # the OrderItem's primary key
    sku: str
    quantity: int
    gross: int  # quantity x unit price
    discount: int
    returned: int = 0  # units returned by earlier refunds

    @property
    def net(self) -> int:
        return self.gross - self.discount

    @property
    def returnable(self) -> int:
        return self.quantity - self.returned


@dataclass(frozen=True, slots=True)
class OrderTerms:
    """An order's money as a refund sees it; in cents. refunded: its earlier refunds."""

    gross: int
    discount: int
    shipping: int
    tax: int
    refunded: int
    lines: tuple[LineTerms, ...]

    @property
    def paid(self) -> int:
        return self.gross - self.discount + self.shipping + self.tax

    @property
    def refundable(self) -> int:
        return self.paid - self.refunded

    def with_refund(self, amount: int, lines: Iterable[AllocatedLine]) -> OrderTerms:
        """The order as the next refund sees it, once this one is taken."""
        units = {line.item: line.quantity for line in lines}
        return replace(
            self,
            refunded=self.refunded + amount,
            lines=tuple(
                replace(line, returned=line.returned + units.get(line.item, 0))
                for line in self.lines
            ),
        )


@dataclass(frozen=True, slots=True)
class RefundProblem:
    """Why a refund cannot be taken: what is wrong (field: "amount", "sku",
    "quantity" or "item") and, for a returned line, its sku."""

    field: str
    reason: str
    sku: str = ""


@dataclass(frozen=True, slots=True, order=True)
class AllocatedLine:
    item: int
    quantity: int
    amount: int  # cents


class RefundError(ValueError):
    """A refund its order does not allow; problems say why."""

    def __init__(self, problems: Sequence[RefundProblem]) -> None:
        super().__init__("; ".join(problem.reason for problem in problems))
        self.problems = tuple(problems)


def amount_problem(order: OrderTerms, amount: int) -> RefundProblem | None:
    """The amount is more than what is left to refund on the order."""
    if amount <= order.refundable:
        return None
    earlier = (
        f" less {from_cents(order.refunded)} refunded before" if order.refunded else ""
    )
    return RefundProblem(
        "amount",
        f"{from_cents(amount)} is more than what is left to refund: "
        f"{from_cents(order.paid)} paid{earlier} leaves {from_cents(order.refundable)}",
    )


def units_by_item(
    order: OrderTerms, units_by_sku: Mapping[str, int]
) -> tuple[dict[int, int], list[RefundProblem]]:
    """Returned units per sku spread over the order's lines of that sku, first lines
    first, each up to what it can still return; and the skus that cannot be."""
    by_item: dict[int, int] = {}
    problems: list[RefundProblem] = []
    for sku, units in units_by_sku.items():
        lines = [line for line in order.lines if line.sku == sku]
        if not lines:
            problems.append(
                RefundProblem("sku", f"the order has no line of {sku}", sku)
            )
            continue
        left = units
        for line in lines:
            taken = min(left, line.returnable)
            if taken > 0:
                by_item[line.item] = taken
                left -= taken
        if left:
            bought = sum(line.quantity for line in lines)
            returned = sum(line.returned for line in lines)
            before = f" and {returned} returned before" if returned else ""
            problems.append(
                RefundProblem(
                    "quantity",
                    f"{units} x {sku} returned, but the order bought {bought}{before}",
                    sku,
                )
            )
    return by_item, problems


def allocate_refund(
    order: OrderTerms, amount: int, units: Mapping[int, int] | None = None
) -> list[AllocatedLine]:
    """The refund's lines: amount (cents) allocated as the module docstring says.

    units: returned units by item (OrderItem pk); None or empty: money only.
    RefundError when the amount is more than what is left to refund, or a line would
    return more units than it can.
    """
    problems = [problem for problem in [amount_problem(order, amount)] if problem]
    lines_by_item = {line.item: line for line in order.lines}
    for item, count in (units or {}).items():
        line = lines_by_item.get(item)
        if line is None:
            problems.append(
                RefundProblem("item", f"line {item} is not one of the order's")
            )
        elif count > line.returnable:
            problems.append(
                RefundProblem(
                    "quantity",
                    f"{count} x {line.sku} returned, but {line.returnable} of "
                    f"{line.quantity} can still be",
                    line.sku,
                )
            )
    if problems:
        raise RefundError(problems)
    if not order.lines:
        return []
    if units:
        returned = [(lines_by_item[item], count) for item, count in units.items()]
    else:
        returned = [(line, 0) for line in order.lines]
    shares = split_cents(amount, _weights(returned))
    return [
        AllocatedLine(line.item, count, share)
        for (line, count), share in zip(returned, shares, strict=True)
    ]


def _weights(returned: Iterable[tuple[LineTerms, int]]) -> list[Fraction]:
    """Each line's net value, pro-rated by its returned units when there are any."""
    pairs = list(returned)
    weights = [
        Fraction(line.net * count, line.quantity) if count else Fraction(line.net)
        for line, count in pairs
    ]
    if sum(weights) > 0:
        return weights
    # Nothing left of the lines' value (all discounted in full): by units, or equally.
    counts = [Fraction(count) for _, count in pairs]
    return counts if sum(counts) > 0 else [Fraction(1)] * len(pairs)


def settled_status(status: str, *, refunded: int | Decimal, paid: int | Decimal) -> str:
    """The status an order takes once its refunds are known: a revenue order whose
    refunds give back all it paid is refunded; any other keeps its status."""
    if status in settings.REVENUE_STATUSES and paid > 0 and refunded >= paid:
        return OrderStatus.REFUNDED
    return status
