"""/api/demand/: revenue growth, top products, sales by category, revenue forecast."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecomanalytics.api.params import MetricParams
from ecomanalytics.api.viewsets import MetricViewSet

from .forecast import revenue_forecast
from .metrics import revenue_growth, sales_by_category, top_products
from .serializers import (
    ForecastParams,
    GrowthSerializer,
    RevenueForecastSerializer,
    SalesByCategorySerializer,
    TopProductsParams,
    TopProductsSerializer,
)

COMMON = (
    "Revenue = sum of quantity x unit_price over the lines of revenue orders (status "
    "paid, shipped or completed); with category, only the lines of that category count. "
    "Filters: source and device are the order's, country is the customer's. Months are "
    "calendar months in the shop's time zone, labelled YYYY-MM. Window: start and end "
    "are inclusive local dates; without them the data span (local days of the first "
    "and last order, any status, unfiltered) fills the missing bound. Money is rounded "
    "to cents. "
)


class DemandViewSet(MetricViewSet):
    @extend_schema(
        summary="Monthly revenue and growth on the previous month",
        description=(
            COMMON
            + "Every calendar month touching the window is listed, zero-filled, oldest "
            "first; a month's revenue counts the orders placed in it and in the window. "
            "growth_rate = (revenue - previous) / previous, rounded to 4 decimals, where "
            "previous is the month before's revenue; for the first month listed it is "
            "the whole calendar month before it, taken from the data even when it lies "
            "before start. growth_rate is null where previous is 0. partial = the month "
            "has not ended yet (its last day is today or later) or it reaches outside "
            "the window."
        ),
        parameters=[MetricParams],
        responses=GrowthSerializer,
    )
    # params_class also keys the base class's response cache.
    @action(detail=False, methods=["get"], params_class=MetricParams)
    def growth(self, request: Request) -> Response:
        params = self.parsed_params(request)
        rows = revenue_growth(filters=params.to_filters())
        return Response(GrowthSerializer({"results": rows}).data)

    @extend_schema(
        summary="Best-selling products",
        description=(
            COMMON
            + "Over the revenue orders placed in the window: units = sum of quantity, "
            "revenue = sum of quantity x unit_price, buyers = distinct customers. "
            "Sorted by units descending, then sku ascending; the first `limit` "
            "(default 10, 1 to 100) products with sales are listed."
        ),
        parameters=[TopProductsParams],
        responses=TopProductsSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="top-products",
        params_class=TopProductsParams,
    )
    def top_products(self, request: Request) -> Response:
        params = self.parsed_params(request)
        rows = top_products(
            filters=params.to_filters(), limit=params.validated_data["limit"]
        )
        return Response(TopProductsSerializer({"results": rows}).data)

    @extend_schema(
        summary="Units and revenue per month and category",
        description=(
            COMMON
            + "One row per (month, category) pair with sales among the revenue orders "
            "placed in the window, sorted by month, then category name; units = sum of "
            "quantity, revenue = sum of quantity x unit_price."
        ),
        parameters=[MetricParams],
        responses=SalesByCategorySerializer,
    )
    @action(
        detail=False, methods=["get"], url_path="by-category", params_class=MetricParams
    )
    def by_category(self, request: Request) -> Response:
        params = self.parsed_params(request)
        rows = sales_by_category(filters=params.to_filters())
        return Response(SalesByCategorySerializer({"results": rows}).data)

    @extend_schema(
        summary="Monthly revenue forecast with an 80% interval",
        description=(
            COMMON
            + "history = the zero-filled revenue of the complete months of the window "
            "(wholly inside [start, end] and ended before today). results = forecast, "
            "lower and upper (80% prediction interval) for the `horizon` months after "
            "the last month of history (default 3, 1 to 12). model says which model "
            "answered: ets (statsmodels ETSModel, additive error, damped additive trend, "
            "additive yearly seasonality; from 24 months of history), seasonal_naive "
            "(the same month a year earlier; 12 to 23 months, or when ETS fails), mean "
            "(fewer than 12 months) or none (no complete month: empty results). "
            "Forecasts and bounds are clipped at 0."
        ),
        parameters=[ForecastParams],
        responses=RevenueForecastSerializer,
    )
    @action(detail=False, methods=["get"], params_class=ForecastParams)
    def forecast(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = revenue_forecast(
            filters=params.to_filters(), horizon=params.validated_data["horizon"]
        )
        return Response(RevenueForecastSerializer(result).data)
