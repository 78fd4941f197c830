"""Building the chain-link roll-ups that count distinct customers (models.ChainLinks).

Per level, the days on which each customer had a revenue order (or a line of the
level's category or product) are chained in date order with LAG(): each link is
(day, previous day), and the links are counted per (day, previous day, level) in one
INSERT ... SELECT over a UNION ALL of the levels, so rows never travel through Python.
The month-precision links and the month rows are then sums of those rows.

An incremental refresh from `since` rebuilds the links of days from `since` on. A link
depends on the customer's earlier days, so the chains are rebuilt for the customers
with a revenue order from `since` on, over their whole history; only their links from
`since` on are kept (the earlier ones did not change).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from django.db import connections
from django.db.models import (
    CharField,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, TruncDate, TruncMonth

from ecomanalytics.periods import local_midnight, shop_tz
from ecomanalytics.store.models import Order, OrderItem

from .models import ALL, DIMENSIONS, CustomerLinks, ProductLinks

DAY, MONTH = "d", "m"
LINK_COLUMNS = (*DIMENSIONS, "category")


def _as_all(value: object = ALL) -> Value:
    return Value(value, output_field=CharField())


def _no_category() -> Cast:
    # Typed: PostgreSQL would read a bare NULL as text, and text does not UNION with
    # the category branch's integer ids.
    return Cast(Value(None), IntegerField())


def _order_levels(orders: QuerySet) -> list[QuerySet]:
    """(customer, day, level columns) of each revenue-order day, for every level."""
    day = TruncDate("placed_at", tzinfo=shop_tz())
    levels = {
        "all": {},
        "traffic_source": {"traffic_source": F("traffic_source")},
        "device": {"device": F("device")},
        "country": {"country": F("customer__country")},
    }
    branches = []
    for level in levels.values():
        columns = {name: _as_all() for name in DIMENSIONS} | level
        branches.append(
            orders.annotate(
                link_customer=F("customer_id"),
                link_day=day,
                link_category=_no_category(),
                **{f"link_{name}": value for name, value in columns.items()},
            ).values(*(f"link_{name}" for name in ("customer", "day", *LINK_COLUMNS)))
        )
    return branches


def _category_level(lines: QuerySet) -> QuerySet:
    return lines.annotate(
        link_customer=F("order__customer_id"),
        link_day=TruncDate("order__placed_at", tzinfo=shop_tz()),
        link_category=F("product__category_id"),
        **{f"link_{name}": _as_all() for name in DIMENSIONS},
    ).values(*(f"link_{name}" for name in ("customer", "day", *LINK_COLUMNS)))


def _product_levels(lines: QuerySet) -> list[QuerySet]:
    day = TruncDate("order__placed_at", tzinfo=shop_tz())
    levels = {
        "all": {},
        "traffic_source": {"traffic_source": F("order__traffic_source")},
        "device": {"device": F("order__device")},
        "country": {"country": F("order__customer__country")},
    }
    branches = []
    for level in levels.values():
        columns = {name: _as_all() for name in DIMENSIONS} | level
        branches.append(
            lines.annotate(
                link_customer=F("order__customer_id"),
                link_day=day,
                link_product=F("product_id"),
                **{f"link_{name}": value for name, value in columns.items()},
            ).values(
                *(
                    f"link_{name}"
                    for name in ("customer", "day", "product", *DIMENSIONS)
                )
            )
        )
    return branches


def _revenue_orders(since: date | None) -> QuerySet:
    orders = Order.objects.revenue().order_by()
    if since is not None:
        orders = orders.filter(
            Exists(
                Order.objects.revenue().filter(
                    customer_id=OuterRef("customer_id"),
                    placed_at__gte=local_midnight(since),
                )
            )
        )
    return orders


def _revenue_lines(since: date | None) -> QuerySet:
    lines = OrderItem.objects.revenue().order_by()
    if since is not None:
        lines = lines.filter(
            Exists(
                Order.objects.revenue().filter(
                    customer_id=OuterRef("order__customer_id"),
                    placed_at__gte=local_midnight(since),
                )
            )
        )
    return lines


def _insert_links(
    model: type[Model],
    branches: list[QuerySet],
    keys: tuple[str, ...],
    since: date | None,
    using: str,
) -> int:
    """Count the links of the branches' (customer, day, keys...) rows per level.

    Each distinct (customer, day, level) is one link; LAG over the customer's days of
    the level gives its previous day. First links (no previous day) are stored once,
    at month precision; the others at day precision (month precision is added later).
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    names = [f"link_{name}" for name in ("customer", "day", *keys)]
    selects, params = [], []
    for branch in branches:
        sql, branch_params = branch.distinct().query.get_compiler(using).as_sql()
        selects.append(
            f"SELECT {', '.join(map(quote, names))} FROM ({sql}) link_branch"
        )
        params.extend(branch_params)
    key_columns = ", ".join(quote(f"link_{name}") for name in keys)
    chained = (
        f"SELECT {quote('link_day')}, {key_columns}, "
        f"LAG({quote('link_day')}) OVER (PARTITION BY {quote('link_customer')}, "
        f"{key_columns} ORDER BY {quote('link_day')}) AS link_previous "
        f"FROM ({' UNION ALL '.join(selects)}) link_days"
    )
    kept = ""
    if since is not None:
        kept = "WHERE link_day >= %s"
        params.append(connection.ops.adapt_datefield_value(since))
    table = quote(model._meta.db_table)
    target_columns = [
        model._meta.get_field(name).column
        for name in ("grain", "day", "previous_grain", "previous", *keys, "links")
    ]
    statement = (
        f"INSERT INTO {table} ({', '.join(map(quote, target_columns))}) "
        f"SELECT '{DAY}', link_day, "
        f"CASE WHEN link_previous IS NULL THEN '{MONTH}' ELSE '{DAY}' END, "
        f"link_previous, {key_columns}, COUNT(*) "
        f"FROM ({chained}) links {kept} "
        f"GROUP BY link_day, link_previous, {key_columns}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def _month_precision(
    model: type[Model], keys: tuple[str, ...], since: date | None, using: str
) -> int:
    """The day rows' links again with their previous day's month instead of the day."""
    exact = model.objects.using(using).filter(grain=DAY, previous_grain=DAY)
    if since is not None:
        exact = exact.filter(day__gte=since)
    query = exact.values(
        "grain", "day", *keys, previous_month=TruncMonth("previous")
    ).annotate(total=Sum("links"), month_precision=Value(MONTH))
    return _insert_renamed(
        model,
        query,
        using,
        {
            "previous_month": "previous",
            "total": "links",
            "month_precision": "previous_grain",
        },
    )


