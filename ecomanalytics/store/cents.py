"""Money as whole cents, and an amount split in proportion to weights, exact to the cent.

Splitting 10.00 three ways gives 3.34 + 3.33 + 3.33, never 3.33 x 3 = 9.99: each part
is its exact share rounded down, and the cents left over go one each to the parts
whose exact share lost the most in rounding (the largest-remainder method; ties go to
the earlier part, so the split is the same every time).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

CENTS_PER_UNIT = 100


def to_cents(amount: Decimal) -> int:
    """A money amount with at most two decimals as whole cents."""
    cents = amount * CENTS_PER_UNIT
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has more than 2 decimal places")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / CENTS_PER_UNIT).quantize(Decimal("0.01"))


def split_cents(total: int, weights: Sequence[int | Fraction]) -> list[int]:
    """total (cents, >= 0) split in proportion to weights (>= 0, not all 0).

    The parts add up to total exactly; a part whose weight is 0 gets nothing.
    """
    if total < 0:
        raise ValueError("a negative amount cannot be split")
    weight_sum = sum(weights, Fraction(0))
    if weight_sum <= 0 or any(weight < 0 for weight in weights):
        raise ValueError("the weights must be >= 0 and not all 0")
    exact = [Fraction(total) * weight / weight_sum for weight in weights]
    parts = [int(share) for share in exact]  # rounded down: shares are >= 0
    left_over = total - sum(parts)
    by_loss = sorted(
        range(len(exact)), key=lambda index: (parts[index] - exact[index], index)
    )
    for index in by_loss[:left_over]:
        parts[index] += 1
    return parts
