"""Calendar arithmetic in the shop's time zone: windows, buckets and their labels.

Timestamps are stored in UTC; days, ISO weeks (Monday first) and calendar months are
taken in settings.TIME_ZONE. A window is a pair of inclusive local dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from .store.models import Order

Granularity = Literal["day", "week", "month"]


def shop_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def today() -> date:
    """Today's date in the shop's time zone."""
    return timezone.now().astimezone(shop_tz()).date()


def local_midnight(day: date) -> datetime:
    """The aware instant at which a local day starts (DST-safe)."""
    return datetime.combine(day, time.min, tzinfo=shop_tz())


def local_date(moment: datetime) -> date:
    return moment.astimezone(shop_tz()).date()


@dataclass(frozen=True, slots=True)
class Window:
    """Inclusive local dates [start, end]."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """Aware [from, until) instants covering the window's local days."""
        return local_midnight(self.start), local_midnight(self.end + timedelta(days=1))

    def previous(self) -> Window:
        """The window of equal length ending the day before start."""
        return Window(
            self.start - timedelta(days=self.days), self.start - timedelta(days=1)
        )


def data_span() -> Window | None:
    """Local days of the first and last order (any status, unfiltered); None when no orders."""
    # Two ORDER BY ... LIMIT 1 probes of the placed_at index in one statement (SQLite
    # answers MIN and MAX together by scanning the whole table). Written as SQL: the
    # ORM built the same statement in about 1.6 ms, and every metric request asks.
    using = router.db_for_read(Order)
    connection = connections[using]
    quote = connection.ops.quote_name
    placed_at = Order._meta.get_field("placed_at")
    table, column = quote(Order._meta.db_table), quote(placed_at.get_attname())
    probe = f"SELECT {column} FROM {table} ORDER BY {column}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({probe} LIMIT 1), ({probe} DESC LIMIT 1)")
        first, last = cursor.fetchone()
    if first is None:
        return None
    expression = placed_at.get_col(Order._meta.db_table)
    converters = connection.ops.get_db_converters(expression)
    for convert in converters:
        first = convert(first, expression, connection)
        last = convert(last, expression, connection)
    return Window(local_date(first), local_date(last))


def resolve_window(start: date | None, end: date | None) -> Window | None:
    """The metric window: given start/end, the data span filling what is missing.

    None when a bound is missing and there are no orders to take it from.
    """
    if start is not None and end is not None:
        return Window(start, end)
    span = data_span()
    if span is None:
        if start is None and end is None:
            return None
        return Window(start or end, end or start)  # type: ignore[arg-type]
    # A lone bound outside the data span keeps the window the right way round.
    if start is None:
        start = min(span.start, end) if end is not None else span.start
    if end is None:
        end = max(span.end, start)
    return Window(start, end)


def bucket_start(day: date, granularity: Granularity) -> date:
    if granularity == "day":
        return day
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_bucket(day: date, granularity: Granularity) -> date:
    if granularity == "day":
        return day + timedelta(days=1)
    if granularity == "week":
        return day + timedelta(days=7)
    return add_months(day, 1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after day's month."""
    return month_of_number(month_number(day) + months)


def month_number(day: date) -> int:
    """Day's month as one integer, months since January of year 0: a sortable,
    subtractable month key for arrays."""
    return day.year * 12 + day.month - 1


def month_of_number(number: int) -> date:
    """The first day of month_number's month."""
    return date(number // 12, number % 12 + 1, 1)


def buckets(window: Window, granularity: Granularity) -> Iterator[tuple[date, date]]:
    """(first day, last day) of every bucket that touches the window."""
    current = bucket_start(window.start, granularity)
    while current <= window.end:
        following = next_bucket(current, granularity)
        yield current, following - timedelta(days=1)
        current = following


def label(day: date, granularity: Granularity) -> str:
    """Month YYYY-MM; day and week (its Monday) YYYY-MM-DD."""
    return day.strftime("%Y-%m") if granularity == "month" else day.isoformat()


def is_partial(first: date, last: date, window: Window) -> bool:
    """A bucket is partial when it has not ended yet or reaches outside the window."""
    return last >= today() or first < window.start or last > window.end


def cursor_date(value: date | datetime | str) -> date:
    """A date read by a raw cursor: SQLite gives its text, PostgreSQL a date (or a
    timestamp where a UNION typed the column so)."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value
