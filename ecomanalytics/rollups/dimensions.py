"""The filters as conditions on roll-up rows, whose columns are named like the filters."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from django.db.models import Q, QuerySet, Sum, Value

from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import Window, add_months

from .models import ALL

DAY, MONTH = "d", "m"

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
    """The day rows of the window's local days (for day and week buckets)."""
    return Q(grain=DAY, day__gte=window.start, day__lte=window.end)


def whole_months(first: date, last: date) -> Q:
    """The month rows of the months first..last (their first days)."""
    return Q(grain=MONTH, day__gte=first, day__lte=last)


def span_parts(window: Window) -> list[Q]:
    """The window's facts in the fewest rows: month rows for the months it covers
    whole, day rows for the days of the months it covers in part; one range each."""
    first_whole = window.start if window.start.day == 1 else add_months(window.start, 1)
    # The month before the one holding the day after end.
    last_whole = add_months((window.end + timedelta(days=1)).replace(day=1), -1)
    if first_whole > last_whole:
        return [days(window)]
    head = Window(window.start, first_whole - timedelta(days=1))
    tail = Window(add_months(last_whole, 1), window.end)
    parts = [whole_months(first_whole, last_whole)]
    parts += [days(edge) for edge in (head, tail) if edge.days > 0]
    return parts


def span(window: Window) -> Q:
    """span_parts() as one condition."""
    parts = span_parts(window)
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def single_filter(filters: MetricFilters, *, category: bool = True) -> bool:
    """True when at most one of source, device, country (and category) is given: the
    levels the distinct-count roll-ups keep (models.ChainLinks, CohortCell)."""
    given = [filters.source, filters.device, filters.country]
    if category:
        given.append(filters.category)
    return sum(1 for value in given if value) <= 1


def first_link_parts(window: Window) -> list[Q]:
    """The chain links that are each customer's first inside the window, as ranges
    that each read one index range (a sum over them counts each customer once).

    A link on a day of the window whose previous day is before the window's start:
    month precision where the previous month lies before the start's month, day
    precision for previous days in the start's month (models.ChainLinks).
    """
    month_start = window.start.replace(day=1)
    earlier_month = Q(previous_grain=MONTH) & (
        Q(previous__isnull=True) | Q(previous__lt=month_start)
    )
    earlier_day = Q(
        previous_grain=DAY, previous__gte=month_start, previous__lt=window.start
    )
    parts = []
    for rows in span_parts(window):
        parts.append(rows & earlier_month)
        if window.start != month_start:
            parts.append(rows & earlier_day)
    return parts


def summed_links(
    links: QuerySet, windows: dict[str, Window], key: str | None = None
) -> dict[tuple[str, object], int]:
    """Σ links of each window's first links: {(window name, key value): customers}.

    One UNION ALL of simple range queries (an OR of them would make SQLite scan the
    whole level), summed here; key groups by a column (product_id) or not at all.
    """
    group = key or "grain"
    parts = [
        links.order_by()
        .filter(part)
        .values(group)
        .annotate(total=Sum("links"), window=Value(name))
        .values_list("window", group, "total")
        for name, window in windows.items()
        for part in first_link_parts(window)
    ]
    totals: dict[tuple[str, object], int] = {}
    for name, value, total in parts[0].union(*parts[1:], all=True):
        index = (name, value if key else None)
        totals[index] = totals.get(index, 0) + total
    return totals
