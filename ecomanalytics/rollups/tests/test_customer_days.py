"""An incremental refresh rewrites CustomerDay from `since` on and gets exactly the
rows a full rebuild writes, leaving the days before alone.

New York: Ann orders on January 5 (10.00) and on March 31 at 23:30 (the last local
day of March, April 1 in UTC), and gets 4.00 back on March 2 for her January order:
the return lies on March 2, not on January 5. Bob's order of January 6 is cancelled,
so it leaves CustomerDay; its edit refreshes from its own day, January 6, and Ann's
January 5 row, before that day, is kept as it was.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ecomanalytics.rollups.models import CustomerDay
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.store.models import Order
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    RefundFactory,
)

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def customer_days() -> list[tuple]:
    return sorted(
        CustomerDay.objects.values_list(
            "member_id", "day", "orders", "gross_sales", "returns"
        )
    )


def test_incremental_refresh_rewrites_the_days_from_since_as_a_full_build(settings):
    # given
    settings.TIME_ZONE = "America/New_York"
    shoe = ProductFactory()
    ann, bob = CustomerFactory(), CustomerFactory()
    january = OrderFactory(
        customer=ann, placed_at=local(2025, 1, 5), lines=[(shoe, 1, "10")]
    )
    OrderFactory(
        customer=bob,
        placed_at=local(2025, 1, 6),
        lines=[(shoe, 2, "10")],
        external_id="BOB-1",
    )
    refresh_rollups()

    # when March brings Ann's order and a refund of her January order, and Bob's
    # order is cancelled
    OrderFactory(
        customer=ann, placed_at=local(2025, 3, 31, 23, 30), lines=[(shoe, 1, "10")]
    )
    RefundFactory(order=january, refunded_at=local(2025, 3, 2), amount=Decimal("4.00"))
    Order.objects.filter(external_id="BOB-1").update(status="cancelled")
    refresh_rollups(since=date(2025, 1, 6))
    patched = customer_days()

    # then
    refresh_rollups()
    assert patched == customer_days()
    assert patched == [
        (ann.pk, date(2025, 1, 5), 1, Decimal("10.00"), Decimal("0.00")),
        (ann.pk, date(2025, 3, 2), 0, Decimal("0.00"), Decimal("4.00")),
        (ann.pk, date(2025, 3, 31), 1, Decimal("10.00"), Decimal("0.00")),
    ]