def _month_rows(
    model: type[Model], keys: tuple[str, ...], since: date | None, using: str
) -> int:
    """Each month's links whose previous day is before the month (or none)."""
    day_rows = (
        model.objects.using(using)
        .order_by()
        .filter(grain=DAY)
        .annotate(link_month=TruncMonth("day"))
        .filter(Q(previous__isnull=True) | Q(previous__lt=F("link_month")))
    )
    if since is not None:
        day_rows = day_rows.filter(day__gte=since.replace(day=1))
    query = day_rows.values("link_month", "previous_grain", "previous", *keys).annotate(
        total=Sum("links"), month_grain=Value(MONTH)
    )
    return _insert_renamed(
        model,
        query,
        using,
        {"link_month": "day", "total": "links", "month_grain": "grain"},
    )


def _insert_renamed(
    model: type[Model], query: QuerySet, using: str, renamed: dict[str, str]
) -> int:
    from .refresh import _insert_select

    return _insert_select(model, query, using, renamed)


def _rebuild(
    model: type[Model],
    branches: Callable[[date | None], list[QuerySet]],
    keys: tuple[str, ...],
    since: date | None,
    using: str,
) -> int:
    stale = model.objects.using(using)
    if since is not None:
        stale = stale.filter(
            Q(grain=DAY, day__gte=since) | Q(grain=MONTH, day__gte=since.replace(day=1))
        )
    stale.delete()
    written = _insert_links(model, branches(since), keys, since, using)
    written += _month_precision(model, keys, since, using)
    return written + _month_rows(model, keys, since, using)


def chain_steps(
    since: date | None, using: str
) -> Iterator[tuple[str, Callable[[], int]]]:
    """The refresh steps of the link tables, for refresh.refresh_rollups."""

    def customer_branches(since: date | None) -> list[QuerySet]:
        return [
            *_order_levels(_revenue_orders(since)),
            _category_level(_revenue_lines(since)),
        ]

    def product_branches(since: date | None) -> list[QuerySet]:
        return _product_levels(_revenue_lines(since))

    yield (
        "CustomerLinks",
        lambda: _rebuild(CustomerLinks, customer_branches, LINK_COLUMNS, since, using),
    )
    yield (
        "ProductLinks",
        lambda: _rebuild(
            ProductLinks, product_branches, (*DIMENSIONS, "product"), since, using
        ),
    )
