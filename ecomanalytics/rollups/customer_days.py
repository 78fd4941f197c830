"""Building CustomerDay: each customer's sales terms per local day.

One INSERT ... SELECT of a UNION ALL, added up per (customer, day): the revenue
orders placed (orders, gross sales, discounts, shipping, taxes on the order's local
day) and the refunds given on revenue orders (returns on the refund's local day).
A row depends only on the orders placed and the refunds given on its own day, so an
incremental refresh deletes the rows from `since` on and writes those days again, as
the day facts do (an edited order refreshes from its day, a deleted customer's orders
from their first day); a full refresh rebuilds the table, reading each revenue order
and refund once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

from django.conf import settings
from django.db.models import Count, F, QuerySet, Sum

from ecomanalytics.periods import local_midnight
from ecomanalytics.sales import ORDER_TERMS, RETURNS, added_up, term_sums
from ecomanalytics.store.models import Order, Refund

from .calendar_columns import CALENDAR, _calendar, _day_first
from .inserts import insert_select
from .models import CustomerDay

MEASURES = ("orders", "gross_sales", "discounts", "returns", "shipping", "taxes")


def _customer_day_rows(since: date | None) -> QuerySet:
    keys = (*CALENDAR, "member")
    orders = Order.objects.revenue().order_by()
    refunds = Refund.objects.order_by().filter(
        order__status__in=settings.REVENUE_STATUSES
    )
    if since is not None:
        orders = orders.filter(placed_at__gte=local_midnight(since))
        refunds = refunds.filter(refunded_at__gte=local_midnight(since))
    placed = orders.annotate(**_calendar("placed_at"), member=F("customer_id")).values(
        *keys
    )
    refunded = refunds.annotate(
        **_calendar("refunded_at"), member=F("order__customer_id")
    ).values(*keys)
    return added_up(
        [
            (placed, {"orders": Count("id"), **term_sums(ORDER_TERMS)}),
            (refunded, {"returns": Sum(RETURNS)}),
        ],
        each=_day_first,
    )


def rebuild_customer_days(using: str, since: date | None = None) -> int:
    rows = CustomerDay.objects.using(using)
    if since is not None:
        rows = rows.filter(day__gte=since)
    rows.delete()
    return insert_select(CustomerDay, _customer_day_rows(since), using, summed=MEASURES)


def customer_day_steps(
    since: date | None, using: str
) -> Iterator[tuple[str, Callable[[], int]]]:
    """The refresh step of CustomerDay: the days from `since` on (all without)."""
    yield CustomerDay.__name__, partial(rebuild_customer_days, using, since)
