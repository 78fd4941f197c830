"""Money per funnel step, value left behind and breakdowns (kpi.metrics.funnel), on
both paths; the shop is in America/New_York."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.models import SessionEvent
from ecomanalytics.store.session_progress import refresh_session_progress
from ecomanalytics.store.tests.factories import (
    OrderFactory,
    ProductFactory,
    RefundFactory,
    WebSessionFactory,
)
from kpi.metrics import FunnelGroup, FunnelStep, funnel

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
JANUARY = MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))
STEPS = ("session", "product_view", "add_to_cart", "begin_checkout", "purchase")


def local(month: int, day: int, year: int = 2025) -> datetime:
    return datetime(year, month, day, 12, tzinfo=NEW_YORK)


def visit(started_at: datetime, source: str, device: str, events) -> None:
    """A session whose events follow a minute apart: (type, product, order)."""
    session = WebSessionFactory(
        started_at=started_at, traffic_source=source, device=device
    )
    SessionEvent.objects.bulk_create(
        SessionEvent(
            session=session,
            event_type=event_type,
            occurred_at=started_at + timedelta(minutes=minute),
            product=product,
            order=order,
        )
        for minute, (event_type, product, order) in enumerate(events)
    )
    refresh_session_progress(session_ids=[session.pk])


def bought(product, order):
    return [
        ("product_view", product, None),
        ("add_to_cart", product, None),
        ("begin_checkout", None, None),
        ("purchase", None, order),
    ]


@pytest.fixture
def shop() -> None:
    """January sessions s1..s4, and s5 from December whose order is refunded in
    January.

    s1 organic/desktop buys a 30.00 product: order o1 paid 30.00, refunded 10.00
       on Jan 20
    s2 organic/mobile adds the 30.00 and the 50.00 product, begins checkout, leaves
    s3 email/mobile adds the 50.00 product, leaves
    s4 email/desktop buys the 50.00 product, but o2 is cancelled (no revenue)
    s5 email/desktop Dec 20 buys: o3 paid 40.00 in December, refunded 15.00 Jan 10
    """
    cheap = ProductFactory(list_price=Decimal("30.00"))
    dear = ProductFactory(list_price=Decimal("50.00"))

    def order(placed_at, total, status):
        return OrderFactory(
            placed_at=placed_at, status=status, lines=[(cheap, 1, total)]
        )

    o1 = order(local(1, 5), "30.00", "paid")
    RefundFactory(order=o1, refunded_at=local(1, 20), amount=Decimal("10.00"))
    visit(local(1, 5), "organic", "desktop", bought(cheap, o1))
    visit(
        local(1, 6),
        "organic",
        "mobile",
        [
            ("product_view", cheap, None),
            ("add_to_cart", cheap, None),
            ("add_to_cart", dear, None),
            ("begin_checkout", None, None),
        ],
    )
    visit(
        local(1, 7),
        "email",
        "mobile",
        [("product_view", dear, None), ("add_to_cart", dear, None)],
    )
    o2 = order(local(1, 8), "50.00", "cancelled")
    visit(local(1, 8), "email", "desktop", bought(dear, o2))
    o3 = order(local(12, 20, 2024), "40.00", "paid")
    RefundFactory(order=o3, refunded_at=local(1, 10), amount=Decimal("15.00"))
    visit(local(12, 20, 2024), "email", "desktop", bought(cheap, o3))


def steps(sessions, orders, revenue, abandoned):
    """FunnelSteps from the sessions per step, orders and revenue (the same at every
    step here) and the value left behind at add_to_cart and begin_checkout."""
    result = []
    for number, name in enumerate(STEPS):
        count = sessions[number]
        left = abandoned.get(name)
        result.append(
            FunnelStep(
                step=name,
                sessions=count,
                conversion_from_start=count / sessions[0],
                conversion_from_previous=count / sessions[max(number - 1, 0)],
                orders=orders,
                revenue=Decimal(revenue),
                revenue_per_session=(Decimal(revenue) / count).quantize(
                    Decimal("0.01")
                ),
                abandoned_sessions=left[0] if left else None,
                abandoned_cart_units=left[1] if left else None,
                abandoned_cart_value=Decimal(left[2]) if left else None,
            )
        )
    return result


def test_funnel_money_and_breakdown_by_source(answer, shop, django_assert_num_queries):
    # when
    answer.refresh()
    with django_assert_num_queries(1):
        overall = answer(funnel, refresh=False, filters=JANUARY)
    by_source = answer(funnel, refresh=False, filters=JANUARY, breakdown="source")

    # then: 4 January sessions reach 4, 4, 4, 3, 2 steps. Every order sits at the
    # purchase step, so each step's revenue is o1's 30.00 - its 10.00 refund - the
    # 15.00 January refund of December's o3 = 5.00 (o2 is cancelled); 1 order. Left
    # behind at add_to_cart: s2 (30 + 50) and s3 (50) = 2 sessions, 3 units, 130.00;
    # at begin_checkout s2 alone.
    assert overall.steps == steps(
        (4, 4, 4, 3, 2),
        1,
        "5.00",
        {"add_to_cart": (2, 3, "130.00"), "begin_checkout": (1, 2, "80.00")},
    )
    assert overall.groups == []
    assert by_source.breakdown == "source"
    assert by_source.steps == overall.steps
    assert by_source.groups == [
        FunnelGroup(
            "email",
            steps(
                (2, 2, 2, 1, 1),
                0,
                "-15.00",
                {"add_to_cart": (1, 1, "50.00"), "begin_checkout": (0, 0, "0.00")},
            ),
        ),
        FunnelGroup(
            "organic",
            steps(
                (2, 2, 2, 2, 1),
                1,
                "20.00",
                {"add_to_cart": (1, 2, "80.00"), "begin_checkout": (1, 2, "80.00")},
            ),
        ),
    ]


def test_funnel_breakdown_by_device_with_a_filter(answer, shop):
    # when
    result = answer(
        funnel, filters=replace(JANUARY, source="email"), breakdown="device"
    )

    # then: email's s4 (desktop, bought, cancelled) and s3 (mobile, left 50.00);
    # December's s5 is desktop, so its January refund is desktop's
    assert [group.value for group in result.groups] == ["desktop", "mobile"]
    desktop, mobile = result.groups
    assert [step.sessions for step in desktop.steps] == [1, 1, 1, 1, 1]
    assert desktop.steps[0].revenue == Decimal("-15.00")
    assert mobile.steps[2].abandoned_cart_value == Decimal("50.00")
    assert mobile.steps[0].revenue == Decimal("0.00")


def test_funnel_breakdown_that_matches_nothing(answer, shop):
    # when
    result = answer(funnel, filters=replace(JANUARY, country="FR"), breakdown="country")

    # then
    assert result.groups == []
    assert [step.sessions for step in result.steps] == [0, 0, 0, 0, 0]
