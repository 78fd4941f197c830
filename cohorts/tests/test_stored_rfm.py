"""RFM groups stored after the refresh (cohorts.stored_rfm) answer as if computed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from cohorts.metrics import rfm_customers, rfm_groups
from cohorts.models import (
    RfmCustomerScore,
    RfmGridCount,
    RfmGroupFigures,
    RfmSnapshot,
)
from cohorts.rfm_scoring import RFM_SORTS
from cohorts.rollup import level_filters
from cohorts.snapshots import levels
from cohorts.stored_rfm import (
    computed_figures,
    store_rfm,
    stored_customers,
    stored_figures,
)
from cohorts.tests.value_shop import local
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.models import RollupState
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.status import metrics_path
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    RefundFactory,
)


@pytest.fixture
def tied_shop(db):
    """Eight customers in America/New_York whose R, F and M tie in places.

    a US organic/desktop: Jan 31 23:30 hat 40 (Feb 1 in UTC), Mar 1 hat 40
    b US organic/desktop: Jan 31 23:30 hat 40, Mar 1 shoe 40      (a's twin)
    c CA email/mobile:    Feb 1 00:10 shoe 40
    d CA email/mobile:    Feb 1 00:10 shoe 40                      (c's twin)
    e DE paid/desktop:    Feb 10 hat + shoe 80, refund Feb 28 of 40
    f US organic/tablet:  Jan 5 refunded 70 (nowhere), Mar 1 hat 40, Mar 2 cancelled
    g US email/mobile:    Jan 2 hat 10, Jan 3 hat 10, Jan 4 hat 10
    h DE: a cancelled order only (a prospect)
    """
    hat = ProductFactory(sku="HAT", category=CategoryFactory(name="Hats"))
    shoe = ProductFactory(sku="SHOE", category=CategoryFactory(name="Shoes"))
    people = {
        name: CustomerFactory(external_id=name, country=country)
        for name, country in zip(
            "abcdefgh", ["US", "US", "CA", "CA", "DE", "US", "US", "DE"], strict=True
        )
    }
    for name, second in (("a", hat), ("b", shoe)):
        OrderFactory(
            customer=people[name],
            placed_at=local(1, 31, 23, 30),
            lines=[(hat, 1, "40")],
        )
        OrderFactory(
            customer=people[name], placed_at=local(3, 1), lines=[(second, 1, "40")]
        )
    for name in "cd":
        OrderFactory(
            customer=people[name],
            placed_at=local(2, 1, 0, 10),
            traffic_source="email",
            device="mobile",
            lines=[(shoe, 1, "40")],
        )
    both = OrderFactory(
        customer=people["e"],
        placed_at=local(2, 10),
        traffic_source="paid",
        lines=[(hat, 1, "40"), (shoe, 1, "40")],
    )
    RefundFactory(
        order=both, refunded_at=local(2, 28), lines=[(both.items.first(), 1, "40")]
    )
    OrderFactory(
        customer=people["f"],
        placed_at=local(1, 5),
        status="refunded",
        lines=[(hat, 1, "70")],
    )
    OrderFactory(
        customer=people["f"],
        placed_at=local(3, 1),
        device="tablet",
        lines=[(hat, 1, "40")],
    )
    OrderFactory(
        customer=people["f"],
        placed_at=local(3, 2),
        status="cancelled",
        lines=[(hat, 1, "99")],
    )
    for day in (2, 3, 4):
        OrderFactory(
            customer=people["g"],
            placed_at=local(1, day),
            traffic_source="email",
            device="mobile",
            lines=[(hat, 1, "10")],
        )
    OrderFactory(customer=people["h"], placed_at=local(1, 6), status="cancelled")
    return people


def unordered(figures):
    return replace(
        figures,
        stats=sorted(figures.stats, key=lambda row: row.group),
        cells=sorted(figures.cells, key=lambda cell: (cell.r_score, cell.fm_score)),
    )


def test_the_refresh_stores_every_single_filter_level(tied_shop):
    # when
    refresh_rollups()
    # then the data's last day is Mar 2 (f's cancelled order)
    snapshot = RfmSnapshot.objects.get()
    assert snapshot.as_of == date(2025, 3, 2)
    assert snapshot.rollups_refreshed_at == RollupState.objects.get().refreshed_at
    assert levels() == [
        ("", ""),
        ("source", "email"),
        ("source", "organic"),
        ("source", "paid"),
        ("device", "desktop"),
        ("device", "mobile"),
        ("device", "tablet"),  # f's first revenue order's
        ("country", "CA"),
        ("country", "DE"),
        ("country", "US"),
        ("category", "Hats"),
        ("category", "Shoes"),
    ]
    assert snapshot.levels == 12


def test_stored_figures_equal_the_scores_computed_now(tied_shop):
    # given the roll-ups and their snapshot as of Mar 2
    refresh_rollups()
    as_of = date(2025, 3, 2)
    # when / then, at every level and at a value nobody has
    for dimension, value in [*levels(), ("source", "nobody"), ("category", "*")]:
        filters = level_filters(dimension, value)
        stored = stored_figures(filters, as_of)
        assert stored is not None
        assert unordered(stored) == unordered(computed_figures(filters, as_of))


def test_the_stored_report_equals_both_computed_paths(
    tied_shop, django_assert_num_queries
):
    # given
    refresh_rollups()
    # when
    for dimension, value in [*levels(), ("country", "FR")]:
        filters = level_filters(dimension, value)
        with metrics_path("rollup"), django_assert_num_queries(4):
            stored = rfm_groups(filters=filters)
        with metrics_path("raw"):
            raw = rfm_groups(filters=filters)
        # then
        assert stored == raw, (dimension, value)
    # and without the snapshot the roll-ups compute the same
    RfmSnapshot.objects.all().delete()
    with metrics_path("rollup"):
        assert rfm_groups(filters=filters) == raw


def test_the_hand_computed_groups(tied_shop):
    # given, as of Mar 2:
    # R (last day): g Jan 4, c = d Feb 1, e Feb 10, a = b = f Mar 1 -> ranks 1, 2, 2,
    # 4, 5, 5, 5 of n = 7 -> scores 1, 1 + 5*1//6 = 1, 1, 1 + 15//6 = 3, 1 + 20//6 = 4.
    # F: c, d, e, f 1 order (rank 1), a, b 2 (rank 5), g 3 (rank 7) -> 1, 4, 5.
    # M: g 30 (1), c, d, e, f 40 (rank 2), a, b 80 (rank 6) -> 1, 1, 5.
    # FM: a, b (4+5)//2 = 4; c, d, e, f (1+1)//2 = 1; g (5+1)//2 = 3.
    # Groups: a, b R 4 FM 4 loyal; f R 4 FM 1 promising; e R 3 FM 1 almost lost;
    # c, d R 1 FM 1 dormant; g R 1 FM 3 at risk; h a prospect.
    refresh_rollups()
    # when
    with metrics_path("rollup"):
        report = rfm_groups(filters=MetricFilters())
    # then
    counts = {
        group.group: group.customers for group in report.groups if group.customers
    }
    assert counts == {
        "loyal": 2,
        "promising": 1,
        "almost lost": 1,
        "dormant": 2,
        "at risk": 1,
        "prospects": 1,
    }
    loyal = report.groups[1]
    assert (loyal.median_recency, loyal.median_frequency, str(loyal.revenue)) == (
        1,
        2,
        "160.00",
    )
    assert report.as_of == date(2025, 3, 2)


@pytest.mark.parametrize(
    "filters",
    [
        MetricFilters(start=date(2025, 2, 1)),
        MetricFilters(end=date(2025, 3, 1)),
        MetricFilters(source="email", country="US"),
    ],
)
def test_other_questions_are_computed(tied_shop, filters):
    # given
    refresh_rollups()
    as_of = filters.end or date(2025, 3, 2)
    # when / then
    assert stored_figures(filters, as_of) is None
    with metrics_path("rollup"):
        computed = rfm_groups(filters=filters)
    with metrics_path("raw"):
        assert computed == rfm_groups(filters=filters)


def test_a_snapshot_of_other_roll_ups_is_not_read(tied_shop):
    # given a snapshot, then roll-ups refreshed without one
    refresh_rollups()
    RollupState.objects.update(
        refreshed_at=RollupState.objects.get().refreshed_at + timedelta(seconds=1)
    )
    # when / then
    assert stored_figures(MetricFilters(), date(2025, 3, 2)) is None


def test_storing_again_replaces_the_snapshot(tied_shop):
    # given
    refresh_rollups()
    # when
    store_rfm()
    # then
    assert RfmSnapshot.objects.count() == 1
    snapshot = RfmSnapshot.objects.get()
    assert RfmGroupFigures.objects.exclude(snapshot=snapshot).count() == 0
    assert RfmGridCount.objects.exclude(snapshot=snapshot).count() == 0
    assert RfmCustomerScore.objects.exclude(snapshot=snapshot).count() == 0


def test_no_orders_store_nothing(db):
    assert store_rfm() is None


def every_page(filters, **question):
    """All of rfm_customers' pages, two customers a page, as (external id, group)."""
    seen, cursor = [], None
    while True:
        page = rfm_customers(filters=filters, cursor=cursor, limit=2, **question)
        seen += [(row.external_id, row.group, row.r_score) for row in page.results]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_the_snapshot_stores_each_scored_customer(tied_shop):
    # when
    refresh_rollups()
    # then the seven customers with a revenue order are stored with their scores
    # (test_the_hand_computed_groups' R, F, M), the prospect h is not
    stored = {tied_shop[name].pk: name for name in "abcdefg"}
    rows = {
        stored[row.customer_id]: (
            row.r_score,
            row.f_score,
            row.m_score,
            row.fm_score,
            row.rfm_group,
            str(row.monetary),
        )
        for row in RfmCustomerScore.objects.filter(dimension="")
    }
    assert rows == {
        "a": (4, 4, 5, 4, "loyal", "80.00"),
        "b": (4, 4, 5, 4, "loyal", "80.00"),
        "c": (1, 1, 1, 1, "dormant", "40.00"),
        "d": (1, 1, 1, 1, "dormant", "40.00"),
        "e": (3, 1, 1, 1, "almost lost", "40.00"),
        "f": (4, 1, 1, 1, "promising", "40.00"),
        "g": (1, 5, 1, 3, "at risk", "30.00"),
    }


@pytest.mark.parametrize("sort", RFM_SORTS)
@pytest.mark.parametrize("group", [None, "loyal", "dormant", "champions"])
def test_the_stored_customer_list_pages_as_the_computed_ones(tied_shop, sort, group):
    # given the roll-ups and their snapshot
    refresh_rollups()
    # when every page is read, from the snapshot, from the roll-ups, from raw tables
    with metrics_path("rollup"):
        stored = every_page(MetricFilters(), sort=sort, group=group)
        RfmSnapshot.objects.all().delete()
        computed = every_page(MetricFilters(), sort=sort, group=group)
    with metrics_path("raw"):
        raw = every_page(MetricFilters(), sort=sort, group=group)
    # then they are the same customers in the same order, ties by customer id
    assert stored == computed == raw
    assert len(stored) == {None: 7, "loyal": 2, "dormant": 2, "champions": 0}[group]


def test_each_level_stores_its_customers_ranked_among_themselves(tied_shop):
    # when
    refresh_rollups()
    # then each dimension holds each of the seven customers once (a to g), at the
    # value of their acquisition; category at each category of the first order, so
    # e (hat and shoe) twice
    counts = {
        dimension: RfmCustomerScore.objects.filter(dimension=dimension).count()
        for dimension in ("", "source", "device", "country", "category")
    }
    assert counts == {"": 7, "source": 7, "device": 7, "country": 7, "category": 8}
    # and among source=email's c, d, g: g's 3 orders score F 5, c's and d's 1
    email = {
        row.customer_id: row.f_score
        for row in RfmCustomerScore.objects.filter(dimension="source", value="email")
    }
    assert email == {
        tied_shop["c"].pk: 1,
        tied_shop["d"].pk: 1,
        tied_shop["g"].pk: 5,
    }


@pytest.mark.parametrize("sort", ["monetary_desc", "recency_asc", "frequency_asc"])
def test_every_level_lists_as_computed(tied_shop, sort):
    # given
    refresh_rollups()
    for dimension, value in [*levels(), ("country", "FR")]:
        filters = level_filters(dimension, value)
        # when
        with metrics_path("rollup"):
            stored = every_page(filters, sort=sort)
        with metrics_path("raw"):
            raw = every_page(filters, sort=sort)
        # then
        assert stored == raw, (dimension, value)
    assert every_page(level_filters("country", "FR"), sort=sort) == []


def test_the_stored_list_is_read_in_two_queries(tied_shop, django_assert_num_queries):
    # given
    refresh_rollups()
    # when / then: the snapshot's id, the page (the data span and the customers'
    # details are read around it)
    with django_assert_num_queries(2):
        page = stored_customers(
            MetricFilters(),
            date(2025, 3, 2),
            group=None,
            sort="monetary_desc",
            after=None,
            limit=3,
        )
    assert page is not None
    assert [str(row.monetary) for row in page] == ["80.00", "80.00", "40.00"]


@pytest.mark.parametrize(
    "filters",
    [
        MetricFilters(start=date(2025, 2, 1)),
        MetricFilters(end=date(2025, 3, 1)),
        MetricFilters(source="email", device="mobile"),
    ],
)
def test_other_customer_lists_are_computed(tied_shop, filters):
    # given
    refresh_rollups()
    as_of = filters.end or date(2025, 3, 2)
    # when / then
    assert (
        stored_customers(
            filters, as_of, group=None, sort="monetary_desc", after=None, limit=5
        )
        is None
    )
    with metrics_path("rollup"):
        computed = every_page(filters)
    with metrics_path("raw"):
        assert computed == every_page(filters)


def test_a_stale_snapshot_lists_no_customers(tied_shop):
    # given a snapshot, then roll-ups refreshed without one
    refresh_rollups()
    RollupState.objects.update(
        refreshed_at=RollupState.objects.get().refreshed_at + timedelta(seconds=1)
    )
    # when / then
    assert (
        stored_customers(
            MetricFilters(),
            date(2025, 3, 2),
            group=None,
            sort="monetary_desc",
            after=None,
            limit=5,
        )
        is None
    )
