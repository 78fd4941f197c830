"""Fit and store the forecasts of the stored set; read them back.

The stored set: the shop, every category, the shop under each single filter of
source, device and country (the 10 values of each with the most revenue orders in
the last 12 complete months) and the top N products by revenue over those months
(N = 20 by default, at most 100), each for revenue and units, monthly and weekly. Run after each committed roll-up refresh (demand.apps
connects refit_after_refresh to rollups_refreshed) and by `manage.py
fit_forecasts`. A series whose history fingerprint (its values, first period,
grain, metric and revenue measure) is unchanged since its last fit is not refit.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from tqdm import tqdm

from ecomanalytics.filters import MetricFilters, Table, column
from ecomanalytics.money import revenue_measure
from ecomanalytics.periods import add_months, local_midnight, today
from ecomanalytics.store.data_version import data_version
from ecomanalytics.store.models import Category, Order, Product

from .forecasting import (
    Accuracy,
    ModelScore,
    PointForecast,
    SeriesForecast,
    fit_values,
)
from .metrics import PeriodSeries, SeriesGrain, SeriesMetric, demand_series
from .models import StoredForecast
from .product_analyses import abc_grading

Scope = Literal["shop", "category", "product"]
# The shop under one filter is stored under the filter's name, keyed by its value.
StoredScope = Literal["shop", "category", "product", "source", "device", "country"]
DimensionScope = Literal["source", "device", "country"]
DIMENSION_SCOPES: tuple[DimensionScope, ...] = ("source", "device", "country")
TOP_DIMENSION_VALUES = 10
DEFAULT_TOP_PRODUCTS = 20
MAX_TOP_PRODUCTS = 100
GRAINS: tuple[SeriesGrain, ...] = ("month", "week")
METRICS: tuple[SeriesMetric, ...] = ("revenue", "units")


@dataclass(frozen=True, slots=True)
class SeriesKey:
    scope: StoredScope
    # "" for the shop, the category's name, the product's sku, the filter's value
    key: str
    metric: SeriesMetric
    grain: SeriesGrain
    product_id: int | None = None
    rank: int = 0

    def filters(self) -> MetricFilters:
        if self.scope == "source":
            return MetricFilters(source=self.key)
        if self.scope == "device":
            return MetricFilters(device=self.key)
        if self.scope == "country":
            return MetricFilters(country=self.key)
        return MetricFilters(category=self.key if self.scope == "category" else None)


@dataclass(frozen=True, slots=True)
class FitReport:
    series: int
    fitted: int
    unchanged: int
    removed: int
    seconds: float


def stored_set(top: int = DEFAULT_TOP_PRODUCTS) -> list[SeriesKey]:
    """Every series of the stored set, the shop first."""
    scopes: list[tuple[StoredScope, str, int | None, int]] = [("shop", "", None, 0)]
    scopes += [
        ("category", name, None, 0)
        for name in Category.objects.order_by("name").values_list("name", flat=True)
    ]
    scopes += [
        (dimension, value, None, 0)
        for dimension in DIMENSION_SCOPES
        for value in top_dimension_values(dimension, TOP_DIMENSION_VALUES)
    ]
    scopes += [
        ("product", sku, product_id, rank)
        for rank, (sku, product_id) in enumerate(top_products_by_revenue(top), 1)
    ]
    return [
        SeriesKey(scope, key, metric, grain, product_id, rank)
        for scope, key, product_id, rank in scopes
        for metric in METRICS
        for grain in GRAINS
    ]


def _last_twelve_months() -> tuple[date, date]:
    """The first and last day of the last 12 complete months."""
    first_of_month = today().replace(day=1)
    return add_months(first_of_month, -12), first_of_month - timedelta(days=1)


def top_dimension_values(dimension: DimensionScope, top: int) -> list[str]:
    """The `top` values of a filter with the most revenue orders placed in the last
    12 complete months (ties by value), as the filter matches orders."""
    start, end = _last_twelve_months()
    field = column(Table.ORDERS, dimension)
    rows = (
        Order.objects.filter(
            status__in=settings.REVENUE_STATUSES,
            placed_at__gte=local_midnight(start),
            placed_at__lt=local_midnight(end + timedelta(days=1)),
        )
        .exclude(**{field: ""})
        .exclude(**{f"{field}__isnull": True})
        .values(field)
        .annotate(orders=Count("id"))
        .order_by("-orders", field)[:top]
    )
    return [row[field] for row in rows]


def top_products_by_revenue(top: int) -> list[tuple[str, int]]:
    """(sku, id) of the `top` products with the most revenue in the last 12 complete
    months (ABC grading's ranking: revenue, then sku)."""
    start, end = _last_twelve_months()
    window = MetricFilters(start=start, end=end)
    skus = [row.sku for row in abc_grading(filters=window).results[:top]]
    ids = dict(Product.objects.filter(sku__in=skus).values_list("sku", "id"))
    return [(sku, ids[sku]) for sku in skus]


def fingerprint(series: PeriodSeries) -> str:
    """What a fit depends on: the values, their first period and the measure."""
    first = series.periods[0].isoformat() if series.periods else ""
    text = json.dumps(
        [series.grain, series.metric, str(revenue_measure()), first, series.values]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def series_of(key: SeriesKey) -> PeriodSeries:
    return demand_series(
        filters=key.filters(),
        grain=key.grain,
        metric=key.metric,
        product_id=key.product_id,
    )


def fit_stored_forecasts(
    *, top: int = DEFAULT_TOP_PRODUCTS, progress: bool = False, force: bool = False
) -> FitReport:
    """Refit the stored set's series whose history changed (every one with force),
    store them with the data version, and drop the rows no longer in the set."""
    started = time.perf_counter()
    keys = stored_set(top)
    stored = {
        (row.scope, row.key, row.metric, row.grain): row
        for row in StoredForecast.objects.all()
    }
    version = data_version()
    unchanged = 0
    changed: list[tuple[SeriesKey, PeriodSeries, str]] = []
    for key in keys:
        series = series_of(key)
        history_print = fingerprint(series)
        row = stored.pop((key.scope, key.key, key.metric, key.grain), None)
        if row is not None and row.history_fingerprint == history_print and not force:
            unchanged += 1
            if row.rank != key.rank:
                row.rank = key.rank
                row.save(update_fields=["rank"])
            continue
        changed.append((key, series, history_print))
    results = fitted_in_parallel(
        [(series.values, key.grain) for key, series, _ in changed],
        processes=settings.FORECAST_FIT_PROCESSES,
        progress=progress,
    )
    for (key, series, history_print), result in zip(changed, results, strict=True):
        _store(key, series, result, history_print, version)
    fitted = len(changed)
    removed = 0
    if stored:
        removed, _ = StoredForecast.objects.filter(
            pk__in=[row.pk for row in stored.values()]
        ).delete()
    return FitReport(
        len(keys), fitted, unchanged, removed, time.perf_counter() - started
    )


def fitted_in_parallel(
    work: list[tuple[list[float], SeriesGrain]], *, processes: int, progress: bool
) -> Iterable[SeriesForecast]:
    """forecast_series of each (values, grain), in order, over `processes` worker
    processes: the fits are pure CPU (no database), one series at a time each."""
    if processes <= 1 or len(work) < 2:
        results: Iterable[SeriesForecast] = (fit_values(*item) for item in work)
        yield from _watched(results, len(work), progress)
        return
    # spawn, not fork: the children import only the engine (numpy, statsforecast),
    # never Django or the parent's open database connections.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        results = pool.map(fit_values, *zip(*work, strict=True), chunksize=2)
        yield from _watched(results, len(work), progress)


def _watched(
    results: Iterable[SeriesForecast], total: int, progress: bool
) -> Iterable[SeriesForecast]:
    if progress:
        return tqdm(results, total=total, desc="forecasts", unit="series")
    return results


def _store(
    key: SeriesKey,
    series: PeriodSeries,
    result: SeriesForecast,
    history_print: str,
    version: int,
) -> None:
    with transaction.atomic():
        StoredForecast.objects.update_or_create(
            scope=key.scope,
            key=key.key,
            metric=key.metric,
            grain=key.grain,
            defaults={
                "rank": key.rank,
                "model": result.model,
                "scores": [asdict(score) for score in result.scores],
                "history_start": series.periods[0] if series.periods else None,
                "history": series.values,
                "caveat": result.caveat or "",
                "points": [asdict(point) for point in result.points],
                "revenue_measure": str(revenue_measure()),
                "history_fingerprint": history_print,
                "data_version": version,
                "fitted_at": timezone.now(),
            },
        )


def stored_forecast(
    scope: StoredScope, key: str, metric: SeriesMetric, grain: SeriesGrain
) -> StoredForecast | None:
    """The stored row of a series fitted with the current revenue measure."""
    return StoredForecast.objects.filter(
        scope=scope,
        key=key,
        metric=metric,
        grain=grain,
        revenue_measure=str(revenue_measure()),
    ).first()


def result_of(row: StoredForecast) -> SeriesForecast:
    """The stored row as the engine returned it."""
    return SeriesForecast(
        model=row.model,  # type: ignore[arg-type]
        scores=tuple(_score(score) for score in row.scores),
        history_points=len(row.history),
        caveat=row.caveat or None,
        points=tuple(PointForecast(**point) for point in row.points),
    )


def _score(score: dict[str, Any]) -> ModelScore:
    return ModelScore(
        model=score["model"],
        one_step=Accuracy(**score["one_step"]),
        at_horizon=Accuracy(**score["at_horizon"]),
    )


def refit_after_refresh(sender: object, **kwargs: Any) -> None:
    """rollups_refreshed's receiver: refit the changed series of the stored set."""
    fit_stored_forecasts(progress=bool(kwargs.get("progress")))


def history_periods(first: date | None, count: int, grain: SeriesGrain) -> list[date]:
    """The first days of `count` periods from `first`."""
    if first is None:
        return []
    if grain == "month":
        return [add_months(first, index) for index in range(count)]
    return [first + timedelta(weeks=index) for index in range(count)]
