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

    # then each column is read in one statement of `> previous ... LIMIT 1` probes
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
    assert len(on_session_sources) == 1
    statements = " ".join(query["sql"] for query in queries.captured_queries)
    assert "DISTINCT" not in statements
    assert "GROUP BY" not in statements
    # and its plan searches the column's index, never scans the table
    plan = _plan(on_session_sources[0])
    assert "store_websession" in plan
    assert not _scans(plan, "store_websession"), plan


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A few rows make a sequential scan the cheapest plan; without the index
            # it would still be chosen, so this shows whether an index serves.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(row[-1] for row in cursor.fetchall())


def _scans(plan: str, table: str) -> bool:
    """A full read of the table or of an index of it (SQLite's SCAN, with or without
    an index; PostgreSQL's Seq Scan)."""
    return any(
        f"Seq Scan on {table}" in line or line.strip().startswith(f"SCAN {table}")
        for line in plan.splitlines()
    )
