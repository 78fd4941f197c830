"""Conversion over time, abandoned checkouts per period and revenue with compare, on
both paths; the shop is in America/New_York."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.models import SessionEvent
from ecomanalytics.store.session_progress import refresh_session_progress
from ecomanalytics.store.tests.factories import (
    OrderFactory,
    ProductFactory,
    WebSessionFactory,
)
from kpi.metrics import (
    AbandonedCheckouts,
    CheckoutPeriod,
    ConversionPeriod,
    RevenuePeriod,
    SourceConversionSeries,
    abandoned_checkouts,
    conversion_over_time,
    revenue_over_time,
)

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
LONG_AGO_DONE = datetime(2026, 6, 1, tzinfo=UTC)
JAN_FEB = MetricFilters(start=date(2025, 1, 1), end=date(2025, 2, 28))


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def visit(started_at: datetime, source: str, events=()) -> None:
    """A session whose events (type, product) follow a minute apart."""
    session = WebSessionFactory(started_at=started_at, traffic_source=source)
    SessionEvent.objects.bulk_create(
        SessionEvent(
            session=session,
            event_type=event_type,
            occurred_at=started_at + timedelta(minutes=minute + 1),
            product=product,
        )
        for minute, (event_type, product) in enumerate(events)
    )
    refresh_session_progress(session_ids=[session.pk])


@pytest.fixture
def products():
    return (
        ProductFactory(list_price=Decimal("30.00")),
        ProductFactory(list_price=Decimal("50.00")),
    )


def period(label, sessions, converted, partial=False):
    return ConversionPeriod(
        label, partial, sessions, converted, converted / sessions if sessions else None
    )


@time_machine.travel(LONG_AGO_DONE, tick=False)
def test_conversion_over_time_per_month_and_source(answer):
    # given: Jan 31 23:50 local is February in UTC but January here
    visit(local(2025, 1, 5), "organic", [("purchase", None)])
    visit(local(2025, 1, 31, 23, 50), "email", [("purchase", None)])
    visit(local(2025, 1, 20), "email")
    visit(local(2025, 2, 3), "organic")
    visit(local(2025, 3, 1), "organic", [("purchase", None)])  # outside

    # when
    result = answer(conversion_over_time, filters=JAN_FEB, breakdown="source")

    # then: February has one session and no conversion; every bucket listed
    assert result.results == [period("2025-01", 3, 2), period("2025-02", 1, 0)]
    assert result.sources == [
        SourceConversionSeries(
            "email", [period("2025-01", 2, 1), period("2025-02", 0, 0)]
        ),
        SourceConversionSeries(
            "organic", [period("2025-01", 1, 1), period("2025-02", 1, 0)]
        ),
    ]
    assert result.compared == []


@time_machine.travel(LONG_AGO_DONE, tick=False)
def test_conversion_over_time_compared_with_the_previous_year(answer):
    # given
    visit(local(2024, 1, 10), "organic", [("purchase", None)])
    visit(local(2024, 1, 11), "organic")
    visit(local(2025, 1, 10), "organic")

    # when: January 10-20 is a clipped month, partial in both windows
    result = answer(
        conversion_over_time,
        filters=MetricFilters(start=date(2025, 1, 10), end=date(2025, 1, 20)),
        compare="previous_year",
    )

    # then
    assert (result.compare_start, result.compare_end) == (
        date(2024, 1, 10),
        date(2024, 1, 20),
    )
    assert result.results == [period("2025-01", 1, 0, partial=True)]
    assert result.compared == [period("2024-01", 2, 1, partial=True)]


@time_machine.travel(LONG_AGO_DONE, tick=False)
def test_abandoned_checkouts_per_week(answer, products):
    # given: in the week of Monday Jan 6 a session adds both products and begins
    # checkout, another begins checkout and buys; the week of Jan 13 has a session
    # that adds to cart but never begins checkout
    cheap, dear = products
    visit(
        local(2025, 1, 6),
        "organic",
        [
            ("product_view", cheap),
            ("add_to_cart", cheap),
            ("add_to_cart", dear),
            ("begin_checkout", None),
        ],
    )
    visit(
        local(2025, 1, 7),
        "organic",
        [
            ("product_view", cheap),
            ("add_to_cart", cheap),
            ("begin_checkout", None),
            ("purchase", None),
        ],
    )
    visit(
        local(2025, 1, 14), "organic", [("product_view", dear), ("add_to_cart", dear)]
    )

    # when
    result = answer(
        abandoned_checkouts,
        filters=MetricFilters(start=date(2025, 1, 6), end=date(2025, 1, 19)),
        granularity="week",
    )

    # then
    assert result == AbandonedCheckouts(
        start=date(2025, 1, 6),
        end=date(2025, 1, 19),
        granularity="week",
        results=[
            CheckoutPeriod("2025-01-06", False, 2, 1, 0.5, 2, Decimal("80.00")),
            CheckoutPeriod("2025-01-13", False, 0, 0, None, 0, Decimal("0.00")),
        ],
    )


@time_machine.travel(LONG_AGO_DONE, tick=False)
def test_revenue_compared_with_the_previous_period(answer):
    # given
    product = ProductFactory()
    OrderFactory(placed_at=local(2024, 12, 31, 23, 30), lines=[(product, 1, "20.00")])
    OrderFactory(placed_at=local(2025, 1, 2), lines=[(product, 1, "30.00")])

    # when
    result = answer(
        revenue_over_time,
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31)),
        compare="previous_period",
    )

    # then: the 31 days before January are December
    assert (result.compare_start, result.compare_end) == (
        date(2024, 12, 1),
        date(2024, 12, 31),
    )
    assert result.results == [
        RevenuePeriod("2025-01", Decimal("30.00"), 1, Decimal("30.00"), False)
    ]
    assert result.compared == [
        RevenuePeriod("2024-12", Decimal("20.00"), 1, Decimal("20.00"), False)
    ]
