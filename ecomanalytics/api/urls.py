"""The metric endpoints under /api/: one router, one viewset per metric family."""

from django.urls import path

from cohorts.api import CohortViewSet
from demand.api import DemandViewSet
from kpi.api import KpiViewSet

from .options import FilterOptionsView
from .root import MetricsRouter

router = MetricsRouter()
router.register("kpi", KpiViewSet, basename="kpi")
router.register("cohorts", CohortViewSet, basename="cohorts")
router.register("demand", DemandViewSet, basename="demand")

urlpatterns = [
    path("filters/", FilterOptionsView.as_view(), name="filter-options"),
    *router.urls,
]
