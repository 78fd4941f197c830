"""Building the roll-up tables from the shop's raw tables, fully or from a day on.

refresh_rollups(since=None) is what the refresh_rollups command, the generator, the
importers and admin edits call. For each table it deletes the rows of the local days
from `since` on (all rows without since) and rebuilds them with one INSERT ... SELECT
grouped query compiled from the ORM: rows never travel through Python. The sales
facts put an order's terms on the day it was placed and a refund's returns on the day
it was given (with the order's dimensions and status): the orders placed and the
refunds given from `since` on, one UNION ALL added up per key. It all happens
in one transaction, so readers see either the old roll-ups or the new ones. Afterwards
RollupState records the time, the shop's time zone and the raw tables' highest ids,
and the data version is bumped so cached responses are retired.

Customers' cohort rows depend on all of a customer's orders, not on one day: an
incremental refresh rebuilds the customers who signed up or ordered from `since` on,
or whose last order (as last rolled up) was from `since` on (a deleted or moved order).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from ecomanalytics.money import SALES_TERMS
from ecomanalytics.periods import local_midnight
from ecomanalytics.sales import (
    LINE_TERMS,
    ORDER_TERMS,
    RETURNED_UNITS,
    RETURNS,
    added_up,
    term_sums,
)
from ecomanalytics.store.columns import column_name
from ecomanalytics.store.data_version import bump_data_version
from ecomanalytics.store.models import (
    Category,
    Customer,
    Order,
    OrderItem,
    Product,
    Refund,
    RefundLine,
    SessionEvent,
    WebSession,
)
from ecomanalytics.store.progress import progress as progress_of

from .basket_facts import basket_steps
from .calendar_columns import CALENDAR, _calendar, _day_first, _local_month
from .chains import chain_steps
from .cohort_cells import cohort_cell_steps, note_cell_deltas, start_cell_deltas
from .customer_days import customer_day_steps
from .customer_funnel_facts import customer_funnel_steps
from .dimensions import DAY, MONTH
from .discount_facts import discount_steps
from .funnel_facts import (
    FUNNEL_MEASURES,
    SESSION_DAY_NAMES,
    funnel_days,
    session_days,
)
from .hooks import announce_refresh
from .inserts import insert_select
from .local_time import LocalDate
from .models import (
    ALL,
    DIMENSIONS,
    LINE_SALES_TERMS,
    AcquisitionCategory,
    ActiveMonth,
    CategoryDay,
    CustomerCohort,
    FunnelDay,
    OrderDay,
    ProductDay,
    SessionDay,
)
from .product_funnel_facts import product_funnel_steps
from .state import (
    baked_settings,
    built_settings_of,
    catch_up,
    record_state,
    settle_pending,
)
from .status import forget_status
from .ttc_facts import time_to_convert_steps

SHOP_TABLE_MODELS = (
    Customer,
    Category,
    Product,
    Order,
    OrderItem,
    Refund,
    RefundLine,
    WebSession,
    SessionEvent,
)


@dataclass(frozen=True, slots=True)
class RefreshReport:
    since: date | None
    rows: dict[str, int]  # rows written per roll-up table
    seconds: float
    # Seconds per step, in the order they ran (a step is named after its table).
    step_seconds: dict[str, float] = field(default_factory=dict)


def _order_days(since: date | None) -> QuerySet:
    """The orders placed, their lines' units and the refunds given per local day,
    dimensions and status (the order's), one UNION ALL (rows added up per key on
    insert)."""
    orders = Order.objects.order_by()
    lines = OrderItem.objects.order_by()
    refunds = Refund.objects.order_by()
    if since is not None:
        orders = orders.filter(placed_at__gte=local_midnight(since))
        lines = lines.filter(order__placed_at__gte=local_midnight(since))
        refunds = refunds.filter(refunded_at__gte=local_midnight(since))
    keys = (*CALENDAR, *DIMENSIONS, "status")
    placed = orders.annotate(
        **_calendar("placed_at"), country=F("customer__country")
    ).values(*keys)
    sold = lines.annotate(
        **_calendar("order__placed_at"),
        **_dimension_columns("order__", ()),
        status=F("order__status"),
    ).values(*keys)
    refunded = refunds.annotate(
        **_calendar("refunded_at"),
        **_dimension_columns("order__", ()),
        status=F("order__status"),
    ).values(*keys)
    return added_up(
        [
            (placed, {"orders": Count("id"), **term_sums(ORDER_TERMS)}),
            (sold, {"units": Sum("quantity")}),
            (refunded, {"returns": Sum(RETURNS)}),
        ],
        each=_day_first,
    )


def _dimension_columns(path: str, collapsed: tuple[str, ...]) -> dict[str, object]:
    """The dimensions of an order line or a refund (its order's source and device,
    its customer's country), each collapsed one as the constant ALL."""
    sources = {
        "traffic_source": f"{path}traffic_source",
        "device": f"{path}device",
        "country": f"{path}customer__country",
    }
    return {
        dimension: Value(ALL) if dimension in collapsed else F(source)
        for dimension, source in sources.items()
    }


def _line_days(
    since: date | None,
    collapsed: tuple[str, ...],
    *,
    keys: tuple[str, ...],
    sold_keys: dict[str, object],
    returned_keys: dict[str, object],
    revenue_only: bool,
    sold_sums: dict[str, object],
) -> QuerySet:
    """The lines sold per local day of their order and the refund lines per local
    day of their refund, grouped by the dimensions and `keys`."""
    lines = OrderItem.objects.order_by()
    refund_lines = RefundLine.objects.order_by()
    if revenue_only:
        lines = lines.revenue()
        refund_lines = refund_lines.filter(
            refund__order__status__in=settings.REVENUE_STATUSES
        )
    if since is not None:
        lines = lines.filter(order__placed_at__gte=local_midnight(since))
        refund_lines = refund_lines.filter(
            refund__refunded_at__gte=local_midnight(since)
        )
    columns = (*CALENDAR, *DIMENSIONS, *keys)
    sold = lines.annotate(
        **_calendar("order__placed_at"),
        **_dimension_columns("order__", collapsed),
        **sold_keys,
    ).values(*columns)
    returned = refund_lines.annotate(
        **_calendar("refund__refunded_at"),
        **_dimension_columns("refund__order__", collapsed),
        **returned_keys,
    ).values(*columns)
    return added_up(
        [
            (sold, {**sold_sums, "units": Sum("quantity"), **term_sums(LINE_TERMS)}),
            (
                returned,
                {"returns": Sum(RETURNS), "returned_units": Sum(RETURNED_UNITS)},
            ),
        ],
        each=_day_first,
    )


def _category_days(since: date | None, collapsed: tuple[str, ...] = ()) -> QuerySet:
    return _line_days(
        since,
        collapsed,
        keys=("category", "status"),
        sold_keys={"category": F("product__category_id"), "status": F("order__status")},
        returned_keys={
            "category": F("item__product__category_id"),
            "status": F("refund__order__status"),
        },
        revenue_only=False,
        sold_sums={"orders": Count("order_id", distinct=True)},
    )


def _product_days(since: date | None, collapsed: tuple[str, ...] = ()) -> QuerySet:
    return _line_days(
        since,
        collapsed,
        keys=("product_id",),
        sold_keys={},
        returned_keys={"product_id": F("item__product_id")},
        revenue_only=True,
        sold_sums={},
    )


def _first_revenue_order() -> QuerySet:
    return (
        Order.objects.revenue()
        .filter(customer_id=OuterRef("pk"))
        .order_by("placed_at", "pk")[:1]
    )


def _customer_cohorts(stamp: int) -> QuerySet:
    """Customers without a cohort row yet (all of them after the deletes), one row each."""
    first = _first_revenue_order()
    revenue_orders = (
        Order.objects.revenue()
        .filter(customer_id=OuterRef("pk"))
        .order_by()
        .values("customer_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    last_order = (
        Order.objects.filter(customer_id=OuterRef("pk"))
        .order_by("-placed_at")
        .values("placed_at")[:1]
    )
    return (
        Customer.objects.order_by()
        .filter(~Exists(CustomerCohort.objects.filter(customer_id=OuterRef("pk"))))
        .annotate(
            acquisition_order_id=Subquery(first.values("pk")),
            acquisition_source=Coalesce(
                Subquery(first.values("traffic_source")), Value("")
            ),
            acquisition_device=Coalesce(Subquery(first.values("device")), Value("")),
            revenue_orders=Coalesce(
                Subquery(revenue_orders, output_field=IntegerField()), 0
            ),
            last_order_at=Subquery(last_order),
            customer_id=F("pk"),
            signup_day=LocalDate("signed_up_at"),
            signup_month=_local_month("signed_up_at"),
            # Computed inside the subqueries, on the first order's column: outside
            # they would repeat the subquery in each branch of the local-day SQL.
            acquired_day=Subquery(
                first.annotate(local_day=LocalDate("placed_at")).values("local_day")
            ),
            acquisition_month=Subquery(
                first.annotate(local_month=_local_month("placed_at")).values(
                    "local_month"
                )
            ),
            stamp=Value(stamp),
        )
        .values(
            "customer_id",
            "country",
            "signup_day",
            "signup_month",
            "acquisition_order_id",
            "acquired_day",
            "acquisition_month",
            "acquisition_source",
            "acquisition_device",
            "revenue_orders",
            "last_order_at",
            "stamp",
        )
    )


def _acquisition_categories(stamp: int) -> QuerySet:
    return (
        OrderItem.objects.order_by()
        .filter(
            order_id__in=CustomerCohort.objects.filter(stamp=stamp).values(
                "acquisition_order_id"
            )
        )
        .annotate(member=F("order__customer_id"), category=F("product__category_id"))
        .values("member", "category")
        .distinct()
    )


def _active_months(stamp: int) -> QuerySet:
    return (
        Order.objects.revenue()
        .order_by()
        .filter(
            customer_id__in=CustomerCohort.objects.filter(stamp=stamp).values(
                "customer_id"
            )
        )
        .annotate(member=F("customer_id"), month=_local_month("placed_at"))
        .values("member", "month")
        .distinct()
    )


# Per day table: its grouping columns besides the calendar and the dimensions, and
# its additive measures.
KEYS_AND_MEASURES: dict[type[Model], tuple[tuple[str, ...], tuple[str, ...]]] = {
    OrderDay: (("status",), ("orders", "units", *SALES_TERMS)),
    CategoryDay: (
        ("category_id", "status"),
        ("orders", "units", *LINE_SALES_TERMS, "returned_units"),
    ),
    ProductDay: (("product_id",), ("units", *LINE_SALES_TERMS, "returned_units")),
    SessionDay: (
        (),
        (
            "sessions",
            "converted",
            "product_view",
            "add_to_cart",
            "begin_checkout",
            "purchase",
        ),
    ),
    FunnelDay: (("funnel_step",), FUNNEL_MEASURES),
}

# The tables that keep only no filter and each single dimension (source, device or
# country), the levels the distinct-count tables keep too: their rows of every
# combination were 7.6M of the 12.7M roll-up rows at 1M orders, and half the refresh.
# With two of those filters their metrics read the raw tables
# (dimensions.one_dimension_facts_cover).
ONE_DIMENSION_TABLES: tuple[type[Model], ...] = (CategoryDay, ProductDay)
# The tables with sales terms: sales on the order's day, returns on the refund's.
SALES_TABLES: tuple[type[Model], ...] = (OrderDay, CategoryDay, ProductDay, FunnelDay)

Level = tuple[tuple[str, ...], tuple[str, ...]]  # (collapsed dimensions, keys)


def _all_but(dimension: str) -> tuple[str, ...]:
    return tuple(other for other in DIMENSIONS if other != dimension)


def _stored_levels(model: type[Model]) -> list[tuple[Level, Level | None]]:
    """Each level a day table keeps, with the level its rows are summed from (None:
    grouped from the raw rows); every level comes after the one it is summed from.

    Sums of sums over the finer level's few rows are cheaper than another pass over
    the raw rows. The category table's all-categories levels (category NULL) are the
    per-category rows of the same level summed, without `orders` (an order with lines
    in two categories would count twice).
    """
    keys, _ = KEYS_AND_MEASURES[model]
    levels: list[tuple[Level, Level | None]]
    if model in ONE_DIMENSION_TABLES:
        levels = [((_all_but(kept), keys), None) for kept in DIMENSIONS]
        # Summed from the device rows: the dimension with the fewest values.
        levels.append(((DIMENSIONS, keys), (_all_but("device"), keys)))
    else:
        levels = [(((), keys), None)]
        for size in range(1, len(DIMENSIONS) + 1):
            for collapsed in combinations(DIMENSIONS, size):
                levels.append(((collapsed, keys), (collapsed[:-1], keys)))
    if model is CategoryDay:
        levels += [
            ((collapsed, ("status",)), (collapsed, keys))
            for (collapsed, _), _ in list(levels)
        ]
    return levels


def _level_rows(model: type[Model], rows: QuerySet, level: Level) -> QuerySet:
    """The rows of one level: its collapsed dimensions ALL, the others not."""
    collapsed, level_keys = level
    for dimension in DIMENSIONS:
        if dimension in collapsed:
            rows = rows.filter(**{dimension: ALL})
        else:
            rows = rows.exclude(**{dimension: ALL})
    if model is CategoryDay:
        rows = rows.filter(category__isnull="category_id" not in level_keys)
    return rows


def _summed(
    model: type[Model], rows: QuerySet, level: Level, *, months: bool
) -> tuple[QuerySet, dict[str, str]]:
    """A finer level's rows summed to `level`, as day rows or as month rows; with the
    renaming insert_select needs."""
    _, measures = KEYS_AND_MEASURES[model]
    collapsed, level_keys = level
    kept = [dimension for dimension in DIMENSIONS if dimension not in collapsed]
    level_measures = [
        measure
        for measure in measures
        if not (model is CategoryDay and "category_id" not in level_keys)
        or measure != "orders"
    ]
    calendar = ("month",) if months else CALENDAR
    extra: dict[str, object] = {
        f"all_{dimension}": Value(ALL) for dimension in collapsed
    }
    renamed = {f"total_{measure}": measure for measure in level_measures} | {
        f"all_{dimension}": dimension for dimension in collapsed
    }
    if months:
        extra |= {"first_day": F("month"), "month_grain": Value(MONTH)}
        renamed |= {"first_day": "day", "month_grain": "grain"}
    query = rows.values(*calendar, *kept, *level_keys).annotate(
        **{f"total_{measure}": Sum(measure) for measure in level_measures}, **extra
    )
    return query, renamed


def _rebuild_day_table(
    model: type[Model],
    raw_rows: Callable[..., QuerySet],
    since: date | None,
    using: str,
) -> int:
    """Delete a day table's rows from `since` on and write them again, level by level:
    first the day rows, then the month rows (from since's month on, so from the whole
    month's day rows).

    Each INSERT appends one range of primary keys, so a level's rows are read back as
    that range (a range scan, not a scan of the growing table).
    """
    table = model._default_manager.using(using).order_by()
    stale = table
    if since is not None:
        stale = stale.filter(
            Q(grain=DAY, day__gte=since) | Q(grain=MONTH, day__gte=since.replace(day=1))
        )
    stale.delete()
    levels = _stored_levels(model)
    _, measures = KEYS_AND_MEASURES[model]
    written = 0
    for months in (False, True):
        written_pks: dict[Level, tuple[int, int]] = {}
        for level, source in levels:
            renamed: dict[str, str] | None = None
            if source is not None:
                after, last = written_pks[source]
                rows = table.filter(pk__gt=after, pk__lte=last)
                query, renamed = _summed(model, rows, level, months=months)
            elif not months:
                collapsed, _ = level
                query = (
                    raw_rows(since, collapsed)
                    if model in ONE_DIMENSION_TABLES
                    else raw_rows(since)
                )
                renamed = RAW_RENAMED.get(model)
            else:
                rows = _level_rows(model, table.filter(grain=DAY), level)
                if since is not None:
                    rows = rows.filter(month__gte=since.replace(day=1))
                query, renamed = _summed(model, rows, level, months=True)
            after = _last_pk(table)
            # Sales tables' raw rows are a UNION ALL of sales and refunds: one row
            # per key.
            raw = source is None and not months
            summed = measures if raw and model in SALES_TABLES else ()
            written += insert_select(model, query, using, renamed, summed=summed)
            written_pks[level] = (after, _last_pk(table))
    return written


# pg_advisory_lock's key for "a refresh is running" (any bigint no one else uses).
REFRESH_LOCK_KEY = 0x726F6C6C757073  # "rollups"


@contextmanager
def _one_refresh_at_a_time(using: str) -> Iterator[None]:
    """On PostgreSQL, a refresh waits for one already running to commit.

    Two refreshes at once (two imports' in a row) would otherwise delete and insert
    the same day rows, and the snapshot of _one_snapshot would make the second fail
    on the first's rows. Taken outside the refresh transaction, so that the waiting
    one's snapshot starts after the first has committed. SQLite has one writer anyway.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [REFRESH_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK_KEY])


def _one_snapshot(using: str) -> None:
    """Every statement of the refresh reads the raw tables as of one moment.

    Under PostgreSQL's default READ COMMITTED each INSERT ... SELECT would see the
    rows committed before it started: a load committing midway would reach the
    order facts and not the category facts, and the fingerprint recorded last would
    claim rows that half the tables never read. REPEATABLE READ gives one snapshot;
    rows committed meanwhile stay beyond the fingerprint and pending for their own
    refresh. SQLite's write transaction holds the one write lock, so no load commits
    during it. Must be the transaction's first statement.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def _tune_refresh_transaction(using: str) -> None:
    """PostgreSQL settings for the rest of the refresh transaction.

    - No JIT: the refresh runs dozens of INSERT ... SELECT statements whose estimated
      cost is above jit_above_cost, and compiling each took 0.1-0.2 s, as long as
      many of them run (a full refresh of 100k orders: 38 s instead of 42 s).
    - Parallel workers back on (the web's connections start none, settings.py): the
      refresh's scans of millions of rows are what they are for.
    """
    connection = connections[using]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        workers = min(4, os.cpu_count() or 2)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = {workers}")


def _last_pk(table: QuerySet) -> int:
    return table.aggregate(last=Max("pk"))["last"] or 0


DAY_TABLES: tuple[tuple[type[Model], Callable[..., QuerySet]], ...] = (
    (OrderDay, _order_days),
    (CategoryDay, _category_days),
    (ProductDay, _product_days),
    # After the funnel facts: the session facts are summed from their rows.
    (FunnelDay, funnel_days),
    (SessionDay, session_days),
)
# The raw rows' columns named otherwise than the table's, per table.
RAW_RENAMED: dict[type[Model], dict[str, str]] = {SessionDay: SESSION_DAY_NAMES}


STALE_MEMBERS = "ecomanalytics_stale_members"


@contextmanager
def _stale_members(since_at: datetime, using: str) -> Iterator[RawSQL]:
    """The customers whose cohort rows an incremental refresh rebuilds, as a subquery
    over a temporary table that lives as long as the block.

    They are those with an order placed since, those who signed up since, those whose
    last order (as last rolled up) was since (an order deleted or moved), and cohort
    rows whose customer is gone. Each set is one index range or one join, found once:
    asked per cohort row with EXISTS, and again by each of the three deletes, the
    question cost 199 s of an 8-day refresh at 10M orders.
    """
    queries = (
        Order.objects.filter(placed_at__gte=since_at).values("customer_id"),
        Customer.objects.filter(signed_up_at__gte=since_at).values("pk"),
        CustomerCohort.objects.filter(last_order_at__gte=since_at).values(
            "customer_id"
        ),
        CustomerCohort.objects.filter(
            ~Exists(Customer.objects.filter(pk=OuterRef("customer_id")))
        ).values("customer_id"),
    )
    parts, params = [], []
    for query in queries:
        sql, query_params = query.order_by().query.get_compiler(using).as_sql()
        parts.append(sql)
        params.extend(query_params)
    connection = connections[using]
    table = connection.ops.quote_name(STALE_MEMBERS)
    with connection.cursor() as cursor:
        # A refresh that failed on this connection may have left it behind.
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} AS {' UNION '.join(parts)}", params
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")
    try:
        yield RawSQL(f"SELECT customer_id FROM {table}", [])
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _quoted(column: str, using: str) -> str:
    return connections[using].ops.quote_name(column_name(CustomerCohort, column))


def _member_of(stale_ids: RawSQL, using: str) -> str:
    """SQL on a cohort row `c`: its customer is one of `stale_ids`."""
    sql, params = stale_ids.sql, stale_ids.params
    assert not params  # a temporary table's name, no parameters
    return f"c.{_quoted('customer', using)} IN ({sql})"


def _steps(since: date | None, using: str) -> Iterator[tuple[str, Callable[[], int]]]:
    for model, rows in DAY_TABLES:

        def rebuild(
            model: type[Model] = model, rows: Callable[..., QuerySet] = rows
        ) -> int:
            return _rebuild_day_table(model, rows, since, using)

        yield model.__name__, rebuild

    def rebuild_customers() -> int:
        stamp = (
            CustomerCohort.objects.using(using).aggregate(m=Max("stamp"))["m"] or 0
        ) + 1
        members = CustomerCohort.objects.using(using)
        if since is not None:
            with _stale_members(local_midnight(since), using) as stale_ids:
                # Their cells move by what their rows count now minus what they
                # counted: the CohortCell step patches the cells (cohort_cells.py).
                start_cell_deltas(using)
                note_cell_deltas(using, members=_member_of(stale_ids, using), sign=-1)
                for rows in (
                    AcquisitionCategory.objects.using(using),
                    ActiveMonth.objects.using(using),
                ):
                    rows.filter(member_id__in=stale_ids).delete()
                members.filter(customer_id__in=stale_ids).delete()
        else:
            AcquisitionCategory.objects.using(using).delete()
            ActiveMonth.objects.using(using).delete()
            members.delete()
        written = insert_select(CustomerCohort, _customer_cohorts(stamp), using)
        insert_select(AcquisitionCategory, _acquisition_categories(stamp), using)
        insert_select(ActiveMonth, _active_months(stamp), using)
        if since is not None:
            note_cell_deltas(
                using, members=f"c.{_quoted('stamp', using)} = {stamp}", sign=1
            )
        return written

    yield "CustomerCohort", rebuild_customers
    yield from chain_steps(since, using)
    yield from cohort_cell_steps(since, using)
    yield from discount_steps(since, using)
    yield from customer_day_steps(since, using)
    yield from product_funnel_steps(since, using)
    yield from basket_steps(since, using)
    yield from time_to_convert_steps(since, using)
    yield from customer_funnel_steps(since, using)


def refresh_rollups(
    *, since: date | None = None, progress: bool = False, using: str = "default"
) -> RefreshReport:
    """Rebuild the roll-ups for the local days from `since` on (everything when None).

    One transaction; one INSERT ... SELECT per table. Records the refresh in
    RollupState and bumps the data version.
    """
    started = time.perf_counter()
    started_at = timezone.now()
    rows: dict[str, int] = {}
    step_seconds: dict[str, float] = {}
    since = catch_up(since, using)  # an import stopped before its refresh ended
    _analyze_shop_tables(using)
    steps = list(_steps(since, using))
    outermost = not connections[using].in_atomic_block
    with (
        _one_refresh_at_a_time(using),
        transaction.atomic(using=using),
        progress_of(
            total=len(steps),
            unit="tables",
            description="Refreshing roll-ups",
            enabled=progress,
        ) as bar,
    ):
        if outermost:
            _one_snapshot(using)
        _tune_refresh_transaction(using)
        if since is None or built_settings_of(using) != baked_settings():
            # Rows built under another time zone or other revenue statuses cannot
            # be patched day by day.
            since = None
            steps = list(_steps(None, using))
        for name, rebuild in steps:
            bar.set_description(name)
            step_started = time.perf_counter()
            rows[name] = rebuild()
            step_seconds[name] = time.perf_counter() - step_started
            bar.update()
        record_state(using)
    settle_pending(using, started_at)
    _analyze_rollup_tables(using)
    forget_status()
    bump_data_version()
    report = RefreshReport(
        since=since,
        rows=rows,
        seconds=time.perf_counter() - started,
        step_seconds=step_seconds,
    )
    announce_refresh(since=since, using=using, progress=progress)
    return report


def _analyze_shop_tables(using: str) -> None:
    """Fresh planner statistics for the shop's tables on PostgreSQL.

    Right after a bulk load autovacuum has not analyzed the tables yet, and without
    statistics the planner walks the status index for every customer's first order:
    the cohort rows of a 65,000-customer shop took over 4 minutes instead of seconds.
    ANALYZE samples a fixed number of rows, so it costs about a second at any size.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in SHOP_TABLE_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(map(connection.ops.quote_name, tables)))


def _analyze_rollup_tables(using: str) -> None:
    """Planner statistics for the freshly written roll-up tables, on both databases;
    on PostgreSQL outside a transaction, a VACUUM as well.

    Without statistics SQLite reads a window's month rows and edge days (an OR of
    three ranges) by scanning the whole grouping level: 18 ms instead of 2.6 ms for
    the product facts of a 100,000-order shop. analysis_limit keeps SQLite's ANALYZE
    to a sample, as PostgreSQL's is.

    The VACUUM marks the new pages all-visible: otherwise autovacuum comes for the
    millions of inserted rows a minute later and reads them while the dashboards do
    (at 1M orders it took about 80 s, throttled, during the benchmark's requests),
    and index-only scans stay off until it has. VACUUM cannot run in a transaction
    block, so a refresh inside one (an admin edit's) leaves it to autovacuum.
    """
    connection = connections[using]
    tables = [
        connection.ops.quote_name(model._meta.db_table)
        for model in apps.get_app_config("rollups").get_models()
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
        elif connection.in_atomic_block:
            cursor.execute("ANALYZE " + ", ".join(tables))
        else:
            cursor.execute("VACUUM (ANALYZE) " + ", ".join(tables))
