"""The filters every metric accepts, and how they narrow the shop's tables.

Decisions (docs/metrics.md): source and device are the order's (the session's for
sessions); country is the customer's (the session's for sessions); category is the
product's, on each line. Sessions have no category.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet

from .store.models import Order, OrderItem, WebSession


@dataclass(frozen=True, slots=True)
class MetricFilters:
    start: date | None = None
    end: date | None = None
    source: str | None = None
    device: str | None = None
    country: str | None = None
    category: str | None = None


def filter_orders(orders: QuerySet[Order], filters: MetricFilters) -> QuerySet[Order]:
    """Orders matching source, device, country, and having a line of the category."""
    if filters.source:
        orders = orders.filter(traffic_source=filters.source)
    if filters.device:
        orders = orders.filter(device=filters.device)
    if filters.country:
        orders = orders.filter(customer__country=filters.country)
    if filters.category:
        orders = orders.filter(
            Exists(
                OrderItem.objects.filter(
                    order_id=OuterRef("pk"), product__category__name=filters.category
                )
            )
        )
    return orders


def filter_items(
    items: QuerySet[OrderItem], filters: MetricFilters
) -> QuerySet[OrderItem]:
    """Order lines whose order matches source, device, country and whose product is in the category."""
    if filters.source:
        items = items.filter(order__traffic_source=filters.source)
    if filters.device:
        items = items.filter(order__device=filters.device)
    if filters.country:
        items = items.filter(order__customer__country=filters.country)
    if filters.category:
        items = items.filter(product__category__name=filters.category)
    return items


def filter_sessions(
    sessions: QuerySet[WebSession], filters: MetricFilters
) -> QuerySet[WebSession]:
    """Sessions matching source, device and country; the category filter does not apply."""
    if filters.source:
        sessions = sessions.filter(traffic_source=filters.source)
    if filters.device:
        sessions = sessions.filter(device=filters.device)
    if filters.country:
        sessions = sessions.filter(country=filters.country)
    return sessions
