"""Money and rate helpers every metric family shares.

Money is Decimal rounded to cents (half up). A rate is an unrounded float, with the
counts it is computed from reported beside it; a rate whose denominator is zero is
unknown, None (null in JSON, an empty CSV cell), never 0.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField

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
