"""Roll-ups give the raw tables' numbers: every metric, random filters, generated data.

The shop is generated once for the module (ecomanalytics.store.generation, a small
size) and rolled up; each test draws filter combinations from a seeded random.Random
(sources, devices, countries, categories, including values that match nothing, and
start/end inside and outside the data) and compares the raw path with the roll-up
path, whole results. The roll-ups count each session's stored funnel progress
(written by the generator) while the raw path recomputes it from the events, so the
conversion and funnel cases also prove the stored progress matches the events.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.apps import apps

from cohorts.metrics import repeat_purchase, retention_matrix
from demand.metrics import (
    monthly_revenue,
    revenue_growth,
    sales_by_category,
    top_products,
)
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.status import metrics_path
from ecomanalytics.store.choices import Device, TrafficSource
from ecomanalytics.store.generation.run import generate_data
from ecomanalytics.store.generation.writer import flush_shop
from ecomanalytics.store.models import Category, Customer
from kpi.metrics import conversion_by_source, funnel, kpi_summary, revenue_over_time

NOW = datetime(2025, 11, 20, 15, 30, tzinfo=UTC)
SHOP = {"customers": 300, "months": 12, "seed": 7, "now": NOW, "batch_customers": 150}
COMBINATIONS = 25
ROLLUP_MODELS = tuple(apps.get_app_config("rollups").get_models())

pytestmark = pytest.mark.django_db


def empty_rollups() -> None:
    for model in ROLLUP_MODELS:
        model.objects.all().delete()


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker) -> Iterator[None]:
    """SHOP generated and rolled up, committed once; the tests only read it."""
    with django_db_blocker.unblock():
        generate_data(**SHOP, flush=True)
        refresh_rollups()
    yield
    with django_db_blocker.unblock():
        empty_rollups()
        flush_shop()


def random_day(rng: random.Random) -> date:
    # The data spans 2024-11 .. 2025-11-20; draw from before it to after it.
    return date(2024, 8, 1) + timedelta(days=rng.randrange(560))


def random_filters(rng: random.Random, *, dates: bool = True) -> MetricFilters:
    countries = sorted(set(Customer.objects.values_list("country", flat=True)))
    categories = list(Category.objects.values_list("name", flat=True))

    def maybe(values: list[str]) -> str | None:
        roll = rng.random()
        if roll < 0.55:
            return None
        if roll < 0.6:
            return "nothing-matches"
        return rng.choice(values)

    start = random_day(rng) if dates and rng.random() < 0.8 else None
    end = random_day(rng) if dates and rng.random() < 0.8 else None
    if start and end and start > end:
        start, end = end, start
    return MetricFilters(
        start=start,
        end=end,
        source=maybe(list(TrafficSource.values)),
        device=maybe(list(Device.values)),
        country=maybe(countries),
        category=maybe(categories),
    )


def both_paths(metric: Callable[..., Any], **arguments: Any) -> tuple[Any, Any]:
    with metrics_path("raw"):
        raw = metric(**arguments)
    with metrics_path("rollup"):
        rolled_up = metric(**arguments)
    return raw, rolled_up


def assert_same_on_random_filters(
    seed: int, metric: Callable[..., Any], **arguments: Any
) -> None:
    rng = random.Random(seed)
    for _ in range(COMBINATIONS):
        filters = random_filters(rng)
        raw, rolled_up = both_paths(metric, filters=filters, **arguments)
        assert rolled_up == raw, filters


@pytest.mark.parametrize(
    ("metric", "arguments"),
    [
        (kpi_summary, {}),
        (revenue_over_time, {"granularity": "day"}),
        (revenue_over_time, {"granularity": "week"}),
        (revenue_over_time, {"granularity": "month"}),
        (conversion_by_source, {}),
        (funnel, {}),
        (revenue_growth, {}),
        (top_products, {"limit": 10}),
        (top_products, {"limit": 3}),
        (sales_by_category, {}),
        (retention_matrix, {"months": 6}),
        (retention_matrix, {"months": 14, "cohort_by": "signup"}),
        (repeat_purchase, {}),
        (repeat_purchase, {"cohort_by": "signup"}),
    ],
    ids=lambda value: getattr(value, "__name__", None) or str(value),
)
def test_rollups_give_the_raw_numbers(shop, metric, arguments):
    # given the rolled-up shop; when both paths answer random filters; then equal
    seed = zlib.crc32(f"{metric.__name__}{arguments}".encode())
    assert_same_on_random_filters(seed, metric, **arguments)


def test_the_generated_shop_is_not_trivial(shop):
    # given / when: all the data, no filters
    raw, rolled_up = both_paths(kpi_summary, filters=MetricFilters())

    # then: the comparisons above compared real numbers
    assert rolled_up == raw
    assert raw.current.orders > 100
    assert raw.current.customers > 50


def test_monthly_revenue_of_whole_months(shop):
    rng = random.Random(11)
    for _ in range(COMBINATIONS):
        filters = random_filters(rng, dates=False)
        first = random_day(rng).replace(day=1)
        last = (first + timedelta(days=rng.randrange(400))).replace(day=1)
        raw, rolled_up = both_paths(
            monthly_revenue, filters=filters, first=first, last=last
        )
        assert rolled_up == raw, (filters, first, last)
