"""Query parameters specific to the KPI endpoints, and the shapes of their responses.

Money is a JSON number rounded to cents; rates are JSON numbers rounded to 4 decimals.
"""

from rest_framework import serializers

from ecomanalytics.api.fields import money_field
from ecomanalytics.api.params import MetricParams


class RevenueParams(MetricParams):
    granularity = serializers.ChoiceField(
        choices=["day", "week", "month"],
        default="month",
        help_text="Bucket size: local days, ISO weeks starting Monday, or calendar months.",
    )


class KpiFiguresSerializer(serializers.Serializer):
    revenue = money_field(help_text="Revenue of revenue orders, shop currency.")
    orders = serializers.IntegerField(help_text="Revenue orders.")
    average_order_value = money_field(help_text="revenue / orders; 0 without orders.")
    completion_rate = serializers.FloatField(
        help_text="Completed orders / all orders, any status; 0 without orders."
    )
    customers = serializers.IntegerField(
        help_text="Distinct customers with a revenue order."
    )


class SummarySerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True, help_text="Resolved first day.")
    end = serializers.DateField(allow_null=True, help_text="Resolved last day.")
    currency = serializers.CharField()
    revenue = money_field(source="current.revenue")
    orders = serializers.IntegerField(source="current.orders")
    average_order_value = money_field(source="current.average_order_value")
    completion_rate = serializers.FloatField(source="current.completion_rate")
    customers = serializers.IntegerField(source="current.customers")
    previous = KpiFiguresSerializer(
        help_text="The same figures for the window of equal length before start."
    )


class RevenuePeriodSerializer(serializers.Serializer):
    period = serializers.CharField(
        help_text="YYYY-MM, or YYYY-MM-DD (week: its Monday)."
    )
    revenue = money_field()
    orders = serializers.IntegerField()
    average_order_value = money_field()
    partial = serializers.BooleanField(
        help_text="The bucket has not ended yet or reaches outside the window."
    )


class RevenueSeriesSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    granularity = serializers.CharField()
    results = RevenuePeriodSerializer(many=True)


class SessionTotalsSerializer(serializers.Serializer):
    sessions = serializers.IntegerField()
    converted_sessions = serializers.IntegerField()
    conversion_rate = serializers.FloatField()


class SourceConversionSerializer(serializers.Serializer):
    source = serializers.CharField()
    sessions = serializers.IntegerField()
    converted_sessions = serializers.IntegerField()
    conversion_rate = serializers.FloatField()


class ConversionSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    results = SourceConversionSerializer(many=True)
    overall = SessionTotalsSerializer()


class FunnelStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    sessions = serializers.IntegerField()
    conversion_from_start = serializers.FloatField()
    conversion_from_previous = serializers.FloatField()


class FunnelSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    steps = FunnelStepSerializer(many=True)
