"""The forecast engine: candidate models, a rolling-origin backtest, the choice.

Pure numbers in, numbers out (no database): demand.stored_forecasts feeds it the
series the roll-ups hold and stores what it returns. statsforecast (Nixtla) is
imported inside the functions that fit, never at module import: the web workers
import this module for its types, and only the refresh, `manage.py fit_forecasts`
and an on-demand series pay its import (about 2 s, 180 MB).

A series is a list of complete periods (months or ISO weeks), oldest first. The
backtest (Hyndman & Athanasopoulos, "Forecasting: principles and practice", 5.10,
time series cross-validation) refits every candidate at each origin of the last
`windows` periods: the one-step forecasts of those periods, and the forecasts of
the same periods made `horizon` periods earlier. Errors are scored by:
- MASE = mean |actual - forecast| / the in-sample seasonal-naive MAE of the whole
  history (season 12 for months, 52 for weeks; 1 when the history is shorter than
  two seasons); None when that scale is 0 (a constant or purely seasonal series);
- sMAPE = mean of 2 |actual - forecast| / (|actual| + |forecast|), a term 0 where
  both are 0 (a fraction: 0 to 2);
- coverage = the share of actuals inside the 80 % (95 %) interval, bounds included.
The chosen model has the lowest one-step MAE + at-horizon MAE (the same order as
MASE, whose scale is the series'), ties going to the simpler model (the order of
MODEL_ORDER). Forecasts and bounds are clipped at 0: neither revenue nor units go
negative, and the backtest scores the clipped numbers that would have been shown.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Grain = Literal["month", "week"]
ModelName = Literal[
    "naive", "seasonal_naive", "ets", "seasonal_ets", "croston_sba", "none"
]
# Simplest first: ties in the backtest go to the earlier one.
MODEL_ORDER: tuple[ModelName, ...] = (
    "naive",
    "seasonal_naive",
    "croston_sba",
    "ets",
    "seasonal_ets",
)
LEVELS = (80, 95)
# statsforecast's ETS, like R's forecast::ets, fits seasons of at most 24 periods:
# weekly series (52) get no seasonal ETS; seasonal naive carries their year.
ETS_MAX_SEASON = 24
# Syntetos & Boylan (2005): demand is intermittent when the average interval
# between non-zero periods is 1.32 or more.
INTERMITTENT_INTERVAL = 1.32
MIN_TRAINING = 3


@dataclass(frozen=True, slots=True)
class Plan:
    """How a grain is forecast and backtested."""

    grain: Grain
    season: int
    windows: int  # backtest periods
    horizon: int  # the backtest's at-horizon step (the endpoint's default horizon)
    max_horizon: int  # periods forecast and stored


PLANS: dict[Grain, Plan] = {
    "month": Plan("month", season=12, windows=6, horizon=3, max_horizon=12),
    "week": Plan("week", season=52, windows=12, horizon=8, max_horizon=26),
}


@dataclass(frozen=True, slots=True)
class Accuracy:
    """One model's backtest forecasts of the last `windows` periods at one step."""

    mase: float | None
    smape: float
    coverage_80: float
    coverage_95: float
    mae: float


@dataclass(frozen=True, slots=True)
class ModelScore:
    model: ModelName
    one_step: Accuracy
    at_horizon: Accuracy


@dataclass(frozen=True, slots=True)
class PointForecast:
    step: int  # 1 = the period after the last of history
    mean: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float


@dataclass(frozen=True, slots=True)
class SeriesForecast:
    model: ModelName
    scores: tuple[ModelScore, ...]  # every candidate scored, the chosen one first
    history_points: int
    caveat: str | None
    points: tuple[PointForecast, ...]


def fit_values(values: Sequence[float], grain: Grain) -> SeriesForecast:
    """forecast_series with the grain's plan: a top-level function, so that worker
    processes can run it (demand.stored_forecasts.fitted_in_parallel)."""
    return forecast_series(values, plan=PLANS[grain])


