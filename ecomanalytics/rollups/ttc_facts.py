"""Time to convert: the durations of the funnel's transitions on a grid, and the
build of their facts (models.TimeToConvertDay).

A transition's duration, in whole seconds: both timestamps truncated to the whole
second (seconds since 1970, UTC), the earlier subtracted from the later.
- product_view → add_to_cart → begin_checkout → purchase: from the session's time at
  step k to its time at step k + 1, the funnel's step times
  (store.session_progress.annotate_funnel_progress: the earliest event of the step's
  type at or after the previous step's time), over the sessions that reached step
  k + 1 (WebSession.funnel_step);
- session → purchase: from WebSession.started_at to the session's earliest purchase
  event, over the sessions with a purchase event (WebSession.converted), as
  conversion counts them; a purchase before started_at counts as 0 seconds.

The duration is then rounded down to its grid point (GRID): whole seconds below
1 minute, 5-second steps below 5 minutes, 30-second steps below 30 minutes, 5-minute
steps below 6 hours, whole hours beyond. Every histogram edge (1, 5, 15, 30, 60
minutes, 6 hours) is a grid point, so a grid point lies in the bucket of the
durations it stands for, and the facts keep one row per grid point instead of one
per distinct duration. Both paths round in SQL with the same expression.

The build: one grouped pass over the sessions started since (their step times are
index probes of the events, as session_progress's, each probed once), per (local day of the start,
source, device, country, transition, grid point), written as day rows; the levels
the facts keep (no filter, each single one of source, device, country) are summed
from them, then those rows of every combination are deleted; month rows are summed
from the day rows. An incremental refresh from `since` rebuilds the sessions started
since: their day rows, and the month rows from since's month on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.models import (
    Q,
    QuerySet,
)

from ecomanalytics.periods import local_midnight
from ecomanalytics.store.choices import EventType
from ecomanalytics.store.models import SessionEvent, WebSession
from ecomanalytics.store.session_progress import (
    FUNNEL_EVENTS,
)

from .calendar_columns import CALENDAR, _calendar
from .dimensions import DAY, MONTH
from .inserts import execute_insert, insert_select
from .level_sums import summed_level
from .models import ALL, DIMENSIONS, TimeToConvertDay

if TYPE_CHECKING:
    pass

# (from step, to step); a row's transition is its index here.
TRANSITIONS: tuple[tuple[str, str], ...] = (
    (FUNNEL_EVENTS[0], FUNNEL_EVENTS[1]),
    (FUNNEL_EVENTS[1], FUNNEL_EVENTS[2]),
    (FUNNEL_EVENTS[2], FUNNEL_EVENTS[3]),
    ("session", EventType.PURCHASE.value),
)
# (durations below this many seconds, their grid step in seconds); None: the rest.
GRID: tuple[tuple[int | None, int], ...] = (
    (60, 1),
    (300, 5),
    (1800, 30),
    (21600, 300),
    (None, 3600),
)
MEASURES = ("sessions",)


def _epoch_second(vendor: str, column: str) -> str:
    """SQL of a timestamp column as whole seconds since 1970-01-01 UTC, truncated."""
    if vendor == "sqlite":
        # Django keeps SQLite's timestamps as UTC text, which strftime reads; '%%'
        # is the driver's escape of a literal '%'.
        return f"CAST(strftime('%%s', {column}) AS INTEGER)"
    return f"CAST(floor(extract(epoch FROM {column})) AS bigint)"


def _durations_sql(
    sessions: QuerySet[WebSession], keys: Sequence[str]
) -> tuple[str, list[Any]]:
    """One row per (session, transition it made): keys, transition, exact_seconds.

    The step times are probed once per session, each from the one before, in a
    chain of materialised CTEs (SQLite >= 3.35, PostgreSQL >= 12): written as
    nested subqueries, each step's time repeated the probes of the steps before
    it, and each transition asked for two of them. At 100k orders on SQLite (2.8M
    sessions) the day rows of every combination took 13.2 s that way, 7.3 s so,
    and the whole time-to-convert build 32.3 s against 25.7 s, the same rows."""
    connection = connections[sessions.db]
    quote = connection.ops.quote_name
    vendor = connection.vendor
    base = (
        sessions.order_by()
        .filter(Q(funnel_step__gte=2) | Q(converted=True))
        .annotate(**_calendar("started_at"))
        .values("id", "started_at", "funnel_step", "converted", *keys)
    )
    base_sql, params = base.query.sql_with_params()
    events = quote(SessionEvent._meta.db_table)
    session_id = quote(SessionEvent._meta.get_field("session").column)
    event_type = quote("event_type")
    occurred_at = quote("occurred_at")

    def probe(source: str, kind: str, after: str | None) -> str:
        # One probe of the (session, event_type, occurred_at) index.
        bound = f" AND e.{occurred_at} >= {source}.{after}" if after else ""
        return (
            f"(SELECT e.{occurred_at} FROM {events} e WHERE e.{event_type} = %s "
            f"AND e.{session_id} = {source}.{quote('id')}{bound} "
            f"ORDER BY e.{occurred_at} LIMIT 1)"
        )

    # (CTE column, event type, the earlier column it starts from, step needed).
    steps = [
        (f"{kind}_at", kind, f"{FUNNEL_EVENTS[number - 1]}_at" if number else None)
        for number, kind in enumerate(FUNNEL_EVENTS)
    ]
    ctes = [f"s0 AS MATERIALIZED ({base_sql})"]
    step_params: list[Any] = []
    for number, (column, kind, after) in enumerate(steps):
        # The first two times serve the first transition (funnel_step >= 2).
        needed = max(number + 1, 2)
        ctes.append(
            f"s{number + 1} AS MATERIALIZED (SELECT s{number}.*, CASE WHEN "
            f"s{number}.{quote('funnel_step')} >= {needed} THEN "
            f"{probe(f's{number}', kind, quote(after) if after else None)} END "
            f"AS {quote(column)} FROM s{number})"
        )
        step_params.append(kind)
    last = f"s{len(steps)}"
    ctes.append(
        f"timed AS MATERIALIZED (SELECT {last}.*, CASE WHEN "
        f"{last}.{quote('converted')} THEN "
        f"{probe(last, EventType.PURCHASE.value, None)} END "
        f"AS {quote('first_purchase_at')} FROM {last})"
    )
    step_params.append(EventType.PURCHASE.value)
    selected = ", ".join(quote(key) for key in keys)
    lead = f"{selected}, " if keys else ""
    epoch = partial(_epoch_second, vendor)
    greatest = "MAX" if vendor == "sqlite" else "GREATEST"
    parts: list[str] = []
    for number, (origin, target) in enumerate(TRANSITIONS):
        if origin == "session":
            seconds = (
                f"{greatest}(0, {epoch(quote('first_purchase_at'))} - "
                f"{epoch(quote('started_at'))})"
            )
            reached = f"{quote('converted')}"
        else:
            seconds = f"{epoch(quote(f'{target}_at'))} - {epoch(quote(f'{origin}_at'))}"
            reached = f"{quote('funnel_step')} >= {FUNNEL_EVENTS.index(target) + 1}"
        parts.append(
            f"SELECT {lead}{number} AS {quote('transition')}, {seconds} AS "
            f"{quote('exact_seconds')} FROM timed WHERE {reached}"
        )
    sql = f"WITH {', '.join(ctes)} {' UNION ALL '.join(parts)}"
    return sql, [*params, *step_params]


def _grid_point_sql(column: str) -> tuple[str, list[int]]:
    """SQL of a whole-seconds column rounded down to its grid point (GRID)."""
    arms: list[str] = []
    params: list[int] = []
    for below, step in GRID:
        rounded = f"{column} - {column} %% %s"
        if below is None:
            arms.append(f"ELSE {rounded}")
            params.append(step)
        else:
            arms.append(f"WHEN {column} < %s THEN {rounded}")
            params.extend([below, step])
    return f"CASE {' '.join(arms)} END", params


def _gridded(
    sessions: QuerySet[WebSession], keys: Sequence[str]
) -> tuple[str, list[Any]]:
    """SELECT keys, transition, grid point AS seconds, sessions over the sessions'
    transitions (_durations_sql); grouped by position (both databases allow it)."""
    quote = connections[sessions.db].ops.quote_name
    inner_sql, inner_params = _durations_sql(sessions, keys)
    grid_sql, grid_params = _grid_point_sql(quote("exact_seconds"))
    selected = [quote(key) for key in (*keys, "transition")]
    positions = ", ".join(str(number) for number in range(1, len(selected) + 2))
    sql = (
        f"SELECT {', '.join(selected)}, {grid_sql} AS {quote('seconds')}, "
        f"COUNT(*) AS {quote('sessions')} "
        f"FROM ({inner_sql}) durations GROUP BY {positions}"
    )
    return sql, [*grid_params, *inner_params]


def gridded_durations(sessions: QuerySet[WebSession]) -> list[tuple[int, int, int]]:
    """(transition, grid point in seconds, sessions) of these sessions, unsorted:
    one statement, at most a few hundred rows (the grid points)."""
    sql, params = _gridded(sessions, ())
    with connections[sessions.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(t), int(s), int(n)) for t, s, n in cursor.fetchall()]


_summed = partial(summed_level, keys=("transition", "seconds"), measures=MEASURES)


def _write_combination_days(since: date | None, using: str) -> int:
    """The day rows of every (source, device, country) combination found."""
    sessions = WebSession.objects.using(using).order_by()
    if since is not None:
        sessions = sessions.filter(started_at__gte=local_midnight(since))
    keys = (*CALENDAR, *DIMENSIONS)
    select_sql, params = _gridded(sessions, keys)
    quote = connections[using].ops.quote_name
    columns = ", ".join(quote(name) for name in (*keys, "transition", "seconds"))
    statement = (
        f"INSERT INTO {quote(TimeToConvertDay._meta.db_table)} "
        f"({columns}, {quote('sessions')}) {select_sql}"
    )
    return execute_insert(using, statement, params)


def rebuild_time_to_convert_days(since: date | None, using: str) -> int:
    """Delete the time-to-convert facts from `since` on (all without since) and
    write them again: the combination rows, the levels summed from them, the
    month rows."""
    table = TimeToConvertDay.objects.using(using).order_by()
    stale = table
    if since is not None:
        stale = stale.filter(
            Q(grain=DAY, day__gte=since) | Q(grain=MONTH, day__gte=since.replace(day=1))
        )
    stale.delete()
    _write_combination_days(since, using)
    days = table.filter(grain=DAY)
    if since is not None:
        days = days.filter(day__gte=since)
    combinations = days.exclude(traffic_source=ALL).exclude(device=ALL)
    combinations = combinations.exclude(country=ALL)
    written = 0
    for kept in DIMENSIONS:
        collapsed = tuple(column for column in DIMENSIONS if column != kept)
        level, renamed = _summed(combinations, collapsed=collapsed, months=False)
        written += insert_select(TimeToConvertDay, level, using, renamed)
    # Summed from the device rows: the dimension with the fewest values.
    device_level = days.filter(traffic_source=ALL, country=ALL).exclude(device=ALL)
    no_filter, renamed = _summed(device_level, collapsed=DIMENSIONS, months=False)
    written += insert_select(TimeToConvertDay, no_filter, using, renamed)
    # The levels are written: the combinations (two filters read the raw tables).
    combinations.delete()
    month_days = table.filter(grain=DAY)
    if since is not None:
        month_days = month_days.filter(month__gte=since.replace(day=1))
    month_rows, renamed = _summed(month_days, collapsed=(), months=True)
    written += insert_select(TimeToConvertDay, month_rows, using, renamed)
    return written


def time_to_convert_steps(
    since: date | None, using: str
) -> Iterator[tuple[str, Callable[[], int]]]:
    """The refresh step of the time-to-convert facts, for refresh._steps."""
    yield (
        TimeToConvertDay.__name__,
        partial(rebuild_time_to_convert_days, since, using),
    )
