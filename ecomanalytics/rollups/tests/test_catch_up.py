"""A refresh catches up on rows an interrupted refresh left out.

An import commits its rows, then refreshes the roll-ups from its first day. Stopped
in between (Ctrl-C, kill -9, a deploy), its days were never rolled up; the next
refresh, started from a later day by the next import, used to record the raw tables'
fingerprint without them, and the roll-ups then answered without those orders.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.state import unrolled_since
from ecomanalytics.rollups.status import metrics_path, rollup_status
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    WebSessionFactory,
)
from kpi.metrics import kpi_summary

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")
JANUARY = MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))


def local(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=NEW_YORK)


def rolled_up_orders_and_revenue(filters: MetricFilters) -> tuple[int, Decimal]:
    with metrics_path("rollup"):
        figures = kpi_summary(filters=filters).current
    return figures.orders, figures.revenue


def test_a_later_refresh_rebuilds_the_days_an_interrupted_one_left_out() -> None:
    # given roll-ups built over one January order
    shoe = ProductFactory(sku="SHOE")
    ann = CustomerFactory()
    OrderFactory(customer=ann, placed_at=local(2025, 1, 5), lines=[(shoe, 1, "10")])
    refresh_rollups()
    # and an import's January order committed, its refresh stopped before it ended
    OrderFactory(customer=ann, placed_at=local(2025, 1, 20), lines=[(shoe, 3, "10")])
    assert rollup_status().usable is False  # the raw tables answer meanwhile

    # when the next import (a March order) refreshes from its own first day
    OrderFactory(customer=ann, placed_at=local(2025, 3, 2), lines=[(shoe, 1, "10")])
    report = refresh_rollups(since=date(2025, 3, 2))

    # then the refresh went back to the left-out day, and the roll-ups count it
    assert report.since == date(2025, 1, 20)
    assert rollup_status().usable is True
    assert rolled_up_orders_and_revenue(JANUARY) == (2, Decimal("40.00"))


def test_nothing_left_out_leaves_the_refresh_where_it_was_asked() -> None:
    # given
    OrderFactory(placed_at=local(2025, 1, 5), lines=[(ProductFactory(), 1, "10")])
    refresh_rollups()

    # when
    report = refresh_rollups(since=date(2025, 3, 1))

    # then
    assert report.since == date(2025, 3, 1)
    assert unrolled_since() is None


def test_left_out_lines_and_sessions_count_from_their_own_days() -> None:
    # given roll-ups built over a February order, then rows added without a refresh:
    # a line re-imported onto that order, a later order and a later web session
    product = ProductFactory()
    order = OrderFactory(placed_at=local(2025, 2, 20), lines=[(product, 1, "10")])
    refresh_rollups()
    OrderItemFactory(order=order, product=product)
    OrderFactory(placed_at=local(2025, 4, 1), lines=[(product, 1, "10")])
    WebSessionFactory(started_at=local(2025, 3, 10, 1))

    # when / then: the earliest local day among them, the line's order's
    assert unrolled_since() == date(2025, 2, 20)


def test_a_left_out_session_counts_from_its_local_day() -> None:
    # given
    refresh_rollups()
    WebSessionFactory(started_at=local(2025, 2, 10, 1))  # 06:00 UTC, 10 Feb local

    # when / then
    assert unrolled_since() == date(2025, 2, 10)


def test_never_built_roll_ups_have_nothing_to_catch_up() -> None:
    # given
    OrderFactory(placed_at=local(2025, 1, 5))

    # when / then: the first refresh builds everything anyway
    assert unrolled_since() is None
