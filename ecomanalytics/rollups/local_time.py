"""Local calendar days of UTC timestamps in SQL, without a Python call per row.

Django's TruncDate/TruncWeek/TruncMonth with a time zone are native SQL on
PostgreSQL (`AT TIME ZONE`), but on SQLite each of them calls a Python function per
row: over the millions of sessions of a refresh that was most of its time. Here:

- LocalDate: the local day of a timestamp. On SQLite a time zone's UTC offset is
  constant between its transitions, so the day is `date(ts, '<offset> seconds')` with
  the offset picked by a balanced CASE over the transitions (a few text comparisons
  of SQLite's 'YYYY-MM-DD HH:MM:SS[.ffffff]' UTC text). Timestamps outside the span
  of the precomputed transitions fall back to Django's TruncDate, so the result is
  the same as TruncDate's for any timestamp. Elsewhere it is TruncDate.
- WeekStart / MonthStart (FirstOfMonth as a key of its own): the Monday of the ISO
  week and the first of the month of a date, in SQL. Their GROUP BY columns are their
  argument's: grouped by the day, a query computes them once per group instead of
  once per row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField, DateField, Func
from django.db.models.functions import TruncDate

from ecomanalytics.periods import shop_tz

if TYPE_CHECKING:  # the SQL result alias exists in django-stubs only
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.expressions import BaseExpression
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

# The span whose offset changes are precomputed; timestamps outside it (rare in a
# shop's data) take TruncDate's per-row Python path, with the same result.
SPAN = (datetime(1990, 1, 1, tzinfo=UTC), datetime(2070, 1, 1, tzinfo=UTC))
# Offset changes are searched for at this step, then pinned to the second; no time
# zone changes its offset twice within six hours.
STEP = timedelta(hours=6)


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


@lru_cache(maxsize=8)
def offset_spans(zone_name: str) -> tuple[tuple[datetime, ...], tuple[int, ...]]:
    """The UTC instants in SPAN at which the zone's offset changes, and the offsets
    (seconds east of UTC) of the n + 1 stretches they delimit."""
    zone = ZoneInfo(zone_name)
    start, end = SPAN
    changes: list[datetime] = []
    offsets = [_offset(zone, start)]
    moment = start
    while moment < end:
        following = min(moment + STEP, end)
        if _offset(zone, following) != offsets[-1]:
            # The first whole second of the new offset, by bisection.
            low, high = int(moment.timestamp()), int(following.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, datetime.fromtimestamp(middle, UTC)) == offsets[-1]:
                    low = middle
                else:
                    high = middle
            change = datetime.fromtimestamp(high, UTC)
            changes.append(change)
            offsets.append(_offset(zone, change))
        moment = following
    return tuple(changes), tuple(offsets)


class LocalDate(Func):
    """The local date of a timestamp expression in a time zone (the shop's default)."""

    output_field = DateField()
    arity = 1

    def __init__(self, expression: Any, tzinfo: ZoneInfo | None = None) -> None:
        super().__init__(expression)
        self.tzinfo = tzinfo

    def _zone(self) -> ZoneInfo:
        return self.tzinfo or shop_tz()

    def _native(self) -> TruncDate:
        return TruncDate(self.get_source_expressions()[0], tzinfo=self._zone())

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> _AsSqlType:
        return compiler.compile(self._native())

    def as_sqlite(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> _AsSqlType:
        timestamp_sql, timestamp_params = compiler.compile(
            self.get_source_expressions()[0]
        )
        native_sql, native_params = compiler.compile(self._native())
        adapt = connection.ops.adapt_datetimefield_value
        start, end = (adapt(edge) for edge in SPAN)
        fragments, params = _offset_tree_sql(self._zone().key, adapt)
        tree_params: list[Any] = []
        for param in params:
            if param is _TIMESTAMP:
                tree_params += timestamp_params
            else:
                tree_params.append(param)
        tree = "".join(timestamp_sql if f is _TIMESTAMP else f for f in fragments)
        sql = (
            f"CASE WHEN {timestamp_sql} < %s THEN {native_sql} "
            f"WHEN {timestamp_sql} >= %s THEN {native_sql} ELSE {tree} END"
        )
        return sql, (
            *timestamp_params,
            start,
            *native_params,
            *timestamp_params,
            end,
            *native_params,
            *tree_params,
        )


# Marks where the timestamp's SQL (and its parameters) go in _offset_tree_sql's output.
_TIMESTAMP: Any = object()


@lru_cache(maxsize=8)
def _offset_tree_sql(
    zone_name: str, adapt: Callable[[datetime], Any]
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """date(timestamp shifted by its stretch's offset), the stretch found by a
    balanced CASE over the zone's offset changes: SQL fragments and parameters, with
    _TIMESTAMP where the timestamp goes.

    Written as text and cached per zone: composing the same tree of Case/When
    expressions cost 0.17 s of ORM compilation for every use (a refresh has 40).
    """
    changes, offsets = offset_spans(zone_name)
    fragments: list[Any] = []
    params: list[Any] = []

    def branch(changes: tuple[datetime, ...], offsets: tuple[int, ...]) -> None:
        if not changes:
            fragments.extend(["date(", _TIMESTAMP, ", %s)"])
            params.extend([_TIMESTAMP, f"{offsets[0]:+d} seconds"])
            return
        middle = len(changes) // 2
        fragments.extend(["CASE WHEN ", _TIMESTAMP, " < %s THEN "])
        params.extend([_TIMESTAMP, adapt(changes[middle])])
        branch(changes[:middle], offsets[: middle + 1])
        fragments.append(" ELSE ")
        branch(changes[middle + 1 :], offsets[middle + 1 :])
        fragments.append(" END")

    branch(changes, offsets)
    return tuple(fragments), tuple(params)


class _DateOfDay(Func):
    """A date computed from a day, for queries that GROUP BY that day.

    It adds nothing to the GROUP BY (its value is a function of the grouped day), so
    the database computes it once per group: grouping by it too would make SQLite
    compute it, and the day under it, for every row. PostgreSQL accepts it in the
    SELECT because its argument is a grouped expression.
    """

    def get_group_by_cols(self) -> list[BaseExpression]:
        return []


class _DateSql(Func):
    """A date function of one date, in each database's SQL (Django's Trunc* call
    Python per row on SQLite)."""

    output_field = DateField()
    arity = 1
    sqlite_template: str
    postgresql_template: str

    def as_sqlite(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> _AsSqlType:
        return self.as_sql(
            compiler, connection, template=self.sqlite_template, **extra_context
        )

    def as_postgresql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> _AsSqlType:
        return self.as_sql(
            compiler, connection, template=self.postgresql_template, **extra_context
        )


class WeekStart(_DateOfDay, _DateSql):
    """The Monday of a date's ISO week."""

    sqlite_template = "date(%(expressions)s, '-6 days', 'weekday 1')"
    postgresql_template = (
        "CAST(date_trunc('week', CAST(%(expressions)s AS timestamp)) AS date)"
    )


class FirstOfMonth(_DateSql):
    """The first day of a date's month; a grouping key of its own, unlike MonthStart."""

    sqlite_template = "date(%(expressions)s, 'start of month')"
    postgresql_template = (
        "CAST(date_trunc('month', CAST(%(expressions)s AS timestamp)) AS date)"
    )


class MonthStart(_DateOfDay, FirstOfMonth):
    """The first day of a date's month, computed once per group of that date."""


class EpochMicroseconds(Func):
    """Microseconds since 1970-01-01 UTC of a timestamp, as an integer.

    Integers make "at most N days after" one addition on both databases, where
    timestamp arithmetic differs (SQLite keeps text and Django evaluates intervals
    there in Python per row). On SQLite the text Django writes is
    'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: whole seconds from strftime plus the six
    fraction digits (none written: 0).
    """

    output_field = BigIntegerField()
    arity = 1
    template = "CAST(ROUND(EXTRACT(EPOCH FROM %(expressions)s) * 1000000) AS BIGINT)"

    def as_sqlite(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> _AsSqlType:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return (
            f"(CAST(strftime('%%s', {sql}) AS INTEGER) * 1000000 "
            f"+ CAST(substr({sql} || '.000000', 21, 6) AS INTEGER))",
            (*params, *params),
        )


def epoch_microseconds(moment: datetime) -> int:
    """What EpochMicroseconds gives for an aware datetime, computed in Python."""
    return (moment - EPOCH) // timedelta(microseconds=1)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
