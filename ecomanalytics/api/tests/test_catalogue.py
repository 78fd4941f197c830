"""The metric catalogue feeds the API root, the OpenAPI schema and docs/metrics.md."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from ecomanalytics.api.catalogue import DOCS_PATH, METRICS, render_metrics_docs

from .conftest import METRIC_ROUTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi() -> dict[str, Any]:
    out = StringIO()
    call_command("spectacular", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_the_metric_docs_are_current() -> None:
    # given docs/metrics.md as committed
    current = DOCS_PATH.read_text(encoding="utf-8")
    # then it holds what the catalogue renders: run `manage.py write_metric_docs`
    assert render_metrics_docs(current) == current


def test_every_metric_endpoint_is_declared_once() -> None:
    declared = [metric.endpoint for metric in METRICS.values()]
    assert len(declared) == len(set(declared))
    assert sorted(declared) == sorted(route.url for route in METRIC_ROUTES)


def test_each_endpoint_describes_itself_from_its_declaration(openapi) -> None:
    for metric in METRICS.values():
        # given its operation in the schema
        operation = openapi["paths"][metric.endpoint]["get"]
        parameters = {item["name"]: item for item in operation["parameters"]}
        # then its summary and description are the declaration's
        assert operation["summary"] == metric.title
        assert operation["description"].startswith(metric.description())
        # and it accepts exactly the declared filters and parameters
        declared = {*metric.filters, *(p.name for p in metric.parameters), "format"}
        assert set(parameters) == declared, metric.id
        for parameter in metric.parameters:
            schema = parameters[parameter.name]["schema"]
            assert schema["default"] == parameter.default, metric.id
            if parameter.choices:
                assert schema["enum"] == list(parameter.choices), metric.id
            else:
                assert (schema["minimum"], schema["maximum"]) == (
                    parameter.minimum,
                    parameter.maximum,
                ), metric.id


def test_the_api_root_lists_every_metric_and_the_docs(api_client: APIClient) -> None:
    # when
    response = api_client.get("/api/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["metrics"] == [
        {
            "id": metric.id,
            "title": metric.title,
            "summary": metric.summary,
            "url": f"http://testserver{metric.endpoint}",
        }
        for metric in METRICS.values()
    ]
    assert body["docs"] == "http://testserver/api/docs/"
    assert body["schema"] == "http://testserver/api/schema/"
    assert body["filters"] == "http://testserver/api/filters/"
