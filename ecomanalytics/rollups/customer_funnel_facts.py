"""The customer funnel's sessions (models.CustomerFunnelSession): per web session of a
known customer, its start and the time of its first event of each funnel step.

session_step_times() is the one definition of those per-session times: the refresh
writes its rows, and the raw path of the customer funnel (kpi.raw) reads the same
query over the shop tables, so both paths chain the same numbers. One grouped query
of the sessions and their events (the (session, event_type, occurred_at) index); no
row comes to Python. An incremental refresh rebuilds the sessions started from
`since` on, as the funnel facts do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

from django.db.models import F, Min, Q, QuerySet

from ecomanalytics.periods import local_midnight
from ecomanalytics.store.models import WebSession
from ecomanalytics.store.session_progress import FUNNEL_EVENTS

from .inserts import insert_select
from .local_time import EpochMicroseconds, epoch_microseconds
from .models import DIMENSIONS, CustomerFunnelSession

# The column of each funnel event's first time, in FUNNEL_EVENTS order.
STEP_TIME_COLUMNS = ("viewed_us", "carted_us", "checkout_us", "purchased_us")
assert len(STEP_TIME_COLUMNS) == len(FUNNEL_EVENTS)


def session_step_times(sessions: QuerySet[WebSession]) -> QuerySet:
    """One row per session of a known customer among `sessions`: id, customer_id,
    source, device, country, started_us and the first time of each funnel event
    type in the session (any order: an add_to_cart before the first product_view is
    the session's first add_to_cart), as microseconds since 1970 UTC."""
    firsts = {
        name: EpochMicroseconds(
            Min("events__occurred_at", filter=Q(events__event_type=event_type))
        )
        for name, event_type in zip(STEP_TIME_COLUMNS, FUNNEL_EVENTS, strict=True)
    }
    return (
        sessions.order_by()
        .filter(customer__isnull=False)
        .values("id", "customer_id", *DIMENSIONS)
        .annotate(started_us=EpochMicroseconds(F("started_at")), **firsts)
    )


def rebuild_customer_funnel_sessions(since: date | None, using: str) -> int:
    """Delete the rows of the sessions started from `since` on (all without since)
    and write them again."""
    table = CustomerFunnelSession.objects.using(using).order_by()
    sessions = WebSession.objects.using(using)
    if since is not None:
        since_at = local_midnight(since)
        sessions = sessions.filter(started_at__gte=since_at)
        table = table.filter(started_us__gte=epoch_microseconds(since_at))
    table.delete()
    return insert_select(CustomerFunnelSession, session_step_times(sessions), using)


def customer_funnel_steps(
    since: date | None, using: str
) -> Iterator[tuple[str, Callable[[], int]]]:
    """The refresh step of the customer funnel's sessions, for refresh._steps."""
    yield (
        CustomerFunnelSession.__name__,
        partial(rebuild_customer_funnel_sessions, since, using),
    )
