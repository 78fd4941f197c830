"""The KPI endpoints under /api/kpi/: summary, revenue, conversion, funnel."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ecomanalytics.api.params import MetricParams, SessionMetricParams
from ecomanalytics.api.viewsets import MetricViewSet

from . import metrics
from .serializers import (
    ConversionSerializer,
    FunnelSerializer,
    RevenueParams,
    RevenueSeriesSerializer,
    SummarySerializer,
)

WINDOW = (
    "Window: start and end are inclusive dates in the shop's time zone (TIME_ZONE); "
    "without them the window is the data span, from the local day of the first order "
    "to the local day of the last order (any status, unfiltered); a missing bound alone "
    "is taken from the data span. start and end in the response are the resolved window "
    "(null when there is no data at all). "
)
ORDER_FILTERS = (
    "A revenue order has status paid, shipped or completed. An order belongs to the "
    "local day of placed_at. Filters: source and device are the order's, country is "
    "the customer's; with category, revenue counts only the lines of that category "
    "(quantity x unit_price) and order counts (orders, completion rate, customers) "
    "count the orders with at least one line of it. "
)
SESSIONS = (
    "A session belongs to the window when its start (started_at, its first event) "
    "falls in it; all its events count, whenever they happened. Filters source, "
    "device and country are the session's; category is not accepted (400). "
)
ROUNDING = (
    "Money is rounded to cents; rates are fractions rounded to 4 decimals and are 0 "
    "when their denominator is 0."
)


class KpiViewSet(MetricViewSet):
    """Headline metrics: totals, revenue over time, conversion and the funnel."""

    @extend_schema(
        summary="KPI summary of a period and of the period before it",
        description=(
            "revenue = sum of order totals of revenue orders placed in the window; "
            "orders = number of those revenue orders; average_order_value = revenue / "
            "orders; completion_rate = completed orders / all orders placed in the "
            "window, any status; customers = distinct customers with at least one "
            "revenue order in the window. previous holds the same keys for the window "
            "of the same number of days ending the day before start (without start/end: "
            "the equal span before the data span). currency is the shop's currency. "
            + WINDOW
            + ORDER_FILTERS
            + ROUNDING
        ),
        parameters=[MetricParams],
        responses=SummarySerializer,
    )
    # params_class also keys the base class's response cache.
    @action(detail=False, methods=["get"], params_class=MetricParams)
    def summary(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.kpi_summary(filters=params.to_filters())
        return Response(SummarySerializer(result).data)

    @extend_schema(
        summary="Revenue, orders and average order value per day, week or month",
        description=(
            "One row per bucket touching the window, zero-filled, oldest first. "
            "granularity: day (local days, period YYYY-MM-DD), week (ISO weeks "
            "starting Monday, period = the Monday's date YYYY-MM-DD) or month "
            "(calendar months, period YYYY-MM), all in the shop's time zone; default "
            "month. Per bucket: revenue = sum of order totals of revenue orders placed "
            "in the bucket and the window; orders = number of those orders; "
            "average_order_value = revenue / orders. partial = the bucket's last day is "
            "today or later, or the bucket reaches outside the window. "
            + WINDOW
            + ORDER_FILTERS
            + ROUNDING
        ),
        parameters=[RevenueParams],
        responses=RevenueSeriesSerializer,
    )
    @action(detail=False, methods=["get"], params_class=RevenueParams)
    def revenue(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.revenue_over_time(
            filters=params.to_filters(),
            granularity=params.validated_data["granularity"],
        )
        return Response(RevenueSeriesSerializer(result).data)

    @extend_schema(
        summary="Session conversion rate per traffic source and overall",
        description=(
            "Per traffic source with at least one session in the window (most "
            "sessions first, then source name): sessions = sessions started in the "
            "window; converted_sessions = those with a purchase event, whatever became "
            "of the order; conversion_rate = converted_sessions / sessions. overall "
            "holds the same figures over all listed sources. "
            + SESSIONS
            + WINDOW
            + ROUNDING
        ),
        parameters=[SessionMetricParams],
        responses=ConversionSerializer,
    )
    @action(detail=False, methods=["get"], params_class=SessionMetricParams)
    def conversion(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.conversion_by_source(filters=params.to_filters())
        return Response(ConversionSerializer(result).data)

    @extend_schema(
        summary="Closed sequential funnel from session to purchase",
        description=(
            "Steps: session, product_view, add_to_cart, begin_checkout, purchase. "
            "Closed and sequential: a session reaches step k when it has events of "
            "steps 2..k at non-decreasing times, in that order; other events in "
            "between are allowed, no step may be skipped (an add_to_cart before any "
            "product_view does not count). Each step's time is the session's earliest "
            "event of that type at or after the previous step's time. sessions = "
            "sessions that reached the step; conversion_from_start = sessions / "
            "sessions at the first step; conversion_from_previous = sessions / sessions "
            "at the step before (1.0 for the first step); with no sessions every rate "
            "is 0. " + SESSIONS + WINDOW + ROUNDING
        ),
        parameters=[SessionMetricParams],
        responses=FunnelSerializer,
    )
    @action(detail=False, methods=["get"], params_class=SessionMetricParams)
    def funnel(self, request: Request) -> Response:
        params = self.parsed_params(request)
        result = metrics.funnel(filters=params.to_filters())
        return Response(FunnelSerializer(result).data)
