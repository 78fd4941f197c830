"""Query parameters specific to the KPI endpoints, and the shapes of their responses.

Money is a JSON number rounded to cents; rates are unrounded JSON numbers, null where
their denominator is 0, each beside the counts it is computed from.
"""

from typing import Any

from rest_framework import serializers

from ecomanalytics.api.fields import RateField, money_field
from ecomanalytics.api.params import MetricParams, SessionMetricParams, parameter_field
from ecomanalytics.api.responses import ResponseSerializer

from .catalogue import (
    CHART_COMPARE,
    COMPARE,
    CONVERSION_BREAKDOWN,
    FUNNEL_BREAKDOWN,
    FUNNEL_UNIT,
    GRANULARITY,
    LIST_LIMIT,
    WINDOW_DAYS,
)


class RevenueParams(MetricParams):
    granularity = parameter_field(GRANULARITY)


class KpiFiguresSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True, help_text="First day of the period.")
    end = serializers.DateField(allow_null=True, help_text="Last day of the period.")
    revenue = money_field(help_text="Revenue of revenue orders, shop currency.")
    orders = serializers.IntegerField(help_text="Revenue orders.")
    average_order_value = money_field(help_text="revenue / orders; 0 without orders.")
    completed_orders = serializers.IntegerField(
        help_text="Orders with status completed."
    )
    all_orders = serializers.IntegerField(help_text="Orders of any status.")
    completion_rate = RateField(
        help_text="completed_orders / all_orders; null without orders."
    )
    customers = serializers.IntegerField(
        help_text="Distinct customers with a revenue order."
    )


class SummarySerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True, help_text="Resolved first day.")
    end = serializers.DateField(allow_null=True, help_text="Resolved last day.")
    currency = serializers.CharField()
    revenue = money_field(source="current.revenue")
    orders = serializers.IntegerField(source="current.orders")
    average_order_value = money_field(source="current.average_order_value")
    completed_orders = serializers.IntegerField(source="current.completed_orders")
    all_orders = serializers.IntegerField(source="current.all_orders")
    completion_rate = RateField(source="current.completion_rate")
    customers = serializers.IntegerField(source="current.customers")
    previous = KpiFiguresSerializer(
        help_text="The same figures for the window of equal length before start."
    )


class RevenuePeriodSerializer(ResponseSerializer):
    period = serializers.CharField(
        help_text="YYYY-MM, or YYYY-MM-DD (week: its Monday)."
    )
    revenue = money_field()
    orders = serializers.IntegerField()
    average_order_value = money_field()
    # DRF's metaclass takes declared fields off the class, so a response key may
    # share the name of a serializer attribute (partial, source); mypy cannot know.
    partial = serializers.BooleanField(  # type: ignore[assignment]
        help_text="The bucket has not ended yet or reaches outside the window."
    )


class RevenueSeriesParams(RevenueParams):
    compare = parameter_field(CHART_COMPARE)


class RevenueSeriesSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    granularity = serializers.CharField()
    results = RevenuePeriodSerializer(many=True)
    compare = serializers.CharField(
        allow_null=True, help_text="The compared window asked for, or null."
    )
    compare_start = serializers.DateField(allow_null=True)
    compare_end = serializers.DateField(allow_null=True)
    compared = RevenuePeriodSerializer(
        many=True, help_text="The compared window's buckets, aligned by position."
    )


def _sales_fields(within: str | None = None) -> dict[str, serializers.Field]:
    """The eight keys of a sales breakdown, read from the SalesFigures at `within`
    (the instance itself when None); fresh fields for each serializer."""

    def read(name: str) -> str | None:
        return f"{within}.{name}" if within else None

    return {
        "gross_sales": money_field(
            help_text="Σ quantity x unit price of the revenue orders placed.",
            source=read("gross_sales"),
        ),
        "discounts": money_field(
            help_text="Σ order discounts of those orders.", source=read("discounts")
        ),
        "returns": money_field(
            help_text="Σ amounts of the refunds given in the period (refund date).",
            source=read("returns"),
        ),
        "net_sales": money_field(
            help_text="gross_sales - discounts - returns.", source=read("net_sales")
        ),
        "shipping": money_field(
            help_text="Σ shipping charged; 0 with a category.", source=read("shipping")
        ),
        "taxes": money_field(
            help_text="Σ taxes; 0 with a category.", source=read("taxes")
        ),
        "total_sales": money_field(
            help_text="net_sales + shipping + taxes.", source=read("total_sales")
        ),
        "orders": serializers.IntegerField(
            help_text="Revenue orders placed.", source=read("orders")
        ),
    }


