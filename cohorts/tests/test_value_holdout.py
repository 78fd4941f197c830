"""The customer-value model's holdout check, on the hand-built year of
cohorts.tests.holdout_shop (New York; its docstring lists the customers)."""

from __future__ import annotations

from csv import DictReader
from datetime import date
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from cohorts import value_model
from cohorts.models import CustomerValueFit
from cohorts.tests.holdout_shop import build_holdout_year, orders_of
from cohorts.tests.value_shop import local
from ecomanalytics.rollups.refresh import refresh_rollups

CALIBRATION_END = date(2025, 7, 2)


@pytest.fixture
def year(db):
    build_holdout_year()
    refresh_rollups()


def _weeks(first: date, last: date) -> float:
    return (last - first).days / 7


def _calibration_fit() -> tuple[value_model.BgNbd, dict[str, np.ndarray]]:
    """The calibration summary by hand (x, t_x, T in weeks up to Jul 2), in customer
    id order as the fit reads it: ann, bob, cyd, dee, fay, gus."""
    end = CALIBRATION_END
    history = {
        "ann": (0, date(2025, 1, 10), date(2025, 1, 10)),
        "bob": (0, date(2025, 2, 1), date(2025, 2, 1)),
        "cyd": (1, date(2025, 1, 5), date(2025, 3, 5)),
        "dee": (8, date(2025, 1, 2), date(2025, 5, 2)),
        "fay": (0, date(2025, 1, 15), date(2025, 1, 15)),
        "gus": (0, date(2025, 7, 2), date(2025, 7, 2)),
    }
    arrays = {
        "x": np.array([float(x) for x, _, _ in history.values()]),
        "t_x": np.array([_weeks(first, last) for _, first, last in history.values()]),
        "T": np.array([_weeks(first, end) for _, first, _ in history.values()]),
    }
    return value_model.fit_bg_nbd(arrays["x"], arrays["t_x"], arrays["T"]), arrays


def test_the_fit_stores_predicted_and_actual_holdout_orders_per_group(year):
    # when
    call_command("fit_customer_value")
    # then
    holdout = CustomerValueFit.objects.get().holdout
    assert holdout is not None
    assert holdout["calibration_end"] == "2025-07-02"
    assert holdout["holdout_end"] == "2025-12-31"
    assert holdout["holdout_weeks"] == 26
    assert holdout["customers"] == 6  # eve's first order is in the holdout
    assert holdout["repeat_buyers"] == 2  # cyd, dee
    assert holdout["actual_orders"] == 6  # ann 2, cyd 1, dee 2, gus 1
    groups = holdout["groups"]
    assert [g["label"] for g in groups] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert [g["customers"] for g in groups] == [4, 1, 0, 0, 0, 0, 0, 1]
    assert [g["mean_actual_orders"] for g in groups] == [
        0.75,  # (ann 2 + bob 0 + fay 0 + gus 1) ÷ 4
        1.0,
        None,
        None,
        None,
        None,
        None,
        2.0,
    ]
    # the predictions are the calibration fit's, refitted here on the hand summary
    model, arrays = _calibration_fit()
    assert holdout["bg_nbd"]["r"] == pytest.approx(model.r, rel=1e-4)
    assert holdout["bg_nbd"]["b"] == pytest.approx(model.b, rel=1e-4)
    fitted = value_model.BgNbd(**holdout["bg_nbd"])
    predicted = value_model.expected_purchases(
        fitted, 26, arrays["x"], arrays["t_x"], arrays["T"]
    )
    first_timers = arrays["x"] == 0
    assert groups[0]["mean_predicted_orders"] == pytest.approx(
        predicted[first_timers].mean()
    )
    assert groups[7]["mean_predicted_orders"] == pytest.approx(predicted[3])
    assert groups[2]["mean_predicted_orders"] is None
    assert holdout["predicted_orders"] == pytest.approx(predicted.sum())
    assert all(np.isfinite(predicted))


def test_the_endpoint_serves_the_holdout_check_and_its_csv(api_client, year):
    # given
    call_command("fit_customer_value")
    # when
    body = api_client.get("/api/cohorts/customer-value-holdout/").json()
    csv = api_client.get("/api/cohorts/customer-value-holdout/?format=csv")
    # then
    fit = CustomerValueFit.objects.get()
    assert body["as_of"] == "2025-12-31"
    assert body["unavailable"] == ""
    assert fit.holdout is not None
    stored = dict(fit.holdout)
    assert body["groups"] == stored.pop("groups")
    assert body["holdout"] == stored
    assert [g["customers"] for g in body["groups"]] == [
        4,
        1,
        0,
        0,
        0,
        0,
        0,
        1,
    ]
    assert csv.status_code == 200
    rows = list(DictReader(StringIO(csv.content.decode())))
    assert [(row["label"], row["customers"]) for row in rows] == [
        ("0", "4"),
        ("1", "1"),
        ("2", "0"),
        ("3", "0"),
        ("4", "0"),
        ("5", "0"),
        ("6", "0"),
        ("7+", "1"),
    ]
    assert rows[0]["mean_actual_orders"] == "0.75"


@pytest.mark.django_db
def test_the_endpoint_says_there_is_no_fit_yet(api_client):
    response = api_client.get("/api/cohorts/customer-value-holdout/")
    assert response.status_code == 200
    assert response.json() == {
        "fitted_at": None,
        "as_of": None,
        "holdout": None,
        "unavailable": "The model has not been fitted yet.",
        "groups": [],
    }


def test_filters_are_validated_but_change_nothing(api_client, year):
    # given
    call_command("fit_customer_value")
    # when
    everyone = api_client.get("/api/cohorts/customer-value-holdout/")
    email = api_client.get("/api/cohorts/customer-value-holdout/?source=email")
    bad = api_client.get("/api/cohorts/customer-value-holdout/?source=pigeon")
    # then
    assert email.json() == everyone.json()
    assert bad.status_code == 400
    assert "source" in bad.json()


@pytest.mark.django_db
def test_under_26_weeks_of_history_there_is_no_holdout_and_a_reason(api_client):
    # given four months: a fit, but no 26-week holdout before the end
    orders_of("ann", local(1, 10), local(3, 1), local(4, 30))
    orders_of("bob", local(2, 1))
    refresh_rollups()
    # when
    call_command("fit_customer_value")
    body = api_client.get("/api/cohorts/customer-value-holdout/").json()
    # then the main fit is stored, the holdout is null and says why
    assert body["as_of"] == "2025-04-30"
    assert body["holdout"] is None
    assert body["groups"] == []
    assert body["unavailable"] == (
        "The history (2025-01-10 to 2025-04-30) is shorter than the 26-week holdout "
        "plus a calibration period."
    )


@pytest.mark.django_db
def test_without_a_repeat_buyer_in_calibration_there_is_no_holdout(api_client):
    # given one order each up to the calibration end, the repeat order after it
    orders_of("ann", local(1, 10), local(12, 1))
    orders_of("bob", local(2, 1))
    refresh_rollups()
    # when
    call_command("fit_customer_value")
    body = api_client.get("/api/cohorts/customer-value-holdout/").json()
    # then
    assert body["holdout"] is None
    assert body["unavailable"] == (
        "No customer ordered again up to 2025-06-02 (the calibration period): "
        "BG/NBD has nothing to fit."
    )
