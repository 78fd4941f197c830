"""Product analyses for planning: ABC grading, bought-together pairs and the product
funnel over a window.

Each function picks the path (rollups.status.use_rollups), asks demand.raw or
demand.rollup for the typed rows (demand.rows) and finishes them. Definitions:
demand.catalogue, rendered into docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from django.conf import settings

from ecomanalytics.filters import MetricFilters
from ecomanalytics.money import ZERO_MONEY, rate, revenue_measure
from ecomanalytics.periods import resolve_window
from ecomanalytics.rollups.dimensions import one_dimension_facts_cover
from ecomanalytics.rollups.status import use_rollups

from . import raw, rollup
from .rows import BasketProduct, PairCount

Grade = Literal["A", "B", "C"]
GRADES: tuple[Grade, ...] = ("A", "B", "C")


@dataclass(frozen=True, slots=True)
class GradedProduct:
    sku: str
    name: str
    category: str
    revenue: Decimal
    units: int
    share: float | None  # revenue / Σ revenue of the graded products
    cumulative_share: float | None  # share of this product and every one above it
    grade: Grade


@dataclass(frozen=True, slots=True)
class GradeSummary:
    grade: Grade
    products: int
    revenue: Decimal
    share: float | None


@dataclass(frozen=True, slots=True)
class AbcGrading:
    start: date | None
    end: date | None
    currency: str
    a_share: int  # percent of revenue class A covers
    b_share: int
    c_share: int  # the rest: 100 - a_share - b_share
    total_revenue: Decimal  # Σ revenue of the graded products
    classes: list[GradeSummary]
    results: list[GradedProduct]


def abc_grading(
    *, filters: MetricFilters, a_share: int = 80, b_share: int = 15
) -> AbcGrading:
    """Grade the products of the window A, B or C by their share of revenue.

    Products with units sold in the window, ranked by revenue descending, then sku.
    A product's grade is the class in which its cumulative share *starts*: the share
    of the products ranked above it (exact decimals). Below a_share % it is A, below
    a_share + b_share % B, else C; so the product that crosses 80 % is still A, and
    one starting at exactly 80 % is B. A product with revenue ≤ 0 (returns exceeding
    its sales) is C and, like every product, has share revenue / Σ revenue; shares
    are None when Σ revenue ≤ 0, and every product is then C. Definition:
    demand.catalogue.ABC.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return _grading(None, None, a_share, b_share, [])
    path = rollup if use_rollups(level_kept=one_dimension_facts_cover(filters)) else raw
    measure = revenue_measure()
    sold = [
        row
        for row in path.product_sales(filters=filters, window=window)
        if row.units > 0
    ]
    ranked = sorted(
        ((row.terms.revenue(measure), row) for row in sold),
        key=lambda pair: (-pair[0], pair[1].sku),
    )
    total = sum((revenue for revenue, _ in ranked), ZERO_MONEY)
    graded = []
    above = ZERO_MONEY
    for revenue, row in ranked:
        grade = _grade(above, revenue, total, a_share, b_share)
        above += revenue
        graded.append(
            GradedProduct(
                sku=row.sku,
                name=row.name,
                category=row.category,
                revenue=revenue,
                units=row.units,
                share=_share(revenue, total),
                cumulative_share=_share(above, total),
                grade=grade,
            )
        )
    return _grading(window.start, window.end, a_share, b_share, graded)


def _grade(
    above: Decimal, revenue: Decimal, total: Decimal, a_share: int, b_share: int
) -> Grade:
    # Compared as exact decimals, never as floats: 80 % of 1000.00 is exactly 800.00.
    if total <= 0 or revenue <= 0:
        return "C"
    if above * 100 < total * a_share:
        return "A"
    if above * 100 < total * (a_share + b_share):
        return "B"
    return "C"


def _share(amount: Decimal, total: Decimal) -> float | None:
    return rate(amount, total) if total > 0 else None


def _grading(
    start: date | None,
    end: date | None,
    a_share: int,
    b_share: int,
    graded: list[GradedProduct],
) -> AbcGrading:
    total = sum((row.revenue for row in graded), ZERO_MONEY)
    classes = []
    for grade in GRADES:
        members = [row for row in graded if row.grade == grade]
        revenue = sum((row.revenue for row in members), ZERO_MONEY)
        classes.append(
            GradeSummary(grade, len(members), revenue, _share(revenue, total))
        )
    return AbcGrading(
        start=start,
        end=end,
        currency=settings.CURRENCY,
        a_share=a_share,
        b_share=b_share,
        c_share=100 - a_share - b_share,
        total_revenue=total,
        classes=classes,
        results=graded,
    )


