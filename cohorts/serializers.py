"""Query parameters and response bodies of the cohort endpoints."""

from __future__ import annotations

from rest_framework import serializers

from ecomanalytics.api.fields import MonthLabelField, RateField, money_field
from ecomanalytics.api.params import MetricParams, parameter_field

from .catalogue import COHORT_BY, GRANULARITY, MONTHS


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


class NewVsReturningParams(MetricParams):
    granularity = parameter_field(GRANULARITY)


class CustomerTypePeriodSerializer(serializers.Serializer):
    period = serializers.CharField(
        help_text="YYYY-MM, or YYYY-MM-DD (week: its Monday)."
    )
    new_customers = serializers.IntegerField(
        help_text="Customers whose first revenue order ever lies in the period."
    )
    returning_customers = serializers.IntegerField(
        help_text="Customers with a revenue order in it and one before it."
    )
    new_orders = serializers.IntegerField()
    returning_orders = serializers.IntegerField()
    new_revenue = money_field()
    returning_revenue = money_field()
    returning_revenue_share = RateField(
        help_text="returning_revenue / (new + returning revenue); null when 0."
    )
    # DRF's metaclass takes declared fields off the class (see kpi.serializers).
    partial = serializers.BooleanField(  # type: ignore[assignment]
        help_text="The bucket has not ended yet or reaches outside the window."
    )


class NewVsReturningSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    granularity = serializers.CharField()
    customers = serializers.IntegerField(
        help_text="Customers with a revenue order in the window."
    )
    repeat_customers = serializers.IntegerField(
        help_text="Of them, those with 2+ revenue orders up to the window's end."
    )
    returning_customer_rate = RateField(help_text="repeat_customers / customers.")
    results = CustomerTypePeriodSerializer(many=True)
