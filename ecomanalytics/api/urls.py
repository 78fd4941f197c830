"""The metric endpoints under /api/: one router, one viewset per metric family."""

from rest_framework.routers import DefaultRouter

from cohorts.api import CohortViewSet
from demand.api import DemandViewSet
from kpi.api import KpiViewSet

from .options import FilterOptionsViewSet

router = DefaultRouter()
router.register("kpi", KpiViewSet, basename="kpi")
router.register("cohorts", CohortViewSet, basename="cohorts")
router.register("demand", DemandViewSet, basename="demand")
router.register("filters", FilterOptionsViewSet, basename="filters")

urlpatterns = router.urls
