"""Fixtures shared by every app's tests."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from ecomanalytics.store.models import Order, Refund
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    RefundFactory,
)


@pytest.fixture
def staff_user(db) -> User:
    return User.objects.create_user(
        username="staff", password="staff-password", is_staff=True
    )


@pytest.fixture
def api_client(staff_user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


class Answer:
    """Calls a metric function on one forced path and checks that path answered.

    On the roll-up path the roll-ups are refreshed from the test's data first, as a
    load would. `raw_by_design=True` says the roll-ups do not keep the level asked
    for, so the raw tables answer on both paths; `answered=None` says no path runs
    (no window at all).
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def pick(self, *, raw: int, rollup: int) -> int:
        """A per-path value, such as the number of queries."""
        return raw if self.path == "raw" else rollup

    def refresh(self) -> None:
        from ecomanalytics.rollups.refresh import refresh_rollups

        if self.path == "rollup":
            refresh_rollups()

    def __call__(
        self,
        metric,
        /,
        *,
        refresh: bool = True,
        raw_by_design: bool = False,
        answered: object = "path",
        **kwargs,
    ):
        from ecomanalytics.rollups.status import answered_by, metrics_path

        if refresh:
            self.refresh()
        expected = (
            ("raw" if raw_by_design else self.path) if answered == "path" else answered
        )
        with metrics_path(self.path):  # type: ignore[arg-type]
            answered_by.set(None)
            result = metric(**kwargs)
            path = answered_by.get()
        assert path == expected, (
            f"{metric.__name__} answered from {path}, not {expected}"
        )
        return result


@pytest.fixture(params=["raw", "rollup"])
def answer(request) -> Answer:
    """Run a metric on the raw tables and on the roll-ups (see Answer)."""
    return Answer(request.param)


class SalesShop:
    """The shop of the sales-terms tests (sales_shop), in America/New_York.

    Products A "Runner" (Shoes, SKU-A) and B "Beanie" (Hats, SKU-B); customers x (US)
    and y (CA). Per order: lines (product, units @ price, line discount); order
    discount = Σ line discounts; shipping; tax; refunds (local day: line, units,
    amount):

    o1 x Jan 10 completed organic/desktop: A 2 @ 50 (10), B 1 @ 20 (0); ship 5, tax 9;
       refund Mar 3: B 1 unit 20
    o2 y Jan 31 23:30 shipped email/mobile: A 1 @ 50 (5); ship 0, tax 4;
       refund Feb 1 09:00: A 1 unit 45 (the order is January's, its return February's)
    o3 x Feb 5 paid organic/desktop: B 3 @ 20 (6); ship 7, tax 5; refund Feb 20: B 1 18
    o4 y Feb 10 refunded organic/desktop: A 1 @ 50; ship 3, tax 4; refund Feb 12: A 1
       50 (refunded in full: counts nowhere)

    Per month (gross, discounts, returns, shipping, taxes -> net, total; orders):
    Jan 170, 15, 0, 5, 13 -> 155, 173; 2.  Feb 60, 6, 63, 7, 5 -> -9, 3; 1.
    Mar 0, 0, 20, 0, 0 -> -20, -20; 0.
    """

    def __init__(self) -> None:
        new_york = ZoneInfo("America/New_York")

        def local(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
            return datetime(2025, month, day, hour, minute, tzinfo=new_york)

        self.local = local
        shoes, hats = CategoryFactory(name="Shoes"), CategoryFactory(name="Hats")
        self.a = ProductFactory(sku="SKU-A", name="Runner", category=shoes)
        self.b = ProductFactory(sku="SKU-B", name="Beanie", category=hats)
        x = CustomerFactory(external_id="x", country="US")
        y = CustomerFactory(external_id="y", country="CA")
        self.o1 = self.order(
            x,
            local(1, 10),
            "completed",
            [(self.a, 2, "50", "10"), (self.b, 1, "20", "0")],
        )
        self.order_terms(self.o1, shipping="5", tax="9")
        self.refund(self.o1, local(3, 3), [(self.b, 1, "20")])
        self.o2 = self.order(
            y,
            local(1, 31, 23, 30),
            "shipped",
            [(self.a, 1, "50", "5")],
            traffic_source="email",
            device="mobile",
        )
        self.order_terms(self.o2, shipping="0", tax="4")
        self.refund(self.o2, local(2, 1, 9), [(self.a, 1, "45")])
        self.o3 = self.order(x, local(2, 5), "paid", [(self.b, 3, "20", "6")])
        self.order_terms(self.o3, shipping="7", tax="5")
        self.refund(self.o3, local(2, 20), [(self.b, 1, "18")])
        self.o4 = self.order(y, local(2, 10), "refunded", [(self.a, 1, "50", "0")])
        self.order_terms(self.o4, shipping="3", tax="4")
        self.refund(self.o4, local(2, 12), [(self.a, 1, "50")])

    @staticmethod
    def order(customer, placed_at, status, lines, **kwargs) -> Order:
        """An order whose lines carry their discounts, the order's discount their sum."""
        order = OrderFactory(
            customer=customer,
            placed_at=placed_at,
            status=status,
            lines=[(product, units, price) for product, units, price, _ in lines],
            **kwargs,
        )
        items = list(order.items.order_by("id"))
        for item, (_, _, _, discount) in zip(items, lines, strict=True):
            item.discount = Decimal(discount)
            item.save(update_fields=["discount"])
        order.discount = sum((item.discount for item in items), Decimal("0"))
        order.save(update_fields=["discount"])
        return order

    @staticmethod
    def order_terms(order, *, shipping: str, tax: str) -> None:
        order.shipping, order.tax = Decimal(shipping), Decimal(tax)
        order.save(update_fields=["shipping", "tax"])

    @staticmethod
    def refund(order, refunded_at, lines) -> Refund:
        """A refund of (product, units, amount) of the order's lines of those products."""
        items = {item.product_id: item for item in order.items.all()}
        return RefundFactory(
            order=order,
            refunded_at=refunded_at,
            lines=[
                (items[product.pk], units, amount) for product, units, amount in lines
            ],
        )


@pytest.fixture
def sales_shop(db) -> SalesShop:
    """Discounts, shipping, taxes, partial refunds (one across a month boundary) and
    an order refunded in full (SalesShop)."""
    return SalesShop()
