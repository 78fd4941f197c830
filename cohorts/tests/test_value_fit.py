"""The stored customer-value fit, on a small generated history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cohorts.metrics import customer_value
from cohorts.models import CustomerValue, CustomerValueFit
from cohorts.tests.value_shop import local
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)


@pytest.fixture
def history(db):
    """Twelve customers: customer k orders k times, every 20 days from Jan 1, 10 each."""
    start = local(1, 1)
    for k in range(1, 13):
        customer = CustomerFactory(external_id=f"c{k}")
        for n in range(k):
            OrderFactory(
                customer=customer, placed_at=start + timedelta(days=20 * n + k)
            )
            customer.orders.filter(total=0).update(total=Decimal("10.00"))
    refresh_rollups()


def test_the_fit_stores_the_model_and_each_customer(history):
    # when
    call_command("fit_customer_value")
    # then
    fit = CustomerValueFit.objects.get()
    assert fit.customers == 12
    assert fit.repeat_buyers == 11
    assert fit.as_of == date(2025, 8, 21)  # c12's last order: Jan 1 + 232 days
    values = {row.customer.external_id: row for row in CustomerValue.objects.all()}
    assert len(values) == 12
    assert values["c1"].repeat_orders == 0
    assert values["c1"].probability_alive == 1.0
    assert values["c12"].repeat_orders == 11
    assert values["c12"].last_order_week == pytest.approx(220 / 7)
    assert values["c12"].age_weeks == pytest.approx(220 / 7)
    assert values["c12"].predicted_revenue > values["c2"].predicted_revenue >= 0


def test_a_refresh_refits_when_models_fit_on_refresh(history, settings):
    settings.FIT_MODELS_ON_REFRESH = True
    refresh_rollups()
    assert CustomerValueFit.objects.count() == 1
    assert CustomerValue.objects.count() == 12


def test_the_endpoint_reports_the_stored_fit(api_client, history):
    # given no fit yet
    empty = api_client.get("/api/cohorts/customer-value/").json()
    call_command("fit_customer_value")
    # when
    body = api_client.get("/api/cohorts/customer-value/").json()
    # then
    assert empty["fit"] is None
    assert empty["probability_alive"] == [
        {"low": tenth / 10, "high": (tenth + 1) / 10, "customers": 0}
        for tenth in range(10)
    ]
    assert body["fit"]["customers"] == 12
    assert set(body["fit"]["bg_nbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
    assert [row["cohort"] for row in body["cohorts"]] == ["2025-01"]
    assert body["cohorts"][0]["customers"] == 12
    assert len(body["top_customers"]) == 10
    assert body["top_customers"][0]["external_id"] == "c12"
    assert sum(bucket["customers"] for bucket in body["probability_alive"]) == 12


@pytest.mark.django_db
def test_a_shop_without_repeat_buyers_keeps_no_fit_and_says_why(capsys):
    # given three customers who each ordered once
    start = local(1, 1)
    for k in range(3):
        OrderFactory(
            customer=CustomerFactory(external_id=f"once{k}"),
            placed_at=start + timedelta(days=k),
        )
    refresh_rollups()
    # when
    call_command("fit_customer_value")
    # then nothing is stored (Gamma-Gamma has no repeat order values to fit)
    assert not CustomerValueFit.objects.exists()
    assert "needs customers with a repeat order" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "histories",
    [
        # one customer who came back after 30 days, two who did not, $10 an order
        [[(0, "10.00"), (30, "10.00")], [(1, "10.00")], [(2, "10.00")]],
        # the dashboard's shop: A back after 31 days, B on the last day, C in between
        [[(9, "100.00"), (40, "50.00")], [(45, "30.00")], [(19, "20.00")]],
    ],
)
def test_a_single_repeat_buyer_is_enough_for_a_finite_fit(histories):
    # given three customers, one of them a repeat buyer (days from Jan 1, prices)
    start = local(1, 1)
    lamp = ProductFactory()
    for k, orders in enumerate(histories):
        customer = CustomerFactory(external_id=f"c{k}")
        for day, price in orders:
            OrderFactory(
                customer=customer,
                placed_at=start + timedelta(days=day),
                lines=[(lamp, 1, price)],
            )
    refresh_rollups()
    # when
    call_command("fit_customer_value")
    # then the fit is stored with a finite prediction for everyone
    assert CustomerValueFit.objects.get().repeat_buyers == 1
    predictions = [float(v.predicted_revenue) for v in CustomerValue.objects.all()]
    assert len(predictions) == 3
    assert all(0 <= value < 1e6 for value in predictions)


def test_the_unfiltered_answer_reads_the_sums_stored_with_the_fit(history):
    # given a fit, and the answer the per-request queries give for a filter that
    # keeps every customer (every customer here is from the US)
    call_command("fit_customer_value")
    everyone = customer_value(filters=MetricFilters(country="US"))
    # when the unfiltered answer is asked
    with CaptureQueriesContext(connection) as queries:
        unfiltered = customer_value(filters=MetricFilters())
    # then it is the same answer, cohorts, RFM groups and P(alive) alike
    assert unfiltered.cohorts == everyone.cohorts
    assert unfiltered.rfm_groups == everyone.rfm_groups
    assert unfiltered.probability_alive == everyone.probability_alive
    assert unfiltered.top_customers == everyone.top_customers
    # and only the top customers read the per-customer rows (an index range, LIMIT)
    scans = [q["sql"] for q in queries if '"cohorts_customervalue"' in q["sql"]]
    assert len(scans) == 1, scans
    assert "LIMIT" in scans[0]
