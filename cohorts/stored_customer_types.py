"""New vs returning stored after each roll-up refresh, read in a few rows.

For no filter and each value of each single filter (source, device, country,
category of the acquisition), rollup.customer_type_totals runs once per day, week
and month over every CustomerDay row, and rollup.returning_counts once over all of
them; their rows are stored (cohorts.models.CustomerTypeSnapshot). The whole-shop
request groups every CustomerDay row with its customer's acquisition, about 0.6 s
at 100k orders on SQLite, and gives a few dozen rows.

A request of a stored level takes each bucket whose rows all lie in its window
from the stored cells: every bucket of a window covering the data, and with start
and end all but the one or two buckets the window cuts through, which are summed
from CustomerDay over the window's part of them as before. Its returning counts are
the stored ones when the window covers the data, else counted as before. Two
filters or more are computed as before.

The snapshot answers while the roll-ups are those it was computed from, as the RFM
snapshot (cohorts.stored_rfm).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connections
from django.db.models import Max, Min

from ecomanalytics.filters import MetricFilters, given
from ecomanalytics.money import SALES_TERMS, SalesTerms, money
from ecomanalytics.periods import Granularity, Window, buckets, cursor_date
from ecomanalytics.rollups.dimensions import single_filter
from ecomanalytics.rollups.models import CustomerDay
from ecomanalytics.rollups.status import current_refreshed_at

from . import rollup
from .models import CustomerTypeCell, CustomerTypeSnapshot
from .rows import CustomerTypeTotals, ReturningCounts
from .snapshots import WHOLE_SHOP, store_levels

GRANULARITIES: tuple[Granularity, ...] = ("day", "week", "month")
COUNTS = ""  # the granularity of a level's returning-counts row


def store_customer_types() -> CustomerTypeSnapshot | None:
    """Store every level's new vs returning rows in place of the previous snapshot
    (one transaction); None, and nothing stored, without roll-ups."""
    return store_levels(
        CustomerTypeSnapshot,
        _store_level,
        lambda: CustomerDay.objects.aggregate(
            first_day=Min("day"), last_day=Max("day")
        ),
    )


def _store_level(snapshot: CustomerTypeSnapshot, dimension: str, value: str) -> None:
    filters = rollup.level_filters(dimension, value)
    level = {"snapshot": snapshot, "dimension": dimension, "value": value}
    if snapshot.first_day is None or snapshot.last_day is None:
        counts = ReturningCounts(0, 0)
        cells = []
    else:
        data = Window(snapshot.first_day, snapshot.last_day)
        counts = rollup.returning_counts(filters=filters, window=data)
        cells = [
            CustomerTypeCell(
                **level,
                granularity=granularity,
                bucket=row.bucket,
                new=row.new,
                customers=row.customers,
                orders=row.orders,
                **{term: getattr(row.terms, term) for term in SALES_TERMS},
            )
            for granularity in GRANULARITIES
            for row in rollup.customer_type_totals(
                filters=filters, window=data, granularity=granularity
            )
        ]
    totals = CustomerTypeCell(
        **level,
        granularity=COUNTS,
        customers=counts.customers,
        repeat_customers=counts.repeat_customers,
    )
    CustomerTypeCell.objects.bulk_create([totals, *cells], batch_size=2000)


def store_after_refresh(**kwargs: Any) -> None:
    """The receiver of rollups_committed (cohorts.apps)."""
    del kwargs  # every level is stored again whatever the refresh touched
    store_customer_types()


def stored_customer_types(
    filters: MetricFilters, *, window: Window, granularity: Granularity
) -> tuple[list[CustomerTypeTotals], ReturningCounts] | None:
    """rollup.customer_type_totals and returning_counts of this window, from the
    stored cells where they apply; None when no level applies (two filters, a
    value no level holds, or other roll-ups)."""
    if not single_filter(filters):
        return None
    snapshot = (
        CustomerTypeSnapshot.objects.filter(rollups_refreshed_at=current_refreshed_at())
        .values_list("pk", "first_day", "last_day")
        .first()
    )
    if snapshot is None:
        return None
    snapshot_id, first_day, last_day = snapshot
    dimension, value = next(iter(given(filters).items()), WHOLE_SHOP)
    stored = _stored_level(
        CustomerTypeCell.objects.filter(
            snapshot_id=snapshot_id,
            dimension=dimension,
            value=value,
            granularity__in=(COUNTS, granularity),
        )
    )
    if stored is None:
        return None  # a value no customer was acquired with: not a level
    stored_counts, cells = stored
    if first_day is None or last_day is None:
        # No customer rows at all: the window's stored buckets are its answer.
        in_window = {first for first, _ in buckets(window, granularity)}
        return [cell for cell in cells if cell.bucket in in_window], stored_counts
    data = Window(first_day, last_day)
    stored_buckets, cut = _split(window, granularity, data)
    rows = [cell for cell in cells if cell.bucket in stored_buckets]
    for part in cut:
        rows += rollup.customer_type_totals(
            filters=filters, window=part, granularity=granularity
        )
    if data.start >= window.start and data.end <= window.end:
        return rows, stored_counts
    return rows, rollup.returning_counts(filters=filters, window=window)


def _split(
    window: Window, granularity: Granularity, data: Window
) -> tuple[set[date], list[Window]]:
    """The window's buckets whose data rows (days of `data`) all lie in it (their
    first days), and the window's part of each other bucket."""
    stored: set[date] = set()
    cut: list[Window] = []
    for first, last in buckets(window, granularity):
        rows_from, rows_to = max(first, data.start), min(last, data.end)
        if rows_from > rows_to or (rows_from >= window.start and rows_to <= window.end):
            stored.add(first)  # no rows, or all of them in the window
        else:
            cut.append(Window(max(first, window.start), min(last, window.end)))
    return stored, cut


def _stored_level(
    cells: Any,
) -> tuple[ReturningCounts, list[CustomerTypeTotals]] | None:
    """The level's returning counts and its cells of one granularity, in one query;
    None without the counts row (no such level)."""
    sql, params = cells.values_list(
        "granularity",
        "bucket",
        "new",
        "customers",
        "repeat_customers",
        "orders",
        *SALES_TERMS,
    ).query.sql_with_params()
    # A raw cursor, as stored_ltv: the ORM's Decimal converters cost more than the
    # query for a day granularity's rows.
    with connections[cells.db].cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    counts = None
    rows = []
    for granularity, bucket, new, customers, repeats, orders, *terms in fetched:
        if granularity == COUNTS:
            counts = ReturningCounts(customers, repeats or 0)
            continue
        rows.append(
            CustomerTypeTotals(
                bucket=cursor_date(bucket),
                new=bool(new),
                customers=customers,
                terms=SalesTerms(*(money(t) for t in terms)),
                orders=orders,
            )
        )
    return None if counts is None else (counts, rows)
