"""The cohort endpoints: whole JSON bodies and 400s naming the parameter."""

from __future__ import annotations

import pytest
import time_machine

from cohorts.tests.test_metrics import local, shop  # noqa: F401 (fixture)

RETENTION = "/api/cohorts/retention/"
REPEAT = "/api/cohorts/repeat-purchase/"


@time_machine.travel(local(2025, 3, 15, 12), tick=False)
def test_retention_body(api_client, shop):  # noqa: F811
    # given the shop of the metric tests, today March 15
    # when
    response = api_client.get(RETENTION, {"months": 3})
    # then
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "cohort": "2025-01",
                "size": 3,
                "active": [3, 1, None],
                "retention": [1.0, 1 / 3, None],
            },
            {
                "cohort": "2025-02",
                "size": 1,
                "active": [1, None, None],
                "retention": [1.0, None, None],
            },
        ]
    }


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_retention_defaults_to_twelve_months_by_first_order(api_client, shop):  # noqa: F811
    # when
    response = api_client.get(RETENTION, {"source": "email"})
    # then
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "cohort": "2025-02",
                "size": 1,
                "active": [1, 0, 0, 0, *[None] * 8],
                "retention": [1.0, 0.0, 0.0, 0.0, *[None] * 8],
            },
        ]
    }


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_retention_by_signup(api_client, shop):  # noqa: F811
    # given every shop customer signed up on Jan 1 00:00 UTC: Dec 31 in New York
    # when
    response = api_client.get(RETENTION, {"months": 2, "cohort_by": "signup"})
    # then alice, carol and frank have January revenue orders; bob's was cancelled
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"cohort": "2024-12", "size": 5, "active": [0, 3], "retention": [0.0, 0.6]}
        ]
    }


def test_repeat_purchase_body(api_client, shop):  # noqa: F811
    # when
    response = api_client.get(REPEAT, {"start": "2025-01-01", "end": "2025-02-28"})
    # then
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "cohort": "2025-01",
                "customers": 3,
                "repeat_customers": 2,
                "repeat_rate": 2 / 3,
            },
            {
                "cohort": "2025-02",
                "customers": 1,
                "repeat_customers": 1,
                "repeat_rate": 1.0,
            },
        ]
    }


def test_filters_matching_nothing_give_empty_results(api_client, shop):  # noqa: F811
    assert api_client.get(RETENTION, {"country": "FR"}).json() == {"results": []}
    assert api_client.get(REPEAT, {"category": "Nope"}).json() == {"results": []}


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        (RETENTION, {"months": "0"}, "months"),
        (RETENTION, {"months": "61"}, "months"),
        (RETENTION, {"months": "many"}, "months"),
        (RETENTION, {"cohort_by": "birthday"}, "cohort_by"),
        (REPEAT, {"cohort_by": "birthday"}, "cohort_by"),
        (REPEAT, {"months": "3"}, "months"),
        (RETENTION, {"start": "2025-13-01"}, "start"),
        (RETENTION, {"start": "2025-02-01", "end": "2025-01-31"}, "end"),
        (REPEAT, {"end": "yesterday"}, "end"),
        (REPEAT, {"device": "toaster"}, "device"),
        (RETENTION, {"limit": "3"}, "limit"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    api_client, path, query, parameter
):
    # when
    response = api_client.get(path, query)
    # then
    assert response.status_code == 400
    assert list(response.json()) == [parameter, "status"]


def test_anonymous_users_are_refused(client, db):
    assert client.get(RETENTION).status_code in (401, 403)
