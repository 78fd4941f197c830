"""OpenAPI for the metric endpoints: what drf-spectacular cannot infer by itself.

- CSV responses are documented as text (a JSON schema does not describe CSV);
- every metric endpoint documents its error answers (400, 401, 403, 414, 429, 431)
  and 304, and
  /api/filters/ its error answers, so a client generator, and schemathesis, know
  every status the API gives;
- a query serializer without fields (an endpoint taking no parameters) maps to no
  parameters instead of crashing drf-spectacular, which expects "properties".
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import Direction

from .renderers import CSVRenderer
from .viewsets import MetricViewSet

ERROR_BODY = {
    "type": "object",
    "description": (
        "An error. `detail` explains it; on 400 each invalid parameter is a key "
        "whose value lists what is wrong with it."
    ),
    "properties": {
        "detail": {"type": "string"},
        "status": {"type": "integer"},
    },
    "additionalProperties": True,
}

ERROR_RESPONSES = {
    "400": (
        "A query parameter is unknown, invalid or repeated, or a series would have "
        "more than 1,100 buckets; the body names the parameter."
    ),
    "401": "No or an invalid session or token (WWW-Authenticate: Token).",
    "403": "Authenticated, but neither active staff nor in the analysts group.",
    "414": (
        "The request line is longer than the server accepts (4,094 bytes, "
        "gunicorn.conf.py); send fewer or shorter parameters."
    ),
    "429": "Too many requests from this token; retry after Retry-After seconds.",
    "431": ("Too many or too large request headers (gunicorn.conf.py's limits)."),
}


class MetricAutoSchema(AutoSchema):
    def _get_response_for_code(
        self, serializer: Any, status_code: str, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        response = super()._get_response_for_code(
            serializer, status_code, *args, **kwargs
        )
        csv_content = response.get("content", {}).get(CSVRenderer.media_type)
        if csv_content is not None:
            csv_content["schema"] = {
                "type": "string",
                "description": (
                    "The same numbers as the JSON, one row per result, with a "
                    "header row (see docs/api.md, CSV)."
                ),
            }
            csv_content.pop("examples", None)
        return response

    def _map_serializer(self, serializer: Any, direction: str, *args: Any) -> Any:
        mapped = super()._map_serializer(serializer, direction, *args)
        if isinstance(mapped, dict) and mapped.get("type") == "object":
            mapped.setdefault("properties", {})
        return mapped

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response" or not (
            self._is_metric_endpoint() or self._is_filter_options()
        ):
            return responses
        for code, description in ERROR_RESPONSES.items():
            responses.setdefault(
                code,
                {
                    "description": description,
                    "content": {"application/json": {"schema": ERROR_BODY}},
                },
            )
        if self._is_metric_endpoint():
            responses.setdefault(
                "304",
                {"description": "Not modified: If-None-Match matched the ETag."},
            )
        return responses

    def _is_metric_endpoint(self) -> bool:
        return isinstance(self.view, MetricViewSet) and self.method == "GET"

    def _is_filter_options(self) -> bool:
        # Strict about its (absent) parameters, behind the same permission and
        # throttle as the metrics: the same 400, 401, 403 and 429. Imported here:
        # DRF imports this module while the views (options.py) are being defined.
        from .options import FilterOptionsView

        return isinstance(self.view, FilterOptionsView) and self.method == "GET"
