"""Query parameters and response bodies of the demand endpoints."""

from __future__ import annotations

from rest_framework import serializers

from ecomanalytics.api.fields import MonthLabelField, RateField, money_field
from ecomanalytics.api.params import MetricParams, parameter_field

from .catalogue import HORIZON, LIMIT


class TopProductsParams(MetricParams):
    limit = parameter_field(LIMIT)


class ForecastParams(MetricParams):
    horizon = parameter_field(HORIZON)


class GrowthRowSerializer(serializers.Serializer):
    month = MonthLabelField()
    revenue = money_field()
    previous_revenue = money_field(help_text="Revenue of the month before.")
    growth_rate = RateField(
        help_text="(revenue - previous_revenue) / previous_revenue; null when 0."
    )
    # DRF's metaclass takes declared fields off the class, so a response key may
    # share the name of a serializer attribute (partial, source); mypy cannot know.
    partial = serializers.BooleanField()  # type: ignore[assignment]


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
