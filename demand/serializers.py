"""Query parameters and response bodies of the demand endpoints."""

from __future__ import annotations

from datetime import date
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ecomanalytics.api.fields import MonthLabelField, RateField, money_field
from ecomanalytics.api.params import FilterTextField, MetricParams, parameter_field
from ecomanalytics.api.responses import ResponseSerializer

from .catalogue import (
    A_SHARE,
    B_SHARE,
    FORECAST_GRAIN,
    FORECAST_METRIC,
    FORECAST_SCOPE,
    FUNNEL_LIMIT,
    HORIZON,
    LIMIT,
    MIN_PAIRS,
    MIN_SUPPORT,
    PAIRS_LIMIT,
    RETURNS_BY,
    RETURNS_LIMIT,
)
from .forecasting import PLANS
from .raw import product_id


class TopProductsParams(MetricParams):
    limit = parameter_field(LIMIT)


class ForecastParams(MetricParams):
    scope = parameter_field(FORECAST_SCOPE)
    metric = parameter_field(FORECAST_METRIC)
    grain = parameter_field(FORECAST_GRAIN)
    # The schema's default is the monthly one; weeks default to 8 (validate).
    horizon = serializers.IntegerField(
        default=PLANS["month"].horizon,
        min_value=HORIZON.minimum,
        max_value=HORIZON.maximum,
        help_text=HORIZON.description[:1].upper() + HORIZON.description[1:] + ".",
    )
    sku = FilterTextField(max_length=64, help_text="The product of scope=product.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "horizon" not in self.initial_data:
            attrs["horizon"] = PLANS[attrs["grain"]].horizon
        most = PLANS[attrs["grain"]].max_horizon
        if attrs.get("horizon", 0) > most:
            raise serializers.ValidationError(
                {"horizon": [f"At most {most} for grain={attrs['grain']}."]}
            )
        if attrs.get("sku") and attrs["scope"] == "shop":
            attrs["scope"] = "product"  # a sku alone names the product's forecast
        if attrs["scope"] == "category" and not attrs.get("category"):
            raise serializers.ValidationError(
                {"category": ["scope=category needs a category."]}
            )
        if attrs["scope"] == "product":
            if not attrs.get("sku"):
                raise serializers.ValidationError(
                    {"sku": ["scope=product needs a sku."]}
                )
            # None for an unknown sku: a forecast without history, as a category
            # that matches nothing.
            attrs["product_id"] = product_id(attrs["sku"])
        elif attrs.get("sku"):
            raise serializers.ValidationError({"sku": ["Only with scope=product."]})
        return attrs


class ReturnsParams(MetricParams):
    by = parameter_field(RETURNS_BY)
    limit = parameter_field(RETURNS_LIMIT)


def _return_fields(within: str | None = None) -> dict[str, serializers.Field]:
    """The six keys of returns figures, read from the ReturnFigures at `within` (the
    instance itself when None); fresh fields for each serializer."""

    def read(name: str) -> str | None:
        return f"{within}.{name}" if within else None

    return {
        "units_sold": serializers.IntegerField(
            help_text="Units of the revenue orders' lines placed in the window.",
            source=read("units_sold"),
        ),
        "units_returned": serializers.IntegerField(
            help_text="Units of the refund lines given in the window.",
            source=read("units_returned"),
        ),
        "unit_return_rate": RateField(
            help_text="units_returned / units_sold; null without units sold.",
            source=read("unit_return_rate"),
        ),
        "gross_sales": money_field(
            help_text="Σ quantity x unit price of those lines.",
            source=read("gross_sales"),
        ),
        "returned_value": money_field(
            help_text="Σ amounts of those refund lines.", source=read("returned_value")
        ),
        "value_return_rate": RateField(
            help_text="returned_value / gross_sales; null without sales.",
            source=read("value_return_rate"),
        ),
    }


class ReturnFiguresSerializer(ResponseSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return _return_fields()


class ReturnsLineSerializer(ResponseSerializer):
    category = serializers.CharField()
    sku = serializers.CharField(required=False, help_text="by=product only.")
    name = serializers.CharField(required=False, help_text="by=product only.")

    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), **_return_fields("figures")}

    def to_representation(self, instance: Any) -> Any:
        row = super().to_representation(instance)
        if instance.sku is None:  # a category's row
            del row["sku"], row["name"]
        return row


class ReturnsSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    by = serializers.CharField(help_text="category or product.")
    currency = serializers.CharField()
    totals = ReturnFiguresSerializer(help_text="The same keys over every row.")
    results = ReturnsLineSerializer(many=True)


class GrowthRowSerializer(ResponseSerializer):
    month = MonthLabelField()
    revenue = money_field()
    previous_revenue = money_field(help_text="Revenue of the month before.")
    growth_rate = RateField(
        help_text="(revenue - previous_revenue) / previous_revenue; null when 0."
    )
    # DRF's metaclass takes declared fields off the class, so a response key may
    # share the name of a serializer attribute (partial, source); mypy cannot know.
    partial = serializers.BooleanField()  # type: ignore[assignment]


class GrowthSerializer(ResponseSerializer):
    results = GrowthRowSerializer(many=True)


class TopProductSerializer(ResponseSerializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    units = serializers.IntegerField()
    revenue = money_field()
    buyers = serializers.IntegerField()


class TopProductsSerializer(ResponseSerializer):
    results = TopProductSerializer(many=True)


class CategoryMonthSerializer(ResponseSerializer):
    month = MonthLabelField()
    category = serializers.CharField()
    units = serializers.IntegerField()
    revenue = money_field()


class SalesByCategorySerializer(ResponseSerializer):
    results = CategoryMonthSerializer(many=True)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{4}-\d{2}(-\d{2})?$",
        "example": "2025-01",
        "description": "YYYY-MM for a month, the Monday YYYY-MM-DD for a week.",
    }
)
class PeriodLabelField(serializers.Field):
    """YYYY-MM for a month, the Monday YYYY-MM-DD for a week (the parent's grain)."""

    def to_representation(self, value: date) -> str:
        grain = self.context.get("grain", "month")
        return value.strftime("%Y-%m") if grain == "month" else value.isoformat()


class PeriodValueSerializer(ResponseSerializer):
    period = PeriodLabelField()
    value = serializers.FloatField(help_text="Revenue or units of the period.")


class PeriodForecastSerializer(ResponseSerializer):
    period = PeriodLabelField()
    forecast = serializers.FloatField()
    lower = serializers.FloatField(help_text="Lower bound of the 80 % interval.")
    upper = serializers.FloatField(help_text="Upper bound of the 80 % interval.")
    lower_95 = serializers.FloatField(help_text="Lower bound of the 95 % interval.")
    upper_95 = serializers.FloatField(help_text="Upper bound of the 95 % interval.")


class AccuracySerializer(ResponseSerializer):
    mase = serializers.FloatField(
        allow_null=True, help_text="MAE / in-sample seasonal-naive MAE; null if 0."
    )
    smape = serializers.FloatField(help_text="Mean 2|a - f| / (|a| + |f|).")
    coverage_80 = RateField(help_text="Share of actuals inside the 80 % interval.")
    coverage_95 = RateField(help_text="Share of actuals inside the 95 % interval.")


class ModelScoreSerializer(ResponseSerializer):
    model = serializers.CharField()
    one_step = AccuracySerializer(help_text="One-step-ahead backtest forecasts.")
    at_horizon = AccuracySerializer(help_text="Forecasts made horizon steps ahead.")


MODELS = ["naive", "seasonal_naive", "ets", "seasonal_ets", "croston_sba", "none"]


