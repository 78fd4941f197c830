from rest_framework import viewsets


class DemandViewSet(viewsets.ViewSet):
    """Placeholder until the metric endpoints land."""
