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
    # Sum of quantity x unit price over the lines, kept in step by whoever writes lines.
    total = models.DecimalField(**MONEY, default=0)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["placed_at"]),
            models.Index(fields=["status", "placed_at"]),
            models.Index(fields=["customer", "placed_at"]),
            models.Index(fields=["traffic_source", "placed_at"]),
            models.Index(fields=["device", "placed_at"]),
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
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


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