def forecast_series(
    values: Sequence[float], *, plan: Plan, quick: bool = False
) -> SeriesForecast:
    """Backtest the candidates on `values`, pick one, forecast plan.max_horizon.

    quick: the small model set of an on-demand series (no seasonal ETS, the
    slowest fit).
    """
    history = np.asarray(values, dtype=float)
    n = len(history)
    if n == 0:
        return SeriesForecast(
            "none", (), 0, f"No complete {plan.grain} of history.", ()
        )
    candidates = candidate_models(history, plan, quick=quick)
    caveat = _caveat(n, plan)
    if _earliest_training(n, plan) < MIN_TRAINING:
        fallback: ModelName = candidates[0]
        points = _points(_fit(fallback, history, plan.max_horizon, plan))
        return SeriesForecast(fallback, (), n, caveat, points)
    scores = []
    for model in candidates:
        score = backtest(history, model=model, plan=plan)
        if score is not None:
            scores.append(score)
    scores.sort(key=_backtest_rank)
    for score in scores:
        forecast = _fit(score.model, history, plan.max_horizon, plan)
        if forecast is not None:
            return SeriesForecast(
                score.model, tuple(scores), n, caveat, _points(forecast)
            )
    return SeriesForecast("none", tuple(scores), n, caveat, ())


def _backtest_rank(score: ModelScore) -> tuple[float, int]:
    return (score.one_step.mae + score.at_horizon.mae, MODEL_ORDER.index(score.model))


def seasonal_history_needed(plan: Plan) -> int:
    """Periods a seasonal model needs: two seasons before every backtest origin."""
    return 2 * plan.season + plan.windows + plan.horizon - 1


def candidate_models(
    history: np.ndarray, plan: Plan, *, quick: bool = False
) -> list[ModelName]:
    seasonal = len(history) >= seasonal_history_needed(plan)
    models: list[ModelName] = ["seasonal_naive" if seasonal else "naive"]
    if is_intermittent(history):
        models.append("croston_sba")
    models.append("ets")
    if seasonal and plan.season <= ETS_MAX_SEASON and not quick:
        models.append("seasonal_ets")
    return models


def is_intermittent(history: np.ndarray) -> bool:
    """Average interval between non-zero periods ≥ 1.32 (periods / non-zero ones)."""
    demand = int(np.count_nonzero(history))
    return demand > 0 and len(history) / demand >= INTERMITTENT_INTERVAL


def _caveat(n: int, plan: Plan) -> str | None:
    unit = plan.grain + ("s" if n != 1 else "")
    if _earliest_training(n, plan) < MIN_TRAINING:
        return (
            f"Only {n} {unit} of history: too short to backtest over the last "
            f"{plan.windows}, so this forecast has no track record and no seasonal "
            "model."
        )
    if n < seasonal_history_needed(plan):
        return (
            f"Only {n} {unit} of history, under two yearly cycles before the "
            f"backtest ({seasonal_history_needed(plan)} needed): no seasonal model "
            "was tried."
        )
    return None


def _earliest_training(n: int, plan: Plan) -> int:
    return n - plan.windows - plan.horizon + 1


def backtest(history: np.ndarray, *, model: ModelName, plan: Plan) -> ModelScore | None:
    """Rolling-origin scores of one model; None when it fails to fit at an origin.

    Origins: every training length L from n - windows - horizon + 1 to n - 1. The
    forecast from L at step 1 scores period L (for L ≥ n - windows), the one at
    step `horizon` scores period L + horizon - 1 (for L ≤ n - horizon).
    """
    n = len(history)
    first_target = n - plan.windows
    one_step: list[tuple[float, dict[str, np.ndarray]]] = []
    at_horizon: list[tuple[float, dict[str, np.ndarray]]] = []
    for length in range(_earliest_training(n, plan), n):
        forecast = _fit(model, history[:length], plan.horizon, plan)
        if forecast is None:
            return None
        if length >= first_target:
            one_step.append((history[length], _step(forecast, 0)))
        target = length + plan.horizon - 1
        if target < n:
            at_horizon.append((history[target], _step(forecast, plan.horizon - 1)))
    scale = seasonal_naive_mae(history, plan.season)
    return ModelScore(model, _accuracy(one_step, scale), _accuracy(at_horizon, scale))


