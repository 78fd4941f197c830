"""Lifetime value read from the cohort sales stored after the refresh
(cohorts.stored_ltv) answers as if computed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cohorts.metrics import lifetime_value
from cohorts.models import CohortSalesCell, CohortSalesSnapshot
from cohorts.rollup import level_filters
from cohorts.snapshots import levels
from cohorts.stored_ltv import store_cohort_sales, stored_cohort_revenue
from cohorts.tests.test_stored_rfm import tied_shop  # noqa: F401 (fixture)
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.models import RollupState
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.status import metrics_path


def test_the_refresh_stores_every_level_and_each_equals_the_raw_path(
    tied_shop,  # noqa: F811
):
    # when
    refresh_rollups()
    # then one snapshot of the twelve levels
    snapshot = CohortSalesSnapshot.objects.get()
    assert snapshot.levels == 12
    assert snapshot.rollups_refreshed_at == RollupState.objects.get().refreshed_at
    # and at every level, and at a value nobody has, the stored answer is the raw one
    for dimension, value in [*levels(), ("country", "FR")]:
        filters = level_filters(dimension, value)
        assert stored_cohort_revenue(filters) is not None
        with metrics_path("rollup"):
            stored = lifetime_value(filters=filters, months=4)
        with metrics_path("raw"):
            raw = lifetime_value(filters=filters, months=4)
        assert stored == raw, (dimension, value)


def test_the_hand_computed_cohorts_of_the_whole_shop(tied_shop):  # noqa: F811
    # given, by first revenue order (America/New_York): January a, b, g (f's Jan 5
    # order was refunded whole: f's first revenue order is Mar 1); February c, d, e;
    # March f. e's $80 of Feb 10 lost $40 to a refund on Feb 28.
    refresh_rollups()
    # when
    stored = stored_cohort_revenue(MetricFilters())
    assert stored is not None
    sizes, sales = stored
    # then
    assert sizes == {date(2025, 1, 1): 3, date(2025, 2, 1): 3, date(2025, 3, 1): 1}
    revenue = {month: str(amount) for month, amount in sales.items()}
    assert revenue == {
        # a and b $40 each, g $30 in January; a and b $40 each in March
        (date(2025, 1, 1), date(2025, 1, 1)): "110.00",
        (date(2025, 1, 1), date(2025, 3, 1)): "80.00",
        # c and d $40 each, e $80 - $40 returned
        (date(2025, 2, 1), date(2025, 2, 1)): "120.00",
        (date(2025, 3, 1), date(2025, 3, 1)): "40.00",
    }


def test_stored_rows_are_read_in_two_queries(
    tied_shop,  # noqa: F811
    django_assert_num_queries,
):
    # given
    refresh_rollups()
    # when / then: the snapshot's id, then the level's cells
    with django_assert_num_queries(2):
        stored = stored_cohort_revenue(MetricFilters(source="email"))
    assert stored is not None
    assert sum(stored[0].values()) == 3  # c, d and g came by email


@pytest.mark.parametrize(
    "filters",
    [
        MetricFilters(start=date(2025, 2, 1)),
        MetricFilters(end=date(2025, 2, 28)),
        MetricFilters(source="email", country="US"),
    ],
)
def test_other_questions_are_computed(tied_shop, filters):  # noqa: F811
    # given
    refresh_rollups()
    # when / then
    assert stored_cohort_revenue(filters) is None
    with metrics_path("rollup"):
        computed = lifetime_value(filters=filters, months=3)
    with metrics_path("raw"):
        assert computed == lifetime_value(filters=filters, months=3)


def test_a_snapshot_of_other_roll_ups_is_not_read(tied_shop):  # noqa: F811
    # given a snapshot, then roll-ups refreshed without one
    refresh_rollups()
    RollupState.objects.update(
        refreshed_at=RollupState.objects.get().refreshed_at + timedelta(seconds=1)
    )
    # when / then
    assert stored_cohort_revenue(MetricFilters()) is None


def test_storing_again_replaces_the_snapshot(tied_shop):  # noqa: F811
    # given
    refresh_rollups()
    # when
    store_cohort_sales()
    # then
    snapshot = CohortSalesSnapshot.objects.get()
    assert CohortSalesCell.objects.exclude(snapshot=snapshot).count() == 0


def test_no_roll_ups_store_nothing(db):
    assert store_cohort_sales() is None


def test_the_stored_revenue_follows_the_measure_setting(tied_shop, settings):  # noqa: F811
    # given the snapshot, then the gross-sales measure chosen
    refresh_rollups()
    settings.REVENUE_MEASURE = "gross_sales"
    # when
    stored = stored_cohort_revenue(MetricFilters())
    # then e's $80 of Feb 10 counts whole, its $40 return left out
    assert stored is not None
    assert str(stored[1][date(2025, 2, 1), date(2025, 2, 1)]) == "160.00"
    with metrics_path("rollup"):
        from_snapshot = lifetime_value(filters=MetricFilters(), months=3)
    with metrics_path("raw"):
        assert from_snapshot == lifetime_value(filters=MetricFilters(), months=3)
