"""A web request's runaway query is stopped server-side and answered with a 503."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client

from ecomanalytics.ops import statement_timeout
from ecomanalytics.ops.database_errors import is_statement_timeout

pytestmark = pytest.mark.django_db

# About 2 s of work on either database without a table.
RUNAWAY = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000000) "
    "SELECT count(*) FROM n"
)


@pytest.fixture
def armed(settings: Any) -> Any:
    """The test's connection limited as a web process's new connections are."""
    settings.DB_STATEMENT_TIMEOUT_SECONDS = 0.2
    connection.ensure_connection()
    statement_timeout._arm(None, connection)
    yield
    if connection.vendor == "sqlite":
        connection.connection.set_progress_handler(None, 0)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


def test_a_query_past_the_limit_is_stopped(armed: None) -> None:
    # given: a request's deadline
    token = statement_timeout._deadline.set(time.monotonic() + 0.2)
    started = time.monotonic()

    # when
    try:
        with (
            pytest.raises(OperationalError) as stopped,
            transaction.atomic(),  # PostgreSQL aborts the transaction: a savepoint
            connection.cursor() as cursor,
        ):
            cursor.execute(RUNAWAY)
    finally:
        statement_timeout._deadline.reset(token)

    # then: stopped near the limit, and recognised as a timeout
    assert time.monotonic() - started < 1.5
    assert is_statement_timeout(stopped.value)


def test_a_stopped_query_is_a_503_json_for_the_api(
    armed: None, api_client: Any, monkeypatch: Any
) -> None:
    # given: the first query of every metric request runs away
    def runaway(**kwargs: Any) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(RUNAWAY)

    monkeypatch.setattr("ecomanalytics.api.viewsets.data_version", runaway)
    api_client.raise_request_exception = False

    # when: a web request, with the middleware's deadline
    response = api_client.get("/api/kpi/summary/")

    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": (
            "The request's query ran longer than the server allows and was stopped; "
            "ask a shorter period or coarser buckets."
        ),
        "status": 503,
    }


def test_any_other_error_stays_a_plain_500(monkeypatch: Any, staff_user: Any) -> None:
    # given
    def broken(**kwargs: Any) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr("ecomanalytics.api.viewsets.data_version", broken)
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)

    # when
    response = client.get("/api/kpi/summary/")

    # then
    assert response.status_code == 500
    assert "a bug" not in response.content.decode()
