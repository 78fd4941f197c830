"""Any write to the shop's data through the ORM moves the data version.

Cached metric responses are keyed by the data version, so an admin edit is visible at
once. Bulk loads (bulk_create, update, raw SQL) send no signals: the generator and the
importers call bump_data_version() themselves after a load.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from .data_version import bump_data_version
from .models import (
    Category,
    Customer,
    Order,
    OrderItem,
    Product,
    Refund,
    RefundLine,
    SessionEvent,
    WebSession,
)
from .session_progress import refresh_session_progress

SHOP_DATA_MODELS = (
    Category,
    Customer,
    Order,
    OrderItem,
    Product,
    Refund,
    RefundLine,
    SessionEvent,
    WebSession,
)


def data_changed(sender: type, **kwargs: Any) -> None:
    bump_data_version()
    # Inside a transaction a request may compute from the old rows after the bump
    # above and cache them under the new version; bumping again on commit retires
    # that entry. Outside a transaction on_commit runs the bump at once (cheap).
    using = kwargs.get("using")
    if transaction.get_connection(using).in_atomic_block:
        transaction.on_commit(bump_data_version, using=using)


def event_changed(sender: type, instance: SessionEvent, **kwargs: Any) -> None:
    """Keep the session's stored funnel progress in step with its events.

    Connected before the roll-ups' handlers (the store app is ready first), so a
    roll-up refresh triggered by the same write counts the updated progress. A
    session deleted with its events simply matches no row.
    """
    sessions = {instance.session_id, getattr(instance, "_previous_session_id", None)}
    refresh_session_progress(
        session_ids=[pk for pk in sessions if pk is not None],
        using=kwargs.get("using") or "default",
    )


def remember_event_session(sender: type, instance: SessionEvent, **kwargs: Any) -> None:
    """An event moved to another session changes the progress of the one it left."""
    if instance.pk is not None:
        instance._previous_session_id = (
            SessionEvent.objects.using(kwargs.get("using") or "default")
            .filter(pk=instance.pk)
            .values_list("session_id", flat=True)
            .first()
        )


def connect_data_version_signals() -> None:
    for model in SHOP_DATA_MODELS:
        for signal in (post_save, post_delete):
            signal.connect(
                data_changed,
                sender=model,
                dispatch_uid=f"data-version:{signal is post_save}:{model.__name__}",
            )
    for signal in (post_save, post_delete):
        signal.connect(
            event_changed,
            sender=SessionEvent,
            dispatch_uid=f"session-progress:{signal is post_save}",
        )
    pre_save.connect(
        remember_event_session, sender=SessionEvent, dispatch_uid="session-progress:pre"
    )
