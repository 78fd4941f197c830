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
