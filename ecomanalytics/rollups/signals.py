"""Admin edits (any ORM save or delete of the shop's rows) refresh the days they touch.

Each write notes the earliest local day it affects; when the transaction commits (at
once outside one) a single refresh_rollups(since=that day) runs, so an admin save of an
order with its inline lines refreshes once. A product moved to another category
changes every day it sold on: that triggers a full refresh. Bulk loads send no
signals: the generator and the importers send store.loads.rows_loaded once they have
committed, and _load_committed refreshes from the first day they touched. The first
load into a database without roll-ups builds them all, so a shop filled only by
imports answers from the roll-ups too. Admin edits of such a shop build nothing (the
next load or `refresh_rollups` does).
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Min, Model
from django.db.models.signals import post_delete, post_save, pre_save

from ecomanalytics.periods import local_date
from ecomanalytics.store.loads import rows_loaded, rows_loading
from ecomanalytics.store.models import (
    Customer,
    Order,
    OrderItem,
    Product,
    Refund,
    RefundLine,
    SessionEvent,
    WebSession,
)

from .models import RollupState
from .refresh import refresh_rollups
from .state import mark_refresh_pending
from .status import rollups_enabled

EVERYTHING = date.min
_pending = threading.local()


def _schedule(moments: list[datetime | None], using: str) -> None:
    days = [local_date(moment) for moment in moments if moment is not None]
    if not days:
        return
    _schedule_since(min(days), using)


def _schedule_since(day: date, using: str) -> None:
    if not rollups_enabled():
        return
    pending: dict[str, date] = _pending.__dict__.setdefault("since", {})
    if using not in pending and not RollupState.objects.using(using).exists():
        return
    if using not in pending:
        mark_refresh_pending(using)  # in the edit's transaction: commits with it
    pending[using] = min(pending.get(using, day), day)
    # One callback per write, so a rolled-back transaction cannot leave the day
    # pending without a callback; the first to run refreshes, the others find none.
    transaction.on_commit(lambda: _refresh(using), using=using)


def _refresh(using: str) -> None:
    day = _pending.__dict__.setdefault("since", {}).pop(using, None)
    if day is None:
        return
    refresh_rollups(since=None if day == EVERYTHING else day, using=using)


def _remember_previous(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    """Keep the stored time (or category) of an edited row: the old day changes too."""
    if instance.pk is None:
        return
    fields = {
        Order: "placed_at",
        Refund: "refunded_at",
        WebSession: "started_at",
        Product: "category_id",
    }
    field = fields[sender]
    instance._rollups_previous = (
        sender._default_manager.filter(pk=instance.pk)
        .values_list(field, flat=True)
        .first()
    )


def _order_changed(sender: type, instance: Order, using: str, **kwargs: Any) -> None:
    _schedule([instance.placed_at, getattr(instance, "_rollups_previous", None)], using)


def _line_changed(sender: type, instance: OrderItem, using: str, **kwargs: Any) -> None:
    placed_at = (
        Order.objects.using(using)
        .filter(pk=instance.order_id)
        .values_list("placed_at", flat=True)
        .first()
    )
    _schedule([placed_at], using)  # a deleted order refreshes through its own signal


def _refund_changed(sender: type, instance: Refund, using: str, **kwargs: Any) -> None:
    # Its returns lie on the day it was given (before or after an edit).
    _schedule(
        [instance.refunded_at, getattr(instance, "_rollups_previous", None)], using
    )


def _refund_line_changed(
    sender: type, instance: RefundLine, using: str, **kwargs: Any
) -> None:
    refunded_at = (
        Refund.objects.using(using)
        .filter(pk=instance.refund_id)
        .values_list("refunded_at", flat=True)
        .first()
    )
    _schedule([refunded_at], using)  # a deleted refund refreshes through its own


def _customer_changed(
    sender: type, instance: Customer, using: str, **kwargs: Any
) -> None:
    # Its country is on every order fact: from its signup or first order, the earlier.
    first_order = (
        Order.objects.using(using)
        .filter(customer_id=instance.pk)
        .aggregate(first=Min("placed_at"))["first"]
    )
    _schedule([instance.signed_up_at, first_order], using)


def _session_changed(
    sender: type, instance: WebSession, using: str, **kwargs: Any
) -> None:
    _schedule(
        [instance.started_at, getattr(instance, "_rollups_previous", None)], using
    )


def _event_changed(
    sender: type, instance: SessionEvent, using: str, **kwargs: Any
) -> None:
    started_at = (
        WebSession.objects.using(using)
        .filter(pk=instance.session_id)
        .values_list("started_at", flat=True)
        .first()
    )
    _schedule([started_at], using)


def _product_changed(
    sender: type, instance: Product, using: str, **kwargs: Any
) -> None:
    previous = getattr(instance, "_rollups_previous", None)
    if previous is not None and previous != instance.category_id:
        _schedule_since(EVERYTHING, using)


def _when_enabled(handler: Callable[..., None]) -> Callable[..., None]:
    """Skip the handler (and its queries) when the roll-ups are switched off."""

    @functools.wraps(handler)
    def guarded(*args: Any, **kwargs: Any) -> None:
        if rollups_enabled():
            handler(*args, **kwargs)

    return guarded


def _load_committed(
    sender: object,
    *,
    using: str,
    since: datetime | None,
    **kwargs: Any,
) -> None:
    """A bulk load committed: refresh from its first local day (None: everything).

    Without roll-ups yet, build them all, whatever the load and its `build` flag: a
    shop filled only by imports would otherwise stay on the raw path for ever.
    """
    if not RollupState.objects.using(using).exists():
        _build_first(using)
        return
    refresh_rollups(since=None if since is None else local_date(since), using=using)


def _load_started(sender: object, *, using: str, **kwargs: Any) -> None:
    mark_refresh_pending(using)


def _build_first(using: str) -> None:
    """The first build reads every row loaded so far: in a terminal, say so, with a
    bar; elsewhere (the admin's upload page, a log) stay quiet, as imports do."""
    in_terminal = sys.stderr.isatty()
    if in_terminal:
        sys.stderr.write("No roll-ups yet: building them from all the data loaded.\n")
    refresh_rollups(using=using, progress=in_terminal)


def connect_refresh_signals() -> None:
    rows_loaded.connect(
        _when_enabled(_load_committed), weak=False, dispatch_uid="rollups:load"
    )
    rows_loading.connect(
        _when_enabled(_load_started), weak=False, dispatch_uid="rollups:loading"
    )
    handlers: dict[type[Model], Callable[..., None]] = {
        Order: _order_changed,
        OrderItem: _line_changed,
        Refund: _refund_changed,
        RefundLine: _refund_line_changed,
        Customer: _customer_changed,
        WebSession: _session_changed,
        SessionEvent: _event_changed,
    }
    for model, handler in handlers.items():
        for signal in (post_save, post_delete):
            signal.connect(
                _when_enabled(handler),
                weak=False,
                sender=model,
                dispatch_uid=f"rollups:{model.__name__}:{signal is post_save}",
            )
    for model in (Order, Refund, WebSession, Product):
        pre_save.connect(
            _when_enabled(_remember_previous),
            weak=False,
            sender=model,
            dispatch_uid=f"rollups:pre:{model.__name__}",
        )
    post_save.connect(
        _when_enabled(_product_changed),
        weak=False,
        sender=Product,
        dispatch_uid="rollups:Product",
    )
