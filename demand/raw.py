"""Demand queries on the raw tables; they return the rows of demand.rows.

Sales terms are the lines' (the orders' for monthly revenue without a category), of
revenue orders placed in the period; returns are the refund lines' (the refunds'),
given in the period. Each query is one statement: the sales side and the refund side
grouped alike and added up (ecomanalytics.sales.added_up).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DateField,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek

from ecomanalytics.filters import MetricFilters, Table, filter_rows
from ecomanalytics.money import MONEY_SUM, SALES_TERMS, ZERO_MONEY, SalesTerms, money
from ecomanalytics.periods import Window, add_months, shop_tz
from ecomanalytics.sales import (
    SalesRows,
    added_up,
    line_rows,
    sales_rows,
    summed_per_key,
)
from ecomanalytics.store.models import OrderItem, Product, SessionEvent, WebSession

from .rows import (
    BasketProduct,
    Baskets,
    CategoryMonthTerms,
    MonthTerms,
    PairCount,
    PeriodTerms,
    ProductSales,
    ProductSessions,
    ProductTerms,
    ReturnsRow,
)


class _OncePerGroup(Func):
    """An expression of the grouped columns only (a subquery correlated on them), left
    out of the GROUP BY: grouped by it, the database would run it for every row
    instead of once per group."""

    template = "%(expressions)s"
    arity = 1

    def get_group_by_cols(self) -> list[Any]:
        return []


def window_and_month_before(
    *, filters: MetricFilters, window: Window, month_before: date
) -> list[MonthTerms]:
    """Sales terms per month of the window's days and of the whole month before it."""
    month = Window(month_before, add_months(month_before, 1) - timedelta(days=1))
    return _month_terms(sales_rows(filters), [window, month])


def whole_months(
    *, filters: MetricFilters, first: date, last: date
) -> list[MonthTerms]:
    """Sales terms of the calendar months first..last (their first days)."""
    months = Window(first, add_months(last, 1) - timedelta(days=1))
    return _month_terms(sales_rows(filters), [months])


def _month_terms(table: SalesRows, windows: list[Window]) -> list[MonthTerms]:
    placed = table.placed_in(windows[0])
    refunded = table.refunded_in(windows[0])
    for window in windows[1:]:
        placed |= table.placed_in(window)
        refunded |= table.refunded_in(window)
    sold = table.revenue_sales().filter(placed).values(month=_month(table.placed_at()))
    given_back = (
        table.revenue_refunds().filter(refunded).values(month=_month(table.refunded_at))
    )
    rows = added_up([(sold, table.term_sums()), (given_back, table.return_sums())])
    sums = summed_per_key(rows, lambda row: _as_date(row["month"]), SALES_TERMS)
    return [MonthTerms(month, SalesTerms.of(row)) for month, row in sums.items()]