class SalesFiguresSerializer(ResponseSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return _sales_fields()


class SalesWindowSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True, help_text="First day of the period.")
    end = serializers.DateField(allow_null=True, help_text="Last day of the period.")

    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), **_sales_fields("figures")}


class SalesPeriodSerializer(ResponseSerializer):
    period = serializers.CharField(
        help_text="YYYY-MM, or YYYY-MM-DD (week: its Monday)."
    )
    # A response key named like a serializer attribute (see RevenuePeriodSerializer).
    partial = serializers.BooleanField(  # type: ignore[assignment]
        help_text="The bucket has not ended yet or reaches outside the window."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), **_sales_fields("figures")}


class SalesBreakdownSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    granularity = serializers.CharField()
    currency = serializers.CharField()
    revenue_measure = serializers.CharField(
        help_text="What the other endpoints call revenue (setting REVENUE_MEASURE)."
    )
    totals = SalesFiguresSerializer(help_text="The window's figures.")
    previous = SalesWindowSerializer(
        help_text="The same figures for the window of equal length before start."
    )
    results = SalesPeriodSerializer(many=True)


class SessionTotalsSerializer(ResponseSerializer):
    sessions = serializers.IntegerField()
    converted_sessions = serializers.IntegerField()
    conversion_rate = RateField(help_text="converted_sessions / sessions.")


class SourceConversionSerializer(SessionTotalsSerializer):
    # A response key named like Field.source (see partial above).
    source = serializers.CharField()  # type: ignore[assignment]


class ConversionSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    results = SourceConversionSerializer(many=True)
    overall = SessionTotalsSerializer()


class FunnelStepSerializer(ResponseSerializer):
    step = serializers.CharField()
    sessions = serializers.IntegerField()
    conversion_from_start = RateField(
        help_text="sessions / sessions at the first step."
    )
    conversion_from_previous = RateField(
        help_text="sessions / sessions at the step before."
    )
    orders = serializers.IntegerField(
        help_text="Revenue orders of the purchase events of the sessions at the step."
    )
    revenue = money_field(help_text="The revenue measure of those orders.")
    revenue_per_session = money_field(help_text="revenue / sessions.")
    abandoned_sessions = serializers.IntegerField(
        allow_null=True,
        help_text="Sessions at the step without a purchase (cart steps only).",
    )
    abandoned_cart_units = serializers.IntegerField(
        allow_null=True, help_text="Their add_to_cart events (cart steps only)."
    )
    abandoned_cart_value = money_field(
        allow_null=True,
        help_text="Σ list price of those events (cart steps only).",
    )


class FunnelGroupSerializer(ResponseSerializer):
    value = serializers.CharField(help_text="The breakdown dimension's value.")
    steps = FunnelStepSerializer(many=True)


class FunnelSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    steps = FunnelStepSerializer(many=True)
    breakdown = serializers.CharField(
        allow_null=True, help_text="The breakdown dimension asked for, or null."
    )
    groups = FunnelGroupSerializer(
        many=True, help_text="The funnel per breakdown value; empty without one."
    )


class CustomerFunnelStepSerializer(ResponseSerializer):
    step = serializers.CharField()
    customers = serializers.IntegerField(help_text="Known customers at the step.")
    conversion_from_start = RateField(
        help_text="customers / customers at the first step."
    )
    conversion_from_previous = RateField(
        help_text="customers / customers at the step before."
    )
    orders = serializers.IntegerField(
        allow_null=True,
        help_text="Always null: no money per step for customers (see definition).",
    )
    revenue = money_field(
        allow_null=True,
        help_text="Always null: no money per step for customers (see definition).",
    )


class CustomerFunnelSerializer(ResponseSerializer):
    unit = serializers.SerializerMethodField(help_text="customer.")
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    window_days = serializers.IntegerField(
        help_text="The conversion window, days of 24 hours after t0."
    )
    steps = CustomerFunnelStepSerializer(many=True)
    known_sessions = serializers.IntegerField(
        help_text="Sessions of known customers started in the window."
    )
    anonymous_sessions = serializers.IntegerField(
        help_text="Sessions started in the window without a customer, left out."
    )

    def get_unit(self, funnel: object) -> str:
        return "customer"


class FunnelParams(SessionMetricParams):
    breakdown = parameter_field(FUNNEL_BREAKDOWN)
    unit = parameter_field(FUNNEL_UNIT)
    window_days = parameter_field(WINDOW_DAYS)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["unit"] == "customer" and attrs["breakdown"] != "none":
            raise serializers.ValidationError(
                {"breakdown": ["Does not combine with unit=customer."]}
            )
        if attrs["unit"] == "session" and "window_days" in self.initial_data:
            raise serializers.ValidationError(
                {"window_days": ["Only with unit=customer."]}
            )
        return attrs


