"""Lifetime value by cohort on the value shop (cohorts/tests/value_shop.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from cohorts.metrics import AverageValue, CohortValue, LifetimeValue, lifetime_value
from cohorts.tests.value_shop import build_value_shop, local
from ecomanalytics.filters import MetricFilters


@pytest.fixture
def value_shop(db):
    return build_value_shop()


def cohort(month: date, size: int, revenue: list[str | None]) -> CohortValue:
    """A cohort from its monthly revenue: cumulative per customer, retention."""
    amounts = [None if value is None else Decimal(value) for value in revenue]
    total = Decimal("0")
    values: list[Decimal | None] = []
    for amount in amounts:
        if amount is None:
            values.append(None)
        else:
            total += amount
            values.append((total / size).quantize(Decimal("0.01")))
    first = amounts[0]
    return CohortValue(
        cohort=month,
        customers=size,
        revenue=amounts,
        lifetime_value=values,
        revenue_retention=[
            None if amount is None or not first else float(amount / first)
            for amount in amounts
        ],
    )


@time_machine.travel(local(6, 15), tick=False)
def test_lifetime_value_per_cohort_and_the_weighted_average(answer, value_shop):
    # given ann (January: 100, then 50 in Feb, a refund of 20 in Mar), ben
    # (February: 30, then 40 in Mar), cat (March: 60); today June 15
    # when
    result = answer(lifetime_value, filters=MetricFilters(), months=4)
    # then June has not ended: cat's month 3 is null, the average's month 3 is
    # ann's and ben's
    assert result == LifetimeValue(
        months=4,
        results=[
            cohort(date(2025, 1, 1), 1, ["100.00", "50.00", "-20.00", "0.00"]),
            cohort(date(2025, 2, 1), 1, ["30.00", "40.00", "0.00", "0.00"]),
            cohort(date(2025, 3, 1), 1, ["60.00", "0.00", "0.00", None]),
        ],
        average=[
            AverageValue(0, 3, 3, Decimal("63.33")),
            AverageValue(1, 3, 3, Decimal("93.33")),
            AverageValue(2, 3, 3, Decimal("86.67")),
            AverageValue(3, 2, 2, Decimal("100.00")),
        ],
    )


@time_machine.travel(local(6, 15), tick=False)
def test_filters_and_start_end_select_cohort_members(answer, value_shop):
    # given ben came by email; start/end hold only the January first order
    # when
    by_source = answer(lifetime_value, filters=MetricFilters(source="email"), months=2)
    january = answer(
        lifetime_value,
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31)),
        months=2,
    )
    nobody = answer(lifetime_value, filters=MetricFilters(country="FR"), months=1)
    # then
    assert by_source.results == [cohort(date(2025, 2, 1), 1, ["30.00", "40.00"])]
    assert january.results == [cohort(date(2025, 1, 1), 1, ["100.00", "50.00"])]
    assert nobody == LifetimeValue(1, [], [AverageValue(0, 0, 0, None)])


@time_machine.travel(local(6, 15), tick=False)
def test_the_endpoint_body_and_csv(api_client, value_shop):
    # when
    response = api_client.get(
        "/api/cohorts/lifetime-value/", {"months": 2, "source": "email"}
    )
    csv = api_client.get("/api/cohorts/lifetime-value/", {"months": 2, "format": "csv"})
    # then
    assert response.status_code == 200
    assert response.json() == {
        "months": 2,
        "results": [
            {
                "cohort": "2025-02",
                "customers": 1,
                "revenue": [30.0, 40.0],
                "lifetime_value": [30.0, 70.0],
                "revenue_retention": [1.0, 4 / 3],
            }
        ],
        "average": [
            {"month": 0, "cohorts": 1, "customers": 1, "lifetime_value": 30.0},
            {"month": 1, "cohorts": 1, "customers": 1, "lifetime_value": 70.0},
        ],
    }
    assert csv.status_code == 200
    assert (
        api_client.get("/api/cohorts/lifetime-value/", {"months": 0}).status_code == 400
    )
