"""Query parameters and response bodies of the demand endpoints."""

from __future__ import annotations

from rest_framework import serializers

from ecomanalytics.api.fields import MonthLabelField, RateField, money_field
from ecomanalytics.api.params import MetricParams


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
