from ecomanalytics.api.viewsets import MetricViewSet


class DemandViewSet(MetricViewSet):
    """Placeholder until the metric endpoints land."""
