"""Sales terms on the shop's raw tables, and the sales side and refund side of a grouped
query added up in one statement (docs/metrics.md, "Sales").

Gross sales, discounts, shipping and taxes belong to the order and are dated at its
placed_at; returns belong to a refund and are dated at its refunded_at, whatever the
order's date. So a sales figure per group (a bucket, a window, a category) is two
grouped queries, one over the orders (or their lines) by the day they were placed and
one over the refunds (or refund lines) by the day money was given back. added_up()
writes them as one UNION ALL statement: one round trip, the few rows of a group added
up by the caller (summed_per_key) or by the roll-ups' refresh in SQL.

This module is the one statement of which column holds which term on which table, as
ecomanalytics.filters is for the filters; ecomanalytics.money says how the terms add
up into each revenue measure.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Aggregate, F, Q, QuerySet, Sum, Value
from django.db.models.expressions import Combinable

from .filters import MetricFilters, Table, filter_rows
from .money import MONEY_SUM, SALES_TERMS, ZERO_MONEY
from .periods import Window
from .store.models import Order, OrderItem, Refund, RefundLine

# The terms each kind of row holds. Lines hold no shipping or taxes (the order's), so
# a category's or a product's total sales are its net sales.
ORDER_TERMS: dict[str, Combinable] = {
    "gross_sales": F("total"),
    "discounts": F("discount"),
    "shipping": F("shipping"),
    "taxes": F("tax"),
}
LINE_TERMS: dict[str, Combinable] = {
    "gross_sales": F("quantity") * F("unit_price"),
    "discounts": F("discount"),
}
# Refunds and refund lines: the money given back, and (lines) the units sent back.
RETURNS = F("amount")
RETURNED_UNITS = F("quantity")


@dataclass(frozen=True, slots=True)
class SalesRows:
    """Where the sales terms of one level are read: orders and refunds, or (with a
    category) the category's lines and the refund lines that return them."""

    sales: QuerySet[Any]
    refunds: QuerySet[Any]
    terms: Mapping[str, Combinable]
    sale_order: str  # the path from a sale row to its order: "" or "order__"
    refund_order: str  # from a refund row to its order
    refunded_at: str
    order_key: str  # what counts orders on a sale row
    lines: bool  # orders counted distinct: an order has several lines

    def placed_at(self) -> str:
        return f"{self.sale_order}placed_at"

    def placed_in(self, window: Window) -> Q:
        since, until = window.bounds()
        return Q(
            **{f"{self.placed_at()}__gte": since, f"{self.placed_at()}__lt": until}
        )

    def refunded_in(self, window: Window) -> Q:
        since, until = window.bounds()
        return Q(
            **{f"{self.refunded_at}__gte": since, f"{self.refunded_at}__lt": until}
        )

    def status(self) -> str:
        return f"{self.sale_order}status"

    def customer(self) -> str:
        return f"{self.sale_order}customer"

    def revenue_sales(self) -> QuerySet[Any]:
        """Sale rows of revenue orders (settings.REVENUE_STATUSES)."""
        return self.sales.filter(**{f"{self.status()}__in": settings.REVENUE_STATUSES})

    def revenue_refunds(self) -> QuerySet[Any]:
        """Refund rows of revenue orders: a fully refunded order (status refunded) and
        its refunds leave every sales figure."""
        return self.refunds.filter(
            **{f"{self.refund_order}status__in": settings.REVENUE_STATUSES}
        )

    def term_sums(self, condition: Q | None = None) -> dict[str, Aggregate]:
        """Σ of each term the sale rows hold."""
        return term_sums(self.terms, condition)

    def return_sums(self, *, units: bool = False) -> dict[str, Aggregate]:
        """Σ of the refund rows' amounts (returns) and, for lines, their units."""
        sums: dict[str, Aggregate] = {"returns": Sum(RETURNS, output_field=MONEY_SUM)}
        if units:
            if not self.lines:
                raise TypeError("refunds name no units; their lines do")
            sums["returned_units"] = Sum(RETURNED_UNITS)
        return sums


def term_sums(
    terms: Mapping[str, Combinable], condition: Q | None = None
) -> dict[str, Aggregate]:
    """Σ of each term, as money."""
    return {
        term: Sum(expression, filter=condition, output_field=MONEY_SUM)
        for term, expression in terms.items()
    }


def order_rows(filters: MetricFilters) -> SalesRows:
    """Orders and refunds narrowed by source, device and country."""
    return SalesRows(
        sales=filter_rows(Order.objects.order_by(), filters, Table.ORDERS),
        refunds=filter_rows(Refund.objects.order_by(), filters, Table.REFUNDS),
        terms=ORDER_TERMS,
        sale_order="",
        refund_order="order__",
        refunded_at="refunded_at",
        order_key="id",
        lines=False,
    )


def line_rows(filters: MetricFilters) -> SalesRows:
    """Order lines and refund lines narrowed by every filter (category: its lines)."""
    return SalesRows(
        sales=filter_rows(OrderItem.objects.order_by(), filters, Table.LINES),
        refunds=filter_rows(RefundLine.objects.order_by(), filters, Table.REFUND_LINES),
        terms=LINE_TERMS,
        sale_order="order__",
        refund_order="refund__order__",
        refunded_at="refund__refunded_at",
        order_key="order",
        lines=True,
    )


def sales_rows(filters: MetricFilters) -> SalesRows:
    """The orders, or with a category the lines of that category."""
    return line_rows(filters) if filters.category else order_rows(filters)


def added_up(
    parts: Sequence[tuple[QuerySet[Any], Mapping[str, Any]]],
    *,
    money: Collection[str] = SALES_TERMS,
    each: Callable[[QuerySet[Any]], QuerySet[Any]] = lambda part: part,
) -> QuerySet[Any]:
    """One UNION ALL of grouped queries with the same keys, each computing its own
    aggregates and 0 for the columns the others compute.

    Each part is rows.values(*keys), the keys in the same order in every part (the
    statement's columns are matched by position); money names the columns that are
    sums of money (a 0 of the money type), the others are counts. A group may come
    from several parts: add its rows up (summed_per_key). `each` finishes every part
    once its columns are in place (the refresh orders its GROUP BY).
    """
    names = list(dict.fromkeys(name for _, sums in parts for name in sums))
    zero = {
        name: (Value(ZERO_MONEY, output_field=MONEY_SUM) if name in money else Value(0))
        for name in names
    }
    queries = [
        each(rows.annotate(**{name: sums.get(name, zero[name]) for name in names}))
        for rows, sums in parts
    ]
    columns = [_column_names(query) for query in queries]
    if any(part != columns[0] for part in columns):
        raise ValueError(f"the parts' columns differ: {columns}")
    first, *rest = queries
    return first.union(*rest, all=True) if rest else first


def _column_names(query: QuerySet[Any]) -> list[str]:
    selected = query.query.selected
    if selected is None:
        raise TypeError("each part must be grouped with values()")
    return list(selected)


Key = TypeVar("Key", bound=Hashable)


def summed_per_key(
    rows: Iterable[Mapping[str, Any]],
    key: Callable[[Mapping[str, Any]], Key],
    measures: Collection[str],
) -> dict[Key, dict[str, Any]]:
    """The rows of added_up() summed per key: the measures added up, the other
    columns the first row's."""
    sums: dict[Key, dict[str, Any]] = {}
    for row in rows:
        group = sums.setdefault(key(row), {})
        for name, value in row.items():
            if name in measures:
                group[name] = group.get(name, 0) + (value or 0)
            else:
                group.setdefault(name, value)
    return sums
