"""Product analyses for planning: ABC grading over a window.

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
