"""The forecast engine on series with a known answer, and a hand-computed backtest."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from demand.forecasting import (
    PLANS,
    Accuracy,
    ModelScore,
    Plan,
    PointForecast,
    backtest,
    forecast_series,
    is_intermittent,
)

MONTHS = PLANS["month"]
YEAR = [10.0, 12, 15, 20, 25, 30, 28, 26, 22, 18, 14, 40]
Z_80 = 1.2815515655446004
Z_95 = 1.959963984540054


def test_a_pure_seasonal_series_is_repeated_by_the_seasonal_naive():
    # given three identical years
    # when
    result = forecast_series(YEAR * 3, plan=MONTHS)
    # then the seasonal naive is exact in the backtest and wins; MASE has no scale
    # (the in-sample seasonal-naive error is 0), sMAPE is 0, the intervals hold
    assert result.model == "seasonal_naive"
    assert result.caveat is None
    assert result.history_points == 36
    assert result.scores[0].model == "seasonal_naive"
    assert {score.model for score in result.scores} == {
        "seasonal_naive",
        "ets",
        "seasonal_ets",
    }
    best = result.scores[0]
    assert best.one_step == Accuracy(
        mase=None, smape=0.0, coverage_80=1.0, coverage_95=1.0, mae=0.0
    )
    assert best.at_horizon == best.one_step
    assert [point.mean for point in result.points] == YEAR
    assert result.points[0] == PointForecast(1, 10.0, 10.0, 10.0, 10.0, 10.0)


def test_a_constant_series_is_forecast_flat_with_the_short_history_caveat():
    # given 12 months of 50
    # when
    result = forecast_series([50.0] * 12, plan=MONTHS)
    # then no seasonal model is tried, and the response says so
    assert result.model == "naive"
    assert result.caveat == (
        "Only 12 months of history, under two yearly cycles before the backtest "
        "(32 needed): no seasonal model was tried."
    )
    assert [score.model for score in result.scores] == ["naive", "ets"]
    assert result.points == tuple(
        PointForecast(step, 50.0, 50.0, 50.0, 50.0, 50.0) for step in range(1, 13)
    )


def test_an_intermittent_series_offers_croston_and_stays_non_negative():
    # given units sold in one month of three or four, 11 months of 36
    units = [0.0, 0, 3, 0, 0, 0, 2, 0, 1, 0, 0, 4, 0, 0, 0, 2, 0, 0]
    units += [3.0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 0, 3, 0, 0, 0]
    # when
    result = forecast_series(units, plan=MONTHS)
    # then Croston (SBA) is a candidate; the forecast is flat and never negative
    assert is_intermittent(np.array(units))
    assert not is_intermittent(np.array(YEAR))
    assert "croston_sba" in {score.model for score in result.scores}
    croston = next(s for s in result.scores if s.model == "croston_sba")
    assert croston.one_step.mase is not None
    assert all(point.lower_95 >= 0 for point in result.points)
    if result.model == "croston_sba":
        assert len({point.mean for point in result.points}) == 1


def test_backtest_mase_smape_and_coverage_by_hand():
    # given a naive model, the last 3 periods backtested, at step 1 and 2
    history = np.array([10.0, 12, 11, 15, 14, 18])
    plan = Plan("month", season=1, windows=3, horizon=2, max_horizon=2)
    # when
    score = backtest(history, model="naive", plan=plan)
    # then one step: 11->15, 15->14, 14->18 (errors 4, 1, 4); at step 2: 12->15,
    # 11->14, 15->18 (3, 3, 3). Scale: the naive MAE in sample, (2+1+4+1+4)/5.
    scale = 12 / 5
    # Naive's interval: ± z * sqrt(Σ residuals² / their number) * sqrt(step),
    # residuals of the training part. One step from [10,12,11]: sigma √(5/2),
    # 11 ± 2.03 misses 15 (80 %) and ± 3.10 too (95 %); from [.., 15]: √7, 15
    # ± 3.39 holds 14; from [.., 14]: √(22/4), 14 ± 3.01 misses 18, ± 4.60 holds.
    assert math.sqrt(5 / 2) * Z_95 < 4 < math.sqrt(22 / 4) * Z_95
    # Step 2 from [10, 12]: 12 ± 2√2 z holds 15 at both levels; from [10,12,11]:
    # 11 ± √5 z: 80 % misses 14 (2.87), 95 % holds (4.38); from [..., 15]: 15 ±
    # √14 z holds 18 at both.
    assert math.sqrt(5) * Z_80 < 3 < math.sqrt(5) * Z_95
    assert score is not None
    assert score.one_step.smape == pytest.approx((8 / 26 + 2 / 29 + 8 / 32) / 3)
    assert score.at_horizon.smape == pytest.approx((6 / 27 + 6 / 25 + 6 / 33) / 3)
    assert replace(
        score,
        one_step=replace(score.one_step, smape=0.0),
        at_horizon=replace(score.at_horizon, smape=0.0),
    ) == ModelScore(
        model="naive",
        one_step=Accuracy(
            mase=3 / scale, smape=0.0, coverage_80=1 / 3, coverage_95=2 / 3, mae=3.0
        ),
        at_horizon=Accuracy(
            mase=3 / scale, smape=0.0, coverage_80=2 / 3, coverage_95=1.0, mae=3.0
        ),
    )


def test_a_history_too_short_to_backtest_gets_the_naive_without_scores():
    result = forecast_series([5.0, 7.0], plan=MONTHS)
    assert (result.model, result.scores, result.history_points) == ("naive", (), 2)
    assert result.caveat == (
        "Only 2 months of history: too short to backtest over the last 6, so this "
        "forecast has no track record and no seasonal model."
    )
    assert result.points[0].mean == 7.0


def test_no_history_no_forecast():
    result = forecast_series([], plan=PLANS["week"])
    assert (result.model, result.points) == ("none", ())
    assert result.caveat == "No complete week of history."


def test_weekly_series_have_no_seasonal_ets_and_the_quick_set_none():
    # given three years of weeks with a yearly pattern
    weeks = [100 + 30 * math.sin(2 * math.pi * week / 52) for week in range(156)]
    # when
    weekly = forecast_series(weeks, plan=PLANS["week"])
    quick = forecast_series(YEAR * 3, plan=MONTHS, quick=True)
    # then
    assert {score.model for score in weekly.scores} == {"seasonal_naive", "ets"}
    assert weekly.model == "seasonal_naive"
    assert len(weekly.points) == 26
    assert {score.model for score in quick.scores} == {"seasonal_naive", "ets"}


@pytest.mark.parametrize("quick", [False, True])
def test_a_series_too_short_for_ets_in_some_backtest_windows_still_forecasts(quick):
    # found by the load bench on a 300-order shop: statsforecast refuses ETS on a
    # window of under 7 points ("tiny datasets"), which was a 500
    history = [5.0, 0, 3, 0, 0, 2, 0, 1, 4, 0, 2, 3]

    result = forecast_series(history, plan=MONTHS, quick=quick)

    assert result.history_points == 12
    assert result.model != "none"
    assert all(point.mean >= 0 for point in result.points)
