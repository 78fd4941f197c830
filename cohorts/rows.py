"""The rows the cohort queries return, on the raw path and the roll-up path alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, TypedDict

from ecomanalytics.money import SalesTerms

CohortBy = Literal["first_order", "signup"]
COHORT_BY_CHOICES: tuple[CohortBy, ...] = ("first_order", "signup")


@dataclass(frozen=True, slots=True)
class CohortCount:
    """Customers of a cohort: all of them (activity_month None), or those with a
    revenue order in activity_month."""

    cohort: date  # first day of the cohort month
    activity_month: date | None
    customers: int


@dataclass(frozen=True, slots=True)
class CohortRepeats:
    cohort: date
    customers: int
    repeat_customers: int  # members with two or more revenue orders ever


class CohortAnnotation(TypedDict):
    """What the cohort queries annotate on each member: the cohort month."""

    cohort: date


@dataclass(frozen=True, slots=True)
class CustomerTypeTotals:
    """Revenue of one customer type in one bucket: the customers whose first revenue
    order ever lies in the bucket (new) or before it (returning)."""

    bucket: date  # the bucket's first day
    new: bool
    customers: int  # with a revenue order placed in the bucket
    terms: SalesTerms  # orders placed in the bucket, returns given in it
    orders: int


@dataclass(frozen=True, slots=True)
class ReturningCounts:
    """Customers with a revenue order in the window, and those of them with two or
    more revenue orders placed up to the window's end."""

    customers: int
    repeat_customers: int


# Shopify's RFM groups by (R score, FM score): docs/metrics.md, "RFM groups".
RFM_GRID: dict[int, tuple[str, str, str, str, str]] = {
    # R: the group for FM = 1, 2, 3, 4, 5
    5: ("new", "new", "active", "loyal", "champions"),
    4: ("promising", "promising", "active", "loyal", "loyal"),
    3: (
        "almost lost",
        "almost lost",
        "needs attention",
        "needs attention",
        "needs attention",
    ),
    2: ("almost lost", "almost lost", "at risk", "at risk", "previously loyal"),
    1: ("dormant", "dormant", "at risk", "at risk", "previously loyal"),
}
PROSPECTS = "prospects"
# Best first, as Shopify lists them; prospects (no revenue order) last.
RFM_GROUPS = (
    "champions",
    "loyal",
    "active",
    "new",
    "promising",
    "needs attention",
    "previously loyal",
    "at risk",
    "almost lost",
    "dormant",
    PROSPECTS,
)


@dataclass(frozen=True, slots=True)
class RfmGroupStats:
    """One RFM group's customers, revenue and nearest-rank medians."""

    group: str
    customers: int
    revenue: Decimal
    median_last_day: date  # the median recency's last order day
    median_frequency: int
    median_monetary: Decimal


@dataclass(frozen=True, slots=True)
class RfmCell:
    r_score: int
    fm_score: int
    customers: int


@dataclass(frozen=True, slots=True)
class RfmScores:
    """A customer's RFM as of a day: the last revenue order's local day, revenue
    orders, revenue, the scores and group."""

    customer_id: int
    last_day: date
    frequency: int
    monetary: Decimal
    r_score: int
    f_score: int
    m_score: int
    fm_score: int
    group: str


@dataclass(frozen=True, slots=True)
class CohortMonthSales:
    """A cohort's sales terms in one calendar month: its members' revenue orders
    placed in it and the refunds given in it on their revenue orders."""

    cohort: date
    month: date
    terms: SalesTerms


@dataclass(frozen=True, slots=True)
class RfmFigures:
    """What the RFM groups are built from: each group's statistics, the prospects
    (customers without a revenue order) and the grid's cells with customers."""

    stats: list[RfmGroupStats]
    prospects: int
    cells: list[RfmCell]
