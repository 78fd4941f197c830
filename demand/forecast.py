"""Monthly revenue forecast with an 80% prediction interval.

History: the zero-filled revenue of the complete calendar months of the window (shop
time zone): months entirely inside [start, end] that have ended before today. Without
start, the window starts on the day of the first order (so a first month the data
covers only in part is left out); without end, it ends yesterday. The forecast covers
the `horizon` months after the last month of history.

Model, by length of history (a season is 12 months):
- 24 months or more: statsmodels' ETS (ETSModel: additive error, additive damped
  trend, additive yearly seasonality), fitted by maximum likelihood; the interval is
  its 80% prediction interval.
- 12 to 23 months: seasonal naive: each month repeats the same month a year earlier;
  the interval is ± z(0.90) x the standard deviation of the year-on-year differences
  (Hyndman & Athanasopoulos, "Forecasting: principles and practice", 5.5), widened
  with the number of years ahead.
- 1 to 11 months: the mean of the history; the interval is ± z(0.90) x s x √(1 + 1/n).
- No complete month: no forecast.
If ETS fails to fit or gives non-finite values, the seasonal naive answers. Revenue is
never negative, so forecasts and lower bounds are clipped at 0.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from ecomanalytics.filters import MetricFilters
from ecomanalytics.money import CENT
from ecomanalytics.periods import add_months, resolve_window, today

from .metrics import monthly_revenue

ForecastModel = Literal["ets", "seasonal_naive", "mean", "none"]
SEASON = 12
INTERVAL = 0.80
# Two-sided 80%: the 90th percentile of the standard normal.
Z_80 = 1.2815515655446004


@dataclass(frozen=True, slots=True)
class MonthRevenue:
    month: date
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class MonthForecast:
    month: date
    forecast: Decimal
    lower: Decimal
    upper: Decimal


@dataclass(frozen=True, slots=True)
class RevenueForecast:
    model: ForecastModel
    history: list[MonthRevenue]
    results: list[MonthForecast]


def revenue_forecast(*, filters: MetricFilters, horizon: int = 3) -> RevenueForecast:
    """Forecast the revenue of the `horizon` months after the last complete month.

    See the module docstring for the history, the model chosen and the interval.
    One grouped query (plus the data-span lookup when start or end is missing).
    """
    history = _complete_months(filters)
    if not history:
        return RevenueForecast(model="none", history=[], results=[])
    values = np.array([float(month.revenue) for month in history])
    model, mean, lower, upper = _predict(values, horizon)
    first_month = add_months(history[-1].month, 1)
    results = [
        MonthForecast(
            month=add_months(first_month, step),
            forecast=_money(max(mean[step], 0.0)),
            lower=_money(max(lower[step], 0.0)),
            upper=_money(max(upper[step], 0.0)),
        )
        for step in range(horizon)
    ]
    return RevenueForecast(model=model, history=history, results=results)


def _complete_months(filters: MetricFilters) -> list[MonthRevenue]:
    yesterday = today() - timedelta(days=1)
    # Without end the history runs to the last month ended, not to the last order's
    # day: months since then without orders count as zero.
    window = resolve_window(filters.start, filters.end or yesterday)
    if window is None:
        return []
    first = window.start if window.start.day == 1 else add_months(window.start, 1)
    # The last month must have ended both within the window and before today.
    last_day = min(window.end, yesterday)
    last = add_months(last_day, 0 if _is_month_end(last_day) else -1)
    if last < first:
        return []
    revenue = monthly_revenue(filters=filters, first=first, last=last)
    return [
        MonthRevenue(month=add_months(first, index), revenue=amount)
        for index, amount in enumerate(revenue)
    ]


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


Prediction = tuple[ForecastModel, np.ndarray, np.ndarray, np.ndarray]


def _predict(values: np.ndarray, horizon: int) -> Prediction:
    if len(values) >= 2 * SEASON:
        prediction = _ets(values, horizon)
        if prediction is not None:
            return prediction
    if len(values) >= SEASON:
        return _seasonal_naive(values, horizon)
    return _mean(values, horizon)


def _ets(values: np.ndarray, horizon: int) -> Prediction | None:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    if np.ptp(values) == 0:
        # A constant series has nothing to fit (and ETS divides by its variance).
        return None
    try:
        with warnings.catch_warnings():
            # Convergence chatter on short series; the result is checked below.
            warnings.simplefilter("ignore")
            # A pandas series: ETS's prediction frame needs an index.
            fitted = ETSModel(
                pd.Series(values),
                error="add",
                trend="add",
                damped_trend=True,
                seasonal="add",
                seasonal_periods=SEASON,
            ).fit(disp=False)
            frame = fitted.get_prediction(
                start=len(values), end=len(values) + horizon - 1
            ).summary_frame(alpha=1 - INTERVAL)
    except (ValueError, np.linalg.LinAlgError):
        return None
    mean = frame["mean"].to_numpy()
    lower = frame["pi_lower"].to_numpy()
    upper = frame["pi_upper"].to_numpy()
    if not (np.isfinite(mean).all() and np.isfinite(lower).all()):
        return None
    return "ets", mean, lower, upper


def _seasonal_naive(values: np.ndarray, horizon: int) -> Prediction:
    last_season = values[-SEASON:]
    steps = np.arange(horizon)
    mean = last_season[steps % SEASON]
    year_on_year = values[SEASON:] - values[:-SEASON]
    spread = float(np.std(year_on_year, ddof=1)) if len(year_on_year) > 1 else 0.0
    years_ahead = np.sqrt(steps // SEASON + 1)
    margin = Z_80 * spread * years_ahead
    return "seasonal_naive", mean, mean - margin, mean + margin


def _mean(values: np.ndarray, horizon: int) -> Prediction:
    average = float(values.mean())
    spread = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    margin = Z_80 * spread * math.sqrt(1 + 1 / len(values))
    mean = np.full(horizon, average)
    return "mean", mean, mean - margin, mean + margin


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)
