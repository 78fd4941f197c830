from rest_framework import viewsets


class CohortViewSet(viewsets.ViewSet):
    """Placeholder until the metric endpoints land."""
