"""One log line per request, and a request id on it, on every log line, and on the response.

The id is the client's X-Request-ID when it looks like one (a proxy's or load
balancer's, so their logs and ours meet), else a new random one; the response carries
it back in X-Request-ID. Every log record made while the request is served (errors
from django.request included) has it as `request_id`, through RequestIdFilter in the
LOGGING configuration. A 500's traceback goes to the log under that id; the client
gets only the short error page and the id to quote.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,64}")

logger = logging.getLogger("ecomanalytics.request")
current_request_id: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            logger.info(
                '%s "%s %s" %s %.1fms',
                request.META.get("REMOTE_ADDR", "-"),
                request.method,
                request.get_full_path(),
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
            return response
        finally:
            current_request_id.reset(token)
