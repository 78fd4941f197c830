"""The OpenAPI schema and Swagger UI views: public or not by setting, strict query.

API_DOCS_PUBLIC (default on) decides who may read /api/schema/ and /api/docs/: anyone,
or only those who may read the metrics. A shop's schema names endpoints and
parameters, no data, so public is the default; turn it off to hide even that.

This API has one version. drf-spectacular puts ?version= into the schema's
Content-Disposition filename, where a control character (%00, %0D%0A) made the
response fail with a 500; any version parameter is now a 400 naming it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponseBase, JsonResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request

from .permissions import CanReadMetrics

KNOWN_PARAMETERS = frozenset({"format", "lang"})


class DocsPermission(BasePermission):
    """AllowAny while settings.API_DOCS_PUBLIC, else the metrics' own permission."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(settings, "API_DOCS_PUBLIC", True):
            return AllowAny().has_permission(request, view)
        return CanReadMetrics().has_permission(request, view)


def _bad_query(
    request: Request, known: frozenset[str] = KNOWN_PARAMETERS
) -> JsonResponse | None:
    """A 400 naming each unknown parameter (JSON whatever the view renders)."""
    unknown = sorted(set(request.query_params) - known)
    if not unknown:
        return None
    message = (
        "Unknown parameter. This API has one version; known parameters: "
        + ", ".join(sorted(known))
        + "."
    )
    return JsonResponse(
        {**{name: [message] for name in unknown}, "status": 400}, status=400
    )


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsPermission]

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return _bad_query(request) or super().get(request, *args, **kwargs)


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script at ?script, not inline: the
    Content-Security-Policy runs no inline script (templates/drf_spectacular/)."""

    permission_classes = [DocsPermission]

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        known = KNOWN_PARAMETERS | {"script"}
        return _bad_query(request, known) or super().get(request, *args, **kwargs)
