"""New vs returning read from the cells stored after the refresh
(cohorts.stored_customer_types) answers as if computed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from cohorts.metrics import new_vs_returning
from cohorts.models import CustomerTypeCell, CustomerTypeSnapshot
from cohorts.rollup import level_filters
from cohorts.snapshots import levels
from cohorts.stored_customer_types import store_customer_types, stored_customer_types
from cohorts.tests.test_stored_rfm import tied_shop  # noqa: F401 (fixture)
from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import Window
from ecomanalytics.rollups.models import RollupState
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.status import metrics_path

WINDOWS = [
    (None, None),  # the data span, Jan 2 - Mar 2
    (date(2025, 1, 3), date(2025, 3, 1)),  # cuts January only
    (date(2025, 1, 31), date(2025, 2, 10)),  # cuts both months and weeks
    (date(2024, 12, 1), date(2025, 4, 30)),  # reaches past the data both ways
    (date(2025, 4, 1), date(2025, 4, 30)),  # after the data
]


def test_every_level_window_and_granularity_equals_the_raw_path(
    tied_shop,  # noqa: F811
):
    # given
    refresh_rollups()
    snapshot = CustomerTypeSnapshot.objects.get()
    assert snapshot.levels == 12
    assert (snapshot.first_day, snapshot.last_day) == (
        date(2025, 1, 2),
        date(2025, 3, 1),
    )
    # when / then at every level, and at a value nobody has, for every window
    for dimension, value in [*levels(), ("country", "FR")]:
        for start, end in WINDOWS:
            for granularity in ("day", "week", "month"):
                filters = replace(level_filters(dimension, value), start=start, end=end)
                with metrics_path("rollup"):
                    stored = new_vs_returning(filters=filters, granularity=granularity)
                with metrics_path("raw"):
                    raw = new_vs_returning(filters=filters, granularity=granularity)
                assert stored == raw, (dimension, value, start, end, granularity)


def test_a_window_cutting_january_sums_only_january_from_the_roll_ups(
    tied_shop,  # noqa: F811
    django_assert_num_queries,
):
    # given a, b Jan 31 23:30 (New York); c, d Feb 1; e Feb 10 (80, 40 returned Feb
    # 28); f Mar 1; g Jan 2, 3 and 4; a and b again Mar 1
    refresh_rollups()
    window = Window(date(2025, 1, 3), date(2025, 3, 1))
    # when: the snapshot, the level's cells, January's Jan 3-31 and the counts
    with django_assert_num_queries(4):
        stored = stored_customer_types(
            MetricFilters(), window=window, granularity="month"
        )
    # then
    assert stored is not None
    rows, counts = stored
    figures = {
        (row.bucket, row.new): (row.customers, row.orders, row.terms.revenue())
        for row in rows
    }
    assert figures == {
        # g's Jan 2 order lies before the window: g, a and b, 4 orders
        (date(2025, 1, 1), True): (3, 4, Decimal("100.00")),
        (date(2025, 2, 1), True): (3, 3, Decimal("120.00")),  # c, d, e
        (date(2025, 3, 1), True): (1, 1, Decimal("40.00")),  # f
        (date(2025, 3, 1), False): (2, 2, Decimal("80.00")),  # a, b
    }
    # seven ordered in the window; a, b and g have two orders or more by Mar 1
    assert (counts.customers, counts.repeat_customers) == (7, 3)


def test_a_window_covering_the_data_reads_two_rows_sets(
    tied_shop,  # noqa: F811
    django_assert_num_queries,
):
    # given
    refresh_rollups()
    # when: the snapshot and the level's cells and counts, however big the shop
    with django_assert_num_queries(2):
        stored = stored_customer_types(
            MetricFilters(source="email"),
            window=Window(date(2025, 1, 1), date(2025, 3, 31)),
            granularity="week",
        )
    # then c and d (Feb 1) and g (Jan 2-4) came by email; only g ordered twice
    assert stored is not None
    rows, counts = stored
    assert (counts.customers, counts.repeat_customers) == (3, 1)
    assert sum(row.orders for row in rows) == 5


def test_two_filters_are_computed(tied_shop):  # noqa: F811
    # given
    refresh_rollups()
    filters = MetricFilters(source="email", country="US")
    # when / then
    assert (
        stored_customer_types(
            filters,
            window=Window(date(2025, 1, 1), date(2025, 3, 31)),
            granularity="day",
        )
        is None
    )
    with metrics_path("rollup"):
        computed = new_vs_returning(filters=filters)
    with metrics_path("raw"):
        assert computed == new_vs_returning(filters=filters)


def test_a_snapshot_of_other_roll_ups_is_not_read(tied_shop):  # noqa: F811
    # given a snapshot, then roll-ups refreshed without one
    refresh_rollups()
    RollupState.objects.update(
        refreshed_at=RollupState.objects.get().refreshed_at + timedelta(seconds=1)
    )
    # when / then
    window = Window(date(2025, 1, 1), date(2025, 3, 31))
    assert (
        stored_customer_types(MetricFilters(), window=window, granularity="day") is None
    )


def test_storing_again_replaces_the_snapshot(tied_shop):  # noqa: F811
    # given
    refresh_rollups()
    # when
    store_customer_types()
    # then
    snapshot = CustomerTypeSnapshot.objects.get()
    assert CustomerTypeCell.objects.exclude(snapshot=snapshot).count() == 0


def test_an_empty_shop_stores_zero_counts_and_answers_empty_windows(db):
    # given roll-ups of no orders
    refresh_rollups()
    # when
    stored = stored_customer_types(
        MetricFilters(),
        window=Window(date(2025, 1, 1), date(2025, 1, 31)),
        granularity="week",
    )
    # then
    assert stored is not None
    rows, counts = stored
    assert rows == []
    assert (counts.customers, counts.repeat_customers) == (0, 0)


def test_no_roll_ups_store_nothing(db):
    assert store_customer_types() is None
