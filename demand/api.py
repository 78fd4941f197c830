"""/api/demand/: revenue growth, top products, sales by category, revenue forecast,
returns."""

from __future__ import annotations

from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecomanalytics.api.documentation import documented
from ecomanalytics.api.params import MetricParams
from ecomanalytics.api.viewsets import MetricViewSet

from . import catalogue
from .forecast import demand_forecast
from .metrics import returns_breakdown, revenue_growth, sales_by_category, top_products
from .product_analyses import abc_grading, bought_together, product_funnel
from .serializers import (
    AbcParams,
    AbcSerializer,
    BasketsParams,
    BoughtTogetherSerializer,
    DemandForecastSerializer,
    ForecastParams,
    GrowthSerializer,
    ProductFunnelParams,
    ProductFunnelSerializer,
    ReturnsParams,
    ReturnsSerializer,
    SalesByCategorySerializer,
    TopProductsParams,
    TopProductsSerializer,
)


class DemandViewSet(MetricViewSet):
    @documented(catalogue.GROWTH, parameters=[MetricParams], responses=GrowthSerializer)
    # params_class also keys the base class's response cache.
    @action(detail=False, methods=["get"], params_class=MetricParams)
    def growth(self, request: Request) -> Response:
        params = self.parsed_params(request)
        rows = revenue_growth(filters=params.to_filters())
        return Response(GrowthSerializer({"results": rows}).data)

    @documented(
        catalogue.TOP_PRODUCTS,
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

    @documented(
        catalogue.BY_CATEGORY,
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

    @documented(
        catalogue.FORECAST,
        parameters=[ForecastParams],
        responses=DemandForecastSerializer,
    )
    @action(detail=False, methods=["get"], params_class=ForecastParams)
    def forecast(self, request: Request) -> Response:
        params = self.parsed_params(request)
        data = params.validated_data
        result = demand_forecast(
            filters=params.to_filters(),
            scope=data["scope"],
            sku=data.get("sku"),
            product_id=data.get("product_id"),
            metric=data["metric"],
            grain=data["grain"],
            horizon=data.get("horizon"),
        )
        context = {"grain": result.grain}
        return Response(DemandForecastSerializer(result, context=context).data)

    @documented(
        catalogue.RETURNS, parameters=[ReturnsParams], responses=ReturnsSerializer
    )
    @action(detail=False, methods=["get"], params_class=ReturnsParams)
    def returns(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = returns_breakdown(
            filters=params.to_filters(),
            by=params.validated_data["by"],
            limit=params.validated_data["limit"],
        )
        return Response(ReturnsSerializer(result).data)

    @documented(catalogue.ABC, parameters=[AbcParams], responses=AbcSerializer)
    @action(detail=False, methods=["get"], params_class=AbcParams)
    def abc(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = abc_grading(
            filters=params.to_filters(),
            a_share=params.validated_data["a_share"],
            b_share=params.validated_data["b_share"],
        )
        return Response(AbcSerializer(result).data)

    @documented(
        catalogue.BASKETS,
        parameters=[BasketsParams],
        responses=BoughtTogetherSerializer,
    )
    @action(detail=False, methods=["get"], params_class=BasketsParams)
    def baskets(self, request: Request) -> Response:
        params = self.parsed_params(request)
        data = params.validated_data
        result = bought_together(
            filters=params.to_filters(),
            min_support_bp=data["min_support_bp"],
            min_pairs=data["min_pairs"],
            sku=data.get("sku"),
            limit=data["limit"],
        )
        return Response(BoughtTogetherSerializer(result).data)

    @documented(
        catalogue.PRODUCT_FUNNEL,
        parameters=[ProductFunnelParams],
        responses=ProductFunnelSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="product-funnel",
        params_class=ProductFunnelParams,
    )
    def product_funnel(self, request: Request) -> Response:
        params = self.parsed_params(request)
        rows = product_funnel(
            filters=params.to_filters(), limit=params.validated_data["limit"]
        )
        return Response(ProductFunnelSerializer({"results": rows}).data)
