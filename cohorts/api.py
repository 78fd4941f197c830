"""/api/cohorts/: retention and repeat purchase of monthly acquisition cohorts."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecomanalytics.api.viewsets import MetricViewSet

from .metrics import repeat_purchase, retention_matrix
from .serializers import (
    RepeatPurchaseParams,
    RepeatPurchaseSerializer,
    RetentionParams,
    RetentionSerializer,
)

COHORT_DEFINITION = (
    "Cohort: the month (shop time zone) of the customer's first revenue order ever "
    "(status paid, shipped or completed; ties by order id); with cohort_by=signup, the "
    "month the customer signed up, and every customer who signed up belongs to one. "
    "start/end select the customers whose first revenue order (or signup) falls in "
    "[start, end]; their later orders count whatever their date. Filters describe the "
    "acquisition: country is the customer's; source and device are those of the first "
    "revenue order; category means the first revenue order has a line of that "
    "category. With cohort_by=signup the same holds, so source, device or category "
    "leave out customers who never placed a revenue order. Every revenue order of a "
    "cohort member counts as activity. Only cohorts with customers are listed, "
    "oldest first; cohort labels are YYYY-MM."
)


class CohortViewSet(MetricViewSet):
    @extend_schema(
        summary="Monthly cohort retention",
        description=(
            f"{COHORT_DEFINITION} size = customers in the cohort. retention[k] for "
            "k = 0..months-1 = share of the cohort with at least one revenue order "
            "placed in calendar month cohort + k; null where that month has not ended "
            "yet (its last day is today or later in the shop's time zone). Rates are "
            "rounded to 4 decimals."
        ),
        parameters=[RetentionParams],
        responses=RetentionSerializer,
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

    @extend_schema(
        summary="Repeat purchase rate per cohort",
        description=(
            f"{COHORT_DEFINITION} customers = customers in the cohort; "
            "repeat_customers = those with two or more revenue orders in all the data "
            "(any date); repeat_rate = repeat_customers / customers, rounded to 4 "
            "decimals."
        ),
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
