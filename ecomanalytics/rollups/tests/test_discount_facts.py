"""The discount-code facts and links: their levels and days, the incremental refresh,
and the same numbers as the raw tables on a generated shop with codes and refunds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F, Sum
from django.db.models.functions import Mod

from ecomanalytics.rollups.models import DiscountDay, DiscountLinks
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.tests.test_equivalence import (  # noqa: F401
    assert_same_on_random_filters,
    shop,
)
from ecomanalytics.store.models import Order, Refund
from ecomanalytics.store.tests.factories import CustomerFactory, OrderFactory
from kpi.metrics import discount_codes

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def local(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


def coded_order(placed_at: datetime, total: str, codes: str, **kwargs) -> Order:
    return OrderFactory(
        placed_at=placed_at,
        total=Decimal(total),
        discount=Decimal(total) / 10,
        discount_codes=codes,
        **kwargs,
    )


def refund(of: Order, refunded_at: datetime, amount: str) -> Refund:
    number = Refund.objects.count() + 1
    return Refund.objects.create(
        external_id=f"R{number}",
        order=of,
        refunded_at=refunded_at,
        amount=Decimal(amount),
    )


@pytest.fixture
def winter():
    """ann's first order (SUMMER10) at 23:59 on Jan 31 in New York, refunded at
    00:30 on Feb 1; her second (no code) on Feb 5; bob (Canada, email) on Jan 10."""
    ann = CustomerFactory(country="US")
    bob = CustomerFactory(country="CA")
    first = coded_order(local(1, 31, 23, 59), "100.00", "SUMMER10", customer=ann)
    coded_order(local(2, 5), "40.00", "", customer=ann)
    coded_order(local(1, 10), "50.00", "SUMMER10", customer=bob, traffic_source="email")
    refund(first, local(2, 1, 0, 30), "30.00")


def day_rows(**level: str) -> list[tuple]:
    """The day rows of a level (the dimensions not given are ALL)."""
    level = {"traffic_source": "*", "device": "*", "country": "*"} | level
    return sorted(
        DiscountDay.objects.filter(grain="d", **level).values_list(
            "day",
            "discount_codes",
            "orders",
            "new_customer_orders",
            "gross_sales",
            "discounts",
            "returns",
        )
    )


def test_orders_on_their_day_and_refunds_on_theirs(winter):
    # when
    refresh_rollups()

    # then: the refund lies on Feb 1 (local), its order on Jan 31; bob's order was
    # his first, so both SUMMER10 orders are new-customer orders
    money = Decimal
    assert day_rows() == [
        (date(2025, 1, 10), "SUMMER10", 1, 1, money("50.00"), money("5.00"), 0),
        (date(2025, 1, 31), "SUMMER10", 1, 1, money("100.00"), money("10.00"), 0),
        (date(2025, 2, 1), "SUMMER10", 0, 0, 0, 0, money("30.00")),
        (date(2025, 2, 5), "", 1, 0, money("40.00"), money("4.00"), 0),
    ]
    assert day_rows(country="CA") == [
        (date(2025, 1, 10), "SUMMER10", 1, 1, money("50.00"), money("5.00"), 0),
    ]
    assert sorted(
        DiscountDay.objects.filter(grain="m", traffic_source="*", device="*")
        .exclude(country="*")
        .values_list("day", "country", "discount_codes")
        .annotate(orders=Sum("orders"), returns=Sum("returns"))
    ) == [
        (date(2025, 1, 1), "CA", "SUMMER10", 1, 0),
        (date(2025, 1, 1), "US", "SUMMER10", 1, 0),
        (date(2025, 2, 1), "US", "", 1, 0),
        (date(2025, 2, 1), "US", "SUMMER10", 0, money("30.00")),
    ]


def test_levels_are_no_filter_and_each_single_dimension(winter):
    # when
    refresh_rollups()

    # then: no row keeps two dimensions
    levels = set(
        DiscountDay.objects.annotate(
            kept=F("traffic_source"), on=F("device"), at=F("country")
        ).values_list("kept", "on", "at")
    )
    assert {sum(value != "*" for value in level) for level in levels} == {0, 1}
    assert (
        set(DiscountLinks.objects.values_list("traffic_source", "device", "country"))
        <= levels
    )


def facts_snapshot() -> dict[str, list[tuple]]:
    columns = [
        field.name
        for field in DiscountDay._meta.concrete_fields
        if not field.primary_key
    ]
    link_columns = [
        field.name
        for field in DiscountLinks._meta.concrete_fields
        if not field.primary_key
    ]
    return {
        "days": sorted(DiscountDay.objects.values_list(*columns), key=repr),
        "links": sorted(DiscountLinks.objects.values_list(*link_columns), key=repr),
    }


def test_incremental_refresh_equals_a_full_rebuild(winter):
    # given rolled-up data; then, not rolled up: carl's March 3 order, a refund on
    # Feb 20 of bob's January order, and carl's Feb 15 order loaded late (which
    # makes it his first order, not the March one)
    refresh_rollups()
    january = sorted(
        DiscountDay.objects.filter(day__lt=date(2025, 2, 1)).values_list(
            "pk", flat=True
        )
    )
    carl = CustomerFactory(country="DE")
    coded_order(local(3, 3), "20.00", "VIP20", customer=carl)
    refresh_rollups(since=date(2025, 3, 1))
    bob_order = Order.objects.get(customer__country="CA")
    refund(bob_order, local(2, 20), "5.00")
    coded_order(local(2, 15), "80.00", "SUMMER10", customer=carl)

    # when: only the days from Feb 10 are rebuilt (and the months from February)
    refresh_rollups(since=date(2025, 2, 10))
    incremental = facts_snapshot()

    # then: January's rows were kept as they were, and a full rebuild agrees
    assert (
        sorted(
            DiscountDay.objects.filter(day__lt=date(2025, 2, 1)).values_list(
                "pk", flat=True
            )
        )
        == january
    )
    refresh_rollups()
    assert facts_snapshot() == incremental
    march_vip = DiscountDay.objects.get(
        grain="d", day=date(2025, 3, 3), traffic_source="*", device="*", country="*"
    )
    assert (march_vip.orders, march_vip.new_customer_orders) == (1, 0)


@pytest.fixture(scope="module")
def coded_shop(shop, django_db_blocker):  # noqa: F811
    """The generated shop with codes on a fifth of its orders (half of them a
    combination), a discount of 1.50 on those, and a refund of a quarter, ten days
    later, of every seventh order."""
    with django_db_blocker.unblock():
        numbered = Order.objects.annotate(number=Mod("id", 10))
        for number, codes in [(0, "SUMMER10"), (5, "FREESHIP, SUMMER10")]:
            numbered.filter(number=number).update(
                discount_codes=codes, discount=Decimal("1.50")
            )
        Refund.objects.bulk_create(
            Refund(
                external_id=f"R{order.pk}",
                order=order,
                refunded_at=order.placed_at + timedelta(days=10),
                amount=(order.total / 4).quantize(Decimal("0.01")),
            )
            for order in Order.objects.annotate(number=Mod("id", 7)).filter(
                number=0, total__gte=1
            )
        )
        refresh_rollups()
    yield
    with django_db_blocker.unblock():
        Refund.objects.all().delete()


def test_rollups_give_the_raw_numbers(coded_shop):
    # given the coded shop; when both paths answer random filters; then equal
    answered = assert_same_on_random_filters(20250301, discount_codes)

    # then most draws really compared the roll-ups with the raw tables
    assert answered["rollup"] >= 12, answered
