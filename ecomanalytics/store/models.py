"""The shop's data: customers, the catalogue, orders and their lines, web sessions and events.

Money is Decimal in the shop's currency (settings.CURRENCY); times are stored in UTC.
"""

from typing import Final, TypedDict

from django.db import models

from .choices import Device, EventType, OrderStatus, TrafficSource
from .querysets import OrderItemQuerySet, OrderQuerySet, WebSessionQuerySet


class _MoneyDigits(TypedDict):
    max_digits: int
    decimal_places: int


# A TypedDict, so that mypy checks the keywords it spreads into DecimalField.
MONEY: Final = _MoneyDigits(max_digits=14, decimal_places=2)


class Customer(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True, db_index=True)
    signed_up_at = models.DateTimeField(db_index=True)
    country = models.CharField(max_length=64, blank=True, db_index=True)
    acquisition_channel = models.CharField(
        max_length=16, choices=TrafficSource.choices, blank=True
    )

    class Meta:
        ordering = ["external_id"]

    def __str__(self) -> str:
        return self.email or self.external_id


class Category(models.Model):
    name = models.CharField(max_length=128, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    list_price = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Order(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders"
    )
    placed_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=OrderStatus.choices)
    traffic_source = models.CharField(max_length=16, choices=TrafficSource.choices)
    device = models.CharField(max_length=16, choices=Device.choices)
    # Gross sales: Σ quantity x unit price over the lines, before discounts, kept in
    # step by whoever writes lines.
    total = models.DecimalField(**MONEY, default=0)
    # The order's money terms besides its lines (docs/metrics.md, "Sales"): discounts
    # on the products (Σ of the lines' discounts), shipping charged and taxes.
    # Database defaults too, for the bulk SQL writers that do not know the columns.
    discount = models.DecimalField(**MONEY, default=0, db_default=0)
    shipping = models.DecimalField(**MONEY, default=0, db_default=0)
    tax = models.DecimalField(**MONEY, default=0, db_default=0)
    # The discount codes used, upper case, sorted and joined by ", "; blank: none.
    # A combination of codes is one value, so each order counts in one code row.
    discount_codes = models.CharField(
        max_length=255, blank=True, default="", db_default=""
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["placed_at"]),
            models.Index(fields=["status", "placed_at"]),
            models.Index(fields=["customer", "placed_at"]),
            models.Index(fields=["traffic_source", "placed_at"]),
            models.Index(fields=["device", "placed_at"]),
            models.Index(fields=["discount_codes", "placed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discount__gte=0, shipping__gte=0, tax__gte=0),
                name="order_money_terms_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="order_items"
    )
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    # This line's share of the order's discount (Shopify splits order discounts
    # across lines), so product and category sales are net of it too.
    discount = models.DecimalField(**MONEY, default=0, db_default=0)

    objects = OrderItemQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="orderitem_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="orderitem_price_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(discount__gte=0)
                & models.Q(discount__lte=models.F("quantity") * models.F("unit_price")),
                name="orderitem_discount_within_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class Refund(models.Model):
    """Money given back on an order, on the day it was given (returns, in the sales
    terms). An order can have several; one that is refunded in full has status
    refunded. Its lines say which order lines the amount returns (RefundLine)."""

    external_id = models.CharField(max_length=64, unique=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    refunded_at = models.DateTimeField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["refunded_at", "id"]
        indexes = [models.Index(fields=["refunded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class RefundLine(models.Model):
    """The part of a refund that returns one order line: the units sent back (0 when
    the refund named no units, money only) and the amount allocated to the line.
    The amounts of a refund's lines add up to the refund's amount (store.refunds)."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        OrderItem, on_delete=models.CASCADE, related_name="refund_lines"
    )
    quantity = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="refundline_amount_not_negative"
            ),
            models.UniqueConstraint(
                fields=["refund", "item"], name="refundline_one_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x item {self.item_id}"


class WebSession(models.Model):
    """A visit to the shop; named so it does not clash with django.contrib.sessions."""

    external_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="web_sessions",
    )
    started_at = models.DateTimeField()
    traffic_source = models.CharField(max_length=16, choices=TrafficSource.choices)
    device = models.CharField(max_length=16, choices=Device.choices)
    country = models.CharField(max_length=64, blank=True)
    # Derived from the session's events (which stay the source of truth) when they
    # are loaded or edited, see session_progress: the furthest funnel step reached
    # (0 = session only, 1 = product_view .. 4 = purchase, closed and sequential)
    # and whether it has any purchase event. The roll-ups count these columns
    # instead of probing every session's events. Database defaults too, so bulk SQL
    # writers that do not know the columns (the importers' upserts) can insert rows.
    funnel_step = models.PositiveSmallIntegerField(default=0, db_default=0)
    converted = models.BooleanField(default=False, db_default=False)

    objects = WebSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["started_at"]),
            models.Index(fields=["traffic_source", "started_at"]),
            models.Index(fields=["device", "started_at"]),
            models.Index(fields=["country", "started_at"]),
        ]

    def __str__(self) -> str:
        return self.external_id


class SessionEvent(models.Model):
    session = models.ForeignKey(
        WebSession, on_delete=models.CASCADE, related_name="events"
    )
    event_type = models.CharField(max_length=16, choices=EventType.choices)
    occurred_at = models.DateTimeField()
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by store.signals before a save moves the event to another session, so
    # that the session it left has its funnel progress refreshed too. Not a column.
    _previous_session_id: int | None

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["session", "event_type", "occurred_at"]),
            models.Index(fields=["occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} @ {self.occurred_at:%Y-%m-%d %H:%M}"
