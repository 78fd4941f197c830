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
index probes of the events, as session_progress's), per (local day of the start,
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
    BigIntegerField,
    Count,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Greatest

from ecomanalytics.periods import local_midnight
from ecomanalytics.sales import added_up
from ecomanalytics.store.choices import EventType
from ecomanalytics.store.models import SessionEvent, WebSession
from ecomanalytics.store.session_progress import (
    FUNNEL_EVENTS,
    annotate_funnel_progress,
)

from .calendar_columns import CALENDAR, _calendar, _day_first
from .dimensions import DAY, MONTH
from .inserts import execute_insert, insert_select
from .level_sums import summed_level
from .models import ALL, DIMENSIONS, TimeToConvertDay

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

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


class EpochSecond(Func):
    """A timestamp as whole seconds since 1970-01-01 UTC, truncated."""

    output_field = BigIntegerField()
    arity = 1

    def as_sqlite(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> _AsSqlType:
        # Django keeps SQLite's timestamps as UTC text, which strftime reads.
        # '%%%%s': the compiled SQL keeps '%%' for a literal '%' (the driver's escape).
        template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> _AsSqlType:
        template = "CAST(floor(extract(epoch FROM %(expressions)s)) AS bigint)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _first_purchase_at() -> Subquery:
    # One probe of the (session, event_type, occurred_at) index, as session_progress.
    purchases = SessionEvent.objects.filter(
        session_id=OuterRef("pk"), event_type=EventType.PURCHASE
    )
    return Subquery(purchases.order_by("occurred_at").values("occurred_at")[:1])


def _transition_rows(sessions: QuerySet[WebSession], number: int) -> QuerySet:
    """The sessions that made the transition, with its duration as exact_seconds."""
    origin, target = TRANSITIONS[number]
    if origin == "session":
        return sessions.filter(converted=True).annotate(
            exact_seconds=Greatest(
                Value(0),
                EpochSecond(_first_purchase_at()) - EpochSecond(F("started_at")),
            )
        )
    reached = annotate_funnel_progress(
        sessions.filter(funnel_step__gte=FUNNEL_EVENTS.index(target) + 1)
    )
    return reached.annotate(
        exact_seconds=EpochSecond(F(f"{target}_at")) - EpochSecond(F(f"{origin}_at"))
    )


def transition_durations(
    sessions: QuerySet[WebSession], *, per_day_and_dimensions: bool
) -> QuerySet:
    """Sessions per (transition, exact duration in whole seconds), per local day of
    the start and the session's dimensions when asked: one UNION ALL."""
    keys: tuple[str, ...] = (*CALENDAR, *DIMENSIONS) if per_day_and_dimensions else ()
    calendar = _calendar("started_at") if per_day_and_dimensions else {}
    parts = [
        (
            _transition_rows(sessions.order_by(), number)
            .annotate(**calendar, transition=Value(number))
            .values(*keys, "transition", "exact_seconds"),
            {"sessions": Count("id")},
        )
        for number in range(len(TRANSITIONS))
    ]
    return added_up(
        parts, money=(), each=_day_first if per_day_and_dimensions else lambda p: p
    )


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


def _gridded(durations: QuerySet, keys: Sequence[str]) -> tuple[str, list[Any]]:
    """SELECT keys, transition, grid point AS seconds, Σ sessions over the rows of
    transition_durations; grouped by position (both databases allow it)."""
    connection = connections[durations.db]
    quote = connection.ops.quote_name
    inner_sql, inner_params = durations.query.get_compiler(durations.db).as_sql()
    grid_sql, grid_params = _grid_point_sql(quote("exact_seconds"))
    selected = [quote(key) for key in (*keys, "transition")]
    positions = ", ".join(str(number) for number in range(1, len(selected) + 2))
    sql = (
        f"SELECT {', '.join(selected)}, {grid_sql} AS {quote('seconds')}, "
        f"SUM({quote('sessions')}) AS {quote('sessions')} "
        f"FROM ({inner_sql}) durations GROUP BY {positions}"
    )
    return sql, [*grid_params, *inner_params]


def gridded_durations(sessions: QuerySet[WebSession]) -> list[tuple[int, int, int]]:
    """(transition, grid point in seconds, sessions) of these sessions, unsorted:
    one statement, at most a few hundred rows (the grid points)."""
    durations = transition_durations(sessions, per_day_and_dimensions=False)
    sql, params = _gridded(durations, ())
    with connections[durations.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(t), int(s), int(n)) for t, s, n in cursor.fetchall()]


_summed = partial(summed_level, keys=("transition", "seconds"), measures=MEASURES)


def _write_combination_days(since: date | None, using: str) -> int:
    """The day rows of every (source, device, country) combination found."""
    sessions = WebSession.objects.using(using).order_by()
    if since is not None:
        sessions = sessions.filter(started_at__gte=local_midnight(since))
    keys = (*CALENDAR, *DIMENSIONS)
    durations = transition_durations(sessions, per_day_and_dimensions=True)
    select_sql, params = _gridded(durations, keys)
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
