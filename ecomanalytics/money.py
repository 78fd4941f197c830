"""Money and rate helpers every metric family shares.

Money is Decimal rounded to cents (half up). A rate is an unrounded float, with the
counts it is computed from reported beside it; a rate whose denominator is zero is
unknown, None (null in JSON, an empty CSV cell), never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.conf import settings
from django.db.models import DecimalField, F
from django.db.models.expressions import CombinedExpression

CENT = Decimal("0.01")
ZERO_MONEY = Decimal("0.00")
# Wide enough for a sum of many order totals; the cents are rounded in Python.
MONEY_SUM = DecimalField(max_digits=20, decimal_places=2)


def money(value: Decimal | float | int | None) -> Decimal:
    """A sum read from the database as Decimal cents; None is 0."""
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value or 0)
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def rate(numerator: int | Decimal, denominator: int | Decimal) -> float | None:
    """numerator / denominator, unrounded; None when the denominator is 0."""
    if not denominator:
        return None
    if isinstance(numerator, Decimal) or isinstance(denominator, Decimal):
        # Money: divide exactly, then round once to the nearest float.
        return float(Decimal(numerator) / Decimal(denominator))
    return numerator / denominator


def average(total: Decimal | None, count: int) -> Decimal:
    """total / count in cents; 0 when there is nothing to average."""
    return money(Decimal(total or 0) / count) if count else ZERO_MONEY


class RevenueMeasure(StrEnum):
    """Which money every metric calls revenue (settings.REVENUE_MEASURE)."""

    NET_SALES = "net_sales"  # gross sales - discounts - returns (the default)
    GROSS_SALES = "gross_sales"  # Σ quantity x unit price, the seed project's revenue
    TOTAL_SALES = "total_sales"  # net sales + shipping + taxes


# Each measure as signed sales terms (SalesTerms' fields): +1 adds the term, -1
# subtracts it. The one statement of what each measure is made of, for the Python
# sums (SalesTerms.revenue) and the SQL ones (measure_expression).
MEASURE_TERMS: dict[RevenueMeasure, dict[str, int]] = {
    RevenueMeasure.GROSS_SALES: {"gross_sales": 1},
    RevenueMeasure.NET_SALES: {"gross_sales": 1, "discounts": -1, "returns": -1},
    RevenueMeasure.TOTAL_SALES: {
        "gross_sales": 1,
        "discounts": -1,
        "returns": -1,
        "shipping": 1,
        "taxes": 1,
    },
}
SALES_TERMS = ("gross_sales", "discounts", "returns", "shipping", "taxes")


def revenue_measure() -> RevenueMeasure:
    """The measure the settings choose (checked at start-up, ecomanalytics.checks)."""
    return RevenueMeasure(settings.REVENUE_MEASURE)


@dataclass(frozen=True, slots=True)
class SalesTerms:
    """The sales terms of a set of orders, as Shopify's Sales report breaks them down:
    gross sales - discounts - returns = net sales; + shipping + taxes = total sales.

    Lines have no shipping or taxes (they belong to the order), so the terms of a
    category's or a product's lines have those 0 and their total sales = net sales.
    """

    gross_sales: Decimal = ZERO_MONEY
    discounts: Decimal = ZERO_MONEY
    returns: Decimal = ZERO_MONEY
    shipping: Decimal = ZERO_MONEY
    taxes: Decimal = ZERO_MONEY

    @property
    def net_sales(self) -> Decimal:
        return self.gross_sales - self.discounts - self.returns

    @property
    def total_sales(self) -> Decimal:
        return self.net_sales + self.shipping + self.taxes

    def revenue(self, measure: RevenueMeasure | None = None) -> Decimal:
        """The terms added up as the measure (the settings' when None)."""
        signs = MEASURE_TERMS[measure or revenue_measure()]
        return sum(
            (sign * getattr(self, term) for term, sign in signs.items()), ZERO_MONEY
        )

    def __add__(self, other: SalesTerms) -> SalesTerms:
        return SalesTerms(
            *(getattr(self, term) + getattr(other, term) for term in SALES_TERMS)
        )

    @classmethod
    def of(cls, sums: Mapping[str, Decimal | float | int | None]) -> SalesTerms:
        """The terms from a row of sums keyed by term name (missing terms are 0)."""
        return cls(*(money(sums.get(term)) for term in SALES_TERMS))


def measure_expression(
    columns: Mapping[str, str], measure: RevenueMeasure | None = None
) -> CombinedExpression | F:
    """The measure as an SQL expression over columns named per term; a term with no
    column (a line's shipping) is left out, as it is 0."""
    signs = [
        (sign, F(columns[term]))
        for term, sign in MEASURE_TERMS[measure or revenue_measure()].items()
        if term in columns
    ]
    (first_sign, expression), *rest = signs
    if first_sign < 0:
        raise ValueError("a measure starts with a term it adds")
    combined: CombinedExpression | F = expression
    for sign, column in rest:
        combined = combined + column if sign > 0 else combined - column
    return combined