def best_sellers(
    *, filters: MetricFilters, window: Window, limit: int
) -> list[ProductTerms]:
    """The `limit` products with the most units sold (then sku), with their terms.

    Their returns are a correlated subquery per listed product: one index range of
    the refund lines each, inside the same statement.
    """
    table = line_rows(filters)
    returns = (
        table.revenue_refunds()
        .filter(table.refunded_in(window), item__product_id=OuterRef("product_id"))
        .values("item__product_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    rows = (
        table.revenue_sales()
        .filter(table.placed_in(window))
        .values("product_id")
        .annotate(
            sku=F("product__sku"),
            name=F("product__name"),
            category=F("product__category__name"),
            units=Sum("quantity"),
            **table.term_sums(),
            returns=_OncePerGroup(
                Coalesce(Subquery(returns, output_field=MONEY_SUM), ZERO_MONEY)
            ),
            buyers=Count("order__customer_id", distinct=True),
        )
        .filter(units__gt=0)
        .order_by("-units", "sku")[:limit]
    )
    return [
        ProductTerms(
            sku=row["sku"],
            name=row["name"],
            category=row["category"],
            units=row["units"],
            terms=SalesTerms.of(row),
            buyers=row["buyers"],
        )
        for row in rows
    ]


PRODUCT_KEYS = {
    "product_key": "product_id",
    "sku": "product__sku",
    "name": "product__name",
    "category": "product__category__name",
}


def product_sales(*, filters: MetricFilters, window: Window) -> list[ProductSales]:
    """Units and sales terms of every product with lines sold or refund lines given
    in the window: the lines' side and the refund lines' side in one statement."""
    table = line_rows(filters)
    sold = (
        table.revenue_sales()
        .filter(table.placed_in(window))
        .values(**{key: F(path) for key, path in PRODUCT_KEYS.items()})
    )
    given_back = (
        table.revenue_refunds()
        .filter(table.refunded_in(window))
        .values(**{key: F(f"item__{path}") for key, path in PRODUCT_KEYS.items()})
    )
    rows = added_up(
        [
            (sold, {"units": Sum("quantity"), **table.term_sums()}),
            (given_back, table.return_sums()),
        ]
    )
    sums = summed_per_key(rows, lambda row: row["product_key"], ("units", *SALES_TERMS))
    return [
        ProductSales(
            sku=row["sku"],
            name=row["name"],
            category=row["category"],
            units=row["units"],
            terms=SalesTerms.of(row),
        )
        for row in sums.values()
    ]


def category_months(
    *, filters: MetricFilters, window: Window
) -> list[CategoryMonthTerms]:
    """Units and terms per (month, category) with lines sold or refund lines given."""
    table = line_rows(filters)
    sold = (
        table.revenue_sales()
        .filter(table.placed_in(window))
        .values(month=_month("order__placed_at"), category=F("product__category__name"))
    )
    given_back = (
        table.revenue_refunds()
        .filter(table.refunded_in(window))
        .values(
            month=_month("refund__refunded_at"),
            category=F("item__product__category__name"),
        )
    )
    rows = added_up(
        [
            (sold, {"units": Sum("quantity"), **table.term_sums()}),
            (given_back, table.return_sums()),
        ]
    )
    sums = summed_per_key(
        rows,
        lambda row: (_as_date(row["month"]), row["category"]),
        ("units", *SALES_TERMS),
    )
    return [
        CategoryMonthTerms(
            month=month, category=category, units=row["units"], terms=SalesTerms.of(row)
        )
        for (month, category), row in sorted(sums.items())
    ]


RETURNS_MEASURES = ("units_sold", "gross_sales", "units_returned", "returned_value")
# The keys of a returns row, on a line and on a refund line.
RETURNS_KEYS = {
    "category": {"category": "product__category__name"},
    "product": {
        "product_key": "product_id",
        "sku": "product__sku",
        "name": "product__name",
        "category": "product__category__name",
    },
}


def returns(*, filters: MetricFilters, window: Window, by: str) -> list[ReturnsRow]:
    """Units and gross sales of the lines sold in the window and units and amounts of
    the refund lines given in it, per category or product with either."""
    table = line_rows(filters)
    keys = RETURNS_KEYS[by]
    sold = (
        table.revenue_sales()
        .filter(table.placed_in(window))
        .values(**{key: F(path) for key, path in keys.items()})
    )
    given_back = (
        table.revenue_refunds()
        .filter(table.refunded_in(window))
        .values(**{key: F(f"item__{path}") for key, path in keys.items()})
    )
    rows = added_up(
        [
            (
                sold,
                {
                    "units_sold": Sum("quantity"),
                    "gross_sales": table.term_sums()["gross_sales"],
                },
            ),
            (
                given_back,
                {"units_returned": Sum("quantity"), "returned_value": Sum("amount")},
            ),
        ],
        money=("gross_sales", "returned_value"),
    )
    sums = summed_per_key(rows, lambda row: row[next(iter(keys))], RETURNS_MEASURES)
    return [_returns_row(row) for row in sums.values()]


def _returns_row(row: dict[str, Any]) -> ReturnsRow:
    return ReturnsRow(
        category=row["category"],
        sku=row.get("sku"),
        name=row.get("name"),
        units_sold=row["units_sold"],
        units_returned=row["units_returned"],
        gross_sales=money(row["gross_sales"]),
        returned_value=money(row["returned_value"]),
    )


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=shop_tz(), output_field=DateField())


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def product_id(sku: str) -> int | None:
    """The id of the product with this sku, None when there is none."""
    return Product.objects.filter(sku=sku).values_list("id", flat=True).first()


def _basket_lines(filters: MetricFilters, window: Window) -> QuerySet[OrderItem]:
    table = line_rows(filters)
    return table.revenue_sales().filter(table.placed_in(window))


def baskets(
    *,
    filters: MetricFilters,
    window: Window,
    min_orders: int,
    min_share: Decimal,
    focus: int | None = None,
) -> Baskets:
    """Orders, orders per product, and the product pairs bought in at least
    max(min_orders, ⌈min_share * orders⌉) of the same revenue orders of the window.

    A self-join of the order lines in the database (line a, line b of its order):
    the pairs are grouped and thresholded there, so only the frequent pairs leave
    it. focus: only the pairs of that product, with it first.
    """
    lines = _basket_lines(filters, window)
    orders = lines.aggregate(orders=Count("order_id", distinct=True))["orders"]
    if not orders:
        return Baskets(orders=0, products={}, pairs=[])
    per_product = lines.values("product_id").annotate(
        sku=F("product__sku"),
        name=F("product__name"),
        category=F("product__category__name"),
        orders=Count("order_id", distinct=True),
    )
    products = {row["product_id"]: BasketProduct(**row) for row in per_product}
    threshold = max(min_orders, math.ceil(min_share * orders), 1)
    other = (
        Q(order__items__product_id__gt=F("product_id"))
        if focus is None
        else Q(product_id=focus)
        & (
            Q(order__items__product_id__lt=focus)
            | Q(order__items__product_id__gt=focus)
        )
    )
    if filters.category:
        # One filter() call: both conditions on the same joined line.
        other &= Q(order__items__product__category__name=filters.category)
    pairs = (
        lines.filter(other)
        .values("product_id", second_id=F("order__items__product_id"))
        .annotate(orders=Count("order_id", distinct=True))
        .filter(orders__gte=threshold)
    )
    return Baskets(
        orders=orders,
        products=products,
        pairs=[
            PairCount(row["product_id"], row["second_id"], row["orders"])
            for row in pairs
        ],
    )


