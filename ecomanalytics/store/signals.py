"""Any write to the shop's data through the ORM moves the data version.

Cached metric responses are keyed by the data version, so an admin edit is visible at
once. Bulk loads (bulk_create, update, raw SQL) send no signals: the generator and the
importers call bump_data_version() themselves after a load.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .data_version import bump_data_version
from .models import (
    Category,
    Customer,
    Order,
    OrderItem,
    Product,
    SessionEvent,
    WebSession,
)

SHOP_DATA_MODELS = (
    Category,
    Customer,
    Order,
    OrderItem,
    Product,
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


def connect_data_version_signals() -> None:
    for model in SHOP_DATA_MODELS:
        for signal in (post_save, post_delete):
            signal.connect(
                data_changed,
                sender=model,
                dispatch_uid=f"data-version:{signal is post_save}:{model.__name__}",
            )
