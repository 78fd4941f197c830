"""A level of day facts summed from a finer one: the shared middle of the step
modules that write their levels and month rows from their own day rows."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F, QuerySet, Sum, Value

from .calendar_columns import CALENDAR
from .dimensions import MONTH
from .models import ALL, DIMENSIONS


def summed_level(
    rows: QuerySet,
    *,
    keys: Sequence[str],
    measures: Sequence[str],
    collapsed: tuple[str, ...],
    months: bool,
) -> tuple[QuerySet, dict[str, str]]:
    """Fact rows summed per day (or per month, as month rows), the `collapsed`
    dimensions set to ALL and the other dimensions and `keys` kept; with the
    renaming insert_select needs to write them back as rows of the same table."""
    kept = [column for column in DIMENSIONS if column not in collapsed]
    calendar = ("month",) if months else CALENDAR
    extra: dict[str, object] = {f"all_{column}": Value(ALL) for column in collapsed}
    renamed = {f"total_{measure}": measure for measure in measures} | {
        f"all_{column}": column for column in collapsed
    }
    if months:
        extra |= {"first_day": F("month"), "month_grain": Value(MONTH)}
        renamed |= {"first_day": "day", "month_grain": "grain"}
    query = (
        rows.order_by()
        .values(*calendar, *kept, *keys)
        .annotate(**{f"total_{measure}": Sum(measure) for measure in measures}, **extra)
    )
    return query, renamed
