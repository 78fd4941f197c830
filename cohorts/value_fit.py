"""Fitting the customer-value models on every customer's history and storing them.

Reads the per-customer summary from the roll-ups (CustomerDay, refreshed just before),
one grouped query streamed in chunks into preallocated numpy arrays (one bounded
numeric row per customer), fits cohorts.value_model, and writes one CustomerValue per
customer with bulk inserts in batches, all in one transaction: readers see the old
fit or the new one.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from ecomanalytics.filters import MetricFilters
from ecomanalytics.money import SALES_TERMS, measure_expression
from ecomanalytics.periods import month_number, month_of_number
from ecomanalytics.rollups.models import CustomerDay
from ecomanalytics.store.data_version import data_version
from ecomanalytics.store.importing.bulk_insert import chunks, copy_rows
from ecomanalytics.store.progress import progress as progress_of

from . import (
    rfm_scoring,
    rollup,
    stored_value,
    value_holdout,
    value_horizons,
    value_levels,
    value_model,
)
from .models import (
    CohortHorizonValue,
    CustomerValue,
    CustomerValueFit,
    TopCustomerHorizon,
)

HORIZON_WEEKS = 365.25 / 7  # 12 months
CHUNK = 10_000
MIN_REPEAT_BUYERS = 1

logger = logging.getLogger("ecomanalytics.customer_value")
WEEK = 7.0


def _summary(as_of: date) -> Any:
    sums = {f"sum_{term}": Sum(term) for term in SALES_TERMS}
    return (
        CustomerDay.objects.order_by()
        .filter(day__lte=as_of)
        .values("member_id")
        .annotate(
            # Named apart from the column it sums, as the ORM requires.
            order_count=Sum("orders"),
            first_day=Min("day", filter=Q(orders__gt=0)),
            last_day=Max("day", filter=Q(orders__gt=0)),
            **sums,
        )
        .filter(order_count__gt=0)
        .annotate(
            revenue=measure_expression({term: f"sum_{term}" for term in SALES_TERMS})
        )
        .values_list("member_id", "order_count", "first_day", "last_day", "revenue")
        .order_by("member_id")
    )


def _arrays(as_of: date) -> dict[str, np.ndarray]:
    customers = CustomerDay.objects.filter(day__lte=as_of, orders__gt=0).aggregate(
        n=Count("member_id", distinct=True)
    )["n"]
    arrays = {
        "customer": np.empty(customers, dtype=np.int64),
        "x": np.empty(customers),
        "t_x": np.empty(customers),
        "T": np.empty(customers),
        "m": np.empty(customers),
        "cohort": np.empty(customers, dtype=np.int64),  # periods.month_number
    }
    end = as_of.toordinal()
    for i, (customer, orders, first, last, revenue) in enumerate(
        _summary(as_of).iterator(chunk_size=CHUNK)
    ):
        arrays["customer"][i] = customer
        arrays["x"][i] = orders - 1
        arrays["t_x"][i] = (last.toordinal() - first.toordinal()) / WEEK
        arrays["T"][i] = (end - first.toordinal()) / WEEK
        arrays["m"][i] = float(revenue or 0) / orders
        arrays["cohort"][i] = month_number(first)
    return arrays


def fit_customer_value(
    *, as_of: date | None = None, progress: bool = False
) -> CustomerValueFit | None:
    """Fit on the history up to as_of (default: the roll-ups' last day) and store the
    fit and every customer's 12-month prediction; None without customers."""
    started = time.perf_counter()
    if as_of is None:
        as_of = CustomerDay.objects.aggregate(last=Max("day"))["last"]
        if as_of is None:
            return None
    data = _arrays(as_of)
    repeat_buyers = int(((data["x"] > 0) & (data["m"] > 0)).sum())
    # Gamma-Gamma is fitted on repeat buyers' order values: without one it has
    # nothing to fit (NaN parameters), and the stored fit, if any, stays.
    if len(data["x"]) < 2 or repeat_buyers < MIN_REPEAT_BUYERS:
        return None
    bg_nbd = value_model.fit_bg_nbd(data["x"], data["t_x"], data["T"])
    # Gamma-Gamma on the average value of all a repeat buyer's orders (the first
    # included): the summary keeps one revenue per customer.
    gamma_gamma = value_model.fit_gamma_gamma(data["x"], np.maximum(data["m"], 0))
    histories = value_model.histories(data["x"], data["t_x"], data["T"])
    alive = histories.expand(
        value_model.probability_alive(
            bg_nbd, histories.x, histories.t_x, histories.big_t
        )
    )
    orders = histories.expand(
        value_model.expected_purchases(
            bg_nbd, HORIZON_WEEKS, histories.x, histories.t_x, histories.big_t
        )
    )
    value = value_model.expected_order_value(gamma_gamma, data["x"], data["m"])
    if not (np.isfinite(alive).all() and np.isfinite(orders * value).all()):
        logger.warning(
            "Customer value not stored: the fit on %s customers gave non-finite "
            "predictions (BG/NBD %s, Gamma-Gamma %s).",
            len(data["x"]),
            bg_nbd,
            gamma_gamma,
        )
        return None
    groups = _rfm_groups(data["customer"], as_of)
    horizons = value_horizons.horizon_totals(data, histories, bg_nbd, value, alive)
    holdout = value_holdout.holdout_check(
        _arrays(value_holdout.calibration_end(as_of)),
        as_of=as_of,
        first_day=CustomerDay.objects.aggregate(first=Min("day"))["first"],
    )
    with transaction.atomic():
        CustomerValueFit.objects.all().delete()
        fit = CustomerValueFit.objects.create(
            fitted_at=timezone.now(),
            as_of=as_of,
            data_version=str(data_version()),
            customers=len(data["x"]),
            repeat_buyers=int((data["x"] > 0).sum()),
            r=bg_nbd.r,
            alpha=bg_nbd.alpha,
            a=bg_nbd.a,
            b=bg_nbd.b,
            bg_nbd_log_likelihood=bg_nbd.log_likelihood,
            p=gamma_gamma.p,
            q=gamma_gamma.q,
            gamma=gamma_gamma.gamma,
            gamma_gamma_log_likelihood=gamma_gamma.log_likelihood,
            fit_seconds=0.0,
            holdout=holdout.result,
            holdout_unavailable=holdout.reason,
        )
        with progress_of(
            total=len(data["x"]),
            unit="customers",
            description="Storing customer value",
            enabled=progress,
        ) as bar:
            cents = _cents_of(orders * value)
            rows = _value_rows(fit, data, alive, orders, cents, groups)
            for batch in chunks(rows, CHUNK):
                copy_rows(CustomerValue, VALUE_FIELDS, batch)
                bar.update(len(batch))
        _store_horizons(fit, data, horizons, alive, value, bg_nbd)
        value_levels.store_levels(
            fit,
            value_levels.Predictions(
                customer=data["customer"],
                cents=np.rint(np.asarray(cents) * 100).astype(np.int64),
                probability_alive=alive,
                expected_orders=orders,
                rfm_group=groups,
            ),
        )
        fit.whole_shop = stored_value.whole_shop_summary(fit)
        fit.fit_seconds = time.perf_counter() - started
        fit.save(update_fields=["whole_shop", "fit_seconds"])
    return fit


VALUE_FIELDS = (
    "fit",
    "customer",
    "repeat_orders",
    "last_order_week",
    "age_weeks",
    "average_order_value",
    "probability_alive",
    "expected_orders",
    "predicted_revenue",
    "rfm_group",
)


def _value_rows(
    fit: CustomerValueFit,
    data: dict[str, np.ndarray],
    alive: np.ndarray,
    orders: np.ndarray,
    revenue_cents: list[float],
    groups: list[str],
) -> list[tuple[Any, ...]]:
    """The CustomerValue rows, in VALUE_FIELDS order, as plain values: building
    650k model instances for bulk_create took longer than the fit itself (7.1 of
    28 s at 45k customers). Money is rounded to cents as floats, which both
    backends store exactly in the decimal columns (the shortest repr of a float
    rounded to 2 places has at most 2 decimals)."""
    return list(
        zip(
            [fit.pk] * len(groups),
            data["customer"].tolist(),
            data["x"].astype(np.int64).tolist(),
            data["t_x"].tolist(),
            data["T"].tolist(),
            _cents_of(data["m"]),
            alive.tolist(),
            orders.tolist(),
            revenue_cents,
            groups,
            strict=True,
        )
    )


def _cents_of(values: np.ndarray) -> list[float]:
    return [round(value, 2) for value in values.tolist()]


def _rfm_groups(customers: np.ndarray, as_of: date) -> list[str]:
    """Each customer's RFM group as of as_of, scored over every customer as the RFM
    endpoints score them (rollup.rfm_summary, rfm_scoring), aligned with customers
    (sorted by id); one streamed query."""
    groups = [""] * len(customers)
    summary = rollup.rfm_summary(filters=MetricFilters(), as_of=as_of)
    for customer, group in rfm_scoring.customer_groups(summary):
        index = int(np.searchsorted(customers, customer))
        if index < len(customers) and customers[index] == customer:
            groups[index] = group
    return groups


def _store_horizons(
    fit: CustomerValueFit,
    data: dict[str, np.ndarray],
    horizons: value_horizons.HorizonTotals,
    alive: np.ndarray,
    value: np.ndarray,
    bg_nbd: value_model.BgNbd,
) -> None:
    """The totals of 36 horizons by cohort, and their top 10 top customers (value_horizons)."""
    CohortHorizonValue.objects.bulk_create(
        CohortHorizonValue(
            fit=fit,
            cohort=month_of_number(int(month)),
            months=months,
            customers=int(horizons.customers[k]),
            mean_probability_alive=float(horizons.mean_probability_alive[k]),
            expected_orders=float(horizons.expected_orders[months - 1, k]),
            predicted_revenue=Decimal(int(horizons.predicted_revenue[months - 1, k]))
            / 100,
        )
        for months in range(1, value_horizons.MAX_MONTHS + 1)
        for k, month in enumerate(horizons.cohorts)
    )
    tops = []
    for months, best in enumerate(horizons.top, start=1):
        orders = value_model.expected_purchases(
            bg_nbd,
            value_horizons.horizon_weeks(months),
            data["x"][best],
            data["t_x"][best],
            data["T"][best],
        )
        tops += [
            TopCustomerHorizon(
                fit=fit,
                months=months,
                rank=rank,
                customer_id=int(data["customer"][i]),
                probability_alive=float(alive[i]),
                expected_orders=float(orders[rank - 1]),
                predicted_revenue=Decimal(
                    int(np.rint(orders[rank - 1] * value[i] * 100))
                )
                / 100,
            )
            for rank, i in enumerate(best, start=1)
        ]
    TopCustomerHorizon.objects.bulk_create(tops)


def fit_after_refresh(*, progress: bool = False, **kwargs: Any) -> None:
    """The receiver of rollups_refreshed (cohorts.apps)."""
    del kwargs  # since, using: the fit reads the whole history
    fit_customer_value(progress=progress)
