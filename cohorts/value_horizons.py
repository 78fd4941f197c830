"""Predictions over every horizon of 1..36 months, totalled at fit time (value_fit).

A request may ask for any horizon (months=1..36), but the BG/NBD expected purchases
need scipy's hypergeometric function, which no database has; so the fit computes,
per first-order cohort and horizon, the customers, Σ expected orders, Σ predicted
revenue (each customer's rounded to cents, as stored for 12 months) and the top
customers, one horizon at a time on the distinct histories (value_model.Histories):
memory holds a few values per customer. A request reads 36 x cohorts small rows at
most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import value_model

MAX_MONTHS = 36
WEEKS_PER_MONTH = 365.25 / 12 / 7


def horizon_weeks(months: int) -> float:
    """months x 365.25 / 12 days, in weeks: 12 months are 52.18 weeks."""
    return months * WEEKS_PER_MONTH


@dataclass(frozen=True, slots=True)
class HorizonTotals:
    cohorts: np.ndarray  # the cohort months present, as periods.month_number
    customers: np.ndarray  # per cohort
    mean_probability_alive: np.ndarray  # per cohort
    expected_orders: np.ndarray  # [horizon - 1, cohort]
    predicted_revenue: np.ndarray  # [horizon - 1, cohort], in cents
    top: list[np.ndarray]  # per horizon, the top customers' indexes into the arrays


def horizon_totals(
    data: dict[str, np.ndarray],
    histories: value_model.Histories,
    bg_nbd: value_model.BgNbd,
    order_value: np.ndarray,
    alive: np.ndarray,
    *,
    top: int = 10,
) -> HorizonTotals:
    """data: value_fit's arrays (customer, cohort, x, t_x, T), histories their
    distinct (x, t_x, T); order_value and alive per customer, as value_fit computed
    them."""
    cohorts, position = np.unique(data["cohort"], return_inverse=True)
    width = len(cohorts)
    customers = np.bincount(position, minlength=width)
    alive_sum = np.bincount(position, weights=alive, minlength=width)
    orders_sum = np.zeros((MAX_MONTHS, width))
    cents_sum = np.zeros((MAX_MONTHS, width), dtype=np.int64)
    best: list[np.ndarray] = []
    for months in range(1, MAX_MONTHS + 1):
        orders = histories.expand(
            value_model.expected_purchases(
                bg_nbd,
                horizon_weeks(months),
                histories.x,
                histories.t_x,
                histories.big_t,
            )
        )
        cents = np.rint(orders * order_value * 100).astype(np.int64)
        orders_sum[months - 1] = np.bincount(position, weights=orders, minlength=width)
        cents_sum[months - 1] = np.bincount(
            position, weights=cents, minlength=width
        ).astype(np.int64)
        best.append(_top(cents, data["customer"], top))
    return HorizonTotals(
        cohorts=cohorts,
        customers=customers,
        mean_probability_alive=alive_sum / customers,
        expected_orders=orders_sum,
        predicted_revenue=cents_sum,
        top=best,
    )


def _top(cents: np.ndarray, customer: np.ndarray, top: int) -> np.ndarray:
    """The indexes of the `top` highest cents, ties by customer id: sorted among
    the customers at or above the top-th highest value only."""
    if len(cents) > top:
        threshold = np.partition(cents, len(cents) - top)[len(cents) - top]
        candidates = np.flatnonzero(cents >= threshold)
    else:
        candidates = np.arange(len(cents))
    order = np.lexsort((customer[candidates], -cents[candidates]))[:top]
    return np.asarray(candidates[order], dtype=np.int64)
