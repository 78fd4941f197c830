"""Predictions over every horizon of 1..36 months, totalled at fit time (value_fit).

A request may ask for any horizon (months=1..36), but the BG/NBD expected purchases
need scipy's hypergeometric function, which no database has; so the fit computes,
per first-order cohort and horizon, the customers, Σ expected orders, Σ predicted
revenue (each customer's rounded to cents, as stored for 12 months) and the top
customers, in chunks of customers so that memory stays bounded (36 x CHUNK values
at a time). A request reads 36 x cohorts small rows at most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import value_model

MAX_MONTHS = 36
WEEKS_PER_MONTH = 365.25 / 12 / 7
CHUNK = 10_000


def horizon_weeks(months: int) -> float:
    """months x 365.25 / 12 days, in weeks: 12 months are 52.18 weeks."""
    return months * WEEKS_PER_MONTH


@dataclass(frozen=True, slots=True)
class HorizonTotals:
    cohorts: np.ndarray  # the cohort months present, as year x 12 + month - 1
    customers: np.ndarray  # per cohort
    mean_probability_alive: np.ndarray  # per cohort
    expected_orders: np.ndarray  # [horizon - 1, cohort]
    predicted_revenue: np.ndarray  # [horizon - 1, cohort], in cents
    top: list[np.ndarray]  # per horizon, the top customers' indexes into the arrays


def horizon_totals(
    data: dict[str, np.ndarray],
    bg_nbd: value_model.BgNbd,
    order_value: np.ndarray,
    alive: np.ndarray,
    *,
    top: int = 10,
) -> HorizonTotals:
    """data: value_fit's arrays (customer, cohort, x, t_x, T); order_value and alive
    per customer, as value_fit computed them."""
    cohorts, position = np.unique(data["cohort"], return_inverse=True)
    width = len(cohorts)
    customers = np.bincount(position, minlength=width)
    alive_sum = np.bincount(position, weights=alive, minlength=width)
    orders_sum = np.zeros((MAX_MONTHS, width))
    cents_sum = np.zeros((MAX_MONTHS, width), dtype=np.int64)
    best: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * MAX_MONTHS
    revenue_of_best: list[np.ndarray] = [np.empty(0)] * MAX_MONTHS
    n = len(data["x"])
    for first in range(0, n, CHUNK):
        chunk = np.arange(first, min(first + CHUNK, n))
        x, t_x, big_t = data["x"][chunk], data["t_x"][chunk], data["T"][chunk]
        for months in range(1, MAX_MONTHS + 1):
            orders = value_model.expected_purchases(
                bg_nbd, horizon_weeks(months), x, t_x, big_t
            )
            cents = np.rint(orders * order_value[chunk] * 100).astype(np.int64)
            orders_sum[months - 1] += np.bincount(
                position[chunk], weights=orders, minlength=width
            )
            cents_sum[months - 1] += np.bincount(
                position[chunk], weights=cents, minlength=width
            ).astype(np.int64)
            candidates = np.concatenate([best[months - 1], chunk])
            revenue = np.concatenate([revenue_of_best[months - 1], cents])
            keep = np.lexsort((data["customer"][candidates], -revenue))[:top]
            best[months - 1] = candidates[keep]
            revenue_of_best[months - 1] = revenue[keep]
    return HorizonTotals(
        cohorts=cohorts,
        customers=customers,
        mean_probability_alive=alive_sum / customers,
        expected_orders=orders_sum,
        predicted_revenue=cents_sum,
        top=best,
    )