@dataclass(frozen=True, slots=True)
class ProductPair:
    sku_a: str
    name_a: str
    sku_b: str
    name_b: str
    orders: int  # orders of the window: the support's denominator
    orders_with_both: int
    orders_with_a: int
    orders_with_b: int
    support: float  # orders_with_both / orders
    confidence: float  # A -> B: orders_with_both / orders_with_a
    reverse_confidence: float  # B -> A: orders_with_both / orders_with_b
    lift: float  # confidence / (orders_with_b / orders)


@dataclass(frozen=True, slots=True)
class BoughtTogether:
    start: date | None
    end: date | None
    sku: str | None  # the product of a per-product view
    results: list[ProductPair]


def bought_together(
    *,
    filters: MetricFilters,
    min_support_bp: int = 10,
    min_pairs: int = 5,
    sku: str | None = None,
    limit: int = 20,
) -> BoughtTogether:
    """Product pairs bought in the same revenue orders of the window.

    orders = revenue orders placed in the window (with the category: with a line of
    it, and only its lines pair up). support = orders with both ÷ orders; confidence
    A→B = orders with both ÷ orders with A; lift = confidence ÷ (orders with B ÷
    orders). Listed: pairs in at least min_pairs orders and with support ≥
    min_support_bp / 10,000; sorted by lift, then orders with both descending, then
    sku_a, sku_b. A is the product of the pair in fewer orders (then the lower sku),
    so confidence ≥ reverse_confidence; with sku, the pairs of that product, A being
    it. From the basket facts (pair counts per day and month, exact for any window)
    for no filter or one of source, device, country; otherwise a self-join of the
    order lines in the database. Definition: demand.catalogue.BASKETS.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return BoughtTogether(None, None, sku, [])
    path = rollup if use_rollups(level_kept=one_dimension_facts_cover(filters)) else raw
    focus = raw.product_id(sku) if sku is not None else None
    if sku is not None and focus is None:
        return BoughtTogether(window.start, window.end, sku, [])
    baskets = path.baskets(
        filters=filters,
        window=window,
        min_orders=min_pairs,
        min_share=Decimal(min_support_bp) / 10_000,
        focus=focus,
    )
    pairs = [
        _pair(baskets.orders, baskets.products, count, focused=focus is not None)
        for count in baskets.pairs
    ]
    pairs.sort(key=lambda p: (-p.lift, -p.orders_with_both, p.sku_a, p.sku_b))
    return BoughtTogether(
        start=window.start,
        end=window.end,
        sku=sku,
        results=pairs[:limit],
    )


def _pair(
    orders: int, products: dict[int, BasketProduct], count: PairCount, *, focused: bool
) -> ProductPair:
    a, b = products[count.first_id], products[count.second_id]
    if not focused and (b.orders, b.sku) < (a.orders, a.sku):
        a, b = b, a
    both = count.orders
    return ProductPair(
        sku_a=a.sku,
        name_a=a.name,
        sku_b=b.sku,
        name_b=b.name,
        orders=orders,
        orders_with_both=both,
        orders_with_a=a.orders,
        orders_with_b=b.orders,
        support=both / orders,
        confidence=both / a.orders,
        reverse_confidence=both / b.orders,
        lift=both * orders / (a.orders * b.orders),
    )


@dataclass(frozen=True, slots=True)
class ProductFunnelRow:
    sku: str
    name: str
    category: str
    views: int  # sessions with a product_view of the product
    carts: int  # sessions with an add_to_cart of it
    purchases: int  # sessions with a purchase whose order has a line of it
    view_to_cart: float | None  # carts / views
    cart_to_purchase: float | None  # purchases / carts


def product_funnel(
    *, filters: MetricFilters, limit: int = 20
) -> list[ProductFunnelRow]:
    """Per product, the sessions started in the window that viewed it, added it to
    the cart and bought it (a purchase event whose order has a line of it, whatever
    became of the order, as the funnel's purchase step).

    Rates: carts ÷ views and purchases ÷ carts, None without views or carts. Sorted
    by views descending, then sku; the first `limit` products. Session filters are
    the session's; category narrows the products. From the product funnel facts for
    no filter or one of source, device, country (a session counts once per product,
    on the day it started, so the days add up); the raw tables otherwise.
    Definition: demand.catalogue.PRODUCT_FUNNEL.
    """
    window = resolve_window(filters.start, filters.end)
    if window is None:
        return []
    path = rollup if use_rollups(level_kept=one_dimension_facts_cover(filters)) else raw
    rows = path.product_sessions(filters=filters, window=window, limit=limit)
    return [
        ProductFunnelRow(
            sku=row.sku,
            name=row.name,
            category=row.category,
            views=row.views,
            carts=row.carts,
            purchases=row.purchases,
            view_to_cart=rate(row.carts, row.views),
            cart_to_purchase=rate(row.purchases, row.carts),
        )
        for row in rows
    ]
