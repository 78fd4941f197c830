"""The base of every metric viewset: read-only actions that validate, compute, serialize.

Subclasses write plain actions (validate the query, call one metric function, return a
Response). This base adds, to every action at once:
- renderers: JSON, the browsable API and CSV (?format=csv or Accept: text/csv);
- the data cache: a GET is answered from Django's cache when the same endpoint was
  asked the same parameters at the same data version (see caching.py);
- ETag + Cache-Control on every 200, and 304 when If-None-Match matches;
- X-Metrics-Source (which path answered) and X-Revenue-Measure (which money is
  revenue, settings.REVENUE_MEASURE) on every 200;
- errors stay JSON even when CSV was asked for, so a 400 still names the parameter;
- with a read replica, one snapshot of it for the whole request (ops/read_snapshot.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, cast

from django.core.cache import cache
from django.http import Http404, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ..money import revenue_measure
from ..ops.read_snapshot import replica_snapshot
from ..periods import today
from ..rollups.status import answered_by, response_headers
from ..store.data_version import data_version
from .caching import (
    CACHE_CONTROL,
    cache_seconds,
    etag_for,
    etag_matches,
    metric_cache_key,
    normalise_parameters,
)
from .params import StrictQuerySerializer, parse_query
from .renderers import CSVRenderer

Handler = Callable[..., HttpResponseBase]
UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


class MetricViewSet(viewsets.ViewSet):
    """Metric endpoints subclass this; cross-cutting behaviour (CSV, caching) lives here.

    Give each action its query serializer so the cache key is built from validated,
    normalised parameters (``?end=2025-01-31&start=2025-01-01`` and the same query in
    another order share an entry)::

        @action(detail=False, methods=["get"], params_class=KpiParams)
        def summary(self, request): ...

    Without it the key uses the raw query string's parameters, sorted: still correct,
    just fewer hits.
    """

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    params_class: type[StrictQuerySerializer] | None = None
    # Set while a request is served: the data version its numbers come from.
    served_data_version: int | None = None
    validated_params: Mapping[str, Any] | None = None
    _parsed_params: StrictQuerySerializer | None = None

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # as_view() has bound self.get (and head) to the routed action; wrap them so
        # authentication, permissions and throttles run first and a cache hit skips
        # only the computation.
        for method in ("get", "head"):
            handler = getattr(self, method, None)
            if handler is not None:
                setattr(self, method, self._served_from_cache(handler))
        with replica_snapshot():
            return super().dispatch(request, *args, **kwargs)

    def _served_from_cache(self, handler: Handler) -> Handler:
        def serve(request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
            self.served_data_version = data_version()
            answered_by.set(None)
            seconds = cache_seconds()
            if seconds <= 0:
                return handler(request, *args, **kwargs)
            key = metric_cache_key(
                endpoint=self._endpoint_name(),
                # The measure changes the numbers: processes started with another
                # REVENUE_MEASURE must not share entries (a shared Redis cache).
                parameters=[
                    *self._cache_parameters(request),
                    ("revenue_measure", str(revenue_measure())),
                ],
                version=self.served_data_version,
                today=today(),
            )
            cached = cache.get(key)
            if cached is not None:
                hit = Response(cached)
                hit["X-Cache"] = "hit"
                return hit
            response = handler(request, *args, **kwargs)
            if isinstance(response, Response) and response.status_code == 200:
                cache.set(key, response.data, seconds)
                response["X-Cache"] = "miss"
            return response

        return serve

    def _endpoint_name(self) -> str:
        path_kwargs = sorted(
            (name, value) for name, value in self.kwargs.items() if name != "format"
        )
        return f"{type(self).__module__}.{type(self).__qualname__}:{self.action}:{path_kwargs}"

    def parsed_params(self, request: Request) -> Any:
        """The query validated by the action's params_class, parsed once per request.

        The cache key needs the validated parameters before the action runs; the
        action then reuses them instead of validating the query a second time. A bad
        query raises ValidationError (HTTP 400 naming the parameter).
        """
        if self._parsed_params is None:
            assert self.params_class is not None, "the action needs a params_class"
            self._parsed_params = parse_query(self.params_class, request.query_params)
            self.validated_params = self._parsed_params.validated_data
        return self._parsed_params

    def _cache_parameters(self, request: Request) -> list[tuple[str, Any]]:
        if self.params_class is not None:
            return normalise_parameters(self.parsed_params(request).validated_data)
        query = request.query_params
        return normalise_parameters({name: query.getlist(name) for name in query})

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        try:
            return super().perform_content_negotiation(request, force=force)
        except Http404:
            # DRF answers an unknown ?format= with 404; it is a bad parameter.
            known = sorted(renderer.format for renderer in self.get_renderers())
            raise ValidationError(
                {"format": [f"Unknown format. Known formats: {', '.join(known)}."]}
            ) from None

    # DRF's finalize_response takes and returns any HttpResponseBase (it asserts
    # that type); djangorestframework-stubs narrow both to Response. This override
    # returns HttpResponseNotModified, hence the ignore, and the cast is the stubs'.
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(
            request, cast(Response, response), *args, **kwargs
        )
        if not isinstance(response, Response):
            return response
        if response.status_code >= 400 and isinstance(
            response.accepted_renderer, CSVRenderer
        ):
            # An error body is a JSON object naming the parameter, never a CSV row.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        if (
            response.status_code != 200
            or request.method not in ("GET", "HEAD")
            or self.served_data_version is None
        ):
            return response
        for header, value in response_headers().items():
            response[header] = value
        response["X-Revenue-Measure"] = str(revenue_measure())
        # The ETag hashes the bytes the client receives, so render them now.
        response.render()
        etag = etag_for(response.content, self.served_data_version)
        response["ETag"] = etag
        response["Cache-Control"] = CACHE_CONTROL
        patch_vary_headers(response, ("Accept", "Authorization", "Cookie"))
        if etag_matches(request.headers.get("If-None-Match"), etag):
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Vary"):
                not_modified[header] = response[header]
            return not_modified
        return response

    def get_csv_filename(self, data: Any) -> str:
        """<basename>-<action>_<start>_<end>.csv, e.g. kpi-revenue_2025-01-01_2025-12-31.csv.

        The period is the one asked for; where start or end was left out, the one the
        response reports (its start/end, or window.start/window.end), else "all".
        """
        action = getattr(self, self.action or "", None)
        action_name = getattr(action, "url_path", None) or self.action or "metric"
        start, end = self._period(data)
        name = f"{self.basename}-{action_name}_{start}_{end}"
        return UNSAFE_FILENAME_CHARACTERS.sub("-", name) + ".csv"

    def _period(self, data: Any) -> tuple[str, str]:
        asked = self.validated_params or self.request.query_params
        start, end = asked.get("start"), asked.get("end")
        if isinstance(data, Mapping):
            for reported in (data, data.get("window"), data.get("period")):
                if isinstance(reported, Mapping):
                    start = start or reported.get("start")
                    end = end or reported.get("end")
        return (str(start) if start else "all", str(end) if end else "all")
