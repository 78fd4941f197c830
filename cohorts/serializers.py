"""Query parameters and response bodies of the cohort endpoints."""

from __future__ import annotations

from rest_framework import serializers

from ecomanalytics.api.fields import MonthLabelField, RateField
from ecomanalytics.api.params import MetricParams, parameter_field

from .catalogue import COHORT_BY, MONTHS


class RepeatPurchaseParams(MetricParams):
    cohort_by = parameter_field(COHORT_BY)


class RetentionParams(RepeatPurchaseParams):
    months = parameter_field(MONTHS)


class RetentionRowSerializer(serializers.Serializer):
    cohort = MonthLabelField()
    size = serializers.IntegerField()
    active = serializers.ListField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Members with a revenue order in month k; null until it has ended.",
    )
    retention = serializers.ListField(
        child=RateField(), help_text="active[k] / size; null until month k has ended."
    )


class RetentionSerializer(serializers.Serializer):
    results = RetentionRowSerializer(many=True)


class RepeatPurchaseRowSerializer(serializers.Serializer):
    cohort = MonthLabelField()
    customers = serializers.IntegerField()
    repeat_customers = serializers.IntegerField()
    repeat_rate = RateField(help_text="repeat_customers / customers.")


class RepeatPurchaseSerializer(serializers.Serializer):
    results = RepeatPurchaseRowSerializer(many=True)