class DemandForecastSerializer(ResponseSerializer):
    scope = serializers.CharField()
    key = serializers.CharField(help_text="The category's name or the sku; '' shop.")
    metric = serializers.CharField()
    grain = serializers.CharField()
    model = serializers.ChoiceField(choices=MODELS, help_text="The chosen model.")
    # DRF's metaclass takes declared fields off the class (see GrowthRowSerializer).
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="stored (fitted at the refresh) or on_demand."
    )
    fitted_at = serializers.DateTimeField(allow_null=True)
    history_points = serializers.IntegerField()
    caveat = serializers.CharField(allow_null=True)
    scores = ModelScoreSerializer(many=True)
    history = PeriodValueSerializer(many=True)
    results = PeriodForecastSerializer(many=True)


class AbcParams(MetricParams):
    a_share = parameter_field(A_SHARE)
    b_share = parameter_field(B_SHARE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["a_share"] + attrs["b_share"] > 99:
            raise serializers.ValidationError(
                {"b_share": ["a_share + b_share must be at most 99: C needs a share."]}
            )
        return attrs


class GradedProductSerializer(ResponseSerializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    revenue = money_field()
    units = serializers.IntegerField()
    share = RateField(help_text="revenue / Σ revenue; null when Σ revenue ≤ 0.")
    cumulative_share = RateField(
        help_text="Σ share of this product and those ranked above it."
    )
    grade = serializers.CharField(help_text="A, B or C.")


class GradeSummarySerializer(ResponseSerializer):
    grade = serializers.CharField(help_text="A, B or C.")
    products = serializers.IntegerField()
    revenue = money_field()
    share = RateField(help_text="The class's revenue / Σ revenue.")


class AbcSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    a_share = serializers.IntegerField(help_text="Percent of revenue of class A.")
    b_share = serializers.IntegerField()
    c_share = serializers.IntegerField(help_text="100 - a_share - b_share.")
    total_revenue = money_field(help_text="Σ revenue of the graded products.")
    classes = GradeSummarySerializer(many=True)
    results = GradedProductSerializer(many=True)


class BasketsParams(MetricParams):
    min_support_bp = parameter_field(MIN_SUPPORT)
    min_pairs = parameter_field(MIN_PAIRS)
    limit = parameter_field(PAIRS_LIMIT)
    sku = FilterTextField(
        max_length=64, help_text="Only the pairs of this product (bought with)."
    )


class ProductPairSerializer(ResponseSerializer):
    sku_a = serializers.CharField()
    name_a = serializers.CharField()
    sku_b = serializers.CharField()
    name_b = serializers.CharField()
    orders = serializers.IntegerField(
        help_text="Revenue orders of the window (with a line of the category)."
    )
    orders_with_both = serializers.IntegerField()
    orders_with_a = serializers.IntegerField()
    orders_with_b = serializers.IntegerField()
    support = RateField(help_text="orders_with_both / orders.")
    confidence = RateField(help_text="A -> B: orders_with_both / orders_with_a.")
    reverse_confidence = RateField(
        help_text="B -> A: orders_with_both / orders_with_b."
    )
    lift = serializers.FloatField(help_text="confidence / (orders_with_b / orders).")


class BoughtTogetherSerializer(ResponseSerializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    sku = serializers.CharField(allow_null=True, help_text="The product asked about.")
    results = ProductPairSerializer(many=True)


class ProductFunnelParams(MetricParams):
    limit = parameter_field(FUNNEL_LIMIT)


class ProductFunnelRowSerializer(ResponseSerializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    views = serializers.IntegerField(help_text="Sessions that viewed the product.")
    carts = serializers.IntegerField(help_text="Sessions that added it to the cart.")
    purchases = serializers.IntegerField(help_text="Sessions that bought it.")
    view_to_cart = RateField(help_text="carts / views; null without views.")
    cart_to_purchase = RateField(help_text="purchases / carts; null without carts.")


class ProductFunnelSerializer(ResponseSerializer):
    results = ProductFunnelRowSerializer(many=True)
