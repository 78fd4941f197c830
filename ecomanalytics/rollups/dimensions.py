"""The filters as conditions on roll-up rows, whose columns are named like the filters."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.db.models import Q

from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import Window

from .models import ALL

CategoryRows = Literal["all", "each"] | None


def matching(
    filters: MetricFilters,
    *,
    categories: CategoryRows = None,
    each_source: bool = False,
) -> Q:
    """The rows of one grouping level: each dimension's filter value, or ALL.

    each_source: without a source filter, read the rows of every source (to group by
    source) instead of the all-sources rows.
    categories (category facts only): "all" reads the all-categories rows unless a
    category is given; "each" reads the per-category rows (that category's if given).
    """
    condition = Q(device=filters.device or ALL, country=filters.country or ALL)
    if filters.source or not each_source:
        condition &= Q(traffic_source=filters.source or ALL)
    else:
        condition &= ~Q(traffic_source=ALL)
    if ALL in (filters.source, filters.device, filters.country):
        # A literal "*" filter matches no raw row; here it would read a whole level.
        condition &= Q(pk__in=[])
    if categories is not None:
        if filters.category:
            condition &= Q(category__name=filters.category)
        else:
            condition &= Q(category__isnull=categories == "all")
    return condition


def days(window: Window) -> Q:
    return during(window.start, window.end)


def during(first: date, last: date) -> Q:
    """Rows of the local days first..last, inclusive."""
    return Q(day__gte=first, day__lte=last)
