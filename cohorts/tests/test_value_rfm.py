"""Predicted value per RFM group: each customer's group stored with the fit.

Three customers (New York), as of Feb 15 2025, the data's last day: A buys for $100
on Jan 10 and $50 on Feb 10; C for $20 on Jan 20; B for $30 on Feb 15, by email. R =
5, 26, 0 days; F = 2, 1, 1; M = 150, 20, 30; so A scores R 3 and FM 5 (needs
attention), B R 5 and FM 2 (new), C R 1 and FM 1 (dormant).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cohorts.models import CustomerValue
from cohorts.tests.value_shop import local
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)

URL = "/api/cohorts/customer-value/"


@pytest.fixture
def three(db):
    lamp = ProductFactory()
    for external_id, orders, source in [
        ("A", [(1, 10, "100.00"), (2, 10, "50.00")], "organic"),
        ("B", [(2, 15, "30.00")], "email"),
        ("C", [(1, 20, "20.00")], "organic"),
    ]:
        customer = CustomerFactory(external_id=external_id)
        for month, day, price in orders:
            OrderFactory(
                customer=customer,
                placed_at=local(month, day),
                traffic_source=source,
                lines=[(lamp, 1, price)],
            )
    refresh_rollups()
    call_command("fit_customer_value")


def _predicted() -> dict[str, float]:
    return {
        value.customer.external_id: float(value.predicted_revenue)
        for value in CustomerValue.objects.select_related("customer")
    }


def test_the_fit_stores_each_customers_rfm_group(three):
    groups = {
        value.customer.external_id: value.rfm_group
        for value in CustomerValue.objects.select_related("customer")
    }
    assert groups == {"A": "needs attention", "B": "new", "C": "dormant"}


def test_predicted_value_per_rfm_group(api_client, three):
    # when
    body = api_client.get(URL).json()
    # then the groups with customers, in the RFM groups' order, each one customer
    predicted = _predicted()
    assert body["rfm_groups"] == [
        {
            "group": group,
            "customers": 1,
            "predicted_revenue": predicted[customer],
            "mean_predicted_revenue": predicted[customer],
        }
        for group, customer in [
            ("new", "B"),
            ("needs attention", "A"),
            ("dormant", "C"),
        ]
    ]


def test_a_filter_keeps_the_groups_scored_over_everyone(api_client, three):
    # when only the email customer is kept
    body = api_client.get(URL + "?source=email").json()
    # then B is still new, as scored among all three
    assert body["rfm_groups"] == [
        {
            "group": "new",
            "customers": 1,
            "predicted_revenue": _predicted()["B"],
            "mean_predicted_revenue": _predicted()["B"],
        }
    ]
    # and another horizon has no groups
    assert api_client.get(URL + "?months=6").json()["rfm_groups"] == []
