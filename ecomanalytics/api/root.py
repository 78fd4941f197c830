"""The API root, /api/: every metric endpoint from the catalogue, and the docs."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import routers
from rest_framework.request import Request
from rest_framework.response import Response

from .catalogue import METRICS


class MetricsRootView(routers.APIRootView):
    """Every metric endpoint with its title and one-line definition, and where the
    OpenAPI schema, the interactive docs and the filter values are."""

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        absolute = request.build_absolute_uri
        return Response(
            {
                "metrics": [
                    {
                        "id": metric.id,
                        "title": metric.title,
                        "summary": metric.summary,
                        "url": absolute(metric.endpoint),
                    }
                    for metric in METRICS.values()
                ],
                "docs": absolute(reverse("api-docs")),
                "schema": absolute(reverse("schema")),
                "filters": absolute(reverse("filter-options")),
            }
        )


class MetricsRouter(routers.DefaultRouter):
    APIRootView = MetricsRootView
