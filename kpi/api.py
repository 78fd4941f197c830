from rest_framework import viewsets


class KpiViewSet(viewsets.ViewSet):
    """Placeholder until the metric endpoints land."""
