"""Filtering vocabulary of the shop's tables: chainable, no arithmetic."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    # Named in the base classes' quoted type arguments, which ruff does not read.
    from .models import Order, OrderItem, WebSession  # noqa: F401


class OrderQuerySet(models.QuerySet["Order"]):
    def revenue(self) -> OrderQuerySet:
        """Orders that count as revenue (settings.REVENUE_STATUSES)."""
        return self.filter(status__in=settings.REVENUE_STATUSES)

    def placed_between(self, start: datetime, end: datetime) -> OrderQuerySet:
        """Orders placed in [start, end): aware datetimes, end exclusive."""
        return self.filter(placed_at__gte=start, placed_at__lt=end)


class OrderItemQuerySet(models.QuerySet["OrderItem"]):
    def revenue(self) -> OrderItemQuerySet:
        return self.filter(order__status__in=settings.REVENUE_STATUSES)

    def placed_between(self, start: datetime, end: datetime) -> OrderItemQuerySet:
        return self.filter(order__placed_at__gte=start, order__placed_at__lt=end)


class WebSessionQuerySet(models.QuerySet["WebSession"]):
    def started_between(self, start: datetime, end: datetime) -> WebSessionQuerySet:
        return self.filter(started_at__gte=start, started_at__lt=end)
