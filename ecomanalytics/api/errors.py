"""JSON error bodies: every 4xx names what went wrong, never a traceback."""

from typing import Any

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.urls import Resolver404, resolve
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        response.data = with_status(response.data, response.status_code)
    return response


def with_status(body: dict[str, Any], status: int) -> dict[str, Any]:
    """The error body with its integer `status` and a string `detail`, as documented.

    A bad parameter is a key of its own, so one named `status` or `detail`
    (`?status=paid`, found by the fuzzer) would take the place of those two keys and
    give them a list: its messages go into `detail` instead, under its name.
    """
    body = dict(body)
    named = [
        f"{key}: {' '.join(map(str, body.pop(key)))}"
        for key in ("detail", "status")
        if isinstance(body.get(key), list)
    ]
    if named:
        body["detail"] = "; ".join([*named, *filter(None, [body.get("detail")])])
    body["status"] = status
    return body


def api_not_found(request: HttpRequest, unmatched: str = "") -> HttpResponse:
    """Any path under /api/ that no endpoint serves: a JSON 404, never an HTML page.

    It is the last URL pattern under /api/, so it also catches paths missing their
    final slash; those are sent on to the slashed path when that one exists, as
    CommonMiddleware's APPEND_SLASH would have done.
    """
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                request.path + "/" + (f"?{query}" if query else "")
            )
    return JsonResponse({"detail": "Not found.", "status": 404}, status=404)
