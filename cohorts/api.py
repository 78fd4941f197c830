from ecomanalytics.api.viewsets import MetricViewSet


class CohortViewSet(MetricViewSet):
    """Placeholder until the metric endpoints land."""
