"""/api/kpi/abandoned-checkout-list/: known customers only, newest first, keyset
pages, e-mails for staff only."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from ecomanalytics.store.models import SessionEvent
from ecomanalytics.store.session_progress import refresh_session_progress
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    ProductFactory,
    WebSessionFactory,
)

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
JANUARY: dict[str, str | int] = {"start": "2025-01-01", "end": "2025-01-31"}


def checkout(day: int, customer, products, *, bought: bool = False) -> None:
    started_at = datetime(2025, 1, day, 12, tzinfo=NEW_YORK)
    session = WebSessionFactory(
        external_id=f"S-{day}", started_at=started_at, customer=customer
    )
    events = [("product_view", None)]
    events += [("add_to_cart", product) for product in products]
    events += [("begin_checkout", None)] + ([("purchase", None)] if bought else [])
    SessionEvent.objects.bulk_create(
        SessionEvent(
            session=session,
            event_type=event_type,
            occurred_at=started_at + timedelta(minutes=minute),
            product=product,
        )
        for minute, (event_type, product) in enumerate(events)
    )
    refresh_session_progress(session_ids=[session.pk])


@pytest.fixture
def checkouts() -> None:
    """Jan 3 ann leaves two 30.00 runners and a 50.00 hat; Jan 4 bob leaves a hat;
    Jan 5 an anonymous session leaves a hat; Jan 6 ann checks out and buys."""
    runner = ProductFactory(sku="RUN", name="Runner", list_price=Decimal("30.00"))
    hat = ProductFactory(sku="HAT", name="Hat", list_price=Decimal("50.00"))
    ann = CustomerFactory(external_id="ann", email="ann@example.com")
    bob = CustomerFactory(external_id="bob", email="bob@example.com")
    checkout(3, ann, [runner, runner, hat])
    checkout(4, bob, [hat])
    checkout(5, None, [hat])
    checkout(6, ann, [runner], bought=True)


def bob_row(email):
    return {
        "session": "S-4",
        "started_at": "2025-01-04T12:00:00-05:00",
        "source": "organic",
        "device": "desktop",
        "customer": "bob",
        "email": email,
        "cart_units": 1,
        "cart_value": 50.0,
        "products": [{"sku": "HAT", "name": "Hat", "list_price": 50.0, "units": 1}],
    }


def test_pages_newest_first_with_emails_for_staff(api_client: APIClient, checkouts):
    # when
    first = api_client.get("/api/kpi/abandoned-checkout-list/", {**JANUARY, "limit": 1})
    cursor = first.json()["next_cursor"]
    second = api_client.get(
        "/api/kpi/abandoned-checkout-list/", {**JANUARY, "limit": 1, "cursor": cursor}
    )

    # then: bob's Jan 4 checkout, then ann's Jan 3; the anonymous one and ann's
    # purchase are not listed
    assert first.status_code == 200
    assert first.json()["results"] == [bob_row("bob@example.com")]
    assert second.json() == {
        "start": "2025-01-01",
        "end": "2025-01-31",
        "results": [
            {
                "session": "S-3",
                "started_at": "2025-01-03T12:00:00-05:00",
                "source": "organic",
                "device": "desktop",
                "customer": "ann",
                "email": "ann@example.com",
                "cart_units": 3,
                "cart_value": 110.0,
                "products": [
                    {"sku": "HAT", "name": "Hat", "list_price": 50.0, "units": 1},
                    {"sku": "RUN", "name": "Runner", "list_price": 30.0, "units": 2},
                ],
            }
        ],
        "next_cursor": None,
    }


def test_analysts_see_no_emails(api_client: APIClient, checkouts, settings):
    # given an analyst (not staff), with the response cache on and a staff user's
    # answer to the same query in it
    settings.METRICS_CACHE_SECONDS = 60
    staff = api_client.get("/api/kpi/abandoned-checkout-list/", {**JANUARY, "limit": 1})
    analyst = User.objects.create_user(username="analyst", password="analyst-pw")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    client = APIClient()
    client.force_authenticate(analyst)

    # when
    response = client.get("/api/kpi/abandoned-checkout-list/", {**JANUARY, "limit": 1})

    # then
    assert staff.json()["results"] == [bob_row("bob@example.com")]
    assert response.status_code == 200
    assert response.json()["results"] == [bob_row(None)]


@pytest.mark.parametrize(
    ("query", "body"),
    [
        (
            {"cursor": "yesterday"},
            {"cursor": ["Pass the next_cursor of the previous page."]},
        ),
        # found by the fuzzer: the right shape, but past year 9999 (was a 500)
        (
            {"cursor": "97243363371210203165.95"},
            {"cursor": ["Pass the next_cursor of the previous page."]},
        ),
        (
            {"cursor": "1.9999999999999999999"},
            {"cursor": ["Pass the next_cursor of the previous page."]},
        ),
        (
            {"limit": "0"},
            {"limit": ["Ensure this value is greater than or equal to 1."]},
        ),
    ],
)
def test_bad_list_parameters_are_400(api_client: APIClient, query, body):
    # when
    response = api_client.get("/api/kpi/abandoned-checkout-list/", query)

    # then
    assert (response.status_code, response.json()) == (400, {**body, "status": 400})
