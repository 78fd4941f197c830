"""The customer-value models against the published CDNOW fits."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from cohorts.value_model import (
    expected_order_value,
    expected_purchases,
    fit_bg_nbd,
    fit_gamma_gamma,
    probability_alive,
)

CDNOW = Path(__file__).resolve().parents[2] / "fixtures" / "cdnow_customers_summary.csv"


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    with CDNOW.open(newline="") as file:
        rows = list(csv.DictReader(file))
    return {
        name: np.array([float(row[name]) for row in rows])
        for name in ("x", "t_x", "T", "zbar")
    }


def test_the_cdnow_sample_has_its_2357_customers(cdnow):
    assert len(cdnow["x"]) == 2357


def test_bg_nbd_reproduces_fader_hardie_lee_on_cdnow(cdnow):
    # when
    model = fit_bg_nbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    # then the published r = 0.243, alpha = 4.414, a = 0.793, b = 2.426
    assert (
        round(model.r, 3),
        round(model.alpha, 3),
        round(model.a, 3),
        round(model.b, 3),
    ) == (0.243, 4.414, 0.793, 2.426)
    assert model.log_likelihood == pytest.approx(-9582.4, abs=0.1)


def test_gamma_gamma_reproduces_fader_hardie_on_cdnow(cdnow):
    # when
    model = fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
    # then p = 6.249, q = 3.745, gamma = 15.448 within 0.01
    assert model.p == pytest.approx(6.249, abs=0.01)
    assert model.q == pytest.approx(3.745, abs=0.01)
    assert model.gamma == pytest.approx(15.448, abs=0.01)


def test_predictions_follow_the_model(cdnow):
    model = fit_bg_nbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    never, often = np.array([0.0, 2.0]), np.array([0.0, 30.43])
    big_t = np.array([38.86, 38.86])
    alive = probability_alive(model, never, often, big_t)
    purchases = expected_purchases(model, 39.0, never, often, big_t)
    # a customer with no repeat purchase is alive for sure in BG/NBD
    assert alive[0] == 1.0
    assert 0 < alive[1] < 1
    assert purchases[1] > purchases[0] > 0
    values = expected_order_value(
        fit_gamma_gamma(cdnow["x"], cdnow["zbar"]), np.array([2.0]), np.array([22.35])
    )
    assert 15 < values[0] < 30
