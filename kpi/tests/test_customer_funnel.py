"""The customer funnel with a conversion window (kpi.metrics.customer_funnel and
/api/kpi/funnel/?unit=customer), on both paths; the shop is in America/New_York."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.models import CustomerFunnelSession
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.store.models import SessionEvent
from ecomanalytics.store.session_progress import refresh_session_progress
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    WebSessionFactory,
)
from kpi.metrics import CustomerFunnel, CustomerFunnelStep, customer_funnel

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
JANUARY = MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))
FEBRUARY = MetricFilters(start=date(2025, 2, 1), end=date(2025, 2, 28))
STEPS = ("session", "product_view", "add_to_cart", "begin_checkout", "purchase")
BOUGHT = ("add_to_cart", "begin_checkout", "purchase")


def local(month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0):
    year = 2024 if month == 12 else 2025
    return datetime(year, month, day, hour, minute, second, tzinfo=NEW_YORK)


def visit(customer, started_at: datetime, events, source: str = "organic", order=None):
    """A session and its events: (type, seconds after the start); a purchase event
    links `order`."""
    session = WebSessionFactory(
        customer=customer, started_at=started_at, traffic_source=source
    )
    SessionEvent.objects.bulk_create(
        SessionEvent(
            session=session,
            event_type=event_type,
            occurred_at=started_at + timedelta(seconds=seconds),
            order=order if event_type == "purchase" else None,
        )
        for event_type, seconds in events
    )
    refresh_session_progress(session_ids=[session.pk])
    return session


def in_turn(*event_types: str, every: int = 60):
    """Events a minute apart, the first a minute after the start."""
    return [(kind, every * (number + 1)) for number, kind in enumerate(event_types)]


@pytest.fixture
def shop() -> None:
    """Known customers and anonymous sessions around January (times in New York).

    alice  Jan 10 12:00 views (organic); Jan 12 09:00 adds, checks out, buys
           (email) a cancelled order: two sessions on different days
    bob    Jan 20 12:00 views, adds, checks out; Jan 27 11:59:00 a session whose
           purchase is at 12:00:01, 7 days and 1 second after his first session
    carol  Jan 15 12:00 adds to cart at 12:01, views at 12:02, adds again at 12:03:
           her session's first add_to_cart precedes its first view
    dave   Jan 31 23:59 (Feb 1 04:59 UTC) views; Feb 1 00:30 adds, checks out,
           buys a refunded order: after the window's end, within the conversion
           window
    erin   Dec 31 23:59 (Jan 1 04:59 UTC) views; Jan 1 00:01 a session without
           events
    frank  Feb 1 00:00:30 views
    anonymous: Jan 5 organic buys, Jan 6 email views; Feb 2 organic
    """
    alice, bob, carol, dave, erin, frank = (
        CustomerFactory(external_id=name)
        for name in ("alice", "bob", "carol", "dave", "erin", "frank")
    )
    visit(alice, local(1, 10), in_turn("product_view"))
    cancelled = OrderFactory(customer=alice, status="cancelled")
    visit(alice, local(1, 12, 9), in_turn(*BOUGHT), source="email", order=cancelled)
    visit(bob, local(1, 20), in_turn("product_view", "add_to_cart", "begin_checkout"))
    visit(bob, local(1, 27, 11, 59), [("purchase", 61)])
    visit(
        carol,
        local(1, 15),
        [("add_to_cart", 60), ("product_view", 120), ("add_to_cart", 180)],
    )
    visit(dave, local(1, 31, 23, 59), [("product_view", 30)])
    refunded = OrderFactory(customer=dave, status="refunded")
    visit(dave, local(2, 1, 0, 30), in_turn(*BOUGHT), order=refunded)
    visit(erin, local(12, 31, 23, 59), in_turn("product_view"))
    visit(erin, local(1, 1, 0, 1), [])
    visit(frank, local(2, 1, 0, 0, 30), in_turn("product_view"))
    visit(None, local(1, 5), in_turn("product_view", *BOUGHT))
    visit(None, local(1, 6), in_turn("product_view"), source="email")
    visit(None, local(2, 2), [])


def expected(filters, reached, *, window_days=14, known=0, anonymous=0):
    """The CustomerFunnel of these customers per step."""
    return CustomerFunnel(
        start=filters.start,
        end=filters.end,
        window_days=window_days,
        steps=[
            CustomerFunnelStep(
                step=step,
                customers=count,
                conversion_from_start=count / reached[0] if reached[0] else None,
                conversion_from_previous=(
                    count / reached[max(number - 1, 0)]
                    if reached[max(number - 1, 0)]
                    else None
                ),
            )
            for number, (step, count) in enumerate(zip(STEPS, reached, strict=True))
        ],
        known_sessions=known,
        anonymous_sessions=anonymous,
    )


def test_customers_reach_steps_across_sessions(answer, shop, django_assert_num_queries):
    # when
    answer.refresh()
    with django_assert_num_queries(2):
        result = answer(customer_funnel, refresh=False, filters=JANUARY)

    # then: alice, bob, carol, dave and erin enter (frank starts in February);
    # alice converts across her two sessions, dave after the window's end; carol's
    # only add_to_cart that counts is her first, before her first view; erin's
    # December view came before her t0. Cancelled and refunded orders count as
    # purchases. Sessions of known customers started in January: 7.
    assert result == expected(JANUARY, [5, 4, 3, 3, 3], known=7, anonymous=2)


def test_a_purchase_one_second_after_the_conversion_window_does_not_count(answer, shop):
    # when
    week = answer(customer_funnel, filters=JANUARY, window_days=7)
    day = answer(customer_funnel, refresh=False, filters=JANUARY, window_days=1)

    # then: bob's purchase is 7 days and 1 second after his t0; with one day,
    # alice's second session (45 hours later) and bob's are too late, dave's
    # (31 minutes later) is not
    assert week == expected(
        JANUARY, [5, 4, 3, 3, 2], window_days=7, known=7, anonymous=2
    )
    assert day == expected(
        JANUARY, [5, 4, 2, 2, 1], window_days=1, known=7, anonymous=2
    )


def test_the_window_is_local_days_at_a_month_boundary(answer, shop):
    # when
    february = answer(customer_funnel, filters=FEBRUARY)

    # then: dave enters at his Feb 1 00:30 session, which has no view (his view
    # was in January, before t0); frank's 00:00:30 session is February's; the
    # 04:59 UTC sessions of Jan 31 and Dec 31 are not
    assert february == expected(FEBRUARY, [2, 1, 0, 0, 0], known=2, anonymous=1)


def test_filters_select_the_sessions_events_count_from(answer, shop):
    # given
    organic = MetricFilters(start=JANUARY.start, end=JANUARY.end, source="organic")
    france = MetricFilters(start=JANUARY.start, end=JANUARY.end, country="FR")

    # when
    from_organic = answer(customer_funnel, filters=organic)
    from_france = answer(customer_funnel, refresh=False, filters=france)

    # then: alice's cart, checkout and purchase were in an email session
    assert from_organic == expected(organic, [5, 4, 2, 2, 2], known=6, anonymous=1)
    assert from_france == expected(france, [0, 0, 0, 0, 0])


def test_no_data_no_window(answer):
    # when
    result = answer(customer_funnel, answered=None, filters=MetricFilters())

    # then
    assert result == CustomerFunnel(
        start=None,
        end=None,
        window_days=14,
        steps=expected(JANUARY, [0, 0, 0, 0, 0]).steps,
        known_sessions=0,
        anonymous_sessions=0,
    )


def _rolled_up() -> list[tuple]:
    columns = [field.attname for field in CustomerFunnelSession._meta.concrete_fields]
    return sorted(CustomerFunnelSession.objects.values_list(*columns))


def test_an_incremental_refresh_writes_what_a_full_one_does(shop):
    # given: a full refresh, then a view added to dave's February session
    refresh_rollups()
    february_session = CustomerFunnelSession.objects.order_by("-started_us")[0]
    session = WebSessionFactory._meta.model.objects.get(pk=february_session.pk)
    SessionEvent.objects.create(
        session=session,
        event_type="product_view",
        occurred_at=session.started_at + timedelta(seconds=5),
    )
    refresh_session_progress(session_ids=[session.pk])

    # when
    refresh_rollups(since=date(2025, 2, 1))
    incremental = _rolled_up()
    refresh_rollups()

    # then: one row per session of a known customer
    assert incremental == _rolled_up()
    assert len(incremental) == 10


def test_api_customer_funnel(api_client: APIClient, shop):
    # when
    response = api_client.get(
        "/api/kpi/funnel/",
        {"start": "2025-01-01", "end": "2025-01-31", "unit": "customer"},
    )

    # then
    assert response.status_code == 200
    assert response["X-Revenue-Measure"] == "net_sales"
    counts = [5, 4, 3, 3, 3]
    assert response.json() == {
        "unit": "customer",
        "start": "2025-01-01",
        "end": "2025-01-31",
        "window_days": 14,
        "steps": [
            {
                "step": step,
                "customers": count,
                "conversion_from_start": count / 5,
                "conversion_from_previous": count / counts[max(number - 1, 0)],
                "orders": None,
                "revenue": None,
            }
            for number, (step, count) in enumerate(zip(STEPS, counts, strict=True))
        ],
        "known_sessions": 7,
        "anonymous_sessions": 2,
    }


def test_api_customer_funnel_csv(api_client: APIClient, shop):
    # when
    response = api_client.get(
        "/api/kpi/funnel/",
        {
            "start": "2025-01-01",
            "end": "2025-01-31",
            "unit": "customer",
            "window_days": "7",
            "format": "csv",
        },
    )

    # then: one row per step
    assert response.status_code == 200
    header, *rows = response.content.decode().splitlines()
    assert "customers" in header.split(",")
    assert len(rows) == 5


@pytest.mark.parametrize(
    ("query", "body"),
    [
        (
            {"unit": "customer", "window_days": "0"},
            {"window_days": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"unit": "customer", "window_days": "91"},
            {"window_days": ["Ensure this value is less than or equal to 90."]},
        ),
        (
            {"unit": "customer", "window_days": "x"},
            {"window_days": ["A valid integer is required."]},
        ),
        (
            {"unit": "customer", "breakdown": "source"},
            {"breakdown": ["Does not combine with unit=customer."]},
        ),
        ({"window_days": "7"}, {"window_days": ["Only with unit=customer."]}),
        ({"unit": "person"}, {"unit": ['"person" is not a valid choice.']}),
    ],
)
def test_api_bad_parameters(api_client: APIClient, query, body):
    # when
    response = api_client.get("/api/kpi/funnel/", query)

    # then
    assert response.status_code == 400
    assert response.json() == {**body, "status": 400}
