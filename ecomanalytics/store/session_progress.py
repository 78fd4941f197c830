"""Each web session's funnel progress, derived from its events and stored on it.

The raw events stay the source of truth: annotate_funnel_progress and
purchasing_sessions below are the definitions the raw conversion and funnel metrics
use (kpi.metrics imports them from here). WebSession.funnel_step and
WebSession.converted keep their result per session so the roll-up refresh can count
plain columns instead of probing every session's events; whoever writes events
(the generator, the events importer, ORM edits through store.signals, the test
factories) keeps them in step with refresh_session_progress.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Case, Exists, OuterRef, QuerySet, Subquery, Value, When

from .choices import FUNNEL_EVENT_STEPS, EventType
from .models import SessionEvent, WebSession

# Plain strings: they name annotations and are returned to callers.
FUNNEL_EVENTS: tuple[str, ...] = tuple(str(step) for step in FUNNEL_EVENT_STEPS)
# Ids per UPDATE when session_ids is a plain iterable: well under SQLite's limit on
# query parameters, and each statement stays short.
IDS_PER_UPDATE = 2000


def purchasing_sessions() -> QuerySet[Any]:
    """Ids of the sessions with a purchase event (a subquery)."""
    return SessionEvent.objects.filter(event_type=EventType.PURCHASE).values(
        "session_id"
    )


def annotate_funnel_progress(sessions: QuerySet[WebSession]) -> QuerySet[WebSession]:
    """Annotate `<step>_at` for each funnel event: when the session reached that step
    (closed and sequential, see kpi.metrics.funnel), NULL when it did not."""
    previous_time: Any = None
    for event_type in FUNNEL_EVENTS:
        events = SessionEvent.objects.filter(
            session_id=OuterRef("pk"), event_type=event_type
        )
        if previous_time is not None:
            events = events.filter(occurred_at__gte=OuterRef(previous_time))
        # The earliest such event: ORDER BY + LIMIT 1 is one probe of the
        # (session, event_type, occurred_at) index, cheaper than MIN + GROUP BY.
        reached_at = Subquery(events.order_by("occurred_at").values("occurred_at")[:1])
        sessions = sessions.annotate(**{f"{event_type}_at": reached_at})
        previous_time = f"{event_type}_at"
    return sessions


def _furthest_step() -> Case:
    """The number of the furthest step reached, from the `<step>_at` annotations.

    Asked from the first step on: most sessions stop early, and each `<step>_at`
    nests the probes of the steps before it, so a session that never viewed a
    product costs one probe instead of ten (the deepest step first would).
    """
    return Case(
        *(
            When(**{f"{event_type}_at__isnull": True}, then=Value(reached))
            for reached, event_type in enumerate(FUNNEL_EVENTS)
        ),
        default=Value(len(FUNNEL_EVENTS)),
    )


def _recompute(sessions: QuerySet[WebSession]) -> int:
    # One UPDATE: the database evaluates the step subqueries per session, no row
    # comes to Python whatever the number of sessions.
    return annotate_funnel_progress(sessions.order_by()).update(
        funnel_step=_furthest_step(),
        converted=Exists(
            SessionEvent.objects.filter(
                session_id=OuterRef("pk"), event_type=EventType.PURCHASE
            )
        ),
    )


def refresh_session_progress(
    *,
    session_ids: QuerySet[Any] | Iterable[int] | None = None,
    since: datetime | None = None,
    using: str = "default",
) -> int:
    """Recompute funnel_step and converted from the events; the number of sessions.

    session_ids (a queryset of ids or any iterable of them) and since (sessions
    started at or after it) narrow the sessions; with neither, every session is
    recomputed. Runs in the caller's transaction, if any.
    """
    sessions = WebSession.objects.using(using).all()
    if since is not None:
        sessions = sessions.filter(started_at__gte=since)
    if session_ids is None:
        return _recompute(sessions)
    if isinstance(session_ids, QuerySet):
        return _recompute(sessions.filter(pk__in=session_ids))
    ids = list(dict.fromkeys(session_ids))
    updated = 0
    for start in range(0, len(ids), IDS_PER_UPDATE):
        updated += _recompute(
            sessions.filter(pk__in=ids[start : start + IDS_PER_UPDATE])
        )
    return updated
