"""Filtering vocabulary of the shop's tables: chainable, no arithmetic."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models


class OrderQuerySet(models.QuerySet):
    def revenue(self) -> OrderQuerySet:
        """Orders that count as revenue (settings.REVENUE_STATUSES)."""
        return self.filter(status__in=settings.REVENUE_STATUSES)

    def placed_between(self, start: datetime, end: datetime) -> OrderQuerySet:
        """Orders placed in [start, end): aware datetimes, end exclusive."""
        return self.filter(placed_at__gte=start, placed_at__lt=end)


class OrderItemQuerySet(models.QuerySet):
    def revenue(self) -> OrderItemQuerySet:
        return self.filter(order__status__in=settings.REVENUE_STATUSES)

    def placed_between(self, start: datetime, end: datetime) -> OrderItemQuerySet:
        return self.filter(order__placed_at__gte=start, order__placed_at__lt=end)


class WebSessionQuerySet(models.QuerySet):
    def started_between(self, start: datetime, end: datetime) -> WebSessionQuerySet:
        return self.filter(started_at__gte=start, started_at__lt=end)
