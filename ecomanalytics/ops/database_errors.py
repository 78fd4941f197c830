"""When the database is gone or a query ran too long: 503 with Retry-After, not 500.

Installed as the site's handler500 (ecomanalytics/urls.py): Django calls it for any
uncaught exception, in a view or in a middleware (the session middleware's save, the
token lookup), while the exception is being handled, so it can tell a database outage
(OperationalError, InterfaceError) from a bug. The API gets JSON; pages get a short
HTML page that reloads itself, so the dashboard recovers on its own once the database
is back (Django reconnects at the next request: CONN_HEALTH_CHECKS). Anything else is
the usual "Server Error (500)". The details go to the log (django.request), never to
the client.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 5
UNREACHABLE = "The database is not reachable; retrying."
TOO_LONG = (
    "The request's query ran longer than the server allows and was stopped; "
    "ask a shorter period or coarser buckets."
)
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Database unavailable</title>
<meta http-equiv="refresh" content="{seconds}"></head>
<body><p role="alert">{message}</p></body></html>
"""


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return django_server_error(request)
    message = TOO_LONG if is_statement_timeout(error) else UNREACHABLE
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "status": 503}, status=503
        )
    else:
        response = HttpResponse(
            PAGE.format(seconds=RETRY_AFTER_SECONDS, message=message), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def is_statement_timeout(error: BaseException) -> bool:
    """PostgreSQL's statement_timeout (QueryCanceled), SQLite's progress handler."""
    cause = error.__cause__ or error
    return type(cause).__name__ == "QueryCanceled" or str(cause) == "interrupted"
