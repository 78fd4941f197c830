"""Filtered customer value read from the sums stored per filter value with the fit."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cohorts.metrics import customer_value
from cohorts.models import CustomerValueFit, CustomerValueLevel
from cohorts.rollup import level_filters
from cohorts.stored_value import LEVELS_STORED
from cohorts.tests.value_shop import local
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)

SOURCES = ("organic", "email", "paid")
DEVICES = ("desktop", "mobile")
COUNTRIES = ("US", "CA", "DE")


@pytest.fixture
def mixed_history(db):
    """Twelve customers: customer k orders k times, every 20 days from Jan 1, a hat
    or a shoe; source, device and country by k; c3's first order at 23:30 on Jan 31
    in New York (Feb 1 in UTC), and a cancelled order of c5's."""
    hat = ProductFactory(category=CategoryFactory(name="Hats"))
    shoe = ProductFactory(category=CategoryFactory(name="Shoes"))
    start = local(1, 1)
    for k in range(1, 13):
        customer = CustomerFactory(external_id=f"c{k}", country=COUNTRIES[k % 3])
        first = local(1, 31, 23, 30) if k == 3 else start + timedelta(days=k)
        for n in range(k):
            OrderFactory(
                customer=customer,
                placed_at=first + timedelta(days=20 * n),
                traffic_source=SOURCES[k % 3],
                device=DEVICES[k % 2],
                lines=[(hat if (k + n) % 2 else shoe, 1, str(10 + k))],
            )
    OrderFactory(
        customer=CustomerFactory(external_id="c5x", country="US"),
        placed_at=local(2, 3),
        status="cancelled",
    )
    refresh_rollups()
    call_command("fit_customer_value")
    return CustomerValueFit.objects.get()


def summed_now(fit: CustomerValueFit) -> None:
    """Forget the stored levels, as a fit stored before them: requests sum them."""
    CustomerValueLevel.objects.filter(fit=fit).delete()
    fit.whole_shop = {**(fit.whole_shop or {}), LEVELS_STORED: False}
    fit.save(update_fields=["whole_shop"])


def to_float_precision(value: Any) -> Any:
    """A report as plain data, its floats to 12 significant digits: a mean of floats
    summed in another order (one group of a grouped query, or a filtered query on
    PostgreSQL) may differ in its last bits, far below the API's 4 decimals."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_float_precision(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {key: to_float_precision(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_float_precision(item) for item in value]
    if isinstance(value, float):
        return float(f"{value:.12g}")
    return value


def test_the_fit_stores_every_single_filter_value(mixed_history):
    stored = set(
        CustomerValueLevel.objects.values_list("dimension", "value").order_by()
    )
    assert stored == {
        ("source", "organic"),
        ("source", "email"),
        ("source", "paid"),
        ("device", "desktop"),
        ("device", "mobile"),
        ("country", "US"),
        ("country", "CA"),
        ("country", "DE"),
        ("category", "Hats"),
        ("category", "Shoes"),
    }


def test_stored_levels_give_the_answer_summed_per_request(mixed_history):
    # given the stored answers of every level and of a value nobody has
    levels = [
        *CustomerValueLevel.objects.values_list("dimension", "value").order_by(),
        ("source", "nobody"),
    ]
    stored = {level: customer_value(filters=level_filters(*level)) for level in levels}
    # when the same are summed per request
    summed_now(mixed_history)
    computed = {
        level: customer_value(filters=level_filters(*level)) for level in levels
    }
    # then
    assert to_float_precision(stored) == to_float_precision(computed)
    nobody = stored[("source", "nobody")]
    assert (nobody.cohorts, nobody.rfm_groups, nobody.top_customers) == ([], [], [])
    email = stored[("source", "email")]  # c1, c4, c7, c10
    assert sum(row.customers for row in email.cohorts) == 4
    assert sum(group.customers for group in email.rfm_groups) == 4
    assert sum(bucket.customers for bucket in email.probability_alive) == 4


def test_a_filtered_answer_reads_no_per_customer_row(mixed_history):
    # when
    with CaptureQueriesContext(connection) as queries:
        report = customer_value(filters=MetricFilters(category="Hats"))
    # then sums and top customers come from the level's stored row
    scans = [q["sql"] for q in queries if '"cohorts_customervalue"' in q["sql"]]
    assert scans == []
    assert len(report.top_customers) == 6  # c1, c3, ..., c11 bought a hat first
    assert report.top_customers[0].predicted_revenue > Decimal(0)


@pytest.mark.parametrize(
    "filters",
    [
        MetricFilters(source="email", device="mobile"),
        MetricFilters(country="US", start=local(1, 1).date()),
    ],
)
def test_other_filters_are_summed_per_request(mixed_history, filters):
    # given
    stored = customer_value(filters=filters)
    # when
    summed_now(mixed_history)
    # then
    assert to_float_precision(customer_value(filters=filters)) == to_float_precision(
        stored
    )
