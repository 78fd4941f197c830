"""The OpenAPI schema: complete, warning-free, and honoured by every endpoint (fuzzed)."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import schemathesis
import yaml
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from ecomanalytics.wsgi import application

from .conftest import METRIC_ROUTES, MetricRoute, parametrize_metric_routes

pytestmark = pytest.mark.django_db


def _generate(*options: str) -> dict[str, Any]:
    out = StringIO()
    call_command("spectacular", "--validate", *options, stdout=out)
    return yaml.safe_load(out.getvalue())


@pytest.fixture
def openapi() -> dict[str, Any]:
    return _generate()


def test_the_schema_generates_without_warnings() -> None:
    # A warning means a field or parameter is documented as a guess (see stderr).
    assert _generate("--fail-on-warn")["openapi"].startswith("3.")


def test_every_metric_route_is_in_the_schema(openapi: dict[str, Any]) -> None:
    assert {str(route) for route in METRIC_ROUTES} <= {
        f"{path.strip('/').split('/')[1]}-{path.strip('/').split('/')[2]}"
        for path in openapi["paths"]
        if path.count("/") == 4
    }


@parametrize_metric_routes
def test_every_metric_endpoint_documents_itself(
    route: MetricRoute, openapi: dict[str, Any]
) -> None:
    # given
    operation = openapi["paths"][route.url]["get"]

    # then: its definition, its parameters, its answers in JSON and CSV, its errors
    assert len(operation.get("description", "")) > 40
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"start", "end", "format"} <= parameters
    assert set(operation["responses"]) >= {
        "200",
        "304",
        "400",
        "401",
        "403",
        "414",
        "429",
        "431",
    }
    assert set(operation["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",
    }
    assert {"tokenAuth", "cookieAuth"} == {
        name for requirement in operation["security"] for name in requirement
    }


def test_the_interactive_docs_are_served_offline(client: Any) -> None:
    # when
    page = client.get("/api/docs/")

    # then: Swagger UI from drf-spectacular-sidecar's static files, not a CDN
    html = page.content.decode()
    assert page.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn.jsdelivr.net" not in html


def test_the_schema_is_public_json(db: None) -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "ecomanalytics API"


@pytest.mark.parametrize("version", ["%00", "%01", "%7F", "%E2%80%A8", "%0D%0A", "2"])
def test_a_version_parameter_is_a_400_naming_it(version: str) -> None:
    # when
    response = APIClient().get(f"/api/schema/?version={version}")

    # then
    assert response.status_code == 400
    assert response.json() == {
        "version": [
            "Unknown parameter. This API has one version; known parameters: "
            "format, lang."
        ],
        "status": 400,
    }


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_private_docs_need_a_metrics_reader(
    url: str, settings: Any, staff_user: Any
) -> None:
    # given
    settings.API_DOCS_PUBLIC = False
    staff = APIClient()
    staff.force_authenticate(staff_user)

    # when
    anonymous = APIClient().get(url)
    allowed = staff.get(url)

    # then
    assert (anonymous.status_code, allowed.status_code) == (401, 200)


# Loaded once, at collection: the schema endpoint is public and reads no table.
# (schemathesis.pytest.from_fixture would load it lazily, but breaks on pytest 9.)
fuzzed = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def connection_kept_across_requests() -> Iterator[None]:
    """Keep the test's database connection open across WSGI calls.

    Django closes old connections when a request starts and finishes; inside a test
    that closes the connection holding the test's transaction (PostgreSQL then
    fails with "connection already closed"). Django's test client does the same.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@fuzzed.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_honours_its_schema(
    case: Any, shop: None, staff_user: Any, connection_kept_across_requests: None
) -> None:
    """No 5xx, documented statuses and content types, bodies matching the schema.

    In process and quick, on every run. The data-acceptance checks
    (negative_data_rejection, positive_data_acceptance) run in test_schema_live.py,
    against gunicorn, with the hooks that teach the fuzzer the two rules across
    parameters (end not before start, the bucket cap).
    """
    token, _ = Token.objects.get_or_create(user=staff_user)
    case.call_and_validate(
        headers={"Authorization": f"Token {token.key}"},
        excluded_checks=[negative_data_rejection, positive_data_acceptance],
    )


@parametrize_metric_routes
@pytest.mark.parametrize("day", ["1899-12-31", "2101-01-01", "0286-11-10"])
def test_a_date_outside_the_supported_range_is_a_400(
    route: MetricRoute, day: str, api_client: APIClient
) -> None:
    # when: found by the fuzzer, a far-off start overflowed the previous window
    response = api_client.get(route.url, {"start": day})

    # then
    assert response.status_code == 400
    assert response.json() == {
        "start": ["Date must be between 1900-01-01 and 2100-12-31."],
        "status": 400,
    }


def test_enum_components_are_named_for_what_they_hold(
    openapi: dict[str, Any],
) -> None:
    # given drf-spectacular's default, which names an enum after its field
    # ("model" -> ModelEnum); ENUM_NAME_OVERRIDES names each one
    # when
    enums = {
        name: component["enum"]
        for name, component in openapi["components"]["schemas"].items()
        if "enum" in component
    }

    # then
    assert enums == {
        "ForecastModelEnum": [
            "naive",
            "seasonal_naive",
            "ets",
            "seasonal_ets",
            "croston_sba",
            "none",
        ],
    }
