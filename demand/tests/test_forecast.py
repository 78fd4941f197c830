"""Demand series, stored and on-demand forecasts on the test_metrics shop (New York).

Revenue per local month: Dec 2024 100, Jan 100, Feb 0, Mar 50, Apr 105; units Dec 1,
Jan 2, Mar 2, Apr 6.
"""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demand.forecast import PeriodValue, demand_forecast
from demand.metrics import PeriodSeries, SeriesGrain, demand_series
from demand.models import StoredForecast
from demand.stored_forecasts import fit_stored_forecasts, fitted_in_parallel
from demand.tests.test_metrics import JANUARY_TO_APRIL, local, shop  # noqa: F401
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.store.models import Product
from ecomanalytics.store.tests.factories import OrderFactory

MONTHS_2025 = [date(2025, month, 1) for month in range(1, 5)]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_monthly_series_of_the_shop_a_category_and_a_product(
    answer,
    shop,  # noqa: F811
):
    # when
    revenue = answer(
        demand_series, filters=JANUARY_TO_APRIL, grain="month", metric="revenue"
    )
    units = answer(
        demand_series, filters=JANUARY_TO_APRIL, grain="month", metric="units"
    )
    hats = answer(
        demand_series,
        filters=MetricFilters(
            start=date(2025, 1, 1), end=date(2025, 4, 30), category="Hats"
        ),
        grain="month",
        metric="revenue",
    )
    runner = answer(
        demand_series,
        filters=JANUARY_TO_APRIL,
        grain="month",
        metric="units",
        product_id=Product.objects.get(sku="SKU-A").pk,
    )
    # then the cancelled and refunded orders do not count
    assert revenue == PeriodSeries(
        "month", "revenue", MONTHS_2025, [100.0, 0.0, 50.0, 105.0]
    )
    assert units.values == [2.0, 0.0, 2.0, 6.0]
    assert hats.values == [0.0, 0.0, 30.0, 75.0]
    assert runner.values == [2.0, 0.0, 1.0, 0.0]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_shop_series_of_two_filters_are_read_from_the_order_facts(
    answer,
    shop,  # noqa: F811
):
    # given y's paid Mar 1 order by email, from Canada, the one order of both filters
    answer.refresh()
    both = MetricFilters(
        start=date(2025, 1, 1), end=date(2025, 4, 30), source="email", country="CA"
    )
    # when
    with CaptureQueriesContext(connection) as queries:
        revenue = answer(
            demand_series, refresh=False, filters=both, grain="month", metric="revenue"
        )
        units = answer(
            demand_series, refresh=False, filters=both, grain="month", metric="units"
        )
    # then its $30 beanie and $20 runner
    assert revenue.values == [0.0, 0.0, 50.0, 0.0]
    assert units.values == [0.0, 0.0, 2.0, 0.0]
    read_orders = any('"store_order"' in query["sql"] for query in queries)
    assert read_orders == answer.pick(raw=True, rollup=False)


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_weekly_series_take_iso_weeks_in_the_shop_time_zone(answer, shop):  # noqa: F811
    # given Jan 31 23:59 in New York (Feb 1 in UTC), 2 units worth 100: a Friday
    # when the window starts on Wednesday Jan 1 and ends on Sunday Feb 9
    weeks = answer(
        demand_series,
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 2, 9)),
        grain="week",
        metric="revenue",
    )
    # then the first whole week starts on Monday Jan 6
    assert weeks == PeriodSeries(
        "week",
        "revenue",
        [date(2025, 1, 6) + timedelta(weeks=week) for week in range(5)],
        [0.0, 0.0, 0.0, 100.0, 0.0],
    )


@time_machine.travel(local(2025, 4, 20, 12), tick=False)
def test_on_demand_forecast_keeps_complete_months_and_says_it_is_short(
    answer,
    shop,  # noqa: F811
):
    # given the window starts mid-December and today is April 20
    # when
    forecast = answer(
        demand_forecast,
        filters=MetricFilters(start=date(2024, 12, 15), end=date(2025, 12, 31)),
        horizon=2,
    )
    # then December (cut by start) and April (not ended) are left out
    assert forecast.history == [
        PeriodValue(date(2025, 1, 1), 100.0),
        PeriodValue(date(2025, 2, 1), 0.0),
        PeriodValue(date(2025, 3, 1), 50.0),
    ]
    assert (forecast.source, forecast.model, forecast.scores) == (
        "on_demand",
        "naive",
        [],
    )
    assert forecast.caveat == (
        "Only 3 months of history: too short to backtest over the last 6, so this "
        "forecast has no track record and no seasonal model."
    )
    assert [(r.period, r.forecast) for r in forecast.results] == [
        (date(2025, 4, 1), 50.0),
        (date(2025, 5, 1), 50.0),
    ]


