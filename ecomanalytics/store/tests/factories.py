"""factory-boy factories for the shop's tables.

Tests set every value they assert on; the factories only fill what does not matter.
OrderFactory keeps `total` and `discount` in step with its lines when built with
`lines=[...]`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.db.models import Model
from factory.django import DjangoModelFactory

from ecomanalytics.store.models import (
    Category,
    Customer,
    Order,
    OrderItem,
    Product,
    Refund,
    RefundLine,
    SessionEvent,
    WebSession,
)
from ecomanalytics.store.session_progress import refresh_session_progress

_M = TypeVar("_M", bound=Model)


class ModelFactory(DjangoModelFactory[_M]):
    """A DjangoModelFactory whose call the type checker knows gives the model.

    factory_boy's metaclass turns `OrderFactory(...)` into `OrderFactory.create(...)`
    but does not say so in its types; without this, mypy takes the call for an
    OrderFactory instance.
    """

    if TYPE_CHECKING:
        # A __new__ that returns another class is what the metaclass does at run time.
        def __new__(cls, *args: Any, **kwargs: Any) -> _M: ...  # type: ignore[misc]


def _add_order_lines(order: Order, create: bool, extracted: Any, **kwargs: Any) -> None:
    if not extracted:
        return
    items = [
        OrderItem(
            order=order,
            product=product,
            quantity=quantity,
            unit_price=Decimal(price),
            discount=Decimal(discount[0] if discount else "0"),
        )
        for product, quantity, price, *discount in extracted
    ]
    OrderItem.objects.bulk_create(items)
    order.total = sum((item.quantity * item.unit_price for item in items), Decimal("0"))
    order.discount = sum((item.discount for item in items), Decimal("0"))
    order.save(update_fields=["total", "discount"])


def _add_session_events(
    session: WebSession, create: bool, extracted: Any, **kwargs: Any
) -> None:
    if not extracted:
        return
    SessionEvent.objects.bulk_create(
        SessionEvent(session=session, event_type=event_type, occurred_at=occurred_at)
        for event_type, occurred_at in extracted
    )
    # bulk_create sends no signals: keep the stored funnel progress in step.
    refresh_session_progress(session_ids=[session.pk])


class CustomerFactory(ModelFactory[Customer]):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"C{n:06d}")
    email = factory.LazyAttribute(lambda c: f"{c.external_id.lower()}@example.com")
    signed_up_at = datetime(2025, 1, 1, tzinfo=UTC)
    country = "US"
    acquisition_channel = "organic"


class CategoryFactory(ModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(ModelFactory[Product]):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Faker("word")
    category = factory.SubFactory(CategoryFactory)
    list_price = Decimal("10.00")


class OrderFactory(ModelFactory[Order]):
    """An order; pass lines=[(product, quantity, unit_price[, discount]), ...] to add
    its lines."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    external_id = factory.Sequence(lambda n: f"O{n:07d}")
    customer = factory.SubFactory(CustomerFactory)
    placed_at = datetime(2025, 1, 15, 12, tzinfo=UTC)
    status = "completed"
    traffic_source = "organic"
    device = "desktop"
    total = Decimal("0.00")
    lines = factory.PostGeneration(_add_order_lines)


class OrderItemFactory(ModelFactory[OrderItem]):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    unit_price = Decimal("10.00")


class WebSessionFactory(ModelFactory[WebSession]):
    """A web session; pass events=[(event_type, occurred_at), ...] to add its events."""

    class Meta:
        model = WebSession
        skip_postgeneration_save = True

    external_id = factory.Sequence(lambda n: f"S{n:08d}")
    customer = None
    started_at = datetime(2025, 1, 15, 12, tzinfo=UTC)
    traffic_source = "organic"
    device = "desktop"
    country = "US"
    events = factory.PostGeneration(_add_session_events)


class SessionEventFactory(ModelFactory[SessionEvent]):
    class Meta:
        model = SessionEvent

    session = factory.SubFactory(WebSessionFactory)
    event_type = "page_view"
    occurred_at = datetime(2025, 1, 15, 12, tzinfo=UTC)


def _add_refund_lines(
    refund: Refund, create: bool, extracted: Any, **kwargs: Any
) -> None:
    if not extracted:
        return
    lines = [
        RefundLine(refund=refund, item=item, quantity=quantity, amount=Decimal(amount))
        for item, quantity, amount in extracted
    ]
    RefundLine.objects.bulk_create(lines)
    # A refund's lines add up to its amount (store.models.RefundLine).
    refund.amount = sum((line.amount for line in lines), Decimal("0"))
    refund.save(update_fields=["amount"])


class RefundFactory(ModelFactory[Refund]):
    """A refund; pass lines=[(order item, quantity, amount), ...] to return lines
    (its amount is then their sum)."""

    class Meta:
        model = Refund
        skip_postgeneration_save = True

    external_id = factory.Sequence(lambda n: f"R{n:07d}")
    order = factory.SubFactory(OrderFactory)
    refunded_at = datetime(2025, 1, 20, 12, tzinfo=UTC)
    amount = Decimal("10.00")
    lines = factory.PostGeneration(_add_refund_lines)


class RefundLineFactory(ModelFactory[RefundLine]):
    class Meta:
        model = RefundLine

    refund = factory.SubFactory(RefundFactory)
    item = factory.SubFactory(OrderItemFactory)
    quantity = 1
    amount = Decimal("10.00")
