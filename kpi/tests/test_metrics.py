"""KPI metrics on small hand-computed data; the shop's time zone is America/New_York."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    WebSessionFactory,
)
from kpi.metrics import (
    Conversion,
    Funnel,
    FunnelStep,
    KpiFigures,
    RevenuePeriod,
    RevenueSeries,
    SessionTotals,
    SourceConversion,
    Summary,
    conversion_by_source,
    funnel,
    kpi_summary,
    revenue_over_time,
)

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
JANUARY = MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))
LONG_AGO_DONE = datetime(2026, 6, 1, tzinfo=UTC)  # every bucket below has ended


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def order(placed_at: datetime, total: str, status: str = "completed", **kwargs):
    product = kwargs.pop("product", None) or ProductFactory()
    return OrderFactory(
        placed_at=placed_at, status=status, lines=[(product, 1, total)], **kwargs
    )


def figures(
    revenue: str,
    orders: int,
    aov: str,
    completed: int,
    all_orders: int,
    customers: int,
    window: tuple[date | None, date | None] = (JANUARY.start, JANUARY.end),
):
    return KpiFigures(
        start=window[0],
        end=window[1],
        revenue=Decimal(revenue),
        orders=orders,
        average_order_value=Decimal(aov),
        completed_orders=completed,
        all_orders=all_orders,
        completion_rate=completed / all_orders if all_orders else None,
        customers=customers,
    )


def no_orders(first: date | None, last: date | None) -> KpiFigures:
    return figures("0.00", 0, "0.00", 0, 0, 0, window=(first, last))


DECEMBER = (date(2024, 12, 1), date(2024, 12, 31))


# --- KPI summary -------------------------------------------------------------------


def test_summary_counts_revenue_statuses_and_all_orders_for_completion(
    answer,
    django_assert_num_queries,
):
    # given: six January orders, one of each status, and one in December
    ann, bob, cid, dan = CustomerFactory.create_batch(4)
    order(local(2025, 1, 3), "100.00", "completed", customer=ann)
    order(local(2025, 1, 4), "50.00", "paid", customer=ann)
    order(local(2025, 1, 5), "30.00", "shipped", customer=bob)
    order(local(2025, 1, 6), "70.00", "cancelled", customer=cid)
    order(local(2025, 1, 7), "40.00", "refunded", customer=cid)
    order(local(2025, 1, 8), "20.00", "pending", customer=dan)
    # 23:59 local on Dec 31 is already January in UTC: it belongs to `previous`
    order(local(2024, 12, 31, 23, 59), "25.00", "shipped", customer=dan)
    # outside both windows
    order(local(2024, 11, 30, 23, 59), "999.00", customer=dan)
    order(local(2025, 2, 1, 0, 0), "999.00", customer=dan)

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=2)):
        summary = answer(kpi_summary, refresh=False, filters=JANUARY)

    # then: revenue 100+50+30; completion 1 completed of 6 orders
    assert summary == Summary(
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        currency="USD",
        current=figures("180.00", 3, "60.00", 1, 6, 2),
        previous=figures("25.00", 1, "25.00", 0, 1, 1, window=DECEMBER),
    )


def test_summary_previous_window_has_the_same_number_of_days(answer):
    # given: a 3-day window (Jan 10..12) so previous is Jan 7..9
    order(local(2025, 1, 6, 23, 59), "1.00")  # before previous
    order(local(2025, 1, 7, 0, 0), "2.00")
    order(local(2025, 1, 9, 23, 59), "4.00", "cancelled")
    order(local(2025, 1, 10, 0, 0), "8.00", "paid")
    order(local(2025, 1, 12, 23, 59), "16.00")
    order(local(2025, 1, 13, 0, 0), "32.00")  # after the window

    # when
    summary = answer(
        kpi_summary,
        filters=MetricFilters(start=date(2025, 1, 10), end=date(2025, 1, 12)),
    )

    # then
    assert summary == Summary(
        start=date(2025, 1, 10),
        end=date(2025, 1, 12),
        currency="USD",
        current=figures(
            "24.00", 2, "12.00", 1, 2, 2, window=(date(2025, 1, 10), date(2025, 1, 12))
        ),
        previous=figures(
            "2.00", 1, "2.00", 1, 2, 1, window=(date(2025, 1, 7), date(2025, 1, 9))
        ),
    )


def test_summary_without_dates_covers_the_data_span_and_previous_is_empty(
    answer,
    django_assert_num_queries,
):
    # given: the data span is Jan 5..Jan 6 local (the last order is Jan 7 in UTC)
    order(local(2025, 1, 5, 0, 0), "10.00")
    order(local(2025, 1, 6, 23, 59), "20.00", "pending")

    # when: one query for the data span, one for the figures
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=2, rollup=3)):
        summary = answer(kpi_summary, refresh=False, filters=MetricFilters())

    # then
    assert summary == Summary(
        start=date(2025, 1, 5),
        end=date(2025, 1, 6),
        currency="USD",
        current=figures(
            "10.00", 1, "10.00", 1, 2, 1, window=(date(2025, 1, 5), date(2025, 1, 6))
        ),
        previous=no_orders(date(2025, 1, 3), date(2025, 1, 4)),
    )


def test_summary_of_an_empty_period_and_of_no_data_is_zeros(answer):
    # given: no orders at all
    # when / then
    assert answer(kpi_summary, answered=None, filters=MetricFilters()) == Summary(
        None, None, "USD", no_orders(None, None), no_orders(None, None)
    )
    assert answer(kpi_summary, filters=JANUARY) == Summary(
        date(2025, 1, 1),
        date(2025, 1, 31),
        "USD",
        no_orders(date(2025, 1, 1), date(2025, 1, 31)),
        no_orders(*DECEMBER),
    )


def test_summary_with_a_filter_that_matches_nothing_is_zeros(answer):
    # given
    order(local(2025, 1, 3), "100.00", traffic_source="organic")

    # when
    summary = answer(
        kpi_summary,
        filters=MetricFilters(
            start=date(2025, 1, 1), end=date(2025, 1, 31), source="email"
        ),
    )

    # then
    assert summary == Summary(
        date(2025, 1, 1),
        date(2025, 1, 31),
        "USD",
        no_orders(date(2025, 1, 1), date(2025, 1, 31)),
        no_orders(*DECEMBER),
    )


def test_summary_filters_by_source_device_and_customer_country(answer):
    # given
    french = CustomerFactory(country="FR")
    order(local(2025, 1, 3), "10.00", traffic_source="email", customer=french)
    order(local(2025, 1, 3), "20.00", traffic_source="email", device="mobile")
    order(local(2025, 1, 3), "40.00", traffic_source="social")

    # when
    by_source = answer(kpi_summary, filters=replace(JANUARY, source="email"))
    by_device = answer(kpi_summary, filters=replace(JANUARY, device="mobile"))
    by_country = answer(kpi_summary, filters=replace(JANUARY, country="FR"))

    # then
    assert by_source.current == figures("30.00", 2, "15.00", 2, 2, 2)
    assert by_device.current == figures("20.00", 1, "20.00", 1, 1, 1)
    assert by_country.current == figures("10.00", 1, "10.00", 1, 1, 1)


def test_summary_with_a_category_counts_its_lines_and_orders_having_one(
    answer,
    django_assert_num_queries,
):
    # given
    ann, bob, cid = CustomerFactory.create_batch(3)
    shoe = ProductFactory(category__name="Shoes")
    hat = ProductFactory(category__name="Hats")
    OrderFactory(
        placed_at=local(2025, 1, 3),
        status="paid",
        customer=ann,
        lines=[(shoe, 2, "10.00"), (hat, 1, "5.00")],
    )
    OrderFactory(placed_at=local(2025, 1, 4), customer=cid, lines=[(hat, 1, "7.00")])
    OrderFactory(
        placed_at=local(2025, 1, 5),
        status="cancelled",
        customer=cid,
        lines=[(shoe, 1, "3.00")],
    )
    OrderFactory(placed_at=local(2025, 1, 6), customer=bob, lines=[(shoe, 1, "4.00")])

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=2)):
        shoes = answer(
            kpi_summary,
            refresh=False,
            filters=replace(JANUARY, category="Shoes"),
        )
    everything = answer(kpi_summary, filters=JANUARY)
    nothing = answer(kpi_summary, filters=replace(JANUARY, category="Socks"))

    # then: shoes revenue = 2x10 + 4 (the hat on the first order does not count);
    # completion = 1 completed of the 3 orders with a shoe line
    assert shoes.current == figures("24.00", 2, "12.00", 1, 3, 2)
    assert everything.current == figures("36.00", 3, "12.00", 2, 4, 3)
    assert nothing.current == no_orders(date(2025, 1, 1), date(2025, 1, 31))


# --- Revenue over time -------------------------------------------------------------


@time_machine.travel(LONG_AGO_DONE, tick=False)
def test_revenue_months_are_taken_in_the_shop_time_zone(
    answer, django_assert_num_queries
):
    # given: both orders are on Feb 1 in UTC, but 23:59 on Jan 31 is January locally
    order(local(2025, 1, 31, 23, 59), "10.00")
    order(local(2025, 2, 1, 0, 0), "20.00")
    order(local(2025, 2, 14), "30.00", "refunded")

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        series = answer(
            revenue_over_time,
            refresh=False,
            filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 3, 31)),
        )

    # then: March is listed with zeros
    assert series == RevenueSeries(
        start=date(2025, 1, 1),
        end=date(2025, 3, 31),
        granularity="month",
        results=[
            RevenuePeriod("2025-01", Decimal("10.00"), 1, Decimal("10.00"), False),
            RevenuePeriod("2025-02", Decimal("20.00"), 1, Decimal("20.00"), False),
            RevenuePeriod("2025-03", Decimal("0.00"), 0, Decimal("0.00"), False),
        ],
    )


@time_machine.travel(LONG_AGO_DONE, tick=False)
def test_revenue_days_at_the_month_boundary(answer):
    # given
    order(local(2025, 1, 31, 0, 0), "1.00")
    order(local(2025, 1, 31, 23, 59), "2.00", "paid")
    order(local(2025, 1, 31, 23, 59), "4.00", "shipped")
    order(local(2025, 2, 1, 0, 0), "8.00")

    # when
    series = answer(
        revenue_over_time,
        filters=MetricFilters(start=date(2025, 1, 30), end=date(2025, 2, 1)),
        granularity="day",
    )

    # then
    assert series.results == [
        RevenuePeriod("2025-01-30", Decimal("0.00"), 0, Decimal("0.00"), False),
        RevenuePeriod("2025-01-31", Decimal("7.00"), 3, Decimal("2.33"), False),
        RevenuePeriod("2025-02-01", Decimal("8.00"), 1, Decimal("8.00"), False),
    ]


@time_machine.travel(LONG_AGO_DONE, tick=False)
def test_revenue_days_across_the_switch_to_daylight_saving_time(answer):
    # given: New York moves from UTC-5 to UTC-4 on Sunday 2025-03-09
    order(local(2025, 3, 8, 23, 30), "1.00")  # 04:30 UTC on Mar 9
    order(local(2025, 3, 9, 0, 0), "2.00")
    order(local(2025, 3, 9, 23, 30), "4.00")  # 03:30 UTC on Mar 10
    order(local(2025, 3, 10, 0, 0), "8.00")

    # when
    series = answer(
        revenue_over_time,
        filters=MetricFilters(start=date(2025, 3, 8), end=date(2025, 3, 10)),
        granularity="day",
    )

    # then
    assert series.results == [
        RevenuePeriod("2025-03-08", Decimal("1.00"), 1, Decimal("1.00"), False),
        RevenuePeriod("2025-03-09", Decimal("6.00"), 2, Decimal("3.00"), False),
        RevenuePeriod("2025-03-10", Decimal("8.00"), 1, Decimal("8.00"), False),
    ]


@time_machine.travel(LONG_AGO_DONE, tick=False)
def test_revenue_weeks_start_on_monday_and_clipped_weeks_are_partial(answer):
    # given: Jan 5 2025 is a Sunday, Jan 6 a Monday
    order(local(2025, 1, 5, 23, 30), "10.00")  # Monday Jan 6 in UTC
    order(local(2025, 1, 6, 0, 10), "20.00")
    order(local(2025, 1, 14, 23, 59), "40.00")

    # when: the window Wed Jan 1 .. Tue Jan 14
    series = answer(
        revenue_over_time,
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 14)),
        granularity="week",
    )

    # then
    assert series.results == [
        RevenuePeriod("2024-12-30", Decimal("10.00"), 1, Decimal("10.00"), True),
        RevenuePeriod("2025-01-06", Decimal("20.00"), 1, Decimal("20.00"), False),
        RevenuePeriod("2025-01-13", Decimal("40.00"), 1, Decimal("40.00"), True),
    ]


@time_machine.travel(datetime(2025, 2, 10, 15, tzinfo=UTC), tick=False)
def test_revenue_bucket_that_has_not_ended_is_partial(answer):
    # given
    order(local(2025, 2, 3), "5.00")

    # when
    months = answer(
        revenue_over_time,
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 2, 28)),
    )
    days = answer(
        revenue_over_time,
        filters=MetricFilters(start=date(2025, 2, 9), end=date(2025, 2, 11)),
        granularity="day",
    )

    # then: a bucket whose last day is today or later is partial
    assert [(p.period, p.partial) for p in months.results] == [
        ("2025-01", False),
        ("2025-02", True),
    ]
    assert [(p.period, p.partial) for p in days.results] == [
        ("2025-02-09", False),
        ("2025-02-10", True),
        ("2025-02-11", True),
    ]


@time_machine.travel(LONG_AGO_DONE, tick=False)
def test_revenue_without_dates_spans_the_data_and_clipped_months_are_partial(answer):
    # given
    order(local(2025, 1, 15), "10.00", "cancelled")
    order(local(2025, 2, 20), "20.00")

    # when
    series = answer(revenue_over_time, filters=MetricFilters())

    # then
    assert series == RevenueSeries(
        start=date(2025, 1, 15),
        end=date(2025, 2, 20),
        granularity="month",
        results=[
            RevenuePeriod("2025-01", Decimal("0.00"), 0, Decimal("0.00"), True),
            RevenuePeriod("2025-02", Decimal("20.00"), 1, Decimal("20.00"), True),
        ],
    )


def test_revenue_with_no_data_and_with_a_filter_matching_nothing(answer):
    # given: no orders
    # when / then
    assert answer(
        revenue_over_time, answered=None, filters=MetricFilters()
    ) == RevenueSeries(None, None, "month", [])

    # given
    order(local(2025, 1, 15), "10.00", device="desktop")
    # when
    with time_machine.travel(LONG_AGO_DONE, tick=False):
        series = answer(
            revenue_over_time,
            filters=replace(JANUARY, device="tablet", category="Socks"),
        )
    # then
    assert series.results == [
        RevenuePeriod("2025-01", Decimal("0.00"), 0, Decimal("0.00"), False)
    ]


@time_machine.travel(LONG_AGO_DONE, tick=False)
def test_revenue_with_a_category_counts_its_lines(answer, django_assert_num_queries):
    # given
    shoe = ProductFactory(category__name="Shoes")
    hat = ProductFactory(category__name="Hats")
    OrderFactory(
        placed_at=local(2025, 1, 3), lines=[(shoe, 2, "10.00"), (shoe, 1, "1.50")]
    )
    OrderFactory(
        placed_at=local(2025, 1, 4), lines=[(shoe, 1, "4.00"), (hat, 3, "5.00")]
    )
    OrderFactory(placed_at=local(2025, 1, 5), lines=[(hat, 1, "7.00")])

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        series = answer(
            revenue_over_time,
            refresh=False,
            filters=replace(JANUARY, category="Shoes"),
        )

    # then: 2x10 + 1.50 + 4 over two orders (the two lines of one order count once)
    assert series.results == [
        RevenuePeriod("2025-01", Decimal("25.50"), 2, Decimal("12.75"), False)
    ]


# --- Conversion and funnel ---------------------------------------------------------


def session(started_at: datetime, source: str = "organic", events=(), **kwargs):
    return WebSessionFactory(
        started_at=started_at,
        traffic_source=source,
        events=[("page_view", started_at), *events],
        **kwargs,
    )


def test_conversion_by_source(answer, django_assert_num_queries):
    # given
    session(local(2025, 1, 2), "organic", [("purchase", local(2025, 1, 2, 13))])
    session(local(2025, 1, 3), "organic")
    # started on Jan 31 locally (Feb 1 in UTC), purchased on Feb 1: a January conversion
    session(
        local(2025, 1, 31, 23, 50),
        "organic",
        [("purchase", local(2025, 2, 1, 0, 10))],
    )
    session(local(2025, 1, 4), "social", [("add_to_cart", local(2025, 1, 4, 13))])
    session(local(2025, 1, 5), "social")
    session(local(2025, 1, 6), "email", [("purchase", local(2025, 1, 6, 13))])
    # outside the window
    session(
        local(2025, 2, 1, 0, 0), "paid_search", [("purchase", local(2025, 2, 1, 1))]
    )

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        conversion = answer(conversion_by_source, refresh=False, filters=JANUARY)

    # then: most sessions first; paid_search had no January sessions
    assert conversion == Conversion(
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        results=[
            SourceConversion("organic", 3, 2, 2 / 3),
            SourceConversion("social", 2, 0, 0.0),
            SourceConversion("email", 1, 1, 1.0),
        ],
        overall=SessionTotals(6, 3, 0.5),
    )


def test_conversion_filters_are_the_sessions_and_can_match_nothing(answer):
    # given
    session(local(2025, 1, 2), device="mobile", country="FR")
    session(local(2025, 1, 2), device="desktop", country="US")

    # when
    french = answer(conversion_by_source, filters=replace(JANUARY, country="FR"))
    tablets = answer(conversion_by_source, filters=replace(JANUARY, device="tablet"))

    # then
    assert french.results == [SourceConversion("organic", 1, 0, 0.0)]
    assert tablets == Conversion(
        date(2025, 1, 1), date(2025, 1, 31), [], SessionTotals(0, 0, None)
    )


def test_conversion_without_orders_or_dates_is_empty(answer):
    # given: sessions but no orders, so there is no data span
    session(local(2025, 1, 2))

    # when / then
    assert answer(
        conversion_by_source, answered=None, filters=MetricFilters()
    ) == Conversion(None, None, [], SessionTotals(0, 0, None))


def step(
    name: str,
    sessions: int,
    from_start: float | None,
    from_previous: float | None,
    abandoned: tuple[int, int, str] = (0, 0, "0.00"),
):
    """A step without orders; the cart steps with their value left behind
    (sessions, add_to_cart units, list-price value)."""
    cart = name in ("add_to_cart", "begin_checkout")
    return FunnelStep(
        name,
        sessions,
        from_start,
        from_previous,
        abandoned_sessions=abandoned[0] if cart else None,
        abandoned_cart_units=abandoned[1] if cart else None,
        abandoned_cart_value=Decimal(abandoned[2]) if cart else None,
    )


def test_funnel_is_sequential_and_closed(answer, django_assert_num_queries):
    # given
    t = [local(2025, 1, 10, 12, minute) for minute in range(10)]
    # reaches purchase
    session(
        t[0],
        events=[
            ("product_view", t[1]),
            ("add_to_cart", t[2]),
            ("begin_checkout", t[3]),
            ("purchase", t[4]),
        ],
    )
    # add_to_cart before product_view: reaches product_view only
    session(t[0], events=[("add_to_cart", t[1]), ("product_view", t[2])])
    # skips add_to_cart: reaches product_view only
    session(
        t[0],
        events=[("product_view", t[1]), ("begin_checkout", t[2]), ("purchase", t[3])],
    )
    # page views only
    session(t[0])
    # equal times are in order; purchase before checkout does not count
    session(
        t[0],
        events=[
            ("purchase", t[1]),
            ("product_view", t[2]),
            ("add_to_cart", t[2]),
            ("begin_checkout", t[3]),
        ],
    )
    # an early add_to_cart, then product_view, then another add_to_cart
    session(
        t[0],
        events=[("add_to_cart", t[1]), ("product_view", t[2]), ("add_to_cart", t[3])],
    )
    # outside the window
    session(local(2025, 2, 1, 0, 0), events=[("product_view", local(2025, 2, 1, 1))])

    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        result = answer(funnel, refresh=False, filters=JANUARY)

    # then: 6 sessions; 5 viewed a product; 3 added to cart; 2 checked out; 1 bought
    assert result == Funnel(
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        steps=[
            step("session", 6, 1.0, 1.0),
            step("product_view", 5, 5 / 6, 5 / 6),
            # the last session left two add_to_cart events without a product behind
            step("add_to_cart", 3, 3 / 6, 3 / 5, abandoned=(1, 2, "0.00")),
            step("begin_checkout", 2, 2 / 6, 2 / 3),
            step("purchase", 1, 1 / 6, 1 / 2),
        ],
    )


def test_funnel_with_no_sessions_has_unknown_rates(answer):
    # given
    session(
        local(2025, 1, 10), source="email", events=[("purchase", local(2025, 1, 11))]
    )

    # when
    result = answer(funnel, filters=replace(JANUARY, source="social"))

    # then
    assert result == Funnel(
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        steps=[
            step(name, 0, None, None)
            for name in (
                "session",
                "product_view",
                "add_to_cart",
                "begin_checkout",
                "purchase",
            )
        ],
    )
