"""The fixed vocabularies of the shop's data: statuses, traffic sources, devices, events."""

from django.db import models


class OrderStatus(models.TextChoices):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class TrafficSource(models.TextChoices):
    ORGANIC = "organic"
    PAID_SEARCH = "paid_search", "Paid search"
    SOCIAL = "social"
    EMAIL = "email"
    DIRECT = "direct"
    REFERRAL = "referral"


class Device(models.TextChoices):
    DESKTOP = "desktop"
    MOBILE = "mobile"
    TABLET = "tablet"


class EventType(models.TextChoices):
    PAGE_VIEW = "page_view"
    PRODUCT_VIEW = "product_view"
    ADD_TO_CART = "add_to_cart"
    BEGIN_CHECKOUT = "begin_checkout"
    PURCHASE = "purchase"


# The funnel's steps after "session", in the order a visitor must reach them.
FUNNEL_EVENT_STEPS: tuple[str, ...] = (
    EventType.PRODUCT_VIEW,
    EventType.ADD_TO_CART,
    EventType.BEGIN_CHECKOUT,
    EventType.PURCHASE,
)
