"""The base of every metric viewset: read-only actions that validate, compute, serialize."""

from rest_framework import viewsets


class MetricViewSet(viewsets.ViewSet):
    """Metric endpoints subclass this; cross-cutting behaviour (CSV, caching) lives here."""