class DiscountParams(MetricParams):
    """A discount code discounts orders, not lines: no category."""

    excluded_filters = ("category",)


class DiscountCodeSalesSerializer(ResponseSerializer):
    code = serializers.CharField(
        allow_null=True,
        help_text=(
            "The order's discount codes (a combination is one value, e.g. "
            '"FREESHIP, SUMMER10"); null for the orders without a code.'
        ),
    )
    orders = serializers.IntegerField(help_text="Revenue orders placed in the window.")
    order_share = RateField(help_text="orders / the window's revenue orders.")
    customers = serializers.IntegerField(help_text="Distinct customers of the orders.")
    new_customers = serializers.IntegerField(
        help_text="Customers whose first revenue order ever is one of the orders."
    )
    returning_customers = serializers.IntegerField(
        help_text="customers - new_customers."
    )
    gross_sales = money_field(help_text="Σ order total.")
    discounts = money_field(help_text="Σ order discount.")
    returns = money_field(
        help_text="Σ refunds given in the window on the code's revenue orders."
    )
    net_sales = money_field(help_text="gross_sales - discounts - returns.")
    discount_rate = RateField(help_text="discounts / gross_sales.")
    average_order_value = money_field(help_text="net_sales / orders; 0 without orders.")


class DiscountCodeReportSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    revenue_measure = serializers.CharField()
    orders = serializers.IntegerField(help_text="Revenue orders of the window.")
    results = DiscountCodeSalesSerializer(many=True)


class RevenueChangeParams(SessionMetricParams):
    compare = parameter_field(COMPARE)


class PeriodRevenueSerializer(ResponseSerializer):
    sessions = serializers.IntegerField(help_text="Sessions started in the window.")
    orders = serializers.IntegerField(help_text="Revenue orders placed in it.")
    orders_per_session = RateField(help_text="orders / sessions.")
    average_order_value = money_field(help_text="revenue / orders; 0 without orders.")
    revenue = money_field(help_text="The revenue measure of the window.")


class RevenueEffectsSerializer(ResponseSerializer):
    change = money_field(help_text="current revenue - compared revenue.")
    change_rate = RateField(help_text="change / compared revenue.")
    sessions_known = serializers.BooleanField(
        help_text="False when a window has orders but no sessions."
    )
    method = serializers.CharField(help_text="lmdi or zero_factor.")
    traffic_effect = money_field(allow_null=True, help_text="Sessions' effect.")
    conversion_effect = money_field(
        allow_null=True, help_text="Orders per session's effect."
    )
    orders_effect = money_field(help_text="traffic_effect + conversion_effect.")
    order_value_effect = money_field(help_text="Average order value's effect.")
    traffic_share = RateField(help_text="traffic_effect / change.")
    conversion_share = RateField(help_text="conversion_effect / change.")
    orders_share = RateField(help_text="orders_effect / change.")
    order_value_share = RateField(help_text="order_value_effect / change.")


class RevenueChangeTotalSerializer(ResponseSerializer):
    previous = PeriodRevenueSerializer(help_text="The compared window.")
    current = PeriodRevenueSerializer(help_text="The window.")
    effects = RevenueEffectsSerializer()


class SourceRevenueChangeSerializer(RevenueChangeTotalSerializer):
    # A response key named like Field.source (see partial above).
    source = serializers.CharField()  # type: ignore[assignment]
    contribution = RateField(help_text="This source's change / the total change.")


class RevenueChangeSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    compare = serializers.CharField()
    compare_start = serializers.DateField(allow_null=True)
    compare_end = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    revenue_measure = serializers.CharField()
    total = RevenueChangeTotalSerializer(help_text="All sources together.")
    results = SourceRevenueChangeSerializer(
        many=True, help_text="One row per traffic source."
    )


class ConversionSeriesParams(SessionMetricParams):
    granularity = parameter_field(GRANULARITY)
    breakdown = parameter_field(CONVERSION_BREAKDOWN)
    compare = parameter_field(CHART_COMPARE)


class ConversionPeriodSerializer(ResponseSerializer):
    period = serializers.CharField(
        help_text="YYYY-MM, or YYYY-MM-DD (week: its Monday)."
    )
    # A response key named like a serializer attribute (see RevenuePeriodSerializer).
    partial = serializers.BooleanField(  # type: ignore[assignment]
        help_text="The bucket has not ended yet or reaches outside the window."
    )
    sessions = serializers.IntegerField()
    converted_sessions = serializers.IntegerField()
    conversion_rate = RateField(help_text="converted_sessions / sessions.")


