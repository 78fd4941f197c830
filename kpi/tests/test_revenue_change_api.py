"""/api/kpi/revenue-change/: the whole JSON body, CSV, headers and 400s."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from ecomanalytics.store.tests.factories import (
    OrderFactory,
    ProductFactory,
    WebSessionFactory,
)

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
JANUARY = {"start": "2025-01-01", "end": "2025-01-31"}


def local(year: int, month: int, day: int):
    return datetime(year, month, day, 12, tzinfo=NEW_YORK)


@pytest.fixture
def shop() -> None:
    """organic: December 2 sessions, an order of 40.00; January 4 sessions, orders of
    30.00 and 50.00."""
    product = ProductFactory()
    for started_at, count in ((local(2024, 12, 3), 2), (local(2025, 1, 3), 4)):
        WebSessionFactory.create_batch(
            count, started_at=started_at, events=[("page_view", started_at)]
        )
    for placed_at, total in (
        (local(2024, 12, 4), "40.00"),
        (local(2025, 1, 4), "30.00"),
        (local(2025, 1, 5), "50.00"),
    ):
        OrderFactory(
            placed_at=placed_at, traffic_source="organic", lines=[(product, 1, total)]
        )


def test_revenue_change_body(api_client: APIClient, shop: None):
    # when
    response = api_client.get("/api/kpi/revenue-change/", JANUARY)

    # then: 40 → 80, L = 40 ÷ ln 2 = 57.7078; traffic L x ln 2 = 40.00; conversion
    # L x ln((2/4) ÷ (1/2)) = 0; order value 40 - 40 = 0
    assert response.status_code == 200
    assert response["X-Revenue-Measure"] == "net_sales"
    effects = {
        "change": 40.0,
        "change_rate": 1.0,
        "sessions_known": True,
        "method": "lmdi",
        "traffic_effect": 40.0,
        "conversion_effect": 0.0,
        "orders_effect": 40.0,
        "order_value_effect": 0.0,
        "traffic_share": 1.0,
        "conversion_share": 0.0,
        "orders_share": 1.0,
        "order_value_share": 0.0,
    }
    previous = {
        "sessions": 2,
        "orders": 1,
        "orders_per_session": 0.5,
        "average_order_value": 40.0,
        "revenue": 40.0,
    }
    current = {
        "sessions": 4,
        "orders": 2,
        "orders_per_session": 0.5,
        "average_order_value": 40.0,
        "revenue": 80.0,
    }
    assert response.json() == {
        "start": "2025-01-01",
        "end": "2025-01-31",
        "compare": "previous_period",
        "compare_start": "2024-12-01",
        "compare_end": "2024-12-31",
        "currency": "USD",
        "revenue_measure": "net_sales",
        "total": {"previous": previous, "current": current, "effects": effects},
        "results": [
            {
                "previous": previous,
                "current": current,
                "effects": effects,
                "source": "organic",
                "contribution": 1.0,
            }
        ],
    }


def test_revenue_change_csv_is_one_row_per_source(api_client: APIClient, shop: None):
    # when
    response = api_client.get("/api/kpi/revenue-change/", {**JANUARY, "format": "csv"})

    # then
    assert response.status_code == 200
    header, row = response.content.decode().splitlines()
    columns = header.split(",")
    cells = dict(zip(columns, row.split(","), strict=True))
    assert cells["source"] == "organic"
    assert cells["effects_traffic_effect"] == "40.00"
    assert cells["compare_start"] == "2024-12-01"


@pytest.mark.parametrize(
    ("query", "body"),
    [
        (
            {"compare": "last_week"},
            {"compare": ['"last_week" is not a valid choice.']},
        ),
        (
            {"category": "Shoes"},
            {
                "category": [
                    "Unknown parameter. Known parameters: "
                    "compare, country, device, end, source, start."
                ]
            },
        ),
        (
            {"start": "2025-02-01", "end": "2025-01-31"},
            {"end": ["end must not be before start."]},
        ),
    ],
)
def test_bad_revenue_change_parameters_are_400(
    api_client: APIClient, query: dict[str, str], body: dict
):
    # when
    response = api_client.get("/api/kpi/revenue-change/", query)

    # then
    assert (response.status_code, response.json()) == (400, {**body, "status": 400})


def test_new_time_charts_answer_csv_and_reject_bad_parameters(
    api_client: APIClient, shop: None
):
    # when
    conversion = api_client.get(
        "/api/kpi/conversion-over-time/",
        {**JANUARY, "compare": "previous_period", "format": "csv"},
    )
    checkouts = api_client.get("/api/kpi/abandoned-checkouts/", JANUARY)
    bad_breakdown = api_client.get(
        "/api/kpi/conversion-over-time/", {"breakdown": "device"}
    )
    bad_compare = api_client.get("/api/kpi/revenue/", {"compare": "last_year"})

    # then: the CSV holds the window's and the compared window's rows
    assert conversion.status_code == 200
    header, *rows = conversion.content.decode().splitlines()
    assert header.split(",")[0] == "table"
    assert [row.split(",")[0] for row in rows] == ["results", "compared"]
    assert checkouts.status_code == 200
    assert checkouts["X-Revenue-Measure"] == "net_sales"
    assert checkouts.json()["results"][0]["checkouts"] == 0
    assert (bad_breakdown.status_code, bad_breakdown.json()) == (
        400,
        {"breakdown": ['"device" is not a valid choice.'], "status": 400},
    )
    assert (bad_compare.status_code, bad_compare.json()) == (
        400,
        {"compare": ['"last_year" is not a valid choice.'], "status": 400},
    )