def product_sessions(
    *, filters: MetricFilters, window: Window, limit: int
) -> list[ProductSessions]:
    """Per product: sessions started in the window with a product_view of it, with
    an add_to_cart of it, and with a purchase event whose order has a line of it;
    sorted by views descending, then sku, the first `limit`. One statement: the three
    grouped counts added up (one row per product leaves the database)."""
    since, until = window.bounds()
    sessions = filter_rows(
        WebSession.objects.order_by(), filters, Table.SESSIONS, names=SESSION_NAMES
    ).filter(started_at__gte=since, started_at__lt=until)
    # No event of a session comes before its start: the bound lets the database read
    # the window's events by their time index instead of every event.
    events = SessionEvent.objects.order_by().filter(
        session__in=sessions.values("id"), occurred_at__gte=since
    )
    parts = []
    for event_type, path, measure in PRODUCT_EVENTS:
        of_type = events.filter(event_type=event_type, **{f"{path}__isnull": False})
        if filters.category:
            of_type = of_type.filter(**{f"{path}__category__name": filters.category})
        keyed = of_type.values(
            product_key=F(f"{path}_id") if path == "product" else F(path),
            sku=F(f"{path}__sku"),
            name=F(f"{path}__name"),
            category=F(f"{path}__category__name"),
        )
        parts.append((keyed, {measure: Count("session_id", distinct=True)}))
    rows = added_up(parts, money=())
    sums = summed_per_key(rows, lambda row: row["product_key"], FUNNEL_MEASURES)
    ranked = sorted(sums.values(), key=lambda row: (-row["views"], row["sku"]))
    return [
        ProductSessions(
            sku=row["sku"],
            name=row["name"],
            category=row["category"],
            views=row["views"],
            carts=row["carts"],
            purchases=row["purchases"],
        )
        for row in ranked[:limit]
    ]


# The session filters: sessions have no category (it narrows the products instead).
SESSION_NAMES = ("source", "device", "country")
# (event type, the path from the event to the product, the count it adds to)
PRODUCT_EVENTS = (
    ("product_view", "product", "views"),
    ("add_to_cart", "product", "carts"),
    ("purchase", "order__items__product", "purchases"),
)
FUNNEL_MEASURES = ("views", "carts", "purchases")


def period_terms(
    *,
    filters: MetricFilters,
    grain: str,
    window: Window,
    product_id: int | None = None,
) -> list[PeriodTerms]:
    """Units and sales terms per month or ISO week of the window (shop time zone):
    the orders' terms (the lines' with a category or a product), the lines' units.
    One statement: lines and orders sold, refunds given, added up."""
    lines = line_rows(filters)
    table = lines if product_id is not None else sales_rows(filters)
    narrow: dict[str, Any] = {}
    if product_id is not None:
        narrow = {"product_id": product_id}

    def period(field: str) -> Func:
        return _trunc(grain, field)

    sold = (
        table.revenue_sales()
        .filter(table.placed_in(window), **narrow)
        .values(period=period(table.placed_at()))
    )
    refund_narrow = {f"item__{key}": value for key, value in narrow.items()}
    given_back = (
        table.revenue_refunds()
        .filter(table.refunded_in(window), **refund_narrow)
        .values(period=period(table.refunded_at))
    )
    units = (
        lines.revenue_sales()
        .filter(lines.placed_in(window), **narrow)
        .values(period=period(lines.placed_at()))
    )
    rows = added_up(
        [
            (sold, table.term_sums()),
            (given_back, table.return_sums()),
            (units, {"units": Sum("quantity")}),
        ]
    )
    sums = summed_per_key(
        rows, lambda row: _as_date(row["period"]), ("units", *SALES_TERMS)
    )
    return [
        PeriodTerms(period, row["units"], SalesTerms.of(row))
        for period, row in sorted(sums.items())
    ]


def _trunc(grain: str, field: str) -> Func:
    truncate = TruncMonth if grain == "month" else TruncWeek
    return truncate(field, tzinfo=shop_tz(), output_field=DateField())
