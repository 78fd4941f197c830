"""A server-side time limit for every query of a web request.

A runaway query (a huge period, a missing index) should end in a 503 after
DB_STATEMENT_TIMEOUT_SECONDS, not hold a gunicorn worker for minutes while other
requests queue behind it. Only web requests: the middleware arms the limit when a web
process loads it, so import commands and `refresh_rollups` keep unlimited queries.

- PostgreSQL: `SET statement_timeout` once per new connection of a web process.
- SQLite: a progress handler, called every few thousand virtual-machine steps, stops
  the statement once the request's deadline has passed ("interrupted").

The admin's upload pages run an import and its roll-up refresh inside the request;
their queries have no limit, like the import commands'.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse

UNLIMITED_PATHS = ("/admin/imports/",)
SQLITE_STEPS = 10_000

_deadline: ContextVar[float | None] = ContextVar("query_deadline", default=None)


def timeout_seconds() -> float:
    return float(getattr(settings, "DB_STATEMENT_TIMEOUT_SECONDS", 0))


def _sqlite_progress() -> int:
    deadline = _deadline.get()
    return int(deadline is not None and time.monotonic() > deadline)


def _arm(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, false)",
                [f"{int(timeout_seconds() * 1000)}ms"],
            )
    elif connection.vendor == "sqlite":
        connection.connection.set_progress_handler(_sqlite_progress, SQLITE_STEPS)


def _set_postgresql_limit(milliseconds: int) -> None:
    connections[DEFAULT_DB_ALIAS].ensure_connection()  # armed on opening: lift it now
    for connection in connections.all(initialized_only=True):
        if connection.vendor == "postgresql" and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, false)",
                    [f"{milliseconds}ms"],
                )


class StatementTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = timeout_seconds() > 0
        if self.enabled:
            connection_created.connect(_arm, dispatch_uid="statement-timeout")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        if request.path.startswith(UNLIMITED_PATHS):
            return self._unlimited(request)
        token = _deadline.set(time.monotonic() + timeout_seconds())
        try:
            return self.get_response(request)
        finally:
            _deadline.reset(token)

    def _unlimited(self, request: HttpRequest) -> HttpResponse:
        if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
            return self.get_response(request)  # no deadline set: SQLite is unlimited
        _set_postgresql_limit(0)
        try:
            return self.get_response(request)
        finally:
            _set_postgresql_limit(int(timeout_seconds() * 1000))
