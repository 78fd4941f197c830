"""Query parameters and response bodies of the demand endpoints."""

from __future__ import annotations

from datetime import date
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ecomanalytics.api.params import MetricParams

RATE_DECIMALS = 4


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-01"}
)
class MonthLabelField(serializers.Field):
    """A month's first day rendered as its label, YYYY-MM."""

    def to_representation(self, value: date) -> str:
        return value.strftime("%Y-%m")


class RateField(serializers.FloatField):
    """A rate rounded to 4 decimals; null stays null."""

    def to_representation(self, value: Any) -> float | None:
        return None if value is None else round(float(value), RATE_DECIMALS)


def money_field() -> serializers.DecimalField:
    """A JSON number in the shop's currency, rounded to cents."""
    return serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=False
    )


class TopProductsParams(MetricParams):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=100,
        default=10,
        help_text="Number of products listed (1 to 100).",
    )


class ForecastParams(MetricParams):
    horizon = serializers.IntegerField(
        min_value=1,
        max_value=12,
        default=3,
        help_text="Number of months forecast after the last complete month (1 to 12).",
    )


class GrowthRowSerializer(serializers.Serializer):
    month = MonthLabelField()
    revenue = money_field()
    growth_rate = RateField(allow_null=True)
    partial = serializers.BooleanField()


class GrowthSerializer(serializers.Serializer):
    results = GrowthRowSerializer(many=True)


class TopProductSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    units = serializers.IntegerField()
    revenue = money_field()
    buyers = serializers.IntegerField()


class TopProductsSerializer(serializers.Serializer):
    results = TopProductSerializer(many=True)


class CategoryMonthSerializer(serializers.Serializer):
    month = MonthLabelField()
    category = serializers.CharField()
    units = serializers.IntegerField()
    revenue = money_field()


class SalesByCategorySerializer(serializers.Serializer):
    results = CategoryMonthSerializer(many=True)


class MonthRevenueSerializer(serializers.Serializer):
    month = MonthLabelField()
    revenue = money_field()


class MonthForecastSerializer(serializers.Serializer):
    month = MonthLabelField()
    forecast = money_field()
    lower = money_field()
    upper = money_field()


class RevenueForecastSerializer(serializers.Serializer):
    model = serializers.ChoiceField(
        choices=["ets", "seasonal_naive", "mean", "none"],
        help_text="The model that answered.",
    )
    history = MonthRevenueSerializer(many=True)
    results = MonthForecastSerializer(many=True)
