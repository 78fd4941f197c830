"""Predicted value over 1..36 months (months=), stored at fit time for every horizon.

The shop is test_value_fit's history: twelve customers of one cohort (January 2025),
customer k ordering k times, every 20 days, $10 an order.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command

from cohorts import value_model
from cohorts.models import CohortHorizonValue, CustomerValue, CustomerValueFit
from cohorts.tests.test_value_fit import history  # noqa: F401 (fixture)
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.store.models import Order
from ecomanalytics.store.tests.factories import CustomerFactory, OrderFactory

URL = "/api/cohorts/customer-value/"


def _by_hand(months: int) -> dict[str, tuple[float, Decimal]]:
    """Each customer's expected orders and predicted revenue (cents) over `months`,
    from the stored fit's parameters and each customer's stored summary."""
    fit = CustomerValueFit.objects.get()
    rows = list(CustomerValue.objects.select_related("customer"))
    x = np.array([float(row.repeat_orders) for row in rows])
    t_x = np.array([row.last_order_week for row in rows])
    big_t = np.array([row.age_weeks for row in rows])
    m = np.array([float(row.average_order_value) for row in rows])  # $10 each
    bg_nbd = value_model.BgNbd(fit.r, fit.alpha, fit.a, fit.b, 0.0)
    gamma_gamma = value_model.GammaGamma(fit.p, fit.q, fit.gamma, 0.0)
    weeks = months * 365.25 / 12 / 7
    orders = value_model.expected_purchases(bg_nbd, weeks, x, t_x, big_t)
    value = orders * value_model.expected_order_value(gamma_gamma, x, m)
    return {
        row.customer.external_id: (
            float(orders[i]),
            Decimal(round(value[i] * 100)) / 100,
        )
        for i, row in enumerate(rows)
    }


def test_months_12_is_the_default_answer(api_client, history):  # noqa: F811
    # given
    call_command("fit_customer_value")
    # when
    default = api_client.get(URL).json()
    twelve = api_client.get(URL + "?months=12").json()
    # then
    assert twelve == default
    assert twelve["horizon_months"] == 12
    # and the stored 12-month totals agree with the per-customer rows to the cent
    stored = CohortHorizonValue.objects.get(months=12)
    assert stored.customers == 12
    assert stored.predicted_revenue == pytest.approx(
        Decimal(default["cohorts"][0]["predicted_revenue"]), abs=Decimal("0.01") * 12
    )


def test_another_horizon_is_the_models_own_prediction(api_client, history):  # noqa: F811
    # given
    call_command("fit_customer_value")
    # when
    body = api_client.get(URL + "?months=3").json()
    # then the cohort's sum and mean are the model's 3-month predictions, by hand
    expected = _by_hand(3)
    total = sum((revenue for _, revenue in expected.values()), Decimal(0))
    assert body["horizon_months"] == 3
    assert body["cohorts"] == [
        {
            "cohort": "2025-01",
            "customers": 12,
            "predicted_revenue": float(total),
            "mean_predicted_revenue": float(round(total / 12, 2)),
            "mean_probability_alive": pytest.approx(
                float(
                    np.mean([v.probability_alive for v in CustomerValue.objects.all()])
                )
            ),
        }
    ]
    # and the top customers are ranked by their 3-month revenue, ties by id
    ranked = sorted(expected.items(), key=lambda item: -item[1][1])[:10]
    assert [row["external_id"] for row in body["top_customers"]] == [
        external_id for external_id, _ in ranked
    ]
    first = body["top_customers"][0]
    assert first["expected_orders"] == pytest.approx(ranked[0][1][0])
    assert first["predicted_revenue"] == float(ranked[0][1][1])
    # and a longer horizon predicts more
    longer = api_client.get(URL + "?months=36").json()
    assert longer["cohorts"][0]["predicted_revenue"] > float(total)


def test_customers_of_the_same_history_each_count_and_rank_by_id(
    api_client,
    history,  # noqa: F811
):
    # given c12's twin: the same twelve orders, on the same days, for the same money
    twin = CustomerFactory(external_id="c12-twin")
    for order in Order.objects.filter(customer__external_id="c12"):
        OrderFactory(customer=twin, placed_at=order.placed_at)
    twin.orders.update(total=Decimal("10.00"))  # as the fixture's orders
    refresh_rollups()
    call_command("fit_customer_value")
    # when
    body = api_client.get(URL + "?months=3").json()
    # then both are counted, predicted alike, and ranked by id
    assert body["cohorts"][0]["customers"] == 13
    expected = _by_hand(3)
    assert expected["c12-twin"] == expected["c12"]
    ranked = [row["external_id"] for row in body["top_customers"]]
    assert ranked.index("c12-twin") == ranked.index("c12") + 1
    twins = [
        row for row in body["top_customers"] if row["external_id"].startswith("c12")
    ]
    assert twins[0]["predicted_revenue"] == twins[1]["predicted_revenue"]
    assert twins[0]["predicted_revenue"] == float(expected["c12"][1])


@pytest.mark.django_db
@pytest.mark.parametrize("months", ["0", "37", "twelve"])
def test_a_horizon_outside_1_to_36_is_a_400_naming_months(api_client, months):
    response = api_client.get(URL, {"months": months})
    assert response.status_code == 400
    assert "months" in response.json()


@pytest.mark.django_db
def test_another_horizon_with_a_filter_is_a_400_naming_months(api_client):
    response = api_client.get(URL, {"months": 6, "source": "email"})
    assert response.status_code == 400
    assert response.json()["months"] == [
        "A horizon other than 12 months is predicted for every customer only: "
        "leave out source."
    ]
