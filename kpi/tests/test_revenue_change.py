"""Why revenue changed (kpi.metrics.revenue_change): LMDI effects to the cent, the
zero-factor rule, sessions unknown, per source; the shop is in America/New_York."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import Window
from ecomanalytics.store.tests.factories import (
    OrderFactory,
    ProductFactory,
    RefundFactory,
    WebSessionFactory,
)
from kpi.decomposition import PeriodVolume, decompose
from kpi.metrics import (
    PeriodRevenue,
    RevenueEffects,
    SourceRevenueChange,
    compared_window,
    revenue_change,
)

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
JANUARY = MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def order(placed_at: datetime, total: str, source: str, status: str = "paid"):
    return OrderFactory(
        placed_at=placed_at,
        status=status,
        traffic_source=source,
        lines=[(ProductFactory(), 1, total)],
    )


def sessions(count: int, started_at: datetime, source: str) -> None:
    WebSessionFactory.create_batch(
        count,
        started_at=started_at,
        traffic_source=source,
        events=[("page_view", started_at)],
    )


def period(sessions: int, orders: int, revenue: str) -> PeriodRevenue:
    return PeriodRevenue.of(PeriodVolume(sessions, orders, Decimal(revenue)))


def effects(**figures) -> RevenueEffects:
    """RevenueEffects with the shares and orders effect following from the money."""
    change = Decimal(figures["change"])
    previous = Decimal(figures.pop("previous"))
    money = {
        name: None if figures.get(name) is None else Decimal(figures[name])
        for name in ("traffic_effect", "conversion_effect", "order_value_effect")
    }
    traffic, conversion = money["traffic_effect"], money["conversion_effect"]
    orders = (
        Decimal(figures["orders_effect"]) if traffic is None else traffic + conversion  # type: ignore[operator]
    )

    def share(effect: Decimal | None) -> float | None:
        return None if effect is None or not change else float(effect / change)

    return RevenueEffects(
        change=change,
        change_rate=float(change / previous) if previous else None,
        sessions_known=traffic is not None,
        method=figures["method"],
        traffic_effect=traffic,
        conversion_effect=conversion,
        orders_effect=orders,
        order_value_effect=Decimal(figures["order_value_effect"]),
        traffic_share=share(traffic),
        conversion_share=share(conversion),
        orders_share=share(orders),
        order_value_share=share(money["order_value_effect"]),
    )


@pytest.fixture
def two_months() -> None:
    """December 2024 (the previous period of January) and January 2025.

    organic: Dec 4 sessions, orders 100 + 100; Jan 6 sessions, orders 80 + 80 + 80
       (one at Jan 31 23:30 local, Feb 1 in UTC) and a refund of 20 on Jan 5 of a
       December order, so Jan revenue 220 (net sales); a cancelled 500 counts nowhere
    email: Dec 2 sessions, one order 50; Jan 2 sessions, no orders
    social: Jan 1 session only
    """
    sessions(4, local(2024, 12, 5), "organic")
    first = order(local(2024, 12, 6), "100.00", "organic")
    order(local(2024, 12, 7), "100.00", "organic", status="completed")
    sessions(6, local(2025, 1, 5), "organic")
    order(local(2025, 1, 6), "80.00", "organic")
    order(local(2025, 1, 7), "80.00", "organic", status="shipped")
    order(local(2025, 1, 31, 23, 30), "80.00", "organic")
    order(local(2025, 1, 8), "500.00", "organic", status="cancelled")
    RefundFactory(order=first, refunded_at=local(2025, 1, 5), amount=Decimal("20.00"))
    sessions(2, local(2024, 12, 10), "email")
    order(local(2024, 12, 11), "50.00", "email")
    sessions(2, local(2025, 1, 10), "email")
    sessions(1, local(2025, 1, 12), "social")


def test_revenue_change_splits_the_total_and_each_source_to_the_cent(
    answer, two_months, django_assert_num_queries
):
    # when
    answer.refresh()
    with django_assert_num_queries(2):
        result = answer(revenue_change, refresh=False, filters=JANUARY)

    # then: total 6 → 9 sessions, 3 → 3 orders, 250 → 220. L(220, 250) = -30 ÷
    # ln 0.88 = 234.6805…; traffic L x ln 1.5 = 95.15, conversion L x ln(2/3) =
    # -95.15, order value -30 - 0 = -30.00 (AOV 83.33 → 73.33).
    assert (result.start, result.end) == (date(2025, 1, 1), date(2025, 1, 31))
    assert (result.compare_start, result.compare_end) == (
        date(2024, 12, 1),
        date(2024, 12, 31),
    )
    assert result.revenue_measure == "net_sales"
    assert result.total.previous == period(6, 3, "250.00")
    assert result.total.current == period(9, 3, "220.00")
    assert result.total.effects == effects(
        previous="250.00",
        change="-30.00",
        method="lmdi",
        traffic_effect="95.15",
        conversion_effect="-95.15",
        order_value_effect="-30.00",
    )
    # organic: L(220, 200) = 20 ÷ ln 1.1 = 209.8412; traffic L x ln 1.5 = 85.08,
    # conversion L x ln 1 = 0, order value 20 - 85.08 = -65.08. email: no January
    # orders, so conversion is 0 there and takes the whole -50. social: no sessions
    # in December and no revenue either way: 0 everywhere.
    assert result.results == [
        SourceRevenueChange(
            source="email",
            previous=period(2, 1, "50.00"),
            current=period(2, 0, "0.00"),
            effects=effects(
                previous="50.00",
                change="-50.00",
                method="zero_factor",
                traffic_effect="0",
                conversion_effect="-50.00",
                order_value_effect="0.00",
            ),
            contribution=50 / 30,
        ),
        SourceRevenueChange(
            source="organic",
            previous=period(4, 2, "200.00"),
            current=period(6, 3, "220.00"),
            effects=effects(
                previous="200.00",
                change="20.00",
                method="lmdi",
                traffic_effect="85.08",
                conversion_effect="0.00",
                order_value_effect="-65.08",
            ),
            contribution=-20 / 30,
        ),
        SourceRevenueChange(
            source="social",
            previous=period(0, 0, "0.00"),
            current=period(1, 0, "0.00"),
            effects=effects(
                previous="0",
                change="0.00",
                method="zero_factor",
                traffic_effect="0.00",
                conversion_effect="0",
                order_value_effect="0.00",
            ),
            contribution=-0.0,
        ),
    ]


def test_revenue_change_effects_add_up_to_the_change(answer, two_months):
    # when
    result = answer(revenue_change, filters=JANUARY)

    # then
    for row in [result.total, *result.results]:
        totals = row.effects
        parts = [totals.traffic_effect, totals.conversion_effect]
        assert sum(parts) + totals.order_value_effect == totals.change
    assert (
        sum(row.effects.change for row in result.results) == result.total.effects.change
    )


def test_revenue_change_with_a_source_filter_is_that_source_alone(answer, two_months):
    # when
    result = answer(revenue_change, filters=replace(JANUARY, source="email"))

    # then
    assert result.total.previous == period(2, 1, "50.00")
    assert result.total.current == period(2, 0, "0.00")
    assert [row.source for row in result.results] == ["email"]
    assert result.total.effects.conversion_effect == Decimal("-50.00")


def test_revenue_change_against_the_previous_year(answer):
    # given: February 2024 has 29 days; a year earlier, February 2023 ends on the 28th
    sessions(2, local(2023, 2, 28), "organic")
    order(local(2023, 2, 28), "40.00", "organic")
    order(local(2023, 3, 1), "999.00", "organic")  # outside the compared window
    sessions(2, local(2024, 2, 29), "organic")
    order(local(2024, 2, 29), "50.00", "organic")

    # when
    result = answer(
        revenue_change,
        filters=MetricFilters(start=date(2024, 2, 1), end=date(2024, 2, 29)),
        compare="previous_year",
    )

    # then: only the order value changed: 40 → 50, all of it
    assert (result.compare_start, result.compare_end) == (
        date(2023, 2, 1),
        date(2023, 2, 28),
    )
    assert result.total.previous == period(2, 1, "40.00")
    assert result.total.current == period(2, 1, "50.00")
    assert result.total.effects == effects(
        previous="40.00",
        change="10.00",
        method="lmdi",
        traffic_effect="0.00",
        conversion_effect="0.00",
        order_value_effect="10.00",
    )


def test_revenue_change_without_sessions_splits_orders_and_order_value(answer):
    # given: imported orders without any web session
    for day in (3, 4):
        order(local(2024, 12, day), "100.00", "direct")
    for day in (3, 4, 5, 6):
        order(local(2025, 1, day), "60.00", "direct")

    # when
    result = answer(revenue_change, filters=JANUARY)

    # then: orders L(240, 200) x ln 2 = 219.3926 x 0.6931 = 152.07; order value
    # 40 - 152.07 = -112.07
    assert result.total.effects == effects(
        previous="200.00",
        change="40.00",
        method="lmdi",
        traffic_effect=None,
        conversion_effect=None,
        orders_effect="152.07",
        order_value_effect="-112.07",
    )
    assert result.results[0].effects.sessions_known is False


def test_revenue_change_when_returns_exceed_sales_goes_to_order_value(answer):
    # given: December 1 session and an order of 30; in January 1 session, an order
    # of 10 and a 30.00 refund of December's order: January's net sales -20
    sessions(1, local(2024, 12, 2), "organic")
    december = order(local(2024, 12, 2), "30.00", "organic")
    sessions(1, local(2025, 1, 2), "organic")
    order(local(2025, 1, 2), "10.00", "organic")
    RefundFactory(
        order=december, refunded_at=local(2025, 1, 3), amount=Decimal("30.00")
    )

    # when
    result = answer(revenue_change, filters=JANUARY)

    # then: sessions and orders per session stay 1; the order value is negative
    assert result.total.current == period(1, 1, "-20.00")
    assert result.total.effects == effects(
        previous="30.00",
        change="-50.00",
        method="zero_factor",
        traffic_effect="0",
        conversion_effect="0",
        order_value_effect="-50.00",
    )


def test_revenue_change_without_data_is_empty(answer):
    # when
    result = answer(revenue_change, answered=None, filters=MetricFilters())

    # then
    assert result.start is None
    assert result.results == []
    assert result.total.effects.change == 0
    assert result.total.effects.change_rate is None


def test_decomposition_of_a_new_source_goes_to_traffic():
    # given: no sessions and no orders before; 10 sessions, 2 orders, 90.00 now
    before = PeriodVolume(sessions=0, orders=0, revenue=Decimal("0.00"))
    now = PeriodVolume(sessions=10, orders=2, revenue=Decimal("90.00"))

    # when
    split = decompose(before, now)

    # then
    assert (split.traffic, split.conversion, split.order_value, split.method) == (
        Decimal("90.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        "zero_factor",
    )


def test_compared_windows():
    window = Window(date(2025, 3, 1), date(2025, 3, 31))
    assert compared_window(window, "previous_period") == Window(
        date(2025, 1, 29), date(2025, 2, 28)
    )
    assert compared_window(window, "previous_year") == Window(
        date(2024, 3, 1), date(2024, 3, 31)
    )
