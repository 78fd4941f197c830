"""What the roll-ups were built from: the raw tables' fingerprint and the settings
baked into their rows, recorded in the one RollupState row at each refresh.

The roll-ups may answer only while both still hold (status.rollup_status); a refresh
under other settings rebuilds every row (refresh.refresh_rollups).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Min, Model
from django.utils import timezone

from ecomanalytics.periods import local_date
from ecomanalytics.store.models import (
    Customer,
    Order,
    OrderItem,
    Refund,
    RefundLine,
    SessionEvent,
    WebSession,
)

from .models import RollupState

# RollupState's columns for baked_settings().
BAKED_SETTING_FIELDS = ("time_zone", "revenue_statuses")

FINGERPRINT: dict[str, type[Model]] = {
    "last_customer_id": Customer,
    "last_order_id": Order,
    "last_item_id": OrderItem,
    "last_session_id": WebSession,
    "last_event_id": SessionEvent,
    "last_refund_id": Refund,
    "last_refund_line_id": RefundLine,
}
FINGERPRINT_FIELDS = tuple(FINGERPRINT)
# The moment whose local day a new row of each table changes. New customers are
# not listed: every refresh adds the cohort row of each customer who has none.
ROW_MOMENTS = {
    "last_order_id": "placed_at",
    "last_item_id": "order__placed_at",
    "last_session_id": "started_at",
    "last_event_id": "session__started_at",
    # A refund's returns lie on its own day. (Refunding in full also changes its
    # order's status: an update, which ids do not reveal, as for any order update.)
    "last_refund_id": "refunded_at",
    "last_refund_line_id": "refund__refunded_at",
}


def baked_settings() -> dict[str, str]:
    """The running settings that shape stored roll-up rows, as RollupState keeps them.

    Local days depend on TIME_ZONE; the chain links, cohorts and cohort cells count
    revenue orders only, and the order facts' status split is read against
    REVENUE_STATUSES, so the statuses are recorded too.
    """
    return {
        "time_zone": settings.TIME_ZONE,
        "revenue_statuses": ",".join(sorted(settings.REVENUE_STATUSES)),
    }


def built_settings(state: RollupState) -> dict[str, str]:
    """The settings the roll-ups of `state` were built under."""
    return {name: getattr(state, name) for name in BAKED_SETTING_FIELDS}


def built_settings_of(using: str) -> dict[str, str] | None:
    """The settings the roll-ups in database `using` were built under (None: never)."""
    state = RollupState.objects.using(using).first()
    return built_settings(state) if state else None


def raw_fingerprint(using: str = "default") -> dict[str, int]:
    """The highest id of each raw table (0 when empty): one index probe each."""
    return {
        name: model._default_manager.using(using)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
        for name, model in FINGERPRINT.items()
    }


def state_is_current(state: RollupState) -> bool:
    """The roll-ups of `state` match the running settings and the raw tables.

    The raw tables of the database the state was read from: a replica's roll-ups are
    compared with the replica's rows, whatever the primary has received since.
    """
    recorded = {name: getattr(state, name) for name in FINGERPRINT_FIELDS}
    return built_settings(state) == baked_settings() and recorded == raw_fingerprint(
        state._state.db or DEFAULT_DB_ALIAS
    )


def mark_refresh_pending(using: str) -> None:
    """A load is writing rows that a refresh will roll up next.

    Called inside the load's transaction, so the mark commits together with its rows:
    no reader can see the new rows without it. The latest load's time wins; the
    refresh that clears it must have started after it (settle_pending).
    """
    RollupState.objects.using(using).filter(pk=1).update(
        refresh_pending_since=timezone.now()
    )


def settle_pending(using: str, refresh_started: datetime) -> None:
    """After a refresh has committed: the load it rolled up is no longer pending.

    Left set when a later load marked it (after this refresh began), or when rows
    beyond the fingerprint just recorded arrived meanwhile: their own refresh is
    still to come, and until it commits the roll-ups keep answering as they are.
    """
    state = RollupState.objects.using(using).first()
    if state is None or state.refresh_pending_since is None:
        return
    recorded = {name: getattr(state, name) for name in FINGERPRINT_FIELDS}
    if recorded != raw_fingerprint(using):
        return
    RollupState.objects.using(using).filter(
        pk=1, refresh_pending_since__lte=refresh_started
    ).update(refresh_pending_since=None)


def pending_is_recent(state: RollupState, grace: timedelta) -> bool:
    """A refresh is due and the load that asked for it is younger than `grace`.

    An import killed between its commit and its refresh leaves the mark set; after
    the grace the metrics go back to the raw tables, correct but slow, until a
    refresh (which catches the import's days up) runs.
    """
    pending = state.refresh_pending_since
    return pending is not None and timezone.now() - pending <= grace


def record_state(using: str) -> None:
    RollupState.objects.using(using).update_or_create(
        pk=1,
        defaults={
            "refreshed_at": timezone.now(),
            **baked_settings(),
            **raw_fingerprint(using),
        },
    )


def unrolled_since(using: str = "default") -> date | None:
    """The earliest local day of the rows added since the last refresh (None: none).

    An import commits its rows, then refreshes the roll-ups; stopped in between
    (Ctrl-C, kill -9, a deploy), its days were never rolled up, and a later refresh
    from a later day would record the fingerprint without them. Rows with ids above
    the recorded fingerprint are exactly those rows; one index range each.
    """
    state = RollupState.objects.using(using).first()
    if state is None:
        return None
    moments = [
        _first_moment(FINGERPRINT[name], getattr(state, name), moment, using)
        for name, moment in ROW_MOMENTS.items()
    ]
    return min((local_date(moment) for moment in moments if moment), default=None)


def _first_moment(
    model: type[Model], after_pk: int, moment: str, using: str
) -> datetime | None:
    """The earliest `moment` of the rows of `model` with a pk above `after_pk`.

    A moment on a parent row (an event's session start) is read from the parents of
    those rows, found by the pk range first: asked as one MIN over the join, SQLite
    walked the sessions by start time looking for new events, 6.6 s of a one-day
    refresh at 43k orders when there were none.
    """
    rows = model._default_manager.using(using).filter(pk__gt=after_pk)
    if "__" not in moment:
        return rows.aggregate(first=Min(moment))["first"]
    relation, parent_moment = moment.split("__", 1)
    parent = model._meta.get_field(relation).related_model
    assert parent is not None
    assert not isinstance(parent, str)
    parents = parent._default_manager.using(using).filter(
        pk__in=rows.values(f"{relation}_id")
    )
    return parents.aggregate(first=Min(parent_moment))["first"]


def catch_up(since: date | None, using: str = "default") -> date | None:
    """`since`, moved back to the first day an interrupted refresh left out."""
    if since is None:
        return None
    behind = unrolled_since(using)
    return behind if behind is not None and behind < since else since
