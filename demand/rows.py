"""The rows the demand queries return, on the raw path and the roll-up path alike.

Money comes as sales terms (ecomanalytics.money.SalesTerms); demand.metrics adds them
up as the revenue measure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ecomanalytics.money import SalesTerms


@dataclass(frozen=True, slots=True)
class MonthTerms:
    month: date  # first day of the month
    terms: SalesTerms


@dataclass(frozen=True, slots=True)
class ProductTerms:
    sku: str
    name: str
    category: str
    units: int
    terms: SalesTerms
    buyers: int  # distinct customers


@dataclass(frozen=True, slots=True)
class CategoryMonthTerms:
    month: date
    category: str
    units: int
    terms: SalesTerms


@dataclass(frozen=True, slots=True)
class ReturnsRow:
    """Lines sold in a window and refund lines given in it, of one category or
    product (sku and name None for a category)."""

    category: str
    sku: str | None
    name: str | None
    units_sold: int
    units_returned: int
    gross_sales: Decimal
    returned_value: Decimal


@dataclass(frozen=True, slots=True)
class ProductSales:
    """A product's units sold and sales terms in a window (ABC grading)."""

    sku: str
    name: str
    category: str
    units: int
    terms: SalesTerms


@dataclass(frozen=True, slots=True)
class BasketProduct:
    """A product and the number of orders of the basket set with a line of it."""

    product_id: int
    sku: str
    name: str
    category: str
    orders: int


@dataclass(frozen=True, slots=True)
class PairCount:
    """Orders of the basket set with lines of both products (first_id < second_id,
    or first_id the product a per-product view asked about)."""

    first_id: int
    second_id: int
    orders: int


@dataclass(frozen=True, slots=True)
class Baskets:
    orders: int  # orders of the set: revenue orders in the window (with the category)
    products: dict[int, BasketProduct]  # every product with a line in the set
    pairs: list[PairCount]  # the pairs with at least the minimum orders


@dataclass(frozen=True, slots=True)
class ProductSessions:
    """Sessions with a view of, an add to cart of, and a purchase including one
    product."""

    sku: str
    name: str
    category: str
    views: int
    carts: int
    purchases: int


@dataclass(frozen=True, slots=True)
class PeriodTerms:
    """Units and sales terms of one month or ISO week (its first day, its Monday)."""

    period: date
    units: int
    terms: SalesTerms
