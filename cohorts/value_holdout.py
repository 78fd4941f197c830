"""The holdout check of the customer-value model, computed at fit time (value_fit).

Fader, Hardie and Lee (2005) validate BG/NBD by fitting it on a calibration period
and comparing, per number of repeat purchases in calibration, the expected purchases
in the following holdout period with the actual ones. Here: calibration = the history
up to as_of - 26 weeks and the customers whose first revenue order falls in it;
holdout = the 26 weeks (182 days) after it, up to as_of. The result is a plain dict
stored as JSON on CustomerValueFit.holdout (or a reason why there is none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db.models import Sum

from ecomanalytics.rollups.models import CustomerDay

from . import value_model

HOLDOUT_WEEKS = 26
HOLDOUT_DAYS = HOLDOUT_WEEKS * 7
# Frequency groups 0, 1, …, 6 repeat orders in calibration, and 7 or more.
GROUPS = 8
CHUNK = 10_000


@dataclass(frozen=True, slots=True)
class Holdout:
    result: dict[str, Any] | None
    reason: str  # why result is None; "" otherwise


def calibration_end(as_of: date) -> date:
    return as_of - timedelta(days=HOLDOUT_DAYS)


def _actual_orders(customers: np.ndarray, start: date, end: date) -> np.ndarray:
    """Revenue orders per calibration customer placed in (start, end]: one grouped
    query on CustomerDay, streamed; customers is sorted (value_fit orders by id),
    customers first seen in the holdout are skipped."""
    actual = np.zeros(len(customers))
    rows = (
        CustomerDay.objects.order_by()
        .filter(day__gt=start, day__lte=end, orders__gt=0)
        .values("member_id")
        .annotate(holdout_orders=Sum("orders"))
        .values_list("member_id", "holdout_orders")
        .order_by("member_id")
    )
    for member, orders in rows.iterator(chunk_size=CHUNK):
        index = int(np.searchsorted(customers, member))
        if index < len(customers) and customers[index] == member:
            actual[index] = orders
    return actual


def holdout_check(
    calibration: dict[str, np.ndarray], *, as_of: date, first_day: date
) -> Holdout:
    """calibration: value_fit's arrays (customer, x, t_x, T) of the history up to
    calibration_end(as_of); first_day: the roll-ups' first day."""
    end = calibration_end(as_of)
    if end < first_day:
        return Holdout(
            None,
            f"The history ({first_day} to {as_of}) is shorter than the "
            f"{HOLDOUT_WEEKS}-week holdout plus a calibration period.",
        )
    x, t_x, big_t = calibration["x"], calibration["t_x"], calibration["T"]
    if not (x > 0).any():
        return Holdout(
            None,
            f"No customer ordered again up to {end} (the calibration period): "
            "BG/NBD has nothing to fit.",
        )
    model = value_model.fit_bg_nbd(x, t_x, big_t)
    histories = value_model.histories(x, t_x, big_t)
    predicted = histories.expand(
        value_model.expected_purchases(
            model, HOLDOUT_WEEKS, histories.x, histories.t_x, histories.big_t
        )
    )
    if not np.isfinite(predicted).all():
        return Holdout(
            None, f"The calibration fit gave non-finite predictions ({model})."
        )
    actual = _actual_orders(calibration["customer"], end, as_of)
    group = np.minimum(x, GROUPS - 1).astype(np.int64)
    customers = np.bincount(group, minlength=GROUPS)
    predicted_sum = np.bincount(group, weights=predicted, minlength=GROUPS)
    actual_sum = np.bincount(group, weights=actual, minlength=GROUPS)
    return Holdout(
        {
            "calibration_end": end.isoformat(),
            "holdout_end": as_of.isoformat(),
            "holdout_weeks": HOLDOUT_WEEKS,
            "customers": len(x),
            "repeat_buyers": int((x > 0).sum()),
            "bg_nbd": {
                "r": model.r,
                "alpha": model.alpha,
                "a": model.a,
                "b": model.b,
                "log_likelihood": model.log_likelihood,
            },
            "predicted_orders": float(predicted.sum()),
            "actual_orders": int(actual.sum()),
            "groups": [
                {
                    "repeat_orders": k,
                    "label": f"{k}+" if k == GROUPS - 1 else str(k),
                    "customers": int(customers[k]),
                    "mean_predicted_orders": (
                        float(predicted_sum[k] / customers[k]) if customers[k] else None
                    ),
                    "mean_actual_orders": (
                        float(actual_sum[k] / customers[k]) if customers[k] else None
                    ),
                }
                for k in range(GROUPS)
            ],
        },
        "",
    )
