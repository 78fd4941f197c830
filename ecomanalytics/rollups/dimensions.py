"""The filters as conditions on roll-up rows, whose columns are named like the filters."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import Window


def matching(filters: MetricFilters, *, category: bool = False, prefix: str = "") -> Q:
    """Rows matching source, device, country and (when the table has it) category."""
    condition = Q()
    for field, value in (
        ("traffic_source", filters.source),
        ("device", filters.device),
        ("country", filters.country),
    ):
        if value:
            condition &= Q(**{f"{prefix}{field}": value})
    if category and filters.category:
        condition &= Q(**{f"{prefix}category__name": filters.category})
    return condition


def days(window: Window) -> Q:
    return during(window.start, window.end)


def during(first: date, last: date) -> Q:
    """Rows of the local days first..last, inclusive."""
    return Q(day__gte=first, day__lte=last)
