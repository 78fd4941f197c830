"""The filters as conditions on roll-up rows, whose columns are named like the filters."""

from __future__ import annotations

from datetime import date, timedelta
from functools import reduce
from operator import or_
from typing import Literal

from django.db.models import Q

from ecomanalytics.filters import (
    LEVEL_DIMENSIONS,
    MetricFilters,
    Table,
    column,
    given,
    level_columns,
)
from ecomanalytics.periods import Window, add_months
from ecomanalytics.store.choices import Device, TrafficSource

from .models import ALL

DAY, MONTH = "d", "m"

CategoryRows = Literal["all", "each"] | None


def level_values(filters: MetricFilters) -> dict[str, str] | None:
    """Each dimension column's value at the filters' level: the filter, or ALL.

    None when a filter is a literal "*": it matches no raw row, and here it would
    read a whole level.
    """
    values = {
        column: getattr(filters, name) for name, column in level_columns().items()
    }
    if ALL in values.values():
        return None
    return {column: value or ALL for column, value in values.items()}


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
    level = level_values(filters)
    if level is None:
        return Q(pk__in=[])
    every_source = each_source and not filters.source
    source_column = level_columns()["source"]
    condition = Q()
    for dimension, value in level.items():
        if every_source and dimension == source_column:
            condition &= every_value(dimension)
        else:
            condition &= Q(**{dimension: value})
    if categories is not None:
        if filters.category:
            condition &= Q(**{column(Table.LEVELS, "category"): filters.category})
        else:
            condition &= Q(category__isnull=categories == "all")
    return condition


def every_value(dimension: str) -> Q:
    """The rows of every value of a level column but ALL.

    Sources and devices by name, not "not ALL": an IN list uses the level index
    (source, device, country, grain, day), where the negation scanned every row
    (revenue-change by source: 18 of 40 ms at 1M orders). Orders and sessions only
    ever hold these (the fields' choices, checked on import); countries are open.
    """
    named = {
        level_columns()["source"]: TrafficSource.values,
        level_columns()["device"]: Device.values,
    }
    if dimension in named:
        return Q(**{f"{dimension}__in": named[dimension]})
    return ~Q(**{dimension: ALL})


def days(window: Window) -> Q:
    """The day rows of the window's local days (for day and week buckets)."""
    return Q(grain=DAY, day__gte=window.start, day__lte=window.end)


def whole_months(first: date, last: date) -> Q:
    """The month rows of the months first..last (their first days)."""
    return Q(grain=MONTH, day__gte=first, day__lte=last)


Range = tuple[str, date, date]  # (grain, first day, last day) of roll-up rows


def span_ranges(window: Window) -> list[Range]:
    """The window's facts in the fewest rows: month rows for the months it covers
    whole, day rows for the days of the months it covers in part; one range each."""
    first_whole = window.start if window.start.day == 1 else add_months(window.start, 1)
    # The month before the one holding the day after end.
    last_whole = add_months((window.end + timedelta(days=1)).replace(day=1), -1)
    if first_whole > last_whole:
        return [(DAY, window.start, window.end)]
    head = Window(window.start, first_whole - timedelta(days=1))
    tail = Window(add_months(last_whole, 1), window.end)
    ranges = [(MONTH, first_whole, last_whole)]
    ranges += [(DAY, edge.start, edge.end) for edge in (head, tail) if edge.days > 0]
    return ranges


def span(window: Window) -> Q:
    """span_ranges() as one condition."""
    return reduce(
        or_,
        (
            Q(grain=grain, day__gte=first, day__lte=last)
            for grain, first, last in span_ranges(window)
        ),
    )


def single_filter(filters: MetricFilters, *, category: bool = True) -> bool:
    """True when at most one of source, device, country (and category) is given: the
    levels the distinct-count roll-ups keep (models.ChainLinks, CohortCell)."""
    names = (*LEVEL_DIMENSIONS, "category") if category else LEVEL_DIMENSIONS
    return len(given(filters, names=names)) <= 1


def one_dimension_facts_cover(filters: MetricFilters) -> bool:
    """Whether the product and category facts hold the level of these filters: they
    keep no filter and each single one of source, device, country (with or without a
    category; refresh.ONE_DIMENSION_TABLES)."""
    return single_filter(filters, category=False)


def order_facts_cover(filters: MetricFilters) -> bool:
    """Whether the facts the KPI revenue figures read hold the level of these filters:
    the order facts keep every combination; with a category the category facts answer
    (kpi_answers._order_facts), which keep single dimensions only."""
    return not filters.category or one_dimension_facts_cover(filters)
