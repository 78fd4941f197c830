"""Sales terms in the KPI metrics: each revenue measure in the summary and revenue over
time, the sales breakdown, on both paths; the shop is conftest.SalesShop (New York)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from ecomanalytics.filters import MetricFilters
from ecomanalytics.money import RevenueMeasure
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)
from kpi.metrics import (
    NO_SALES,
    KpiFigures,
    RevenuePeriod,
    SalesBreakdown,
    SalesFigures,
    SalesPeriod,
    SalesWindow,
    kpi_summary,
    revenue_over_time,
    sales_breakdown,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def every_bucket_has_ended():
    with time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False):
        yield


FIRST_QUARTER = MetricFilters(start=date(2025, 1, 1), end=date(2025, 3, 31))
MEASURES = ("net_sales", "gross_sales", "total_sales")


def figures(
    gross: str, discounts: str, returns: str, shipping: str, taxes: str, orders: int
) -> SalesFigures:
    """SalesFigures with net and total computed as Shopify defines them."""
    gross_sales, discount, given_back = (
        Decimal(gross),
        Decimal(discounts),
        Decimal(returns),
    )
    net = gross_sales - discount - given_back
    return SalesFigures(
        gross_sales=gross_sales,
        discounts=discount,
        returns=given_back,
        net_sales=net,
        shipping=Decimal(shipping),
        taxes=Decimal(taxes),
        total_sales=net + Decimal(shipping) + Decimal(taxes),
        orders=orders,
    )


JANUARY = figures("170.00", "15.00", "0.00", "5.00", "13.00", 2)
FEBRUARY = figures("60.00", "6.00", "63.00", "7.00", "5.00", 1)
MARCH = figures("0.00", "0.00", "20.00", "0.00", "0.00", 0)
QUARTER = figures("230.00", "21.00", "83.00", "12.00", "18.00", 3)


# --- Summary -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "revenue", "aov"),
    [
        # net: 230 - 21 - 83 = 126 over 3 orders
        ("net_sales", "126.00", "42.00"),
        ("gross_sales", "230.00", "76.67"),
        # total: 126 + 12 shipping + 18 taxes
        ("total_sales", "156.00", "52.00"),
    ],
)
def test_summary_revenue_is_the_measure(
    answer, sales_shop, settings, django_assert_num_queries, measure, revenue, aov
):
    # given the sales shop, and the measure
    settings.REVENUE_MEASURE = measure

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=2)):
        summary = answer(kpi_summary, refresh=False, filters=FIRST_QUARTER)

    # then: o4, refunded in full, counts in all_orders only (1 completed of 4)
    assert summary.current == KpiFigures(
        start=date(2025, 1, 1),
        end=date(2025, 3, 31),
        revenue=Decimal(revenue),
        orders=3,
        average_order_value=Decimal(aov),
        completed_orders=1,
        all_orders=4,
        completion_rate=0.25,
        customers=2,
    )


def test_summary_of_a_month_counts_the_refunds_given_in_it(answer, sales_shop):
    # when
    february = answer(
        kpi_summary,
        filters=MetricFilters(start=date(2025, 2, 1), end=date(2025, 2, 28)),
    )

    # then: o3's 60 - 6, less o2's 45 and o3's 18 given back in February; January,
    # before it, has o1 and o2's sales and no returns
    assert (february.current.revenue, february.current.orders) == (Decimal("-9.00"), 1)
    assert february.current.average_order_value == Decimal("-9.00")
    assert (february.previous.revenue, february.previous.orders) == (
        Decimal("155.00"),
        2,
    )


def test_summary_with_a_category_counts_its_lines_discounts_and_returns(
    answer, sales_shop, settings
):
    # given total sales: the lines have no shipping or taxes
    settings.REVENUE_MEASURE = "total_sales"

    # when
    shoes = answer(kpi_summary, filters=replace(FIRST_QUARTER, category="Shoes"))

    # then: A's 2 x 50 - 10 (o1) + 50 - 5 (o2) - 45 returned (o2, February)
    assert (shoes.current.revenue, shoes.current.orders) == (Decimal("90.00"), 2)


def test_summary_filters_apply_to_the_refunds_order(answer, sales_shop):
    # when: o2 is the only email order; its return is February's
    email = answer(kpi_summary, filters=replace(FIRST_QUARTER, source="email"))
    canada = answer(kpi_summary, filters=replace(FIRST_QUARTER, country="CA"))
    tablets = answer(kpi_summary, filters=replace(FIRST_QUARTER, device="tablet"))

    # then: 50 - 5 - 45; Canada is y's (o2, and o4 refunded in full)
    assert (email.current.revenue, email.current.orders) == (Decimal("0.00"), 1)
    assert (canada.current.revenue, canada.current.all_orders) == (Decimal("0.00"), 2)
    assert (tablets.current.revenue, tablets.current.all_orders) == (
        Decimal("0.00"),
        0,
    )


# --- Revenue over time -------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "months"),
    [
        ("net_sales", [("155.00", "77.50"), ("-9.00", "-9.00"), ("-20.00", "0.00")]),
        ("gross_sales", [("170.00", "85.00"), ("60.00", "60.00"), ("0.00", "0.00")]),
        ("total_sales", [("173.00", "86.50"), ("3.00", "3.00"), ("-20.00", "0.00")]),
    ],
)
def test_revenue_months_are_the_measure_with_returns_on_the_refund_month(
    answer, sales_shop, settings, django_assert_num_queries, measure, months
):
    # given
    settings.REVENUE_MEASURE = measure

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        series = answer(revenue_over_time, refresh=False, filters=FIRST_QUARTER)

    # then: March has a return (o1's, 20) and no order
    assert series.results == [
        RevenuePeriod(period, Decimal(revenue), orders, Decimal(aov), False)
        for period, orders, (revenue, aov) in zip(
            ("2025-01", "2025-02", "2025-03"), (2, 1, 0), months, strict=True
        )
    ]


def test_a_refund_the_day_after_a_late_order_falls_on_its_own_day(answer, sales_shop):
    # given o2 at 23:30 on Jan 31 (Feb 1 in UTC), refunded 45 on Feb 1
    # when
    days = answer(
        revenue_over_time,
        filters=MetricFilters(start=date(2025, 1, 31), end=date(2025, 2, 1)),
        granularity="day",
    )

    # then: 50 - 5 on January 31; the return on February 1, no order that day
    assert days.results == [
        RevenuePeriod("2025-01-31", Decimal("45.00"), 1, Decimal("45.00"), False),
        RevenuePeriod("2025-02-01", Decimal("-45.00"), 0, Decimal("0.00"), False),
    ]


def test_revenue_weeks_with_a_category(answer, sales_shop):
    # when: Hats from Monday Feb 3 to Sunday Mar 9
    weeks = answer(
        revenue_over_time,
        filters=MetricFilters(
            start=date(2025, 2, 3), end=date(2025, 3, 9), category="Hats"
        ),
        granularity="week",
    )

    # then: o3's hats (60 - 6) in the week of Feb 3, its return (18) in the week of
    # Feb 17, o1's hat return (20) in the week of Mar 3
    assert [(week.period, week.revenue, week.orders) for week in weeks.results] == [
        ("2025-02-03", Decimal("54.00"), 1),
        ("2025-02-10", Decimal("0.00"), 0),
        ("2025-02-17", Decimal("-18.00"), 0),
        ("2025-02-24", Decimal("0.00"), 0),
        ("2025-03-03", Decimal("-20.00"), 0),
    ]


# --- Sales breakdown ---------------------------------------------------------------


def test_sales_breakdown_by_month(answer, sales_shop, django_assert_num_queries):
    # when: the buckets, then the window before
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=2, rollup=2)):
        sales = answer(sales_breakdown, refresh=False, filters=FIRST_QUARTER)

    # then
    assert sales == SalesBreakdown(
        start=date(2025, 1, 1),
        end=date(2025, 3, 31),
        granularity="month",
        currency="USD",
        revenue_measure=RevenueMeasure.NET_SALES,
        totals=QUARTER,
        previous=SalesWindow(date(2024, 10, 3), date(2024, 12, 31), NO_SALES),
        results=[
            SalesPeriod("2025-01", False, JANUARY),
            SalesPeriod("2025-02", False, FEBRUARY),
            SalesPeriod("2025-03", False, MARCH),
        ],
    )


def test_sales_breakdown_previous_window_and_partial_buckets(answer, sales_shop):
    # when: Feb 1 .. Mar 15, so previous is the 43 days Dec 20 .. Jan 31
    sales = answer(
        sales_breakdown,
        filters=MetricFilters(start=date(2025, 2, 1), end=date(2025, 3, 15)),
    )

    # then: March is cut by end; previous holds January's sales
    assert sales.totals == figures("60.00", "6.00", "83.00", "7.00", "5.00", 1)
    assert sales.previous == SalesWindow(date(2024, 12, 20), date(2025, 1, 31), JANUARY)
    assert sales.results == [
        SalesPeriod("2025-02", False, FEBRUARY),
        SalesPeriod("2025-03", True, MARCH),
    ]


def test_sales_breakdown_of_a_category_has_no_shipping_or_taxes(answer, sales_shop):
    # when
    shoes = answer(
        sales_breakdown,
        filters=replace(FIRST_QUARTER, category="Shoes"),
        granularity="month",
    )

    # then: A's lines of o1 and o2; o2's return in February
    assert shoes.totals == figures("150.00", "15.00", "45.00", "0.00", "0.00", 2)
    assert [period.figures for period in shoes.results] == [
        figures("150.00", "15.00", "0.00", "0.00", "0.00", 2),
        figures("0.00", "0.00", "45.00", "0.00", "0.00", 0),
        NO_SALES,
    ]


def test_sales_breakdown_of_nothing(answer, sales_shop):
    # when: a filter matching nothing, and an empty period
    tablets = answer(sales_breakdown, filters=replace(FIRST_QUARTER, device="tablet"))
    april = answer(
        sales_breakdown,
        filters=MetricFilters(start=date(2025, 4, 1), end=date(2025, 4, 30)),
    )

    # then: zeros in every bucket
    assert tablets.totals == NO_SALES
    assert [period.figures for period in tablets.results] == [NO_SALES] * 3
    assert april.totals == NO_SALES
    assert april.previous.figures == MARCH


def test_sales_breakdown_without_any_order(answer, db):
    assert answer(
        sales_breakdown, answered=None, filters=MetricFilters()
    ) == SalesBreakdown(
        start=None,
        end=None,
        granularity="month",
        currency="USD",
        revenue_measure=RevenueMeasure.NET_SALES,
        totals=NO_SALES,
        previous=SalesWindow(None, None, NO_SALES),
        results=[],
    )


# --- A shop without sales terms ----------------------------------------------------


@pytest.mark.parametrize("measure", MEASURES)
def test_without_terms_every_measure_gives_the_line_value(answer, settings, measure):
    # given orders with plain lines: no discounts, refunds, shipping or taxes
    settings.REVENUE_MEASURE = measure
    shoe = ProductFactory(sku="SKU-S", category__name="Shoes")
    ann = CustomerFactory()
    OrderFactory(
        placed_at=datetime(2025, 1, 3, 17, tzinfo=UTC),
        customer=ann,
        lines=[(shoe, 2, "10.00")],
    )
    OrderFactory(
        placed_at=datetime(2025, 2, 3, 17, tzinfo=UTC),
        status="paid",
        lines=[(shoe, 1, "5.50")],
    )
    OrderFactory(
        placed_at=datetime(2025, 2, 4, 17, tzinfo=UTC),
        status="refunded",
        lines=[(shoe, 1, "99.00")],
    )
    first_two_months = MetricFilters(start=date(2025, 1, 1), end=date(2025, 2, 28))

    # when
    summary = answer(kpi_summary, filters=first_two_months)
    series = answer(revenue_over_time, filters=first_two_months)

    # then: the numbers of quantity x unit price, whichever the measure
    assert (summary.current.revenue, summary.current.average_order_value) == (
        Decimal("25.50"),
        Decimal("12.75"),
    )
    assert [(period.revenue, period.orders) for period in series.results] == [
        (Decimal("20.00"), 1),
        (Decimal("5.50"), 1),
    ]
