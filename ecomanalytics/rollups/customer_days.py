"""Building CustomerDay: each customer's sales terms per local day.

One INSERT ... SELECT of a UNION ALL, added up per (customer, day): the revenue
orders placed (orders, gross sales, discounts, shipping, taxes on the order's local
day) and the refunds given on revenue orders (returns on the refund's local day).
A customer's rows change with any of their orders, and the customer-value metrics
read whole histories, so every refresh rebuilds the table whole; it reads each
revenue order and refund once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

from django.conf import settings
from django.db.models import Count, F, QuerySet, Sum

from ecomanalytics.sales import ORDER_TERMS, RETURNS, added_up, term_sums
from ecomanalytics.store.models import Order, Refund

from .calendar_columns import CALENDAR, _calendar, _day_first
from .inserts import insert_select
from .models import CustomerDay

MEASURES = ("orders", "gross_sales", "discounts", "returns", "shipping", "taxes")


def _customer_day_rows() -> QuerySet:
    keys = (*CALENDAR, "member")
    placed = (
        Order.objects.revenue()
        .order_by()
        .annotate(**_calendar("placed_at"), member=F("customer_id"))
        .values(*keys)
    )
    refunded = (
        Refund.objects.order_by()
        .filter(order__status__in=settings.REVENUE_STATUSES)
        .annotate(**_calendar("refunded_at"), member=F("order__customer_id"))
        .values(*keys)
    )
    return added_up(
        [
            (placed, {"orders": Count("id"), **term_sums(ORDER_TERMS)}),
            (refunded, {"returns": Sum(RETURNS)}),
        ],
        each=_day_first,
    )


def rebuild_customer_days(using: str) -> int:
    CustomerDay.objects.using(using).delete()
    return insert_select(CustomerDay, _customer_day_rows(), using, summed=MEASURES)


def customer_day_steps(
    since: date | None, using: str
) -> Iterator[tuple[str, Callable[[], int]]]:
    """The refresh step of CustomerDay (whole, whatever `since`: see above)."""
    del since
    yield CustomerDay.__name__, partial(rebuild_customer_days, using)
