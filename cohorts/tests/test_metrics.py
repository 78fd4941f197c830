"""Cohort metrics on small hand-computed data; the shop is in America/New_York."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cohorts.metrics import (
    CohortRepeatPurchase,
    CohortRetention,
    repeat_purchase,
    retention_matrix,
)
from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)

NEW_YORK = ZoneInfo("America/New_York")
NO_FILTERS = MetricFilters()


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def shop(db) -> None:
    """Three January customers and one February customer, around the month boundary.

    alice: first revenue order Jan 31 23:59 (Jan), again Mar 1 00:00 (month 2).
    carol: Jan 5 (Jan), Feb 10 (month 1).
    frank: Jan 20 (Jan); a refunded order in Feb neither counts as activity nor repeat.
    bob: a cancelled order in January does not define his cohort; first revenue order
         Feb 1 00:00 (Feb, source email, a shoe), again Feb 20; refunded in March.
    dave: cancelled orders only, so in no cohort.
    """
    shoes = ProductFactory(sku="SHOE-1", category=CategoryFactory(name="Shoes"))
    hats = ProductFactory(sku="HAT-1", category=CategoryFactory(name="Hats"))
    alice = CustomerFactory(external_id="alice", country="US")
    carol = CustomerFactory(external_id="carol", country="CA")
    frank = CustomerFactory(external_id="frank", country="US")
    bob = CustomerFactory(external_id="bob", country="US")
    dave = CustomerFactory(external_id="dave", country="US")
    hat = [(hats, 1, "10.00")]
    OrderFactory(customer=alice, placed_at=local(2025, 1, 31, 23, 59), lines=hat)
    OrderFactory(customer=alice, placed_at=local(2025, 3, 1, 0, 0), lines=hat)
    OrderFactory(customer=carol, placed_at=local(2025, 1, 5), status="paid", lines=hat)
    OrderFactory(customer=carol, placed_at=local(2025, 2, 10), status="shipped")
    OrderFactory(customer=frank, placed_at=local(2025, 1, 20), lines=hat)
    OrderFactory(customer=frank, placed_at=local(2025, 2, 2), status="refunded")
    OrderFactory(customer=bob, placed_at=local(2025, 1, 10), status="cancelled")
    OrderFactory(
        customer=bob,
        placed_at=local(2025, 2, 1, 0, 0),
        traffic_source="email",
        device="mobile",
        lines=[(shoes, 1, "50.00")],
    )
    OrderFactory(customer=bob, placed_at=local(2025, 2, 20), lines=hat)
    OrderFactory(customer=bob, placed_at=local(2025, 3, 5), status="refunded")
    OrderFactory(customer=dave, placed_at=local(2025, 1, 3), status="cancelled")


def retained(cohort: date, size: int, active: list[int | None]) -> CohortRetention:
    """A cohort row from its active counts: retention[k] = active[k] / size."""
    return CohortRetention(
        cohort=cohort,
        size=size,
        active=active,
        retention=[None if count is None else count / size for count in active],
    )


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_retention_takes_cohorts_and_activity_in_the_shop_time_zone(
    answer, shop, django_assert_num_queries
):
    # given the shop
    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        matrix = answer(retention_matrix, refresh=False, filters=NO_FILTERS, months=3)
    # then alice (Jan 31 23:59 local, Feb 1 04:59 UTC) is in January, bob in February
    assert matrix == [
        retained(date(2025, 1, 1), 3, [3, 1, 1]),
        retained(date(2025, 2, 1), 1, [1, 0, 0]),
    ]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_retention_lists_as_many_months_as_asked(answer, shop):
    # given the shop, today June 15
    # when
    one_month = answer(retention_matrix, filters=NO_FILTERS, months=1)
    five_months = answer(retention_matrix, filters=NO_FILTERS, months=5)
    # then June has not ended: February's month 4 is null
    assert one_month == [
        retained(date(2025, 1, 1), 3, [3]),
        retained(date(2025, 2, 1), 1, [1]),
    ]
    assert five_months == [
        retained(date(2025, 1, 1), 3, [3, 1, 1, 0, 0]),
        retained(date(2025, 2, 1), 1, [1, 0, 0, 0, None]),
    ]


# March 31 23:00 in New York is already April 1 03:00 UTC: March has not ended yet.
@time_machine.travel(datetime(2025, 4, 1, 3, 0, tzinfo=ZoneInfo("UTC")), tick=False)
def test_retention_is_null_for_months_not_ended_in_the_shop_time_zone(answer, shop):
    # given the shop, the last day of March in New York
    # when
    matrix = answer(retention_matrix, filters=NO_FILTERS, months=3)
    # then
    assert matrix == [
        retained(date(2025, 1, 1), 3, [3, 1, None]),
        retained(date(2025, 2, 1), 1, [1, None, None]),
    ]


@time_machine.travel(local(2025, 4, 1, 0, 30), tick=False)
def test_retention_counts_a_month_once_its_last_day_is_over(answer, shop):
    # given the shop, half an hour into April 1st in New York
    # when
    matrix = answer(retention_matrix, filters=NO_FILTERS, months=3)
    # then
    assert matrix == [
        retained(date(2025, 1, 1), 3, [3, 1, 1]),
        retained(date(2025, 2, 1), 1, [1, 0, None]),
    ]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_start_end_select_cohorts_by_first_revenue_order_at_the_boundary(answer, shop):
    # given the shop
    # when
    january = answer(
        retention_matrix,
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31)),
        months=3,
    )
    february = answer(
        retention_matrix,
        filters=MetricFilters(start=date(2025, 2, 1), end=date(2025, 2, 28)),
        months=3,
    )
    # then alice's later March order counts although it is after end
    assert january == [
        retained(date(2025, 1, 1), 3, [3, 1, 1]),
    ]
    assert february == [
        retained(date(2025, 2, 1), 1, [1, 0, 0]),
    ]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_start_end_select_customers_not_orders(answer, shop):
    # given carol's first order on Jan 5 and alice's on Jan 31
    # when the window holds only alice's first order
    matrix = answer(
        retention_matrix,
        filters=MetricFilters(start=date(2025, 1, 21), end=date(2025, 2, 15)),
        months=3,
    )
    # then january is alice alone, february is bob
    assert matrix == [
        retained(date(2025, 1, 1), 1, [1, 0, 1]),
        retained(date(2025, 2, 1), 1, [1, 0, 0]),
    ]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_filters_describe_the_acquisition_order(answer, shop):
    # given bob's first revenue order came by email on mobile with a shoe
    # when
    by_source = answer(
        retention_matrix, filters=MetricFilters(source="email"), months=2
    )
    by_device = answer(
        retention_matrix, filters=MetricFilters(device="mobile"), months=2
    )
    by_category = answer(
        retention_matrix, filters=MetricFilters(category="Shoes"), months=2
    )
    by_country = answer(retention_matrix, filters=MetricFilters(country="CA"), months=2)
    # then bob's later organic hat order still counts as activity in month 0
    bob = [retained(date(2025, 2, 1), 1, [1, 0])]
    assert by_source == bob
    assert by_device == bob
    assert by_category == bob
    assert by_country == [
        retained(date(2025, 1, 1), 1, [1, 1]),
    ]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_filters_matching_nothing_and_empty_periods_give_no_cohorts(answer, shop):
    # given the shop
    # when
    no_source = answer(retention_matrix, filters=MetricFilters(source="social"))
    no_category = answer(repeat_purchase, filters=MetricFilters(category="Nothing"))
    empty_period = answer(
        retention_matrix,
        filters=MetricFilters(start=date(2024, 1, 1), end=date(2024, 12, 31)),
    )
    # then
    assert no_source == []
    assert no_category == []
    assert empty_period == []


def test_no_data_gives_no_cohorts(answer, db):
    assert answer(retention_matrix, filters=NO_FILTERS) == []
    assert answer(repeat_purchase, filters=NO_FILTERS) == []
    assert answer(retention_matrix, filters=NO_FILTERS, cohort_by="signup") == []


def test_repeat_purchase_counts_two_or_more_revenue_orders(
    answer, shop, django_assert_num_queries
):
    # given frank's second order was refunded
    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        rows = answer(repeat_purchase, refresh=False, filters=NO_FILTERS)
    # then
    assert rows == [
        CohortRepeatPurchase(
            cohort=date(2025, 1, 1),
            customers=3,
            repeat_customers=2,
            repeat_rate=2 / 3,
        ),
        CohortRepeatPurchase(
            cohort=date(2025, 2, 1), customers=1, repeat_customers=1, repeat_rate=1.0
        ),
    ]


def test_repeat_purchase_counts_orders_outside_the_window(answer, shop):
    # given alice's second order on Mar 1, after the window
    # when
    rows = answer(
        repeat_purchase,
        filters=MetricFilters(start=date(2025, 1, 21), end=date(2025, 1, 31)),
    )
    # then
    assert rows == [
        CohortRepeatPurchase(
            cohort=date(2025, 1, 1), customers=1, repeat_customers=1, repeat_rate=1.0
        ),
    ]


@pytest.fixture
def signups(db) -> None:
    """gina signed up Dec 31 23:30 local (Jan 1 04:30 UTC), ordered in January.
    hank signed up Jan 1 00:00 local and never ordered.
    ivy signed up Jan 15, ordered Jan 20 by email and Jan 25, cancelled in February.
    """
    gina = CustomerFactory(external_id="gina", signed_up_at=local(2024, 12, 31, 23, 30))
    CustomerFactory(external_id="hank", signed_up_at=local(2025, 1, 1, 0, 0))
    ivy = CustomerFactory(external_id="ivy", signed_up_at=local(2025, 1, 15))
    OrderFactory(customer=gina, placed_at=local(2025, 1, 2))
    OrderFactory(customer=ivy, placed_at=local(2025, 1, 20), traffic_source="email")
    OrderFactory(customer=ivy, placed_at=local(2025, 1, 25))
    OrderFactory(customer=ivy, placed_at=local(2025, 2, 3), status="cancelled")


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_signup_cohorts_hold_every_customer_who_signed_up(
    answer, signups, django_assert_num_queries
):
    # given
    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        matrix = answer(
            retention_matrix,
            refresh=False,
            filters=NO_FILTERS,
            months=3,
            cohort_by="signup",
        )
    # then
    assert matrix == [
        retained(date(2024, 12, 1), 1, [0, 1, 0]),
        retained(date(2025, 1, 1), 2, [1, 0, 0]),
    ]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_signup_cohorts_with_an_order_filter_keep_matching_acquisitions(
    answer, signups
):
    # given ivy's first revenue order came by email; hank never ordered
    # when
    by_source = answer(
        retention_matrix,
        filters=MetricFilters(source="email"),
        months=2,
        cohort_by="signup",
    )
    in_january = answer(
        retention_matrix,
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31)),
        months=2,
        cohort_by="signup",
    )
    # then
    assert by_source == [
        retained(date(2025, 1, 1), 1, [1, 0]),
    ]
    assert in_january == [
        retained(date(2025, 1, 1), 2, [1, 0]),
    ]


def test_signup_repeat_purchase(answer, signups):
    assert answer(repeat_purchase, filters=NO_FILTERS, cohort_by="signup") == [
        CohortRepeatPurchase(
            cohort=date(2024, 12, 1), customers=1, repeat_customers=0, repeat_rate=0.0
        ),
        CohortRepeatPurchase(
            cohort=date(2025, 1, 1), customers=2, repeat_customers=1, repeat_rate=0.5
        ),
    ]
