"""Building the basket facts (models.BasketDay) from the lines of revenue orders.

Per level (one of source, device, country kept, the others ALL), three grouped
INSERT ... SELECT statements keyed by the order's local day and the level's
dimensions (the order's source and device, its customer's country):
- pairs: a self-join of each order's lines on a second line of a higher product id;
  orders with both = distinct orders;
- products: orders with a line of the product;
- orders: orders with any line.
The no-filter level is summed from the device level, the month rows from the day
rows, as for the other day facts: an order lies on one day, so the distinct counts
add up. An incremental refresh from `since` rebuilds the orders placed since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

from django.conf import settings
from django.db.models import BigIntegerField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Cast

from ecomanalytics.periods import local_midnight
from ecomanalytics.store.models import OrderItem

from .calendar_columns import CALENDAR, _calendar, _day_first
from .dimensions import DAY, MONTH
from .inserts import insert_select
from .level_sums import summed_level
from .models import ALL, DIMENSIONS, BasketDay

# The lines' own columns share some of these names, so the grouped values are
# annotated under other names and renamed to the fact's columns.
LEVEL_NAMES = {
    "level_source": "traffic_source",
    "level_device": "device",
    "level_country": "country",
    "level_first": "first_id",
    "level_second": "second_id",
}
# Typed: PostgreSQL takes a bare NULL of a derived table for text.
NO_PRODUCT = Cast(Value(None), BigIntegerField())


def _level_columns(kept: str) -> dict[str, F | Value]:
    """The order's dimensions under LEVEL_NAMES: the kept one's value, ALL for the
    others."""
    sources = {
        "traffic_source": F("order__traffic_source"),
        "device": F("order__device"),
        "country": F("order__customer__country"),
    }
    return {
        name: sources[column] if column == kept else Value(ALL)
        for name, column in LEVEL_NAMES.items()
        if column in DIMENSIONS
    }


def _lines(since: date | None) -> QuerySet[OrderItem]:
    lines = OrderItem.objects.order_by().filter(
        order__status__in=settings.REVENUE_STATUSES
    )
    if since is not None:
        lines = lines.filter(order__placed_at__gte=local_midnight(since))
    return lines


def _counted(
    lines: QuerySet[OrderItem], kept: str, first: object, second: object
) -> QuerySet:
    return _day_first(
        lines.annotate(
            **_calendar("order__placed_at"),
            **_level_columns(kept),
            level_first=first,
            level_second=second,
        )
        .values(*CALENDAR, *LEVEL_NAMES)
        .annotate(orders=Count("order_id", distinct=True))
    )


def _raw_rows(since: date | None, kept: str) -> list[QuerySet]:
    lines = _lines(since)
    # One filter() call: the second line is another line of the same order.
    pairs = lines.filter(order__items__product_id__gt=F("product_id"))
    return [
        _counted(pairs, kept, F("product_id"), F("order__items__product_id")),
        _counted(lines, kept, F("product_id"), NO_PRODUCT),
        _counted(lines, kept, NO_PRODUCT, NO_PRODUCT),
    ]


_summed = partial(summed_level, keys=("first_id", "second_id"), measures=("orders",))


def rebuild_basket_days(since: date | None, using: str) -> int:
    """Delete the basket facts from `since` on (all without since) and write them
    again: the day rows of each level, then the month rows."""
    table = BasketDay.objects.using(using).order_by()
    stale = table
    if since is not None:
        stale = stale.filter(
            Q(grain=DAY, day__gte=since) | Q(grain=MONTH, day__gte=since.replace(day=1))
        )
    stale.delete()
    written = 0
    for kept in DIMENSIONS:
        for rows in _raw_rows(since, kept):
            written += insert_select(BasketDay, rows, using, LEVEL_NAMES)
    days = table.filter(grain=DAY)
    if since is not None:
        days = days.filter(day__gte=since)
    # Summed from the device rows: the dimension with the fewest values.
    device_level = days.filter(traffic_source=ALL, country=ALL).exclude(device=ALL)
    no_filter, renamed = _summed(device_level, collapsed=DIMENSIONS, months=False)
    written += insert_select(BasketDay, no_filter, using, renamed)
    month_days = table.filter(grain=DAY)
    if since is not None:
        month_days = month_days.filter(month__gte=since.replace(day=1))
    month_rows, renamed = _summed(month_days, collapsed=(), months=True)
    written += insert_select(BasketDay, month_rows, using, renamed)
    return written


def basket_steps(
    since: date | None, using: str
) -> Iterator[tuple[str, Callable[[], int]]]:
    """The refresh step of the basket facts, for refresh._steps."""
    yield BasketDay.__name__, partial(rebuild_basket_days, since, using)
