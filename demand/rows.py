"""The rows the demand queries return, on the raw path and the roll-up path alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class MonthTotal:
    month: date  # first day of the month
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class ProductSales:
    sku: str
    name: str
    category: str
    units: int
    revenue: Decimal
    buyers: int  # distinct customers


@dataclass(frozen=True, slots=True)
class CategoryMonthSales:
    month: date
    category: str
    units: int
    revenue: Decimal
