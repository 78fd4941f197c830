"""The rows the cohort queries return, on the raw path and the roll-up path alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
