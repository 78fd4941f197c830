"""Whether the roll-ups may answer, and which path answered the current request.

The roll-ups answer when they were built under the running settings that shape their
rows (refresh.baked_settings(): time zone, revenue statuses) and either the raw
tables' highest ids are still those recorded at the last refresh (nothing was loaded
since without a refresh), or a load has marked a refresh as pending (its rows are in,
its refresh is running or about to). In the second case they answer as they were,
flagged `refreshing` (the X-Rollups-Refreshing header): a load never sends the
metrics to the raw tables, which take seconds per request at a million orders, for
the minute its refresh takes. A mark older than ROLLUPS_PENDING_GRACE_SECONDS (a
load killed before its refresh) no longer counts. The check is one query of index probes, remembered in
Django's cache per data version for STATUS_SECONDS, so most requests make none.

A context variable records the path the metric functions took ("rollup" or "raw"); the
metric viewsets put it in the X-Metrics-Source response header.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Subquery

from ecomanalytics.store.data_version import data_version

from .models import RollupState
from .state import (
    baked_settings,
    built_settings,
    pending_is_recent,
    state_is_current,
)

Source = Literal["rollup", "raw"]
STATUS_KEY = "ecomanalytics:rollups:status"
# Another process's load is noticed within this time even with a per-process cache.
STATUS_SECONDS = 30

answered_by: ContextVar[Source | None] = ContextVar("answered_by", default=None)
_forced: ContextVar[Source | None] = ContextVar("forced_metrics_path", default=None)


@dataclass(frozen=True, slots=True)
class RollupStatus:
    usable: bool
    refreshed_at: datetime | None
    # Usable, but rows have been loaded since and their refresh has not committed.
    refreshing: bool = False


def rollups_enabled() -> bool:
    return bool(getattr(settings, "ROLLUPS_ENABLED", True))


def rollup_status() -> RollupStatus:
    """Whether the roll-ups are current, and when they were last refreshed."""
    key = _status_key()
    status = cache.get(key)
    if status is None:
        status = _read_status()
        cache.set(key, status, STATUS_SECONDS)
    return status


def forget_status() -> None:
    cache.delete(_status_key())


def _status_key() -> str:
    """Per data version and per running settings: a process started with another
    TIME_ZONE or REVENUE_STATUSES must not reuse another's verdict (shared cache)."""
    settings_key = zlib.crc32(repr(sorted(baked_settings().items())).encode())
    return f"{STATUS_KEY}:{data_version()}:{settings_key:x}"


def _read_status() -> RollupStatus:
    state = RollupState.objects.first()
    if state is None:
        return RollupStatus(usable=False, refreshed_at=None)
    if state_is_current(state):
        return RollupStatus(usable=True, refreshed_at=state.refreshed_at)
    refreshing = built_settings(state) == baked_settings() and pending_is_recent(
        state, pending_grace()
    )
    return RollupStatus(
        usable=refreshing, refreshed_at=state.refreshed_at, refreshing=refreshing
    )


def pending_grace() -> timedelta:
    return timedelta(seconds=getattr(settings, "ROLLUPS_PENDING_GRACE_SECONDS", 900))


def use_rollups(*, level_kept: bool = True) -> bool:
    """True when this metric call should read the roll-ups; records the path taken.

    level_kept: False when the roll-up tables the metric reads do not keep the level
    of its filters (dimensions.one_dimension_facts_cover); the raw tables answer then,
    even where a test forces the roll-ups.
    """
    forced = _forced.get()
    if not level_kept:
        path: Source = "raw"
    elif forced is not None:
        path = forced
    elif rollups_enabled() and rollup_status().usable:
        path = "rollup"
    else:
        path = "raw"
    answered_by.set(path)
    return path == "rollup"


@contextmanager
def metrics_path(path: Source) -> Iterator[None]:
    """Force the metric functions onto one path (tests compare the two)."""
    token = _forced.set(path)
    try:
        yield
    finally:
        _forced.reset(token)


def response_headers() -> dict[str, str]:
    """X-Metrics-Source and X-Rollups-Refreshed-At for a metric response.

    A response served from the metric cache computed nothing: its source is the path
    the metrics would take now.
    """
    if not rollups_enabled():
        return {"X-Metrics-Source": answered_by.get() or "raw"}
    status = rollup_status()
    headers: dict[str, str] = {
        "X-Metrics-Source": answered_by.get() or ("rollup" if status.usable else "raw")
    }
    if status.refreshed_at is not None:
        headers["X-Rollups-Refreshed-At"] = status.refreshed_at.isoformat()
    if status.refreshing:
        headers["X-Rollups-Refreshing"] = "true"
    return headers


def rollups_refreshing() -> bool:
    """Rows were loaded since the last refresh and their refresh has not committed."""
    return rollups_enabled() and rollup_status().refreshing


def rollups_refreshed_at() -> datetime | None:
    """When the roll-ups were last refreshed (None: never, or roll-ups disabled)."""
    return rollup_status().refreshed_at if rollups_enabled() else None


def current_refreshed_at() -> Subquery:
    """RollupState.refreshed_at as a subquery: what a snapshot stored after a
    refresh (cohorts.stored_rfm, stored_ltv) must match to answer for these
    roll-ups, read in the snapshot's own query."""
    return Subquery(RollupState.objects.order_by().values("refreshed_at")[:1])
