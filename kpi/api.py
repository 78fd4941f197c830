"""The KPI endpoints under /api/kpi/: summary, revenue, sales, conversion, funnel."""

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecomanalytics.api.documentation import documented
from ecomanalytics.api.params import MetricParams, SessionMetricParams
from ecomanalytics.api.viewsets import MetricViewSet

from . import catalogue, metrics
from .serializers import (
    AbandonedCheckoutPageSerializer,
    AbandonedCheckoutsSerializer,
    CheckoutListParams,
    CheckoutParams,
    ConversionSerializer,
    ConversionSeriesParams,
    ConversionSeriesSerializer,
    CustomerFunnelSerializer,
    DiscountCodeReportSerializer,
    DiscountParams,
    FunnelParams,
    FunnelSerializer,
    RevenueChangeParams,
    RevenueChangeSerializer,
    RevenueParams,
    RevenueSeriesParams,
    RevenueSeriesSerializer,
    SalesBreakdownSerializer,
    SummarySerializer,
    TimeToConvertSerializer,
)


class KpiViewSet(MetricViewSet):
    """The KPI family: summary, revenue over time, sales, conversion, funnel,
    discount codes."""

    @documented(
        catalogue.SUMMARY, parameters=[MetricParams], responses=SummarySerializer
    )
    # params_class also keys the base class's response cache.
    @action(detail=False, methods=["get"], params_class=MetricParams)
    def summary(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.kpi_summary(filters=params.to_filters())
        return Response(SummarySerializer(result).data)

    @documented(
        catalogue.REVENUE,
        parameters=[RevenueSeriesParams],
        responses=RevenueSeriesSerializer,
    )
    @action(detail=False, methods=["get"], params_class=RevenueSeriesParams)
    def revenue(self, request: Request) -> Response:
        params = self.parsed_params(request)
        compare = params.validated_data["compare"]
        result = metrics.revenue_over_time(
            filters=params.to_filters(),
            granularity=params.validated_data["granularity"],
            compare=None if compare == "none" else compare,
        )
        return Response(RevenueSeriesSerializer(result).data)

    @documented(
        catalogue.SALES, parameters=[RevenueParams], responses=SalesBreakdownSerializer
    )
    @action(detail=False, methods=["get"], params_class=RevenueParams)
    def sales(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.sales_breakdown(
            filters=params.to_filters(),
            granularity=params.validated_data["granularity"],
        )
        return Response(SalesBreakdownSerializer(result).data)

    @documented(
        catalogue.CONVERSION,
        parameters=[SessionMetricParams],
        responses=ConversionSerializer,
    )
    @action(detail=False, methods=["get"], params_class=SessionMetricParams)
    def conversion(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.conversion_by_source(filters=params.to_filters())
        return Response(ConversionSerializer(result).data)

    @documented(
        catalogue.FUNNEL,
        parameters=[FunnelParams],
        responses=PolymorphicProxySerializer(
            component_name="FunnelResponse",
            serializers=[FunnelSerializer, CustomerFunnelSerializer],
            resource_type_field_name=None,
        ),
    )
    @action(detail=False, methods=["get"], params_class=FunnelParams)
    def funnel(self, request: Request) -> Response:
        params = self.parsed_params(request)
        if params.validated_data["unit"] == "customer":
            customers = metrics.customer_funnel(
                filters=params.to_filters(),
                window_days=params.validated_data["window_days"],
            )
            return Response(CustomerFunnelSerializer(customers).data)
        breakdown = params.validated_data["breakdown"]
        result = metrics.funnel(
            filters=params.to_filters(),
            breakdown=None if breakdown == "none" else breakdown,
        )
        return Response(FunnelSerializer(result).data)

    @documented(
        catalogue.DISCOUNTS,
        parameters=[DiscountParams],
        responses=DiscountCodeReportSerializer,
    )
    @action(detail=False, methods=["get"], params_class=DiscountParams)
    def discounts(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.discount_codes(filters=params.to_filters())
        return Response(DiscountCodeReportSerializer(result).data)

    @documented(
        catalogue.REVENUE_CHANGE,
        parameters=[RevenueChangeParams],
        responses=RevenueChangeSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="revenue-change",
        params_class=RevenueChangeParams,
    )
    def revenue_change(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.revenue_change(
            filters=params.to_filters(), compare=params.validated_data["compare"]
        )
        return Response(RevenueChangeSerializer(result).data)

    @documented(
        catalogue.CONVERSION_OVER_TIME,
        parameters=[ConversionSeriesParams],
        responses=ConversionSeriesSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="conversion-over-time",
        params_class=ConversionSeriesParams,
    )
    def conversion_over_time(self, request: Request) -> Response:
        params = self.parsed_params(request)
        data = params.validated_data
        result = metrics.conversion_over_time(
            filters=params.to_filters(),
            granularity=data["granularity"],
            breakdown=None if data["breakdown"] == "none" else data["breakdown"],
            compare=None if data["compare"] == "none" else data["compare"],
        )
        return Response(ConversionSeriesSerializer(result).data)

    @documented(
        catalogue.ABANDONED_CHECKOUTS,
        parameters=[CheckoutParams],
        responses=AbandonedCheckoutsSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="abandoned-checkouts",
        params_class=CheckoutParams,
    )
    def abandoned_checkouts(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.abandoned_checkouts(
            filters=params.to_filters(),
            granularity=params.validated_data["granularity"],
        )
        return Response(AbandonedCheckoutsSerializer(result).data)

    @documented(
        catalogue.ABANDONED_CHECKOUT_LIST,
        parameters=[CheckoutListParams],
        responses=AbandonedCheckoutPageSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="abandoned-checkout-list",
        params_class=CheckoutListParams,
    )
    def abandoned_checkout_list(self, request: Request) -> Response:
        params = self.parsed_params(request)
        cursor = params.validated_data.get("cursor")
        result = metrics.abandoned_checkout_list(
            filters=params.to_filters(),
            cursor=metrics.parse_checkout_cursor(cursor) if cursor else None,
            limit=params.validated_data["limit"],
            with_email=request.user.is_staff,
        )
        return Response(AbandonedCheckoutPageSerializer(result).data)

    @documented(
        catalogue.TIME_TO_CONVERT,
        parameters=[SessionMetricParams],
        responses=TimeToConvertSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="time-to-convert",
        params_class=SessionMetricParams,
    )
    def time_to_convert(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.time_to_convert(filters=params.to_filters())
        return Response(TimeToConvertSerializer(result).data)

    def _cache_parameters(self, request: Request) -> list[tuple[str, Any]]:
        # The checkout list shows e-mails to staff only: they must not share entries.
        parameters = super()._cache_parameters(request)
        if self.action == "abandoned_checkout_list":
            parameters.append(("staff", request.user.is_staff))
        return parameters
