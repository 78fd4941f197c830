"""Building the discount-code facts (models.DiscountDay) from orders and refunds.

Per level (no filter, or one of source, device, country kept), two grouped
INSERT ... SELECT statements write the day rows: one over the orders (orders,
new-customer orders, gross sales, discounts, on the order's local day) and one over
the refunds (returns, on the refund's local day, keyed by its order's source,
device, status and codes and its customer's country). The no-filter level is summed
from the device level, the month rows from the day rows, as for the other day facts.

New-customer orders are the acquisition orders of CustomerCohort, so this step runs
after the cohort rows are rebuilt (refresh._steps). An incremental refresh from
`since` deletes and rewrites the day rows from `since` on (orders placed, refunds
given) and the month rows from since's month on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from functools import partial

from django.db.models import Count, F, Q, QuerySet, Sum, Value

from ecomanalytics.periods import local_midnight
from ecomanalytics.store.models import Order, Refund

from .calendar_columns import CALENDAR, _calendar, _day_first
from .dimensions import DAY, MONTH
from .inserts import insert_select
from .level_sums import summed_level
from .models import ALL, DIMENSIONS, CustomerCohort, DiscountDay

KEYS = ("status", "discount_codes")
MEASURES = ("orders", "new_customer_orders", "gross_sales", "discounts", "returns")
# The shop tables' own columns share these names, so the grouped values are
# annotated under other names and renamed to the fact's columns when inserted.
LEVEL_NAMES = {
    "level_source": "traffic_source",
    "level_device": "device",
    "level_country": "country",
    "level_status": "status",
    "level_codes": "discount_codes",
}
NOTHING = Value(Decimal("0.00"))


def _level_columns(order: str, kept: str) -> dict[str, F | Value]:
    """The order's dimensions and keys under LEVEL_NAMES: the kept dimension's value,
    ALL for the others. `order` is the path to the order ("" on orders)."""
    sources = {
        "traffic_source": F(f"{order}traffic_source"),
        "device": F(f"{order}device"),
        "country": F(f"{order}customer__country"),
    }
    dimensions: dict[str, F | Value] = {
        name: sources[column] if column == kept else Value(ALL)
        for name, column in LEVEL_NAMES.items()
        if column in DIMENSIONS
    }
    return dimensions | {
        "level_status": F(f"{order}status"),
        "level_codes": F(f"{order}discount_codes"),
    }


def _order_rows(since: date | None, kept: str) -> QuerySet:
    orders = Order.objects.order_by()
    if since is not None:
        orders = orders.filter(placed_at__gte=local_midnight(since))
    # Uncorrelated: the set of acquisition orders is built once (hashed), not
    # probed per order.
    acquisition = Q(pk__in=CustomerCohort.objects.values("acquisition_order_id"))
    return _day_first(
        orders.annotate(**_calendar("placed_at"), **_level_columns("", kept))
        .values(*CALENDAR, *LEVEL_NAMES)
        .annotate(
            orders=Count("id"),
            new_customer_orders=Count("id", filter=acquisition),
            gross_sales=Sum("total"),
            discounts=Sum("discount"),
            returns=NOTHING,
        )
    )


def _refund_rows(since: date | None, kept: str) -> QuerySet:
    refunds = Refund.objects.order_by()
    if since is not None:
        refunds = refunds.filter(refunded_at__gte=local_midnight(since))
    return _day_first(
        refunds.annotate(**_calendar("refunded_at"), **_level_columns("order__", kept))
        .values(*CALENDAR, *LEVEL_NAMES)
        .annotate(
            orders=Value(0),
            new_customer_orders=Value(0),
            gross_sales=NOTHING,
            discounts=NOTHING,
            returns=Sum("amount"),
        )
    )


_summed = partial(summed_level, keys=KEYS, measures=MEASURES)


def _device_level(rows: QuerySet) -> QuerySet:
    return rows.filter(traffic_source=ALL, country=ALL).exclude(device=ALL)


def rebuild_discount_days(since: date | None, using: str) -> int:
    """Delete the discount facts from `since` on (all without since) and write them
    again: the day rows of each level, then the month rows."""
    table = DiscountDay.objects.using(using).order_by()
    stale = table
    if since is not None:
        stale = stale.filter(
            Q(grain=DAY, day__gte=since) | Q(grain=MONTH, day__gte=since.replace(day=1))
        )
    stale.delete()
    written = 0
    for kept in DIMENSIONS:
        for rows in (_order_rows, _refund_rows):
            written += insert_select(DiscountDay, rows(since, kept), using, LEVEL_NAMES)
    days = table.filter(grain=DAY)
    if since is not None:
        days = days.filter(day__gte=since)
    no_filter, renamed = _summed(
        _device_level(days), collapsed=DIMENSIONS, months=False
    )
    written += insert_select(DiscountDay, no_filter, using, renamed)
    month_days = table.filter(grain=DAY)
    if since is not None:
        month_days = month_days.filter(month__gte=since.replace(day=1))
    month_rows, renamed = _summed(month_days, collapsed=(), months=True)
    written += insert_select(DiscountDay, month_rows, using, renamed)
    return written


def discount_steps(
    since: date | None, using: str
) -> Iterator[tuple[str, Callable[[], int]]]:
    """The refresh step of the discount facts, for refresh._steps (after the cohort
    rows: new-customer orders read CustomerCohort)."""
    yield DiscountDay.__name__, partial(rebuild_discount_days, since, using)