def test_no_complete_period_gives_no_forecast(answer, db):
    forecast = answer(demand_forecast, answered=None, filters=MetricFilters())
    assert (forecast.model, forecast.history, forecast.results) == ("none", [], [])


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_stored_set_is_fitted_once_and_refit_where_history_changed(shop):  # noqa: F811
    # given the shop: categories Hats and Shoes, three products with revenue, and
    # in its revenue orders the sources organic and email, the device desktop and
    # the countries US and CA: 11 series keys, each by metric and grain
    # when
    first = fit_stored_forecasts()
    again = fit_stored_forecasts()
    # a new Sandal (Shoes) sale in March, organic, desktop, from the US, changes
    # the shop's, Shoes', Sandal's, organic's, desktop's and the US's series,
    # monthly and weekly, revenue and units
    OrderFactory(
        placed_at=local(2025, 3, 3), lines=[(Product.objects.get(sku="SKU-C"), 1, "9")]
    )
    after_sale = fit_stored_forecasts()
    # then
    assert (first.series, first.fitted, first.unchanged) == (44, 44, 0)
    assert (again.fitted, again.unchanged, again.removed) == (0, 44, 0)
    assert (after_sale.fitted, after_sale.unchanged) == (24, 20)
    assert set(
        StoredForecast.objects.filter(scope__in=["source", "device", "country"])
        .values_list("scope", "key")
        .distinct()
    ) == {
        ("source", "organic"),
        ("source", "email"),
        ("device", "desktop"),
        ("country", "US"),
        ("country", "CA"),
    }
    assert set(
        StoredForecast.objects.filter(scope="product").values_list("key", "rank")
    ) == {("SKU-A", 1), ("SKU-B", 2), ("SKU-C", 3)}


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_stored_forecasts_answer_with_at_most_one_filter_others_on_demand(shop):  # noqa: F811
    # given
    fit_stored_forecasts()
    # when
    shop_revenue = demand_forecast(filters=MetricFilters())
    hats = demand_forecast(
        filters=MetricFilters(category="Hats"), scope="category", grain="week"
    )
    by_email = demand_forecast(filters=MetricFilters(source="email"))
    email_from_canada = demand_forecast(
        filters=MetricFilters(source="email", country="CA")
    )
    email_since_march = demand_forecast(
        filters=MetricFilters(source="email", start=date(2025, 3, 1))
    )
    shoes_by_email = demand_forecast(
        filters=MetricFilters(source="email", category="Shoes"), scope="category"
    )
    # then the stored history runs from January (December 15 starts the data) to May
    assert shop_revenue.source == "stored"
    assert shop_revenue.fitted_at is not None
    assert [point.value for point in shop_revenue.history] == [100, 0, 50, 105, 0]
    assert [r.period for r in shop_revenue.results] == [
        date(2025, 6, 1),
        date(2025, 7, 1),
        date(2025, 8, 1),
    ]
    assert (hats.source, hats.key, hats.grain, len(hats.results)) == (
        "stored",
        "Hats",
        "week",
        8,
    )
    # and the shop under one filter is stored too, answered as the shop's
    assert (by_email.source, by_email.scope, by_email.key) == ("stored", "shop", "")
    assert [point.value for point in by_email.history] == [0, 0, 50, 0, 0]
    # and two filters, a window or a category with a filter are fitted on demand
    assert email_from_canada.source == "on_demand"
    assert [point.value for point in email_from_canada.history] == [0, 0, 50, 0, 0]
    assert email_since_march.source == "on_demand"
    assert [point.value for point in email_since_march.history] == [50, 0, 0]
    assert shoes_by_email.source == "on_demand"
    assert [point.value for point in shoes_by_email.history] == [0, 0, 20, 0, 0]


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_a_refresh_fits_the_stored_set_when_models_fit_on_refresh(
    shop,  # noqa: F811
    settings,
):
    # given, with the fits spread over two worker processes
    settings.FIT_MODELS_ON_REFRESH = True
    settings.FORECAST_FIT_PROCESSES = 2
    # when
    refresh_rollups()
    # then every series of the set is stored, read from the fresh roll-ups
    assert StoredForecast.objects.count() == 44
    assert demand_forecast(filters=MetricFilters()).source == "stored"


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_the_shop_forecast_with_a_category_filter_is_the_stored_category(shop):  # noqa: F811
    fit_stored_forecasts()
    hats = demand_forecast(filters=MetricFilters(category="Hats"))
    assert (hats.scope, hats.key, hats.source) == ("category", "Hats", "stored")


def test_worker_processes_fit_the_same_forecasts_as_the_refreshing_process():
    # given a seasonal monthly series, an intermittent weekly one and a constant
    seasonal = [float(10 + 5 * (month % 12 in (10, 11))) for month in range(40)]
    intermittent = [float(3 * (week % 3 == 0)) for week in range(60)]
    work: list[tuple[list[float], SeriesGrain]] = [
        (seasonal, "month"),
        (intermittent, "week"),
        ([7.0] * 20, "month"),
    ]
    # when
    inline = list(fitted_in_parallel(work, processes=1, progress=False))
    spread = list(fitted_in_parallel(work, processes=2, progress=False))
    # then every model, score and point is the same, in the same order
    assert spread == inline
    assert [forecast.model for forecast in inline][2] == "naive"
