"""The raw rows of the funnel facts (models.FunnelDay), one UNION ALL per refresh.

Four grouped parts, keyed alike by (local day, week, month, source, device, country,
funnel_step), all of them the session's:
- the sessions started on the day: how many, how many without a purchase event;
- the add_to_cart events of those sessions without a purchase event: one unit each
  at the product's list price (an event has no quantity);
- the purchase events of sessions started on the day that link a revenue order:
  the order's count and sales terms;
- the refunds of those orders, on the refund's local day: returns.
The refresh adds the parts' rows up per key and builds the other levels and the
month rows as for the other day facts (refresh.KEYS_AND_MEASURES). An incremental
refresh rebuilds the days from `since` on: sessions started and refunds given since.

The session facts (models.SessionDay) are summed from these day rows of every
dimension (session_days), so the sessions are grouped once for both tables: at 1M
orders grouping them again took 331 s of a 2,343 s full refresh on SQLite.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.conf import settings
from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from ecomanalytics.money import SALES_TERMS
from ecomanalytics.periods import local_midnight
from ecomanalytics.sales import added_up, term_sums
from ecomanalytics.store.choices import EventType
from ecomanalytics.store.models import SessionEvent, WebSession
from ecomanalytics.store.session_progress import FUNNEL_EVENTS

from .calendar_columns import CALENDAR, _calendar, _day_first
from .dimensions import DAY
from .models import ALL, DIMENSIONS, FunnelDay

FUNNEL_MEASURES = (
    "sessions",
    "unconverted_sessions",
    "cart_units",
    "cart_value",
    "orders",
    *SALES_TERMS,
)
KEYS = (*CALENDAR, *DIMENSIONS, "funnel_step")
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
MONEY_COLUMNS = (*SALES_TERMS, "cart_value")
ORDER_TERMS_OF_EVENT = {
    "gross_sales": F("order__total"),
    "discounts": F("order__discount"),
    "shipping": F("order__shipping"),
    "taxes": F("order__tax"),
}


def _session_columns(path: str) -> dict[str, F]:
    return {
        "traffic_source": F(f"{path}traffic_source"),
        "device": F(f"{path}device"),
        "country": F(f"{path}country"),
        "funnel_step": F(f"{path}funnel_step"),
    }


def funnel_days(since: date | None) -> QuerySet:
    since_at = local_midnight(since) if since is not None else None
    sessions = WebSession.objects.order_by()
    events = SessionEvent.objects.order_by()
    if since_at is not None:
        sessions = sessions.filter(started_at__gte=since_at)
        events = events.filter(session__started_at__gte=since_at)
    started = sessions.annotate(**_calendar("started_at")).values(*KEYS)
    carts = (
        events.filter(event_type=EventType.ADD_TO_CART, session__converted=False)
        .annotate(**_calendar("session__started_at"), **_session_columns("session__"))
        .values(*KEYS)
    )
    purchases = (
        events.filter(
            event_type=EventType.PURCHASE,
            order__status__in=settings.REVENUE_STATUSES,
        )
        .annotate(**_calendar("session__started_at"), **_session_columns("session__"))
        .values(*KEYS)
    )
    # The refunds of those orders, through the purchase events (a refund cannot
    # reach them: the event's order link has no reverse); dated at the refund.
    refunded = SessionEvent.objects.order_by().filter(
        event_type=EventType.PURCHASE,
        order__status__in=settings.REVENUE_STATUSES,
        order__refunds__refunded_at__gte=since_at or EARLIEST,
    )
    returned = refunded.annotate(
        **_calendar("order__refunds__refunded_at"), **_session_columns("session__")
    ).values(*KEYS)
    return added_up(
        [
            (
                started,
                {
                    "sessions": Count("id"),
                    "unconverted_sessions": Count("id", filter=Q(converted=False)),
                },
            ),
            (
                carts,
                {"cart_units": Count("id"), "cart_value": Sum("product__list_price")},
            ),
            (purchases, {"orders": Count("id"), **term_sums(ORDER_TERMS_OF_EVENT)}),
            (returned, {"returns": Sum(F("order__refunds__amount"))}),
        ],
        money=MONEY_COLUMNS,
        each=_day_first,
    )


# session_days' columns named like a funnel-fact column, and the session fact's.
SESSION_DAY_NAMES = {"all_sessions": "sessions"}


def session_days(since: date | None) -> QuerySet:
    """The session facts' rows of every dimension, from the funnel facts' day rows of
    every dimension (written first, refresh.DAY_TABLES): per day and dimensions, the
    sessions, the converted ones (sessions minus those without a purchase) and those
    at each funnel step k (the rows with funnel_step >= k). Keys with refunds only
    (no session started) are left out, as grouping the sessions leaves them out."""
    rows = FunnelDay.objects.order_by().filter(grain=DAY)
    for dimension in DIMENSIONS:
        rows = rows.exclude(**{dimension: ALL})
    if since is not None:
        rows = rows.filter(day__gte=since)
    counted = IntegerField()
    return _day_first(
        rows.values(*CALENDAR, *DIMENSIONS)
        .annotate(
            all_sessions=Sum("sessions"),
            converted=Sum(
                F("sessions") - F("unconverted_sessions"), output_field=counted
            ),
            **{
                step: Coalesce(Sum("sessions", filter=Q(funnel_step__gte=number)), 0)
                for number, step in enumerate(FUNNEL_EVENTS, start=1)
            },
        )
        .filter(all_sessions__gt=0)
    )
