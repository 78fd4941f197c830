from ecomanalytics.api.viewsets import MetricViewSet


class KpiViewSet(MetricViewSet):
    """Placeholder until the metric endpoints land."""
