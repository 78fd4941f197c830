"""Response fields shared by every metric endpoint: money, rates and month labels.

Money is a JSON number in the shop's currency rounded to cents; rates are unrounded
JSON numbers (the dashboard rounds for display), null where unknown; months are
labelled YYYY-MM.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

CENTS = Decimal("0.01")


class MoneyField(serializers.DecimalField):
    """DecimalField's representation without its per-value context copy: a sales
    table has hundreds of amounts, and DRF's quantize took about 9 µs each against
    0.5 µs here. The same rounding (the field's, else the context's)."""

    def to_representation(self, value: Any) -> Decimal:  # type: ignore[override]
        if not isinstance(value, Decimal):
            value = Decimal(str(value).strip())
        return value.quantize(CENTS, rounding=self.rounding)


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """A JSON number in the shop's currency, rounded to cents."""
    return MoneyField(
        max_digits=None, decimal_places=2, coerce_to_string=False, **kwargs
    )


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-01"}
)
class MonthLabelField(serializers.Field):
    """A month's first day rendered as its label, YYYY-MM."""

    def to_representation(self, value: date) -> str:
        return value.strftime("%Y-%m")


class RateField(serializers.FloatField):
    """An unrounded rate; null (a zero denominator) stays null."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    # DRF's FloatField represents values as floats; djangorestframework-stubs type
    # its representation as str, so returning a float (or None) "overrides" it.
    def to_representation(self, value: Any) -> float | None:  # type: ignore[override]
        return None if value is None else float(value)
