"""/api/cohorts/: retention and repeat purchase of monthly acquisition cohorts, and
customer value (new vs returning, lifetime value, RFM, predicted value)."""

from __future__ import annotations

from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecomanalytics.api.documentation import documented
from ecomanalytics.api.params import MetricParams
from ecomanalytics.api.viewsets import MetricViewSet

from . import catalogue
from .metrics import (
    customer_value,
    customer_value_holdout,
    lifetime_value,
    new_vs_returning,
    repeat_purchase,
    retention_matrix,
    rfm_customers,
    rfm_groups,
)
from .serializers import (
    CustomerValueParams,
    CustomerValueSerializer,
    HoldoutReportSerializer,
    LifetimeValueParams,
    LifetimeValueSerializer,
    NewVsReturningParams,
    NewVsReturningSerializer,
    RepeatPurchaseParams,
    RepeatPurchaseSerializer,
    RetentionParams,
    RetentionSerializer,
    RfmCustomerPageSerializer,
    RfmCustomersParams,
    RfmReportSerializer,
)


class CohortViewSet(MetricViewSet):
    @documented(
        catalogue.RETENTION, parameters=[RetentionParams], responses=RetentionSerializer
    )
    # params_class also keys the base class's response cache.
    @action(detail=False, methods=["get"], params_class=RetentionParams)
    def retention(self, request: Request) -> Response:
        params = self.parsed_params(request)
        matrix = retention_matrix(
            filters=params.to_filters(),
            months=params.validated_data["months"],
            cohort_by=params.validated_data["cohort_by"],
        )
        return Response(RetentionSerializer({"results": matrix}).data)

    @documented(
        catalogue.REPEAT_PURCHASE,
        parameters=[RepeatPurchaseParams],
        responses=RepeatPurchaseSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="repeat-purchase",
        params_class=RepeatPurchaseParams,
    )
    def repeat_purchase(self, request: Request) -> Response:
        params = self.parsed_params(request)
        rows = repeat_purchase(
            filters=params.to_filters(), cohort_by=params.validated_data["cohort_by"]
        )
        return Response(RepeatPurchaseSerializer({"results": rows}).data)

    @documented(
        catalogue.NEW_VS_RETURNING,
        parameters=[NewVsReturningParams],
        responses=NewVsReturningSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="new-vs-returning",
        params_class=NewVsReturningParams,
    )
    def new_vs_returning(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = new_vs_returning(
            filters=params.to_filters(),
            granularity=params.validated_data["granularity"],
        )
        return Response(NewVsReturningSerializer(result).data)

    @documented(
        catalogue.RFM_GROUPS, parameters=[MetricParams], responses=RfmReportSerializer
    )
    @action(detail=False, methods=["get"], params_class=MetricParams)
    def rfm(self, request: Request) -> Response:
        params = self.parsed_params(request)
        report = rfm_groups(filters=params.to_filters())
        return Response(RfmReportSerializer(report).data)

    @documented(
        catalogue.RFM_CUSTOMERS,
        parameters=[RfmCustomersParams],
        responses=RfmCustomerPageSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="rfm-customers",
        params_class=RfmCustomersParams,
    )
    def rfm_customers(self, request: Request) -> Response:
        params = self.parsed_params(request)
        data = params.validated_data
        page = rfm_customers(
            filters=params.to_filters(),
            group=data["group"],
            sort=data["sort"],
            cursor=data.get("cursor"),
            limit=data["limit"],
            personal_data=request.user.is_staff,
        )
        return Response(RfmCustomerPageSerializer(page).data)

    @documented(
        catalogue.LIFETIME_VALUE,
        parameters=[LifetimeValueParams],
        responses=LifetimeValueSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="lifetime-value",
        params_class=LifetimeValueParams,
    )
    def lifetime_value(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = lifetime_value(
            filters=params.to_filters(), months=params.validated_data["months"]
        )
        return Response(LifetimeValueSerializer(result).data)

    @documented(
        catalogue.CUSTOMER_VALUE,
        parameters=[CustomerValueParams],
        responses=CustomerValueSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="customer-value",
        params_class=CustomerValueParams,
    )
    def customer_value(self, request: Request) -> Response:
        params = self.parsed_params(request)
        report = customer_value(
            filters=params.to_filters(), months=params.validated_data["months"]
        )
        return Response(CustomerValueSerializer(report).data)

    @documented(
        catalogue.CUSTOMER_VALUE_HOLDOUT,
        parameters=[MetricParams],
        responses=HoldoutReportSerializer,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="customer-value-holdout",
        params_class=MetricParams,
    )
    def customer_value_holdout(self, request: Request) -> Response:
        self.parsed_params(request)  # validated, then unused: the check is fit-wide
        report = customer_value_holdout()
        return Response(HoldoutReportSerializer(report).data)