class SourceConversionSeriesSerializer(ResponseSerializer):
    # A response key named like Field.source (see partial above).
    source = serializers.CharField()  # type: ignore[assignment]
    results = ConversionPeriodSerializer(many=True)


class ConversionSeriesSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    granularity = serializers.CharField()
    results = ConversionPeriodSerializer(many=True)
    breakdown = serializers.CharField(allow_null=True)
    sources = SourceConversionSeriesSerializer(
        many=True, help_text="Per traffic source with breakdown=source."
    )
    compare = serializers.CharField(allow_null=True)
    compare_start = serializers.DateField(allow_null=True)
    compare_end = serializers.DateField(allow_null=True)
    compared = ConversionPeriodSerializer(
        many=True, help_text="The compared window's buckets, aligned by position."
    )


class CheckoutParams(SessionMetricParams):
    granularity = parameter_field(GRANULARITY)


class CheckoutPeriodSerializer(ResponseSerializer):
    period = serializers.CharField(
        help_text="YYYY-MM, or YYYY-MM-DD (week: its Monday)."
    )
    # A response key named like a serializer attribute (see RevenuePeriodSerializer).
    partial = serializers.BooleanField(  # type: ignore[assignment]
        help_text="The bucket has not ended yet or reaches outside the window."
    )
    checkouts = serializers.IntegerField(
        help_text="Sessions at the begin_checkout step."
    )
    abandoned_checkouts = serializers.IntegerField(
        help_text="Those without a purchase event."
    )
    abandonment_rate = RateField(help_text="abandoned_checkouts / checkouts.")
    abandoned_cart_units = serializers.IntegerField(
        help_text="Their add_to_cart events."
    )
    abandoned_cart_value = money_field(help_text="Σ list price of those events.")


class AbandonedCheckoutsSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    granularity = serializers.CharField()
    results = CheckoutPeriodSerializer(many=True)


class CheckoutListParams(SessionMetricParams):
    # At most 17 digits of microseconds (year 5138) and 18 of id (below 2**63): any
    # cursor the schema allows is a position, so a fuzzer's valid one is not a 400.
    cursor = serializers.RegexField(
        r"^[0-9]{1,17}\.[0-9]{1,18}$",
        required=False,
        help_text="next_cursor of the page before.",
        error_messages={"invalid": "Pass the next_cursor of the previous page."},
    )
    limit = parameter_field(LIST_LIMIT)


class CartProductSerializer(ResponseSerializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    list_price = money_field()
    units = serializers.IntegerField(help_text="add_to_cart events of the product.")


class AbandonedCheckoutSerializer(ResponseSerializer):
    session = serializers.CharField(help_text="The session's external id.")
    started_at = serializers.DateTimeField()
    # A response key named like Field.source (see partial above).
    source = serializers.CharField()  # type: ignore[assignment]
    device = serializers.CharField()
    customer = serializers.CharField(help_text="The customer's external id.")
    email = serializers.CharField(allow_null=True, help_text="Staff users only.")
    cart_units = serializers.IntegerField()
    cart_value = money_field(help_text="Σ units x list price.")
    products = CartProductSerializer(many=True)


class AbandonedCheckoutPageSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    results = AbandonedCheckoutSerializer(many=True)
    next_cursor = serializers.CharField(
        allow_null=True, help_text="Pass as cursor for the next page."
    )


class TransitionTimeSerializer(ResponseSerializer):
    from_step = serializers.CharField()
    to_step = serializers.CharField()
    sessions = serializers.IntegerField(help_text="Sessions that made the transition.")
    p25 = serializers.IntegerField(
        allow_null=True, help_text="25th percentile, grid seconds (nearest rank)."
    )
    median = serializers.IntegerField(
        allow_null=True, help_text="Median, grid seconds (nearest rank)."
    )
    p75 = serializers.IntegerField(
        allow_null=True, help_text="75th percentile, grid seconds (nearest rank)."
    )
    p90 = serializers.IntegerField(
        allow_null=True, help_text="90th percentile, grid seconds (nearest rank)."
    )


class DurationBucketSerializer(ResponseSerializer):
    from_step = serializers.CharField()
    to_step = serializers.CharField()
    bucket = serializers.CharField(help_text="<1m, 1-5m, 5-15m, 15-30m, 30-60m, ...")
    min_seconds = serializers.IntegerField(help_text="Lower edge, included.")
    max_seconds = serializers.IntegerField(
        allow_null=True, help_text="Upper edge, excluded; null for >6h."
    )
    sessions = serializers.IntegerField()


class TimeToConvertSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    transitions = TransitionTimeSerializer(many=True)
    histogram = DurationBucketSerializer(
        many=True, help_text="Seven buckets per transition, in transitions' order."
    )
