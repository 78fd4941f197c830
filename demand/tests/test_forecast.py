"""The revenue forecast: history of complete months, the model chosen, the interval."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import time_machine

from demand.forecast import (
    MonthForecast,
    MonthRevenue,
    RevenueForecast,
    revenue_forecast,
)
from demand.tests.test_metrics import JANUARY_TO_APRIL, local, shop  # noqa: F401
from ecomanalytics.filters import MetricFilters
from ecomanalytics.periods import add_months
from ecomanalytics.store.tests.factories import OrderFactory, ProductFactory


def history(first: date, amounts: list[str]) -> list[MonthRevenue]:
    return [
        MonthRevenue(add_months(first, index), Decimal(amount))
        for index, amount in enumerate(amounts)
    ]


def order_every_month(first: date, amounts: list[int]) -> None:
    """One order on the 10th of each month from `first`, worth the given amount."""
    product = ProductFactory()
    for index, amount in enumerate(amounts):
        month = add_months(first, index)
        OrderFactory(
            placed_at=local(month.year, month.month, 10),
            lines=[(product, 1, str(amount))],
        )


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_short_history_gets_the_mean_forecast(answer, shop, django_assert_num_queries):  # noqa: F811
    # given complete months Jan 100, Feb 0, Mar 50, Apr 105
    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=1, rollup=1)):
        forecast = answer(
            revenue_forecast, refresh=False, filters=JANUARY_TO_APRIL, horizon=2
        )
    # then mean 63.75, s = 49.2231, margin = 1.2816 x s x sqrt(1 + 1/4) = 70.5278
    assert forecast == RevenueForecast(
        model="mean",
        history=history(date(2025, 1, 1), ["100", "0", "50", "105"]),
        results=[
            MonthForecast(date(2025, 5, 1), *map(Decimal, ["63.75", "0", "134.28"])),
            MonthForecast(date(2025, 6, 1), *map(Decimal, ["63.75", "0", "134.28"])),
        ],
    )


@time_machine.travel(local(2025, 4, 20, 12), tick=False)
def test_history_keeps_only_complete_months(answer, shop):  # noqa: F811
    # given the window starts mid-December and today is April 20
    # when
    forecast = answer(
        revenue_forecast,
        filters=MetricFilters(start=date(2024, 12, 15), end=date(2025, 12, 31)),
        horizon=1,
    )
    # then December (cut by start) and April (not ended) are left out
    assert forecast.model == "mean"
    assert forecast.history == history(date(2025, 1, 1), ["100", "0", "50"])
    assert [result.month for result in forecast.results] == [date(2025, 4, 1)]


@time_machine.travel(local(2025, 3, 15, 12), tick=False)
def test_twelve_to_23_months_get_the_seasonal_naive_forecast(answer, db):
    # given Jan..Dec 2024 worth 10..120, then Jan 2025 20 and Feb 2025 40
    order_every_month(date(2024, 1, 1), [*range(10, 130, 10), 20, 40])
    # when
    forecast = answer(revenue_forecast, filters=MetricFilters(start=date(2024, 1, 1)))
    # then each month repeats last year's; year-on-year differences 10 and 20 have
    # s = 7.0711, so the margin is 1.2816 x 7.0711 = 9.06
    assert forecast.model == "seasonal_naive"
    assert forecast.results == [
        MonthForecast(date(2025, 3, 1), *map(Decimal, ["30", "20.94", "39.06"])),
        MonthForecast(date(2025, 4, 1), *map(Decimal, ["40", "30.94", "49.06"])),
        MonthForecast(date(2025, 5, 1), *map(Decimal, ["50", "40.94", "59.06"])),
    ]


@time_machine.travel(local(2025, 1, 15, 12), tick=False)
def test_two_full_seasons_get_the_ets_forecast(answer, db):
    # given three years of a yearly pattern on a rising trend
    pattern = [100, 80, 90, 110, 130, 150, 170, 160, 140, 120, 110, 200]
    amounts = [
        value + 5 * index + (index % 5) for index, value in enumerate(pattern * 3)
    ]
    order_every_month(date(2022, 1, 1), amounts)
    # when
    forecast = answer(revenue_forecast, filters=MetricFilters(), horizon=12)
    # then the forecast follows the pattern: December above January above February
    assert forecast.model == "ets"
    # January 2022 is left out: the data span starts on Jan 10
    assert forecast.history[0].month == date(2022, 2, 1)
    assert len(forecast.history) == 35
    assert [result.month for result in forecast.results] == [
        add_months(date(2025, 1, 1), step) for step in range(12)
    ]
    for result in forecast.results:
        assert result.lower <= result.forecast <= result.upper
    by_month = {result.month.month: result.forecast for result in forecast.results}
    assert by_month[12] > by_month[1] > by_month[2]


def test_no_complete_month_gives_no_forecast(answer, db):
    assert answer(
        revenue_forecast, answered=None, filters=MetricFilters()
    ) == RevenueForecast(model="none", history=[], results=[])


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_without_end_the_history_runs_to_the_last_month_ended(answer, shop):  # noqa: F811
    # given the last order on Apr 6 and today June 15
    # when
    forecast = answer(revenue_forecast, filters=MetricFilters(start=date(2025, 1, 1)))
    # then May, without orders, is a zero month of the history
    assert forecast.history == history(date(2025, 1, 1), ["100", "0", "50", "105", "0"])
    assert [result.month for result in forecast.results] == [
        date(2025, 6, 1),
        date(2025, 7, 1),
        date(2025, 8, 1),
    ]
