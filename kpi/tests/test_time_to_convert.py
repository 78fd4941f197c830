"""Time to convert (kpi.metrics.time_to_convert): nearest-rank percentiles and the
fixed histogram buckets, from the raw tables on both paths."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.tests.factories import WebSessionFactory
from kpi.metrics import TimeToConvert, TransitionTimes, nearest_rank, time_to_convert

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
JANUARY = MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))
START = datetime(2025, 1, 10, 12, tzinfo=NEW_YORK)


def buyer(view: int, cart: int, checkout: int, purchase: int) -> None:
    """A session reaching purchase; each step the given minutes after the one
    before (the first after the start)."""
    times = []
    moment = START
    for minutes in (view, cart, checkout, purchase):
        moment += timedelta(minutes=minutes)
        times.append(moment)
    WebSessionFactory(
        started_at=START,
        events=[
            ("page_view", START),
            *zip(
                ("product_view", "add_to_cart", "begin_checkout", "purchase"),
                times,
                strict=True,
            ),
        ],
    )


def test_nearest_rank():
    assert [nearest_rank(p, 4) for p in (25, 50, 75, 90)] == [1, 2, 3, 4]
    assert [nearest_rank(p, 1) for p in (25, 50, 75, 90)] == [1, 1, 1, 1]
    assert nearest_rank(50, 5) == 3


def test_percentiles_are_nearest_rank_and_buckets_fixed(answer):
    # given: four buyers, and a session that only views a product after 2 minutes
    buyer(1, 2, 10, 400)
    buyer(3, 4, 20, 30)
    buyer(0, 6, 45, 2)
    buyer(10, 8, 90, 1)
    WebSessionFactory(
        started_at=START,
        events=[("product_view", START + timedelta(minutes=2))],
    )

    # when: time to convert is read from the raw tables on both paths
    result = answer(time_to_convert, raw_by_design=True, filters=JANUARY)

    # then: product views after 0, 1, 2, 3, 10 minutes (n 5: ranks 2, 3, 4, 5);
    # to purchase 413, 57, 53, 109 minutes (sorted 53, 57, 109, 413: ranks 1..4)
    minute = 60.0
    assert result == TimeToConvert(
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        buckets=["<1m", "1-5m", "5-15m", "15-30m", "30-60m", "1-6h", ">6h"],
        results=[
            TransitionTimes(
                "session_to_product_view", 5, 1 * minute, 2 * minute, 3 * minute,
                10 * minute, [1, 3, 1, 0, 0, 0, 0],
            ),
            TransitionTimes(
                "product_view_to_add_to_cart", 4, 2 * minute, 4 * minute,
                6 * minute, 8 * minute, [0, 2, 2, 0, 0, 0, 0],
            ),
            TransitionTimes(
                "add_to_cart_to_begin_checkout", 4, 10 * minute, 20 * minute,
                45 * minute, 90 * minute, [0, 0, 1, 1, 1, 1, 0],
            ),
            TransitionTimes(
                "begin_checkout_to_purchase", 4, 1 * minute, 2 * minute,
                30 * minute, 400 * minute, [0, 2, 0, 0, 1, 0, 1],
            ),
            TransitionTimes(
                "session_to_purchase", 4, 53 * minute, 57 * minute, 109 * minute,
                413 * minute, [0, 0, 0, 0, 2, 1, 1],
            ),
        ],
    )  # fmt: skip


def test_time_to_convert_without_sessions(answer):
    # when
    result = answer(time_to_convert, raw_by_design=True, filters=JANUARY)

    # then
    assert [row.sessions for row in result.results] == [0, 0, 0, 0, 0]
    assert result.results[0].median is None
