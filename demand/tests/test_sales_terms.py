"""Sales terms in the demand metrics: each revenue measure in growth, top products,
sales by category and the forecast's history, on both paths; returns by category and
product. The shop is conftest.SalesShop (New York)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from demand.forecast import PeriodValue, demand_forecast
from demand.metrics import (
    CategoryMonth,
    MonthlyGrowth,
    ProductDemand,
    ReturnFigures,
    Returns,
    ReturnsLine,
    returns_breakdown,
    revenue_growth,
    sales_by_category,
    top_products,
)
from ecomanalytics.filters import MetricFilters

pytestmark = pytest.mark.django_db

FIRST_QUARTER = MetricFilters(start=date(2025, 1, 1), end=date(2025, 3, 31))


@pytest.fixture(autouse=True)
def every_month_has_ended():
    with time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False):
        yield


def growth(*revenues: str) -> list[MonthlyGrowth]:
    """The growth rows of Jan..Mar 2025 with these revenues; December had none."""
    rows, previous = [], Decimal("0.00")
    for month, amount in zip((1, 2, 3), revenues, strict=True):
        revenue = Decimal(amount)
        change = float((revenue - previous) / previous) if previous else None
        rows.append(
            MonthlyGrowth(date(2025, month, 1), revenue, previous, change, False)
        )
        previous = revenue
    return rows


@pytest.mark.parametrize(
    ("measure", "revenues"),
    [
        ("net_sales", ("155.00", "-9.00", "-20.00")),
        ("gross_sales", ("170.00", "60.00", "0.00")),
        # the orders' shipping and taxes too, as in revenue over time
        ("total_sales", ("173.00", "3.00", "-20.00")),
    ],
)
def test_growth_is_the_measure_per_month(
    answer, sales_shop, settings, django_assert_num_queries, measure, revenues
):
    # given
    settings.REVENUE_MEASURE = measure

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        rows = answer(revenue_growth, refresh=False, filters=FIRST_QUARTER)

    # then
    assert rows == growth(*revenues)


def test_growth_of_a_category_is_its_lines_with_their_returns(answer, sales_shop):
    # when
    shoes = answer(revenue_growth, filters=replace(FIRST_QUARTER, category="Shoes"))
    hats = answer(revenue_growth, filters=replace(FIRST_QUARTER, category="Hats"))

    # then: Shoes 100 - 10 + 50 - 5, then o2's 45 back; Hats 20, then 60 - 6 - 18,
    # then o1's hat back (20): the two add up to the shop's months
    assert shoes == growth("135.00", "-45.00", "0.00")
    assert hats == growth("20.00", "36.00", "-20.00")


def test_growth_with_two_filters_reads_the_order_facts(answer, sales_shop):
    # when: two dimensions, which the order facts keep (the line facts do not)
    rows = answer(
        revenue_growth, filters=replace(FIRST_QUARTER, source="email", device="mobile")
    )

    # then: o2's 50 - 5 in January, its 45 back in February
    assert rows == growth("45.00", "-45.00", "0.00")


@pytest.mark.parametrize(
    ("measure", "b_revenue", "a_revenue"),
    [
        # B: 20 + 60 - 6 - 18 - 20; A: 100 - 10 + 50 - 5 - 45
        ("net_sales", "36.00", "90.00"),
        ("gross_sales", "80.00", "150.00"),
        ("total_sales", "36.00", "90.00"),
    ],
)
def test_top_products_revenue_is_the_measure(
    answer,
    sales_shop,
    settings,
    django_assert_num_queries,
    measure,
    b_revenue,
    a_revenue,
):
    # given
    settings.REVENUE_MEASURE = measure

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=2)):
        products = answer(top_products, refresh=False, filters=FIRST_QUARTER)

    # then: B sold 4 units (o1, o3), A 3 (o1, o2; o4 was refunded in full)
    assert products == [
        ProductDemand("SKU-B", "Beanie", "Hats", 4, Decimal(b_revenue), buyers=1),
        ProductDemand("SKU-A", "Runner", "Shoes", 3, Decimal(a_revenue), buyers=2),
    ]


def test_top_products_list_no_product_with_returns_only(answer, sales_shop):
    # when: February and March, where A was only returned (o2's, 45)
    products = answer(
        top_products,
        filters=MetricFilters(start=date(2025, 2, 1), end=date(2025, 3, 31)),
    )
    march = answer(
        top_products,
        filters=MetricFilters(start=date(2025, 3, 1), end=date(2025, 3, 31)),
    )

    # then: B's 60 - 6 less 18 and 20 back
    assert products == [
        ProductDemand("SKU-B", "Beanie", "Hats", 3, Decimal("16.00"), buyers=1)
    ]
    assert march == []


@pytest.mark.parametrize(
    ("measure", "revenues"),
    [
        ("net_sales", ("20.00", "135.00", "36.00", "-45.00", "-20.00")),
        ("gross_sales", ("20.00", "150.00", "60.00", "0.00", "0.00")),
        ("total_sales", ("20.00", "135.00", "36.00", "-45.00", "-20.00")),
    ],
)
def test_sales_by_category_lists_pairs_with_sales_or_returns(
    answer, sales_shop, settings, django_assert_num_queries, measure, revenues
):
    # given
    settings.REVENUE_MEASURE = measure

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        rows = answer(sales_by_category, refresh=False, filters=FIRST_QUARTER)

    # then: February's Shoes and March's Hats are returns only
    pairs = [
        (date(2025, 1, 1), "Hats", 1),
        (date(2025, 1, 1), "Shoes", 3),
        (date(2025, 2, 1), "Hats", 3),
        (date(2025, 2, 1), "Shoes", 0),
        (date(2025, 3, 1), "Hats", 0),
    ]
    assert rows == [
        CategoryMonth(month, category, units, Decimal(revenue))
        for (month, category, units), revenue in zip(pairs, revenues, strict=True)
    ]


def test_sales_by_category_filtered_by_the_refunded_orders_source(answer, sales_shop):
    # when: o2 is the one email order
    rows = answer(sales_by_category, filters=replace(FIRST_QUARTER, source="email"))
    nothing = answer(sales_by_category, filters=replace(FIRST_QUARTER, device="tablet"))

    # then
    assert rows == [
        CategoryMonth(date(2025, 1, 1), "Shoes", 1, Decimal("45.00")),
        CategoryMonth(date(2025, 2, 1), "Shoes", 0, Decimal("-45.00")),
    ]
    assert nothing == []


def test_forecast_history_is_the_measure(answer, sales_shop, settings):
    # given
    settings.REVENUE_MEASURE = "total_sales"

    # when
    forecast = answer(demand_forecast, filters=FIRST_QUARTER)

    # then: the history is the three months' total sales
    assert forecast.model == "naive"
    assert forecast.history == [
        PeriodValue(date(2025, 1, 1), 173.0),
        PeriodValue(date(2025, 2, 1), 3.0),
        PeriodValue(date(2025, 3, 1), -20.0),
    ]


# --- Returns -----------------------------------------------------------------------


def returned(
    units_sold: int, units_returned: int, gross: str, value: str
) -> ReturnFigures:
    gross_sales, returned_value = Decimal(gross), Decimal(value)
    return ReturnFigures(
        units_sold=units_sold,
        units_returned=units_returned,
        unit_return_rate=units_returned / units_sold if units_sold else None,
        gross_sales=gross_sales,
        returned_value=returned_value,
        value_return_rate=(
            float(returned_value / gross_sales) if gross_sales else None
        ),
    )


SHOES = returned(3, 1, "150.00", "45.00")  # o1, o2; o2's unit back
HATS = returned(4, 2, "80.00", "38.00")  # o1, o3; one of each back
ALL = returned(7, 3, "230.00", "83.00")


def test_returns_by_category(answer, sales_shop, django_assert_num_queries):
    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        result = answer(returns_breakdown, refresh=False, filters=FIRST_QUARTER)

    # then: the most value returned first
    assert result == Returns(
        start=date(2025, 1, 1),
        end=date(2025, 3, 31),
        by="category",
        currency="USD",
        totals=ALL,
        results=[
            ReturnsLine("Shoes", None, None, SHOES),
            ReturnsLine("Hats", None, None, HATS),
        ],
    )
    assert SHOES.value_return_rate == 0.3
    assert HATS.value_return_rate == 0.475


def test_returns_by_product_limited(answer, sales_shop):
    # when
    every = answer(returns_breakdown, filters=FIRST_QUARTER, by="product")
    first = answer(returns_breakdown, filters=FIRST_QUARTER, by="product", limit=1)

    # then: the totals cover the products not listed too
    assert every.results == [
        ReturnsLine("Shoes", "SKU-A", "Runner", SHOES),
        ReturnsLine("Hats", "SKU-B", "Beanie", HATS),
    ]
    assert first.results == every.results[:1]
    assert first.totals == ALL


def test_returns_dated_at_the_refund(answer, sales_shop):
    # when: March, when o1's hat came back and nothing was sold
    march = answer(
        returns_breakdown,
        filters=MetricFilters(start=date(2025, 3, 1), end=date(2025, 3, 31)),
    )
    january = answer(
        returns_breakdown,
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31)),
        by="product",
    )

    # then: no units sold, so no rate; January sold without returns (equal returned
    # value: by category name)
    assert march.results == [ReturnsLine("Hats", None, None, returned(0, 1, "0", "20"))]
    assert march.totals.unit_return_rate is None
    assert january.results == [
        ReturnsLine("Hats", "SKU-B", "Beanie", returned(1, 0, "20", "0")),
        ReturnsLine("Shoes", "SKU-A", "Runner", returned(3, 0, "150", "0")),
    ]


def test_returns_with_filters(answer, sales_shop):
    # when
    hats = answer(returns_breakdown, filters=replace(FIRST_QUARTER, category="Hats"))
    canada = answer(returns_breakdown, filters=replace(FIRST_QUARTER, country="CA"))
    nothing = answer(returns_breakdown, filters=replace(FIRST_QUARTER, device="tablet"))

    # then: Canada is y's: o2 (o4 was refunded in full and counts nowhere)
    assert hats.results == [ReturnsLine("Hats", None, None, HATS)]
    assert canada.results == [
        ReturnsLine("Shoes", None, None, returned(1, 1, "50", "45"))
    ]
    assert nothing == Returns(
        date(2025, 1, 1),
        date(2025, 3, 31),
        "category",
        "USD",
        returned(0, 0, "0", "0"),
        [],
    )


def test_returns_without_data(answer, db):
    assert answer(returns_breakdown, answered=None, filters=MetricFilters()) == Returns(
        None, None, "category", "USD", returned(0, 0, "0", "0"), []
    )
