"""Query parameters and response bodies of the cohort endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ecomanalytics.api.fields import MonthLabelField, RateField, money_field
from ecomanalytics.api.params import (
    MetricParams,
    parameter_field,
)
from ecomanalytics.api.responses import ResponseSerializer

from .catalogue import COHORT_BY, GRANULARITY, GROUP, HORIZON, LIMIT, MONTHS, SORT
from .metrics import CURSOR_PATTERN, decode_cursor


class RepeatPurchaseParams(MetricParams):
    cohort_by = parameter_field(COHORT_BY)


class RetentionParams(RepeatPurchaseParams):
    months = parameter_field(MONTHS)


class RetentionRowSerializer(ResponseSerializer):
    cohort = MonthLabelField()
    size = serializers.IntegerField()
    active = serializers.ListField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Members with a revenue order in month k; null until it has ended.",
    )
    retention = serializers.ListField(
        child=RateField(), help_text="active[k] / size; null until month k has ended."
    )


class RetentionSerializer(ResponseSerializer):
    results = RetentionRowSerializer(many=True)


class RepeatPurchaseRowSerializer(ResponseSerializer):
    cohort = MonthLabelField()
    customers = serializers.IntegerField()
    repeat_customers = serializers.IntegerField()
    repeat_rate = RateField(help_text="repeat_customers / customers.")


class RepeatPurchaseSerializer(ResponseSerializer):
    results = RepeatPurchaseRowSerializer(many=True)


class NewVsReturningParams(MetricParams):
    granularity = parameter_field(GRANULARITY)


class CustomerTypePeriodSerializer(ResponseSerializer):
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


class NewVsReturningSerializer(ResponseSerializer):
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


class RfmCustomersParams(MetricParams):
    group = parameter_field(GROUP)
    sort = parameter_field(SORT)
    limit = parameter_field(LIMIT)
    cursor = serializers.RegexField(
        CURSOR_PATTERN,
        required=False,
        max_length=40,
        help_text="next_cursor of the previous page, with the same parameters.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        attrs["group"] = attrs.get("group", "").replace("_", " ") or None
        cursor = attrs.get("cursor")
        if cursor:
            try:
                decode_cursor(attrs["sort"], cursor)
            except ValueError as error:
                raise serializers.ValidationError({"cursor": [str(error)]}) from error
        return attrs


class RfmGroupSerializer(ResponseSerializer):
    group = serializers.CharField()
    customers = serializers.IntegerField()
    share = RateField(help_text="customers / all customers counted.")
    revenue = money_field()
    revenue_share = RateField(help_text="revenue / all groups' revenue.")
    median_recency = serializers.IntegerField(
        allow_null=True, help_text="Days since the last revenue order (median)."
    )
    median_frequency = serializers.IntegerField(allow_null=True)
    median_monetary = money_field(allow_null=True)


class RfmGridCellSerializer(ResponseSerializer):
    r_score = serializers.IntegerField()
    fm_score = serializers.IntegerField()
    group = serializers.CharField()
    customers = serializers.IntegerField()


class RfmReportSerializer(ResponseSerializer):
    as_of = serializers.DateField(allow_null=True)
    customers = serializers.IntegerField(help_text="All customers, prospects too.")
    revenue = money_field()
    groups = RfmGroupSerializer(many=True)
    grid = RfmGridCellSerializer(many=True)


class RfmCustomerSerializer(ResponseSerializer):
    customer_id = serializers.IntegerField()
    external_id = serializers.CharField()
    email = serializers.CharField(
        allow_null=True, help_text="Staff users only; null otherwise."
    )
    country = serializers.CharField()
    last_order_day = serializers.DateField()
    recency = serializers.IntegerField(help_text="R: days since the last order.")
    frequency = serializers.IntegerField(help_text="F: revenue orders.")
    monetary = money_field(help_text="M: revenue.")
    r_score = serializers.IntegerField()
    f_score = serializers.IntegerField()
    m_score = serializers.IntegerField()
    fm_score = serializers.IntegerField()
    group = serializers.CharField()
    predicted_revenue = money_field(
        allow_null=True,
        help_text="Revenue predicted over the next 12 months by the stored "
        "customer-value fit; null until one has run.",
    )
    probability_alive = serializers.FloatField(
        allow_null=True, help_text="P(alive) from the stored fit; null without one."
    )


class RfmCustomerPageSerializer(ResponseSerializer):
    as_of = serializers.DateField(allow_null=True)
    group = serializers.CharField(allow_null=True)
    sort = serializers.CharField()
    next_cursor = serializers.CharField(allow_null=True)
    results = RfmCustomerSerializer(many=True)


class LifetimeValueParams(MetricParams):
    months = parameter_field(MONTHS)


class CohortValueSerializer(ResponseSerializer):
    cohort = MonthLabelField()
    customers = serializers.IntegerField()
    revenue = serializers.ListField(
        child=money_field(allow_null=True),
        help_text="Revenue in month k; null until it has ended.",
    )
    lifetime_value = serializers.ListField(
        child=money_field(allow_null=True),
        help_text="Cumulative revenue per customer up to month k.",
    )
    revenue_retention = serializers.ListField(
        child=RateField(), help_text="revenue[k] / revenue[0]."
    )


class AverageValueSerializer(ResponseSerializer):
    month = serializers.IntegerField()
    cohorts = serializers.IntegerField(help_text="Cohorts whose month k has ended.")
    customers = serializers.IntegerField()
    lifetime_value = money_field(allow_null=True)


class LifetimeValueSerializer(ResponseSerializer):
    months = serializers.IntegerField()
    results = CohortValueSerializer(many=True)
    average = AverageValueSerializer(many=True)


class CustomerValueParams(MetricParams):
    months = parameter_field(HORIZON)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        narrowed = [
            name for name in self.initial_data if name not in ("months", "format")
        ]
        if attrs["months"] != 12 and narrowed:
            raise serializers.ValidationError(
                {
                    "months": [
                        "A horizon other than 12 months is predicted for every "
                        "customer only: leave out " + ", ".join(sorted(narrowed)) + "."
                    ]
                }
            )
        return attrs


class ValueFitSerializer(ResponseSerializer):
    fitted_at = serializers.DateTimeField()
    as_of = serializers.DateField()
    data_version = serializers.CharField()
    customers = serializers.IntegerField()
    repeat_buyers = serializers.IntegerField()
    fit_seconds = serializers.FloatField()
    bg_nbd = serializers.DictField(child=serializers.FloatField())
    gamma_gamma = serializers.DictField(child=serializers.FloatField())


class CohortPredictionSerializer(ResponseSerializer):
    cohort = MonthLabelField()
    customers = serializers.IntegerField()
    predicted_revenue = money_field()
    mean_predicted_revenue = money_field()
    mean_probability_alive = serializers.FloatField()


class TopCustomerSerializer(ResponseSerializer):
    customer_id = serializers.IntegerField()
    external_id = serializers.CharField()
    probability_alive = serializers.FloatField()
    expected_orders = serializers.FloatField()
    predicted_revenue = money_field()


class AliveBucketSerializer(ResponseSerializer):
    low = serializers.FloatField(help_text="P(alive) from (included).")
    high = serializers.FloatField(help_text="P(alive) to (excluded; 1 included).")
    customers = serializers.IntegerField()


class GroupPredictionSerializer(ResponseSerializer):
    group = serializers.CharField()
    customers = serializers.IntegerField()
    predicted_revenue = money_field()
    mean_predicted_revenue = money_field()


class CustomerValueSerializer(ResponseSerializer):
    horizon_months = serializers.IntegerField()
    fit = ValueFitSerializer(allow_null=True)
    cohorts = CohortPredictionSerializer(many=True)
    top_customers = TopCustomerSerializer(many=True)
    probability_alive = AliveBucketSerializer(
        many=True, help_text="Customers per tenth of P(alive), [0, 0.1) first."
    )
    rfm_groups = GroupPredictionSerializer(
        many=True,
        help_text="Per RFM group as of the fit's as_of; months=12 only, else empty.",
    )


class HoldoutGroupSerializer(ResponseSerializer):
    repeat_orders = serializers.IntegerField(
        help_text="Repeat orders in calibration; 7 stands for 7 or more."
    )
    label = serializers.CharField(help_text='"0" … "6", "7+".')  # type: ignore[assignment]
    customers = serializers.IntegerField()
    mean_predicted_orders = serializers.FloatField(allow_null=True)
    mean_actual_orders = serializers.FloatField(allow_null=True)


class HoldoutCheckSerializer(ResponseSerializer):
    calibration_end = serializers.DateField()
    holdout_end = serializers.DateField()
    holdout_weeks = serializers.IntegerField()
    customers = serializers.IntegerField()
    repeat_buyers = serializers.IntegerField()
    bg_nbd = serializers.DictField(child=serializers.FloatField())
    predicted_orders = serializers.FloatField()
    actual_orders = serializers.IntegerField()


class HoldoutReportSerializer(ResponseSerializer):
    fitted_at = serializers.DateTimeField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    holdout = HoldoutCheckSerializer(allow_null=True)
    unavailable = serializers.CharField(
        allow_blank=True, help_text="Why holdout is null; empty otherwise."
    )
    groups = HoldoutGroupSerializer(
        many=True, help_text="By repeat orders in calibration; empty without holdout."
    )
