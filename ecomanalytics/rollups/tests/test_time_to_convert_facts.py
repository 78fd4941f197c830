"""The time-to-convert facts: their levels and month rows, their incremental refresh,
and both paths of the metric on a generated shop."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.models import TimeToConvertDay
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.tests.test_equivalence import (  # noqa: F401
    assert_same_on_random_filters,
    shop,
)
from ecomanalytics.store.tests.factories import WebSessionFactory
from kpi.metrics import time_to_convert

NEW_YORK = ZoneInfo("America/New_York")


def local(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=NEW_YORK)


def visit(started_at: datetime, cart_after: int, **dimensions: str) -> None:
    """A session that views a product at its start and adds it to cart later."""
    WebSessionFactory(
        started_at=started_at,
        events=[
            ("product_view", started_at),
            ("add_to_cart", started_at + timedelta(seconds=cart_after)),
        ],
        **dimensions,
    )


def facts() -> list[tuple]:
    columns = [
        field.name
        for field in TimeToConvertDay._meta.concrete_fields
        if not field.primary_key
    ]
    return sorted(TimeToConvertDay.objects.values_list(*columns), key=repr)


@pytest.mark.django_db
def test_facts_keep_no_filter_and_single_dimensions_with_month_rows():
    # given: two sessions of Jan 3, view -> cart in 61 s and 64 s (grid 60)
    visit(local(1, 3), 61, traffic_source="email", device="mobile", country="CA")
    visit(local(1, 3), 64, traffic_source="organic", device="mobile", country="US")

    # when
    refresh_rollups()

    # then: per level, a day row and a month row; no row of two dimensions
    levels = [
        ("*", "*", "*", 2),
        ("email", "*", "*", 1),
        ("organic", "*", "*", 1),
        ("*", "mobile", "*", 2),
        ("*", "*", "CA", 1),
        ("*", "*", "US", 1),
    ]
    expected = [
        (grain, day, source, device, country, 0, 60, sessions)
        for grain, day in (("d", date(2025, 1, 3)), ("m", date(2025, 1, 1)))
        for source, device, country, sessions in levels
    ]
    assert sorted(
        TimeToConvertDay.objects.values_list(
            "grain",
            "day",
            "traffic_source",
            "device",
            "country",
            "transition",
            "seconds",
            "sessions",
        ),
        key=repr,
    ) == sorted(expected, key=repr)


@pytest.mark.django_db
def test_incremental_refresh_equals_a_full_build():
    # given rolled-up sessions of January and February
    visit(local(1, 20), 30)
    visit(local(2, 5), 400, device="mobile")
    refresh_rollups()
    january = sorted(
        TimeToConvertDay.objects.filter(day__lt=date(2025, 2, 1)).values_list(
            "pk", flat=True
        )
    )
    # and, not rolled up yet: sessions of Feb 20 and of Feb 12 (loaded late)
    visit(local(2, 20), 7000)
    visit(local(2, 12), 30, traffic_source="email")

    # when: the days from Feb 10 are rebuilt (and February's month rows)
    refresh_rollups(since=date(2025, 2, 10))
    incremental = facts()

    # then: January's rows were kept as they were, and a full build agrees
    kept = TimeToConvertDay.objects.filter(day__lt=date(2025, 2, 1))
    assert sorted(kept.values_list("pk", flat=True)) == january
    refresh_rollups()
    assert facts() == incremental
    assert sorted(
        TimeToConvertDay.objects.filter(
            grain="m", day=date(2025, 2, 1), traffic_source="*", device="*", country="*"
        ).values_list("transition", "seconds", "sessions")
    ) == [(0, 30, 1), (0, 390, 1), (0, 6900, 1)]


@pytest.mark.django_db
def test_both_paths_agree_on_a_generated_shop(shop):  # noqa: F811
    # when / then: no filter and one filter from the facts, two from the raw tables
    answered = assert_same_on_random_filters(15, time_to_convert)
    assert answered["rollup"] > 0
    # and the comparisons compared real durations
    everything = time_to_convert(filters=MetricFilters())
    assert all(transition.sessions > 10 for transition in everything.transitions)