def seasonal_naive_mae(history: np.ndarray, season: int) -> float:
    """In-sample MAE of the seasonal naive (season 1 under two seasons of history)."""
    lag = season if len(history) >= 2 * season else 1
    if len(history) <= lag:
        return 0.0
    return float(np.mean(np.abs(history[lag:] - history[:-lag])))


def _step(forecast: dict[str, np.ndarray], index: int) -> dict[str, np.ndarray]:
    return {key: values[index] for key, values in forecast.items()}


def _accuracy(
    pairs: list[tuple[float, dict[str, np.ndarray]]], scale: float
) -> Accuracy:
    actual = np.array([value for value, _ in pairs])
    mean = np.array([forecast["mean"] for _, forecast in pairs])
    errors = np.abs(actual - mean)
    mae = float(errors.mean())
    magnitude = np.abs(actual) + np.abs(mean)
    terms = np.divide(
        2 * errors, magnitude, out=np.zeros_like(errors), where=magnitude > 0
    )

    def covered(level: int) -> float:
        inside = sum(
            bool(forecast[f"lo-{level}"] <= value <= forecast[f"hi-{level}"])
            for value, forecast in pairs
        )
        return inside / len(pairs)

    return Accuracy(
        mase=mae / scale if scale > 0 else None,
        smape=float(terms.mean()),
        coverage_80=covered(80),
        coverage_95=covered(95),
        mae=mae,
    )


def _fit(
    model: ModelName, history: np.ndarray, horizon: int, plan: Plan
) -> dict[str, np.ndarray] | None:
    """mean, lo-80, hi-80, lo-95, hi-95 for `horizon` steps, clipped at 0; None
    when the model fails or gives non-finite numbers."""
    try:
        with warnings.catch_warnings():
            # Convergence chatter on short series; the numbers are checked below.
            warnings.simplefilter("ignore")
            raw = _model(model, plan, horizon).forecast(
                y=history, h=horizon, level=list(LEVELS)
            )
    # statsforecast refuses series too short for ETS with NotImplementedError.
    except (
        ValueError,
        IndexError,
        ZeroDivisionError,
        NotImplementedError,
        np.linalg.LinAlgError,
    ):
        return None
    mean = np.asarray(raw["mean"], dtype=float)
    if not np.isfinite(mean).all():
        return None
    result = {"mean": np.maximum(mean, 0.0)}
    for level in LEVELS:
        for side in ("lo", "hi"):
            bound = np.asarray(raw.get(f"{side}-{level}", mean), dtype=float)
            # A one-point history has no spread: the interval is the point.
            bound = np.where(np.isfinite(bound), bound, mean)
            result[f"{side}-{level}"] = np.maximum(bound, 0.0)
    return result


def _model(model: ModelName, plan: Plan, horizon: int) -> Any:
    from statsforecast.models import AutoETS, CrostonSBA, Naive, SeasonalNaive
    from statsforecast.utils import ConformalIntervals

    if model == "naive":
        return Naive()
    if model == "seasonal_naive":
        return SeasonalNaive(season_length=plan.season)
    if model == "ets":
        # Additive error and season; trend none, additive or damped by AICc.
        return AutoETS(model="AZN")
    if model == "seasonal_ets":
        return AutoETS(season_length=plan.season, model="AZA")
    if model == "croston_sba":
        # Croston's method has no interval of its own: conformal ones from two
        # rolling windows of its own errors.
        return CrostonSBA(
            prediction_intervals=ConformalIntervals(h=horizon, n_windows=2)
        )
    raise ValueError(f"no such model: {model}")


def _points(forecast: dict[str, np.ndarray] | None) -> tuple[PointForecast, ...]:
    if forecast is None:
        return ()
    return tuple(
        PointForecast(
            step=index + 1,
            mean=_finite(forecast["mean"][index]),
            lower_80=_finite(forecast["lo-80"][index]),
            upper_80=_finite(forecast["hi-80"][index]),
            lower_95=_finite(forecast["lo-95"][index]),
            upper_95=_finite(forecast["hi-95"][index]),
        )
        for index in range(len(forecast["mean"]))
    )


def _finite(value: float) -> float:
    number = float(value)
    return number if math.isfinite(number) else 0.0
