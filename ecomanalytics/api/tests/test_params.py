"""Query parameters every metric endpoint shares: repeats, empty values, dates as
the schema states them, text filters and the bucket cap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from ecomanalytics.store.tests.factories import OrderFactory

from .conftest import MetricRoute, parametrize_metric_routes

pytestmark = pytest.mark.django_db

REVENUE = "/api/kpi/revenue/"


@parametrize_metric_routes
def test_a_repeated_parameter_is_a_400_naming_it(
    route: MetricRoute, api_client: APIClient
) -> None:
    # when
    response = api_client.get(f"{route.url}?start=2025-01-01&start=2025-02-01")

    # then
    assert response.status_code == 400
    assert response.json() == {
        "start": ["Give this parameter once; it takes a single value."],
        "status": 400,
    }


def test_repeated_filters_are_not_combined_silently(api_client: APIClient) -> None:
    # when
    response = api_client.get(f"{REVENUE}?source=email&source=organic")

    # then
    assert response.status_code == 400
    assert response.json() == {
        "source": ["Give this parameter once; it takes a single value."],
        "status": 400,
    }


def test_day_buckets_over_two_centuries_are_refused_naming_the_limit(
    api_client: APIClient,
) -> None:
    # when
    response = api_client.get(
        REVENUE, {"granularity": "day", "start": "1900-01-01", "end": "2100-12-31"}
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "granularity": [
            "1900-01-01 to 2100-12-31 is 73,414 day buckets; at most 1,100 per "
            "request. Ask granularity=week or granularity=month or shorter periods "
            "asked one after another (start/end)."
        ],
        "status": 400,
    }


@pytest.mark.parametrize(
    ("granularity", "start", "end", "status"),
    [
        ("day", "2023-01-01", "2026-01-04", 200),  # 1,100 days
        ("day", "2023-01-01", "2026-01-05", 400),  # 1,101 days
        ("week", "1990-01-01", "2010-12-31", 200),  # 1,096 weeks
        ("month", "1900-01-01", "1991-08-31", 200),  # 1,100 months
        ("month", "1900-01-01", "2100-12-31", 400),  # 2,412 months
    ],
)
def test_the_cap_counts_buckets_of_each_granularity(
    api_client: APIClient, granularity: str, start: str, end: str, status: int
) -> None:
    # when
    response = api_client.get(
        REVENUE, {"granularity": granularity, "start": start, "end": end}
    )

    # then
    assert response.status_code == status
    if status == 200:
        assert len(response.json()["results"]) <= 1100


@parametrize_metric_routes
@pytest.mark.parametrize("name", ["start", "format"])
def test_an_empty_value_is_a_400_naming_it(
    route: MetricRoute, name: str, api_client: APIClient
) -> None:
    # when: the schema says a date (or csv/json); DRF alone read it as not given
    response = api_client.get(f"{route.url}?{name}=")

    # then
    assert response.status_code == 400
    assert response.json() == {
        name: ["Empty value: give a value, or leave the parameter out."],
        "status": 400,
    }


@pytest.mark.parametrize(
    "day", ["20250101", "2025-W01-1", "2025-1-5", "\uff12\uff10\uff12\uff15-01-01"]
)
def test_a_date_is_yyyy_mm_dd_as_the_schema_says(
    day: str, api_client: APIClient
) -> None:
    # when: Python's date parser alone reads the first three
    response = api_client.get(REVENUE, {"start": day})

    # then
    assert response.status_code == 400
    assert response.json() == {"start": ["Date must be YYYY-MM-DD."], "status": 400}


def test_the_bucket_cap_counts_an_open_end_from_the_data(api_client: APIClient) -> None:
    # given a shop whose last order is on 2025-03-10
    OrderFactory(placed_at=datetime(2025, 3, 10, 17, tzinfo=UTC))

    # when: only a start, four years before
    response = api_client.get(REVENUE, {"granularity": "day", "start": "2021-03-01"})

    # then the answer would have had 1,471 day buckets
    assert response.status_code == 400
    assert response.json() == {
        "granularity": [
            "2021-03-01 to 2025-03-10 is 1,471 day buckets; at most 1,100 per "
            "request. Ask granularity=week or granularity=month or shorter periods "
            "asked one after another (start/end)."
        ],
        "status": 400,
    }


def test_a_text_filter_is_matched_as_given_and_refuses_nul(
    api_client: APIClient,
) -> None:
    # when
    spaced = api_client.get(REVENUE, {"country": " "})
    nul = api_client.get(REVENUE, {"country": "US\x00"})

    # then: a value the schema allows is a filter (matching nothing here)
    assert spaced.status_code == 200
    assert nul.status_code == 400
    assert nul.json()["country"][0] == "Null characters are not allowed."


def test_a_parameter_named_status_keeps_the_body_as_documented(
    api_client: APIClient,
) -> None:
    # when: found by the fuzzer; its messages took the place of the status code
    response = api_client.get(REVENUE, {"status": "paid"})

    # then
    assert response.status_code == 400
    assert response.json() == {
        "detail": "status: Unknown parameter. Known parameters: category, compare, "
        "country, device, end, granularity, source, start.",
        "status": 400,
    }
