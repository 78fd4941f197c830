"""Query parameters and response bodies of the cohort endpoints."""

from __future__ import annotations

from datetime import date
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ecomanalytics.api.params import MetricParams

from .metrics import COHORT_BY_CHOICES

RATE_DECIMALS = 4


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-01"}
)
class MonthLabelField(serializers.Field):
    """A month's first day rendered as its label, YYYY-MM."""

    def to_representation(self, value: date) -> str:
        return value.strftime("%Y-%m")


class RateField(serializers.FloatField):
    """A share in [0, 1] rounded to 4 decimals; null stays null."""

    def to_representation(self, value: Any) -> float | None:
        return None if value is None else round(float(value), RATE_DECIMALS)


class RepeatPurchaseParams(MetricParams):
    cohort_by = serializers.ChoiceField(
        choices=COHORT_BY_CHOICES,
        default="first_order",
        help_text=(
            "first_order: cohort = month of the customer's first revenue order; "
            "signup: month the customer signed up."
        ),
    )


class RetentionParams(RepeatPurchaseParams):
    months = serializers.IntegerField(
        min_value=1,
        max_value=60,
        default=12,
        help_text="Months listed per cohort, from the cohort month (month 0) on.",
    )


class RetentionRowSerializer(serializers.Serializer):
    cohort = MonthLabelField()
    size = serializers.IntegerField()
    retention = serializers.ListField(child=RateField(allow_null=True))


class RetentionSerializer(serializers.Serializer):
    results = RetentionRowSerializer(many=True)


class RepeatPurchaseRowSerializer(serializers.Serializer):
    cohort = MonthLabelField()
    customers = serializers.IntegerField()
    repeat_customers = serializers.IntegerField()
    repeat_rate = RateField()


class RepeatPurchaseSerializer(serializers.Serializer):
    results = RepeatPurchaseRowSerializer(many=True)
