"""Query parameters every metric endpoint shares: repeats and the bucket cap."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

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
