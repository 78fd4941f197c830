"""GET /api/filters/: the choices the dashboard's filters offer, and the data span."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    WebSessionFactory,
)

pytestmark = pytest.mark.django_db


def test_lists_the_values_present_in_orders_sessions_and_catalogue(
    api_client: APIClient,
) -> None:
    # given orders and sessions with overlapping sources, devices and countries
    CategoryFactory(name="Outdoor")
    CategoryFactory(name="<b>Kitchen</b>")
    OrderFactory(
        customer=CustomerFactory(country="US"),
        # 00:30 UTC on Feb 1 is still Jan 31 in New York: the span is in local days
        placed_at=datetime(2025, 2, 1, 0, 30, tzinfo=UTC),
        status="cancelled",
        traffic_source="paid_search",
        device="mobile",
    )
    OrderFactory(
        customer=CustomerFactory(country="DE"),
        placed_at=datetime(2025, 3, 1, 5, 0, tzinfo=UTC),
        traffic_source="organic",
        device="mobile",
    )
    WebSessionFactory(traffic_source="email", device="tablet", country="FR")
    WebSessionFactory(traffic_source="organic", device="mobile", country="")

    # when
    response = api_client.get("/api/filters/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "sources": [
            {"value": "email", "label": "Email"},
            {"value": "organic", "label": "Organic"},
            {"value": "paid_search", "label": "Paid search"},
        ],
        "devices": [
            {"value": "mobile", "label": "Mobile"},
            {"value": "tablet", "label": "Tablet"},
        ],
        "countries": ["DE", "FR", "US"],
        "categories": ["<b>Kitchen</b>", "Outdoor"],
        "data_span": {"start": "2025-01-31", "end": "2025-03-01"},
        "rollups_refreshed_at": None,
        "rollups_refreshing": False,
    }


def test_an_empty_shop_has_no_choices_and_no_span(api_client: APIClient) -> None:
    # when
    response = api_client.get("/api/filters/")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "sources": [],
        "devices": [],
        "countries": [],
        "categories": [],
        "data_span": None,
        "rollups_refreshed_at": None,
        "rollups_refreshing": False,
    }


def test_rejects_unknown_parameters(api_client: APIClient) -> None:
    # when
    response = api_client.get("/api/filters/?source=organic")

    # then
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["source", "status"]


def test_needs_a_login(client: Client) -> None:
    # when
    response = client.get("/api/filters/")

    # then
    assert response.status_code == 401


def test_reads_index_probes_only_never_a_scan(api_client: APIClient) -> None:
    # given sessions and orders with repeated values
    for source in ["organic", "organic", "email", "email", "direct"]:
        WebSessionFactory(traffic_source=source, device="mobile", country="US")
    OrderFactory(traffic_source="organic", device="desktop")

    # when
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/filters/")

    # then the values come from one `> previous ... LIMIT 1` probe per distinct value
    # (and one more to find the end) of each column's index: no DISTINCT, no UNION
    assert response.status_code == 200
    assert [s["value"] for s in response.json()["sources"]] == [
        "direct",
        "email",
        "organic",
    ]
    on_session_sources = [
        query["sql"]
        for query in queries.captured_queries
        if 'FROM "store_websession"' in query["sql"]
        and "traffic_source" in query["sql"]
    ]
    assert len(on_session_sources) == 4  # direct, email, organic, end
    statements = " ".join(query["sql"] for query in queries.captured_queries)
    assert "DISTINCT" not in statements
    assert "UNION" not in statements
