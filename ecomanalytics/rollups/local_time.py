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

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Case, DateField, Func, Value, When
from django.db.models.functions import TruncDate
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from ecomanalytics.periods import shop_tz

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

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        return compiler.compile(self._native())

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        timestamp = self.get_source_expressions()[0]
        changes, offsets = offset_spans(self._zone().key)
        start, end = SPAN
        spans = Case(
            When(LessThan(timestamp, start), then=self._native()),
            When(GreaterThanOrEqual(timestamp, end), then=self._native()),
            default=_offset_tree(timestamp, changes, offsets),
            output_field=DateField(),
        )
        return compiler.compile(spans)


def _offset_tree(
    timestamp: Any, changes: tuple[datetime, ...], offsets: tuple[int, ...]
) -> Any:
    """date(timestamp shifted by its stretch's offset), the stretch found by bisection."""
    if not changes:
        return Func(
            timestamp,
            Value(f"{offsets[0]:+d} seconds"),
            function="date",
            output_field=DateField(),
        )
    middle = len(changes) // 2
    return Case(
        When(
            LessThan(timestamp, changes[middle]),
            then=_offset_tree(timestamp, changes[:middle], offsets[: middle + 1]),
        ),
        default=_offset_tree(timestamp, changes[middle + 1 :], offsets[middle + 1 :]),
        output_field=DateField(),
    )


class _DateOfDay(Func):
    """A date computed from a day, for queries that GROUP BY that day.

    It adds nothing to the GROUP BY (its value is a function of the grouped day), so
    the database computes it once per group: grouping by it too would make SQLite
    compute it, and the day under it, for every row. PostgreSQL accepts it in the
    SELECT because its argument is a grouped expression.
    """

    def get_group_by_cols(self):  # type: ignore[no-untyped-def]
        return []


class _DateSql(Func):
    """A date function of one date, in each database's SQL (Django's Trunc* call
    Python per row on SQLite)."""

    output_field = DateField()
    arity = 1
    sqlite_template: str
    postgresql_template: str

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        return self.as_sql(
            compiler, connection, template=self.sqlite_template, **extra_context
        )

    def as_postgresql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
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
