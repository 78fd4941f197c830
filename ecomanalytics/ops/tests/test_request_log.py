"""Every request logged once with its id; the id returned in X-Request-ID."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.test import Client

from ecomanalytics.ops.request_log import RequestIdFilter


@pytest.fixture
def logged(caplog: Any) -> Any:
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO, logger="ecomanalytics.request")
    return caplog


def test_a_request_is_logged_once_with_the_id_it_returns(logged: Any) -> None:
    # when
    response = Client().get("/healthz?probe=1")

    # then
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = [r for r in logged.records if r.name == "ecomanalytics.request"]
    assert [(r.request_id, r.levelname) for r in lines] == [(request_id, "INFO")]
    assert re.fullmatch(
        r'127\.0\.0\.1 "GET /healthz\?probe=1" 200 [\d.]+ms', lines[0].getMessage()
    )


def test_a_proxys_request_id_is_kept_and_a_bad_one_replaced() -> None:
    # when
    kept = Client().get("/healthz", HTTP_X_REQUEST_ID="lb-4f2a9c01-77")
    replaced = Client().get("/healthz", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")

    # then
    assert kept["X-Request-ID"] == "lb-4f2a9c01-77"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])


@pytest.mark.django_db
def test_an_error_is_logged_under_the_id_and_not_shown_to_the_client(
    logged: Any, monkeypatch: Any, staff_user: Any
) -> None:
    # given
    def broken() -> int:
        raise ValueError("secret detail of a bug")

    monkeypatch.setattr("ecomanalytics.api.viewsets.data_version", broken)
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)

    # when
    response = client.get("/api/kpi/summary/")

    # then
    errors = [r for r in logged.records if r.levelname == "ERROR"]
    assert response.status_code == 500
    assert "secret detail" not in response.content.decode()
    assert [r.request_id for r in errors] == [response["X-Request-ID"]]
    assert "secret detail of a bug" in logged.text
