"""Revenue and units forecasts with their backtest, served from storage.

A request for a series of the stored set (demand.stored_forecasts: the shop, a
category, a top product, or the shop under one of the stored values of source,
device or country; no other filter and no start/end) reads its stored row. Any
other series (a product outside the stored set, two filters, a category with a
source, a window) is fitted on demand with the quick model set and cached by data
version and parameters.
Definition: demand.catalogue.FORECAST.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from django.core.cache import cache

from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import next_bucket
from ecomanalytics.store.data_version import data_version

from .forecasting import PLANS, ModelName, ModelScore, SeriesForecast, forecast_series
from .metrics import PeriodSeries, SeriesGrain, SeriesMetric, demand_series
from .stored_forecasts import (
    DIMENSION_SCOPES,
    Scope,
    StoredScope,
    history_periods,
    result_of,
    stored_forecast,
)

Source = Literal["stored", "on_demand"]
ON_DEMAND_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class PeriodValue:
    period: date
    value: float


@dataclass(frozen=True, slots=True)
class PeriodForecast:
    period: date
    forecast: float
    lower: float  # 80 %
    upper: float
    lower_95: float
    upper_95: float


@dataclass(frozen=True, slots=True)
class DemandForecast:
    scope: Scope
    key: str
    metric: SeriesMetric
    grain: SeriesGrain
    model: ModelName
    source: Source
    fitted_at: datetime | None  # stored forecasts only
    history_points: int
    caveat: str | None
    scores: list[ModelScore]  # the chosen model first
    history: list[PeriodValue]
    results: list[PeriodForecast]


def demand_forecast(
    *,
    filters: MetricFilters,
    scope: Scope = "shop",
    sku: str | None = None,
    product_id: int | None = None,
    metric: SeriesMetric = "revenue",
    grain: SeriesGrain = "month",
    horizon: int | None = None,
) -> DemandForecast:
    """The forecast of one series for `horizon` periods (the grain's default: 3
    months, 8 weeks), stored or fitted on demand (see the module docstring).

    scope "category" (or "shop" with a category filter) forecasts filters.category;
    scope "product" the product `sku`
    (product_id its id, looked up by the caller).
    """
    plan = PLANS[grain]
    steps = horizon or plan.horizon
    if scope == "shop" and filters.category:
        # The shop's forecast of one category's lines is that category's.
        scope = "category"
    key = {"shop": "", "category": filters.category or "", "product": sku or ""}[scope]
    stored = _stored_series(filters, scope, key)
    if stored is not None:
        row = stored_forecast(*stored, metric, grain)
        if row is not None:
            periods = history_periods(row.history_start, len(row.history), grain)
            return _answer(
                (scope, key, metric, grain),
                result_of(row),
                list(zip(periods, row.history, strict=True)),
                steps,
                source="stored",
                fitted_at=row.fitted_at,
            )
    if scope == "product" and product_id is None:
        # No such product: nothing to forecast.
        series = PeriodSeries(grain, metric, [], [])
    else:
        series = demand_series(
            filters=filters, grain=grain, metric=metric, product_id=product_id
        )
    cache_key = _cache_key(filters, scope, key, metric, grain)
    result = cache.get(cache_key)
    if result is None:
        result = forecast_series(series.values, plan=plan, quick=True)
        cache.set(cache_key, result, ON_DEMAND_SECONDS)
    return _answer(
        (scope, key, metric, grain),
        result,
        list(zip(series.periods, series.values, strict=True)),
        steps,
        source="on_demand",
        fitted_at=None,
    )


def _stored_series(
    filters: MetricFilters, scope: Scope, key: str
) -> tuple[StoredScope, str] | None:
    """Where the stored set would keep this series: a category or a product with no
    other filter, or the shop with at most one of source, device and country; never
    a window. None: not a series the stored set can hold."""
    plain = replace(filters, category=None)
    if (scope == "category") != bool(filters.category):
        return None
    if plain == MetricFilters():
        return scope, key
    given = [name for name in DIMENSION_SCOPES if getattr(plain, name)]
    if scope != "shop" or len(given) != 1:
        return None
    dimension = given[0]
    if replace(plain, **{dimension: None}) != MetricFilters():
        return None  # a window
    return dimension, getattr(plain, dimension)


def _cache_key(
    filters: MetricFilters, scope: Scope, key: str, metric: str, grain: str
) -> str:
    asked = repr((filters, scope, key, metric, grain, data_version()))
    return "demand-forecast:" + hashlib.sha256(asked.encode()).hexdigest()


def _answer(
    series: tuple[Scope, str, SeriesMetric, SeriesGrain],
    result: SeriesForecast,
    history: list[tuple[date, float]],
    steps: int,
    *,
    source: Source,
    fitted_at: datetime | None,
) -> DemandForecast:
    scope, key, metric, grain = series
    period = next_bucket(history[-1][0], grain) if history else None
    results = []
    for point in result.points[:steps]:
        if period is None:
            break
        results.append(
            PeriodForecast(
                period=period,
                forecast=round(point.mean, 2),
                lower=round(point.lower_80, 2),
                upper=round(point.upper_80, 2),
                lower_95=round(point.lower_95, 2),
                upper_95=round(point.upper_95, 2),
            )
        )
        period = next_bucket(period, grain)
    return DemandForecast(
        scope=scope,
        key=key,
        metric=metric,
        grain=grain,
        model=result.model,
        source=source,
        fitted_at=fitted_at,
        history_points=result.history_points,
        caveat=result.caveat,
        scores=list(result.scores),
        history=[PeriodValue(day, round(value, 2)) for day, value in history],
        results=results,
    )
