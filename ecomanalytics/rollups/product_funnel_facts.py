"""Building the product funnel facts (models.ProductFunnelDay) from the session events.

One UNION ALL of two grouped parts over the events of sessions, keyed by the local
day of the session's start, the session's source, device and country and the
product, is grouped once into a temporary table (finest_level):
- product_view and add_to_cart events of the product: views and carts = distinct
  sessions with an event of each type (one scan of the events for both);
- purchase events whose order has a line of it (any status, as the raw funnel):
  purchases = distinct sessions.
A session lies on one day and has one value of each dimension, so the distinct counts
add up: each stored level (one of source, device, country kept, the others ALL) is
that table summed, the no-filter level is summed from the device level and the month
rows from the day rows, as for the other day facts. Grouped per level from the events
instead, the events were read three times: 308 s of a 488 s full refresh at 100k
orders on SQLite. An incremental refresh from `since` rebuilds the sessions started
since: their day rows, and the month rows from since's month on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

from django.db.models import Case, F, Max, Q, QuerySet, Value, When

from ecomanalytics.periods import local_midnight
from ecomanalytics.sales import added_up
from ecomanalytics.store.choices import EventType
from ecomanalytics.store.models import SessionEvent

from .calendar_columns import CALENDAR, _calendar, _day_first
from .dimensions import DAY, MONTH
from .finest_level import finest_rows, insert_level
from .inserts import insert_select
from .level_sums import summed_level
from .models import ALL, DIMENSIONS, ProductFunnelDay

MEASURES = ("views", "carts", "purchases")
# The events' own columns share some of these names (product_id), so the grouped
# values are annotated under other names and renamed to the fact's columns.
LEVEL_NAMES = {
    "level_source": "traffic_source",
    "level_device": "device",
    "level_country": "country",
    "level_product": "product_id",
}
# The fact's fields and the finest rows' columns they are grouped from.
FINEST_COLUMNS = {
    **{column: column for column in CALENDAR},
    "traffic_source": "level_source",
    "device": "level_device",
    "country": "level_country",
    "product": "level_product",
}
FINEST = "ecomanalytics_product_funnel_finest"
# The product path of each part and its flags per session and product: views and
# carts are the same events' product, so one scan of the events flags both. A part's
# rows are one per session and product (grouped by the session too), and the finest
# rows add the flags up: with COUNT(DISTINCT session) per finest key instead, SQLite
# opened two ephemeral B-trees for each of the 3.5M keys of a few sessions each.
VIEWED = Q(event_type=EventType.PRODUCT_VIEW)
CARTED = Q(event_type=EventType.ADD_TO_CART)
ONE = Value(1)
PRODUCT_PARTS = (
    (
        "product",
        VIEWED | CARTED,
        {
            "views": Max(Case(When(VIEWED, then=ONE), default=Value(0))),
            "carts": Max(Case(When(CARTED, then=ONE), default=Value(0))),
        },
    ),
    (
        "order__items__product",
        Q(event_type=EventType.PURCHASE),
        {"purchases": Max(ONE)},
    ),
)


def _finest_columns(product: str) -> dict[str, F]:
    """The session's dimensions and the event's product under LEVEL_NAMES."""
    dimensions = {
        name: F(f"session__{column}")
        for name, column in LEVEL_NAMES.items()
        if column in DIMENSIONS
    }
    return dimensions | {"level_product": F(f"{product}_id")}


def _event_rows(since: date | None) -> QuerySet:
    """The parts' rows per day, source, device, country and product. Events without
    a product come as product NULL, left out by the levels: filtered here, SQLite
    read the events through the product index (one random page per event)."""
    events = SessionEvent.objects.order_by()
    if since is not None:
        since_at = local_midnight(since)
        # No event of a session comes before its start: the bound lets the database
        # read the recent events by their time index instead of every event.
        events = events.filter(
            session__started_at__gte=since_at, occurred_at__gte=since_at
        )
    parts = []
    for product, of_types, counts in PRODUCT_PARTS:
        keyed = (
            events.filter(of_types)
            .annotate(**_calendar("session__started_at"), **_finest_columns(product))
            .values(*CALENDAR, *LEVEL_NAMES, "session_id")
        )
        parts.append((keyed, counts))
    return added_up(parts, money=(), each=_day_first)


_summed = partial(summed_level, keys=("product_id",), measures=MEASURES)


def rebuild_product_funnel_days(since: date | None, using: str) -> int:
    """Delete the product funnel facts from `since` on (all without since) and write
    them again: the day rows of each level, then the month rows."""
    table = ProductFunnelDay.objects.using(using).order_by()
    stale = table
    if since is not None:
        stale = stale.filter(
            Q(grain=DAY, day__gte=since) | Q(grain=MONTH, day__gte=since.replace(day=1))
        )
    stale.delete()
    written = 0
    with finest_rows(
        FINEST, _event_rows(since), MEASURES, using, dropped=("session_id",)
    ) as finest:
        for kept in DIMENSIONS:
            written += insert_level(
                ProductFunnelDay,
                finest,
                using,
                kept=(kept,),
                columns=FINEST_COLUMNS,
                measures=MEASURES,
                present=("level_product",),
            )
    days = table.filter(grain=DAY)
    if since is not None:
        days = days.filter(day__gte=since)
    # Summed from the device rows: the dimension with the fewest values.
    device_level = days.filter(traffic_source=ALL, country=ALL).exclude(device=ALL)
    no_filter, renamed = _summed(device_level, collapsed=DIMENSIONS, months=False)
    written += insert_select(ProductFunnelDay, no_filter, using, renamed)
    month_days = table.filter(grain=DAY)
    if since is not None:
        month_days = month_days.filter(month__gte=since.replace(day=1))
    month_rows, renamed = _summed(month_days, collapsed=(), months=True)
    written += insert_select(ProductFunnelDay, month_rows, using, renamed)
    return written


def product_funnel_steps(
    since: date | None, using: str
) -> Iterator[tuple[str, Callable[[], int]]]:
    """The refresh step of the product funnel facts, for refresh._steps."""
    yield ProductFunnelDay.__name__, partial(rebuild_product_funnel_days, since, using)
