"""Query parameters and response bodies of the cohort endpoints."""

from __future__ import annotations

from rest_framework import serializers

from ecomanalytics.api.fields import MonthLabelField, RateField
from ecomanalytics.api.params import MetricParams

from .metrics import COHORT_BY_CHOICES


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
