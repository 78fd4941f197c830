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
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypedDict

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
from ecomanalytics.rollups.status import Source, answered_by, metrics_path
from ecomanalytics.store.choices import Device, TrafficSource
from ecomanalytics.store.generation.run import generate_data
from ecomanalytics.store.generation.writer import flush_shop
from ecomanalytics.store.models import Category, Customer
from kpi.metrics import (
    conversion_by_source,
    customer_funnel,
    funnel,
    kpi_summary,
    revenue_over_time,
)


class Shop(TypedDict):
    """generate_data's keywords for the module's shop."""

    customers: int
    months: int
    seed: int
    now: datetime
    batch_customers: int


NOW = datetime(2025, 11, 20, 15, 30, tzinfo=UTC)
SHOP = Shop(customers=300, months=12, seed=7, now=NOW, batch_customers=150)
COMBINATIONS = 25
Answered = tuple[Any, "Source | None"]
ROLLUP_MODELS = tuple(apps.get_app_config("rollups").get_models())

pytestmark = pytest.mark.django_db


def empty_rollups() -> None:
    for model in ROLLUP_MODELS:
        model._default_manager.all().delete()


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


def answer_on(path: Source, metric: Callable[..., Any], **arguments: Any) -> Answered:
    """The metric's result on a forced path, and the path that really answered."""
    with metrics_path(path):
        answered_by.set(None)
        result = metric(**arguments)
        return result, answered_by.get()


def both_paths(metric: Callable[..., Any], **arguments: Any) -> tuple[Any, Any]:
    raw, _ = answer_on("raw", metric, **arguments)
    rolled_up, _ = answer_on("rollup", metric, **arguments)
    return raw, rolled_up


def dimension_filters(filters: MetricFilters) -> int:
    values = (filters.source, filters.device, filters.country, filters.category)
    return sum(1 for value in values if value)


def assert_same_on_random_filters(
    seed: int, metric: Callable[..., Any], **arguments: Any
) -> Counter[str]:
    """Compare the two paths on COMBINATIONS draws; count who answered each draw.

    A draw the roll-ups hand to the raw tables compares raw with raw: that happens
    only where the roll-ups do not keep the level, two filters or more.
    """
    rng = random.Random(seed)
    answered: Counter[str] = Counter()
    for _ in range(COMBINATIONS):
        filters = random_filters(rng)
        raw, raw_path = answer_on("raw", metric, filters=filters, **arguments)
        rolled_up, rollup_path = answer_on(
            "rollup", metric, filters=filters, **arguments
        )
        assert rolled_up == raw, filters
        assert raw_path in ("raw", None), filters
        if rollup_path == "raw":
            assert dimension_filters(filters) >= 2, f"raw answered {filters}"
        answered[str(rollup_path)] += 1
    return answered


@pytest.mark.parametrize(
    ("metric", "arguments"),
    [
        (kpi_summary, {}),
        (revenue_over_time, {"granularity": "day"}),
        (revenue_over_time, {"granularity": "week"}),
        (revenue_over_time, {"granularity": "month"}),
        (conversion_by_source, {}),
        (funnel, {}),
        (customer_funnel, {}),
        (customer_funnel, {"window_days": 2}),
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
    answered = assert_same_on_random_filters(seed, metric, **arguments)
    # then most draws really compared the roll-ups with the raw tables
    assert answered["rollup"] >= COMBINATIONS // 2, answered


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


ENDPOINT_METRICS: list[tuple[Callable[..., Any], dict[str, Any]]] = [
    (kpi_summary, {}),
    (revenue_over_time, {"granularity": "month"}),
    (conversion_by_source, {}),
    (funnel, {}),
    (revenue_growth, {}),
    (top_products, {"limit": 10}),
    (sales_by_category, {}),
    (retention_matrix, {"months": 6}),
    (repeat_purchase, {}),
]


def answer_as_users_get_it(metric: Callable[..., Any], **arguments: Any) -> Answered:
    """The metric on the path the routing picks (nothing forced)."""
    answered_by.set(None)
    result = metric(**arguments)
    return result, answered_by.get()


def test_other_revenue_statuses_retire_the_rollups_until_rebuilt(shop, settings):
    # given roll-ups built with the default revenue statuses
    settings.ROLLUPS_ENABLED = True
    january = MetricFilters(start=date(2025, 1, 1), end=date(2025, 6, 30))
    _, path = answer_as_users_get_it(kpi_summary, filters=january)
    assert path == "rollup"

    # when the shop counts completed orders only
    settings.REVENUE_STATUSES = ("completed",)
    try:
        # then every metric answers from the raw tables, with the new statuses
        for metric, arguments in ENDPOINT_METRICS:
            result, path = answer_as_users_get_it(metric, filters=january, **arguments)
            raw, _ = answer_on("raw", metric, filters=january, **arguments)
            assert (path, result) == ("raw", raw), metric.__name__

        # and the next refresh rebuilds them in full, under the new statuses
        report = refresh_rollups(since=date(2025, 11, 1))
        assert report.since is None
        for metric, arguments in ENDPOINT_METRICS:
            result, path = answer_as_users_get_it(metric, filters=january, **arguments)
            raw, _ = answer_on("raw", metric, filters=january, **arguments)
            assert (path, result) == ("rollup", raw), metric.__name__
    finally:
        # the module's other tests read roll-ups of the default statuses
        settings.REVENUE_STATUSES = ("paid", "shipped", "completed")
        refresh_rollups()
