"""Demand metrics on small hand-computed data; the shop is in America/New_York."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from demand.metrics import (
    CategoryMonth,
    MonthlyGrowth,
    ProductDemand,
    revenue_growth,
    sales_by_category,
    top_products,
)
from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)

NEW_YORK = ZoneInfo("America/New_York")
JANUARY_TO_APRIL = MetricFilters(start=date(2025, 1, 1), end=date(2025, 4, 30))


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def shop(db) -> None:
    """Revenue per local month: Dec 2024 100, Jan 100, Feb 0, Mar 50, Apr 105.

    Dec 15 x: 1 A @ 100 (before the window of most tests)
    Jan 10 x: cancelled 5 B @ 10
    Jan 31 23:59 x: 2 A @ 50 (Feb 1 04:59 UTC, still January in New York)
    Mar 1 00:00 y: paid 1 B @ 30 + 1 A @ 20
    Mar 20 y: refunded 1 A @ 999
    Apr 5 x: shipped 3 B @ 25
    Apr 6 y: 3 C @ 10
    """
    shoes, hats = CategoryFactory(name="Shoes"), CategoryFactory(name="Hats")
    a = ProductFactory(sku="SKU-A", name="Runner", category=shoes)
    b = ProductFactory(sku="SKU-B", name="Beanie", category=hats)
    c = ProductFactory(sku="SKU-C", name="Sandal", category=shoes)
    x = CustomerFactory(external_id="x", country="US")
    y = CustomerFactory(external_id="y", country="CA")
    OrderFactory(customer=x, placed_at=local(2024, 12, 15), lines=[(a, 1, "100")])
    OrderFactory(
        customer=x,
        placed_at=local(2025, 1, 10),
        status="cancelled",
        lines=[(b, 5, "10")],
    )
    OrderFactory(customer=x, placed_at=local(2025, 1, 31, 23, 59), lines=[(a, 2, "50")])
    OrderFactory(
        customer=y,
        placed_at=local(2025, 3, 1, 0, 0),
        status="paid",
        traffic_source="email",
        lines=[(b, 1, "30"), (a, 1, "20")],
    )
    OrderFactory(
        customer=y,
        placed_at=local(2025, 3, 20),
        status="refunded",
        lines=[(a, 1, "999")],
    )
    OrderFactory(
        customer=x, placed_at=local(2025, 4, 5), status="shipped", lines=[(b, 3, "25")]
    )
    OrderFactory(customer=y, placed_at=local(2025, 4, 6), lines=[(c, 3, "10")])


def money(amount: str) -> Decimal:
    return Decimal(amount)


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_growth_zero_fills_months_and_is_null_after_a_zero_month(
    answer, shop, django_assert_num_queries
):
    # given the shop
    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        growth = answer(revenue_growth, refresh=False, filters=JANUARY_TO_APRIL)
    # then January is compared with December, before start
    assert growth == [
        MonthlyGrowth(date(2025, 1, 1), money("100"), money("100"), 0.0, partial=False),
        MonthlyGrowth(date(2025, 2, 1), money("0"), money("100"), -1.0, partial=False),
        MonthlyGrowth(date(2025, 3, 1), money("50"), money("0"), None, partial=False),
        MonthlyGrowth(date(2025, 4, 1), money("105"), money("50"), 1.1, partial=False),
    ]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_growth_clips_months_to_the_window_and_flags_them_partial(answer, shop):
    # given the shop
    # when the window starts on Jan 15 and ends on Mar 10
    growth = answer(
        revenue_growth,
        filters=MetricFilters(start=date(2025, 1, 15), end=date(2025, 3, 10)),
    )
    # then the whole of December is the first month's comparison
    assert growth == [
        MonthlyGrowth(date(2025, 1, 1), money("100"), money("100"), 0.0, partial=True),
        MonthlyGrowth(date(2025, 2, 1), money("0"), money("100"), -1.0, partial=False),
        MonthlyGrowth(date(2025, 3, 1), money("50"), money("0"), None, partial=True),
    ]


@time_machine.travel(local(2025, 4, 30, 23, 0), tick=False)
def test_growth_flags_the_month_not_ended_yet(answer, shop):
    # given today is the last day of April in New York (May 1 03:00 UTC)
    # when
    growth = answer(
        revenue_growth,
        filters=MetricFilters(start=date(2025, 3, 1), end=date(2025, 4, 30)),
    )
    # then
    assert growth == [
        MonthlyGrowth(date(2025, 3, 1), money("50"), money("0"), None, partial=False),
        MonthlyGrowth(date(2025, 4, 1), money("105"), money("50"), 1.1, partial=True),
    ]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_growth_without_start_end_covers_the_data_span(
    answer, shop, django_assert_num_queries
):
    # given the data span Dec 15 2024 to Apr 6 2025
    # when
    answer.refresh()
    with django_assert_num_queries(
        answer.pick(raw=2, rollup=2)
    ):  # the data span, then the revenue
        growth = answer(revenue_growth, refresh=False, filters=MetricFilters())
    # then November has no revenue: December's growth is null
    assert growth == [
        MonthlyGrowth(date(2024, 12, 1), money("100"), money("0"), None, partial=True),
        MonthlyGrowth(date(2025, 1, 1), money("100"), money("100"), 0.0, partial=False),
        MonthlyGrowth(date(2025, 2, 1), money("0"), money("100"), -1.0, partial=False),
        MonthlyGrowth(date(2025, 3, 1), money("50"), money("0"), None, partial=False),
        MonthlyGrowth(date(2025, 4, 1), money("105"), money("50"), 1.1, partial=True),
    ]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_growth_with_a_category_counts_its_lines_only(answer, shop):
    # given hats sold only in March (30) and April (75); January's were cancelled
    # when
    growth = answer(
        revenue_growth,
        filters=MetricFilters(
            start=date(2025, 1, 1), end=date(2025, 4, 30), category="Hats"
        ),
    )
    # then
    assert growth == [
        MonthlyGrowth(date(2025, 1, 1), money("0"), money("0"), None, partial=False),
        MonthlyGrowth(date(2025, 2, 1), money("0"), money("0"), None, partial=False),
        MonthlyGrowth(date(2025, 3, 1), money("30"), money("0"), None, partial=False),
        MonthlyGrowth(date(2025, 4, 1), money("75"), money("30"), 1.5, partial=False),
    ]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_growth_of_a_filter_matching_nothing_is_zero_and_null(answer, shop):
    growth = answer(
        revenue_growth,
        filters=MetricFilters(
            start=date(2025, 1, 1), end=date(2025, 2, 28), source="social"
        ),
    )
    assert growth == [
        MonthlyGrowth(date(2025, 1, 1), money("0"), money("0"), None, partial=False),
        MonthlyGrowth(date(2025, 2, 1), money("0"), money("0"), None, partial=False),
    ]


def test_growth_without_data_is_empty(answer, db):
    assert answer(revenue_growth, answered=None, filters=MetricFilters()) == []


def test_top_products_by_units_then_sku(answer, shop, django_assert_num_queries):
    # given A and C both sold 3 units, B sold 4
    # when
    answer.refresh()
    # the roll-ups read the product sums, then their buyers from the chain links
    with django_assert_num_queries(answer.pick(raw=1, rollup=2)):
        products = answer(top_products, refresh=False, filters=JANUARY_TO_APRIL)
    # then the refunded and cancelled lines do not count
    assert products == [
        ProductDemand("SKU-B", "Beanie", "Hats", 4, money("105"), buyers=2),
        ProductDemand("SKU-A", "Runner", "Shoes", 3, money("120"), buyers=2),
        ProductDemand("SKU-C", "Sandal", "Shoes", 3, money("30"), buyers=1),
    ]


def test_top_products_limit_and_category(answer, shop):
    # when
    first_two = answer(top_products, filters=JANUARY_TO_APRIL, limit=2)
    shoes = answer(
        top_products,
        filters=MetricFilters(
            start=date(2025, 1, 1), end=date(2025, 4, 30), category="Shoes"
        ),
        limit=1,
    )
    # then
    assert first_two == [
        ProductDemand("SKU-B", "Beanie", "Hats", 4, money("105"), buyers=2),
        ProductDemand("SKU-A", "Runner", "Shoes", 3, money("120"), buyers=2),
    ]
    assert shoes == [
        ProductDemand("SKU-A", "Runner", "Shoes", 3, money("120"), buyers=2),
    ]


def test_top_products_take_the_month_boundary_in_the_shop_time_zone(answer, shop):
    # given the Jan 31 23:59 order is Feb 1 in UTC
    # when
    january = answer(
        top_products,
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31)),
    )
    february = answer(
        top_products,
        filters=MetricFilters(start=date(2025, 2, 1), end=date(2025, 2, 28)),
    )
    # then
    assert january == [
        ProductDemand("SKU-A", "Runner", "Shoes", 2, money("100"), buyers=1),
    ]
    assert february == []


def test_top_products_of_filters_matching_nothing_are_empty(answer, shop):
    assert answer(top_products, filters=MetricFilters(country="FR")) == []
    assert answer(top_products, filters=MetricFilters(category="Gloves")) == []
    assert answer(top_products, filters=MetricFilters()) != []


def test_sales_by_category_lists_pairs_with_sales(
    answer, shop, django_assert_num_queries
):
    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        rows = answer(sales_by_category, refresh=False, filters=JANUARY_TO_APRIL)
    # then
    assert rows == [
        CategoryMonth(date(2025, 1, 1), "Shoes", 2, money("100")),
        CategoryMonth(date(2025, 3, 1), "Hats", 1, money("30")),
        CategoryMonth(date(2025, 3, 1), "Shoes", 1, money("20")),
        CategoryMonth(date(2025, 4, 1), "Hats", 3, money("75")),
        CategoryMonth(date(2025, 4, 1), "Shoes", 3, money("30")),
    ]


def test_sales_by_category_with_filters(answer, shop):
    # when
    canada = answer(sales_by_category, filters=MetricFilters(country="CA"))
    by_email = answer(sales_by_category, filters=MetricFilters(source="email"))
    nothing = answer(sales_by_category, filters=MetricFilters(device="tablet"))
    # then
    assert canada == [
        CategoryMonth(date(2025, 3, 1), "Hats", 1, money("30")),
        CategoryMonth(date(2025, 3, 1), "Shoes", 1, money("20")),
        CategoryMonth(date(2025, 4, 1), "Shoes", 3, money("30")),
    ]
    assert by_email == [
        CategoryMonth(date(2025, 3, 1), "Hats", 1, money("30")),
        CategoryMonth(date(2025, 3, 1), "Shoes", 1, money("20")),
    ]
    assert nothing == []


def test_sales_by_category_of_an_empty_period(answer, shop):
    rows = answer(
        sales_by_category,
        filters=MetricFilters(start=date(2025, 2, 1), end=date(2025, 2, 28)),
    )
    assert rows == []
