"""The /api/kpi/ endpoints: status codes and whole JSON bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    WebSessionFactory,
)

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
JANUARY = {"start": "2025-01-01", "end": "2025-01-31"}
# The keys of a time chart asked without compare.
NOT_COMPARED: dict[str, object] = {
    "compare": None,
    "compare_start": None,
    "compare_end": None,
    "compared": [],
}


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def orders() -> None:
    """January: a paid shoe+hat order, a completed hat order, a cancelled shoe order;
    December: one completed order."""
    ann, bob = CustomerFactory.create_batch(2)
    shoe = ProductFactory(category__name="Shoes")
    hat = ProductFactory(category__name="Hats")
    OrderFactory(
        placed_at=local(2025, 1, 31, 23, 59),
        status="paid",
        customer=ann,
        lines=[(shoe, 2, "10.25"), (hat, 1, "5.00")],
    )
    OrderFactory(placed_at=local(2025, 1, 2), customer=bob, lines=[(hat, 1, "7.00")])
    OrderFactory(
        placed_at=local(2025, 1, 3),
        status="cancelled",
        customer=bob,
        lines=[(shoe, 1, "3.00")],
    )
    OrderFactory(
        placed_at=local(2024, 12, 31, 23, 59), customer=bob, lines=[(hat, 1, "9.99")]
    )


def test_summary(api_client: APIClient, orders: None):
    # when
    response = api_client.get("/api/kpi/summary/", JANUARY)

    # then: revenue 25.50 + 7.00; 1 completed of 3 orders
    assert response.status_code == 200
    assert response.json() == {
        "start": "2025-01-01",
        "end": "2025-01-31",
        "currency": "USD",
        "revenue": 32.5,
        "orders": 2,
        "average_order_value": 16.25,
        "completed_orders": 1,
        "all_orders": 3,
        "completion_rate": 1 / 3,
        "customers": 2,
        "previous": {
            "start": "2024-12-01",
            "end": "2024-12-31",
            "revenue": 9.99,
            "orders": 1,
            "average_order_value": 9.99,
            "completed_orders": 1,
            "all_orders": 1,
            "completion_rate": 1.0,
            "customers": 1,
        },
    }


def test_summary_with_a_category(api_client: APIClient, orders: None):
    # when
    response = api_client.get("/api/kpi/summary/", {**JANUARY, "category": "Shoes"})

    # then: only the shoe lines of the paid order; 0 completed of 2 shoe orders
    assert response.status_code == 200
    assert response.json() == {
        "start": "2025-01-01",
        "end": "2025-01-31",
        "currency": "USD",
        "revenue": 20.5,
        "orders": 1,
        "average_order_value": 20.5,
        "completed_orders": 0,
        "all_orders": 2,
        "completion_rate": 0.0,
        "customers": 1,
        "previous": {
            "start": "2024-12-01",
            "end": "2024-12-31",
            "revenue": 0.0,
            "orders": 0,
            "average_order_value": 0.0,
            "completed_orders": 0,
            "all_orders": 0,
            "completion_rate": None,
            "customers": 0,
        },
    }


@time_machine.travel(datetime(2025, 2, 10, 15, tzinfo=UTC), tick=False)
def test_revenue_by_month_defaults_to_the_data_span(api_client: APIClient, orders):
    # when
    response = api_client.get("/api/kpi/revenue/")

    # then: the span is Dec 31 .. Jan 31 (local), so December is clipped
    assert response.status_code == 200
    assert response.json() == {
        "start": "2024-12-31",
        "end": "2025-01-31",
        "granularity": "month",
        "results": [
            {
                "period": "2024-12",
                "revenue": 9.99,
                "orders": 1,
                "average_order_value": 9.99,
                "partial": True,
            },
            {
                "period": "2025-01",
                "revenue": 32.5,
                "orders": 2,
                "average_order_value": 16.25,
                "partial": False,
            },
        ],
        **NOT_COMPARED,
    }


@time_machine.travel(datetime(2025, 2, 10, 15, tzinfo=UTC), tick=False)
def test_revenue_by_week(api_client: APIClient, orders: None):
    # when: Mon Jan 27 .. today (Mon Feb 10)
    response = api_client.get(
        "/api/kpi/revenue/",
        {"start": "2025-01-27", "end": "2025-02-10", "granularity": "week"},
    )

    # then
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "period": "2025-01-27",
            "revenue": 25.5,
            "orders": 1,
            "average_order_value": 25.5,
            "partial": False,
        },
        {
            "period": "2025-02-03",
            "revenue": 0.0,
            "orders": 0,
            "average_order_value": 0.0,
            "partial": False,
        },
        {
            "period": "2025-02-10",
            "revenue": 0.0,
            "orders": 0,
            "average_order_value": 0.0,
            "partial": True,
        },
    ]


@pytest.fixture
def sessions() -> None:
    WebSessionFactory(
        started_at=local(2025, 1, 5),
        traffic_source="email",
        events=[
            ("product_view", local(2025, 1, 5, 12, 1)),
            ("add_to_cart", local(2025, 1, 5, 12, 2)),
            ("begin_checkout", local(2025, 1, 5, 12, 3)),
            ("purchase", local(2025, 1, 5, 12, 4)),
        ],
    )
    WebSessionFactory(
        started_at=local(2025, 1, 6),
        traffic_source="social",
        events=[
            ("add_to_cart", local(2025, 1, 6, 12, 1)),
            ("product_view", local(2025, 1, 6, 12, 2)),
        ],
    )
    WebSessionFactory(started_at=local(2025, 1, 7), traffic_source="social")


def test_conversion(api_client: APIClient, sessions: None):
    # when
    response = api_client.get("/api/kpi/conversion/", JANUARY)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "start": "2025-01-01",
        "end": "2025-01-31",
        "results": [
            {
                "source": "social",
                "sessions": 2,
                "converted_sessions": 0,
                "conversion_rate": 0.0,
            },
            {
                "source": "email",
                "sessions": 1,
                "converted_sessions": 1,
                "conversion_rate": 1.0,
            },
        ],
        "overall": {"sessions": 3, "converted_sessions": 1, "conversion_rate": 1 / 3},
    }


def test_funnel(api_client: APIClient, sessions: None):
    # when
    response = api_client.get("/api/kpi/funnel/", JANUARY)

    # then: the social session's add_to_cart came before its product_view; the
    # email session's purchase event links no order
    assert response.status_code == 200
    assert response.json() == {
        "start": "2025-01-01",
        "end": "2025-01-31",
        "steps": [
            {
                "step": "session",
                "sessions": 3,
                "conversion_from_start": 1.0,
                "conversion_from_previous": 1.0,
                "orders": 0,
                "revenue": 0.0,
                "revenue_per_session": 0.0,
                "abandoned_sessions": None,
                "abandoned_cart_units": None,
                "abandoned_cart_value": None,
            },
            {
                "step": "product_view",
                "sessions": 2,
                "conversion_from_start": 2 / 3,
                "conversion_from_previous": 2 / 3,
                "orders": 0,
                "revenue": 0.0,
                "revenue_per_session": 0.0,
                "abandoned_sessions": None,
                "abandoned_cart_units": None,
                "abandoned_cart_value": None,
            },
            {
                "step": "add_to_cart",
                "sessions": 1,
                "conversion_from_start": 1 / 3,
                "conversion_from_previous": 0.5,
                "orders": 0,
                "revenue": 0.0,
                "revenue_per_session": 0.0,
                "abandoned_sessions": 0,
                "abandoned_cart_units": 0,
                "abandoned_cart_value": 0.0,
            },
            {
                "step": "begin_checkout",
                "sessions": 1,
                "conversion_from_start": 1 / 3,
                "conversion_from_previous": 1.0,
                "orders": 0,
                "revenue": 0.0,
                "revenue_per_session": 0.0,
                "abandoned_sessions": 0,
                "abandoned_cart_units": 0,
                "abandoned_cart_value": 0.0,
            },
            {
                "step": "purchase",
                "sessions": 1,
                "conversion_from_start": 1 / 3,
                "conversion_from_previous": 1.0,
                "orders": 0,
                "revenue": 0.0,
                "revenue_per_session": 0.0,
                "abandoned_sessions": None,
                "abandoned_cart_units": None,
                "abandoned_cart_value": None,
            },
        ],
        "breakdown": None,
        "groups": [],
    }


def test_endpoints_without_any_data_give_empty_results(api_client: APIClient):
    # when
    revenue = api_client.get("/api/kpi/revenue/")
    conversion = api_client.get("/api/kpi/conversion/", {"source": "email"})

    # then
    assert (revenue.status_code, revenue.json()) == (
        200,
        {
            "start": None,
            "end": None,
            "granularity": "month",
            "results": [],
            **NOT_COMPARED,
        },
    )
    assert (conversion.status_code, conversion.json()) == (
        200,
        {
            "start": None,
            "end": None,
            "results": [],
            "overall": {
                "sessions": 0,
                "converted_sessions": 0,
                "conversion_rate": None,
            },
        },
    )


@pytest.mark.parametrize(
    ("path", "query", "body"),
    [
        (
            "summary",
            {"start": "2025-13-01"},
            {
                "start": [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ]
            },
        ),
        (
            "revenue",
            {"start": "2025-02-01", "end": "2025-01-31"},
            {"end": ["end must not be before start."]},
        ),
        ("conversion", {"source": "tv"}, {"source": ['"tv" is not a valid choice.']}),
        (
            "revenue",
            {"granularity": "year"},
            {"granularity": ['"year" is not a valid choice.']},
        ),
        (
            "summary",
            {"colour": "red"},
            {
                "colour": [
                    "Unknown parameter. Known parameters: "
                    "category, country, device, end, source, start."
                ]
            },
        ),
        (
            "funnel",
            {"category": "Shoes"},
            {
                "category": [
                    "Unknown parameter. Known parameters: breakdown, country, "
                    "device, end, source, start, unit, window_days."
                ]
            },
        ),
        (
            "funnel",
            {"breakdown": "category"},
            {"breakdown": ['"category" is not a valid choice.']},
        ),
        (
            "conversion",
            {"category": "Shoes"},
            {
                "category": [
                    "Unknown parameter. Known parameters: "
                    "country, device, end, source, start."
                ]
            },
        ),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    api_client: APIClient, path: str, query: dict[str, str], body: dict
):
    # when
    response = api_client.get(f"/api/kpi/{path}/", query)

    # then
    assert response.status_code == 400
    assert response.json() == {**body, "status": 400}


@pytest.mark.parametrize("path", ["summary", "revenue", "conversion", "funnel"])
def test_anonymous_and_non_staff_users_are_refused(path: str):
    # given
    anonymous = APIClient()
    customer_user = APIClient()
    customer_user.force_authenticate(User.objects.create_user("shopper"))

    # when
    anonymous_response = anonymous.get(f"/api/kpi/{path}/")
    customer_response = customer_user.get(f"/api/kpi/{path}/")

    # then
    assert anonymous_response.status_code == 401
    assert customer_response.status_code == 403


# --- /api/kpi/sales/ on the sales shop (conftest.SalesShop) -------------------------


def sales_keys(gross, discounts, returns, net, shipping, taxes, total, orders) -> dict:
    return {
        "gross_sales": gross,
        "discounts": discounts,
        "returns": returns,
        "net_sales": net,
        "shipping": shipping,
        "taxes": taxes,
        "total_sales": total,
        "orders": orders,
    }


@time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False)
def test_sales_body(api_client: APIClient, sales_shop):
    # when
    response = api_client.get(
        "/api/kpi/sales/", {"start": "2025-01-01", "end": "2025-03-31"}
    )

    # then: o2's return (45) on Feb 1, o1's (20) in March; o4 refunded in full
    assert response.status_code == 200
    assert response["X-Revenue-Measure"] == "net_sales"
    assert response.json() == {
        "start": "2025-01-01",
        "end": "2025-03-31",
        "granularity": "month",
        "currency": "USD",
        "revenue_measure": "net_sales",
        "totals": sales_keys(230.0, 21.0, 83.0, 126.0, 12.0, 18.0, 156.0, 3),
        "previous": {
            "start": "2024-10-03",
            "end": "2024-12-31",
            **sales_keys(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0),
        },
        "results": [
            {
                "period": "2025-01",
                "partial": False,
                **sales_keys(170.0, 15.0, 0.0, 155.0, 5.0, 13.0, 173.0, 2),
            },
            {
                "period": "2025-02",
                "partial": False,
                **sales_keys(60.0, 6.0, 63.0, -9.0, 7.0, 5.0, 3.0, 1),
            },
            {
                "period": "2025-03",
                "partial": False,
                **sales_keys(0.0, 0.0, 20.0, -20.0, 0.0, 0.0, -20.0, 0),
            },
        ],
    }


@time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False)
def test_sales_csv_is_one_row_per_bucket(api_client: APIClient, sales_shop):
    # when
    response = api_client.get(
        "/api/kpi/sales/",
        {
            "start": "2025-01-31",
            "end": "2025-02-01",
            "granularity": "day",
            "format": "csv",
        },
    )

    # then: the window's and the previous window's figures repeat on each row
    assert response.status_code == 200
    header, first, second = response.content.decode().splitlines()
    columns = header.split(",")
    assert columns[:5] == ["start", "end", "granularity", "currency", "revenue_measure"]
    assert columns[-10:] == [
        "period",
        "partial",
        "gross_sales",
        "discounts",
        "returns",
        "net_sales",
        "shipping",
        "taxes",
        "total_sales",
        "orders",
    ]
    assert first.endswith("2025-01-31,false,50.00,5.00,0.00,45.00,0.00,4.00,49.00,1")
    assert second.endswith("2025-02-01,false,0.00,0.00,45.00,-45.00,0.00,0.00,-45.00,0")


def test_every_metric_names_the_revenue_measure(api_client: APIClient, settings):
    # given
    settings.REVENUE_MEASURE = "total_sales"

    # when
    summary = api_client.get("/api/kpi/summary/")
    funnel = api_client.get("/api/kpi/funnel/")

    # then
    assert summary["X-Revenue-Measure"] == "total_sales"
    assert funnel["X-Revenue-Measure"] == "total_sales"
    assert api_client.get("/api/kpi/sales/").json()["revenue_measure"] == "total_sales"


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ({"granularity": "year"}, {"granularity": ['"year" is not a valid choice.']}),
        (
            {"start": "2025-02-30"},
            {
                "start": [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ]
            },
        ),
        (
            {"start": "2025-02-01", "end": "2025-01-31"},
            {"end": ["end must not be before start."]},
        ),
        ({"device": "tv"}, {"device": ['"tv" is not a valid choice.']}),
        (
            {"by": "product"},
            {
                "by": [
                    "Unknown parameter. Known parameters: category, country, device, "
                    "end, granularity, source, start."
                ]
            },
        ),
    ],
)
def test_bad_sales_parameters_are_400_naming_the_parameter(
    api_client: APIClient, query: dict[str, str], body: dict
):
    response = api_client.get("/api/kpi/sales/", query)
    assert (response.status_code, response.json()) == (400, {**body, "status": 400})
