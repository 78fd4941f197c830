"""The shop of the customer-value tests, in America/New_York (fixture value_shop).

ann (US): Jan 31 23:30 hat 100 (Feb 1 04:30 UTC: a January order), Feb 15 hat 50;
     refund Mar 2 of 20 on the Feb 15 order.
ben (CA): Feb 1 00:10 email/mobile shoe 30; Feb 20 cancelled 99; Mar 10 hat 40.
cat (US): Jan 10 refunded 70 (counts nowhere); Mar 3 hat 60, her first revenue order.
dan (US): a cancelled order on Jan 5 only: no revenue order, a prospect.

The data span is Jan 5 to Mar 10 (every status).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ecomanalytics.store.models import Customer
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    RefundFactory,
)

NEW_YORK = ZoneInfo("America/New_York")


def local(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


@dataclass
class ValueShop:
    ann: Customer
    ben: Customer
    cat: Customer
    dan: Customer


def build_value_shop() -> ValueShop:
    hat = ProductFactory(sku="HAT-1", category=CategoryFactory(name="Hats"))
    shoe = ProductFactory(sku="SHOE-1", category=CategoryFactory(name="Shoes"))
    ann = CustomerFactory(external_id="ann", email="ann@example.com", country="US")
    ben = CustomerFactory(external_id="ben", email="ben@example.com", country="CA")
    cat = CustomerFactory(external_id="cat", email="cat@example.com", country="US")
    dan = CustomerFactory(external_id="dan", email="dan@example.com", country="US")
    OrderFactory(customer=ann, placed_at=local(1, 31, 23, 30), lines=[(hat, 1, "100")])
    second = OrderFactory(customer=ann, placed_at=local(2, 15), lines=[(hat, 1, "50")])
    RefundFactory(
        order=second, refunded_at=local(3, 2), lines=[(second.items.get(), 1, "20")]
    )
    OrderFactory(
        customer=ben,
        placed_at=local(2, 1, 0, 10),
        traffic_source="email",
        device="mobile",
        lines=[(shoe, 1, "30")],
    )
    OrderFactory(
        customer=ben, placed_at=local(2, 20), status="cancelled", lines=[(hat, 1, "99")]
    )
    OrderFactory(customer=ben, placed_at=local(3, 10), lines=[(hat, 1, "40")])
    OrderFactory(
        customer=cat, placed_at=local(1, 10), status="refunded", lines=[(hat, 1, "70")]
    )
    OrderFactory(customer=cat, placed_at=local(3, 3), lines=[(hat, 1, "60")])
    OrderFactory(customer=dan, placed_at=local(1, 5), status="cancelled")
    return ValueShop(ann, ben, cat, dan)
