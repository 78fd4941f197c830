"""Time to convert on both paths, and its endpoint; the shop is in America/New_York.

The January sessions of `shop` (seconds after the session's start):

    s1 organic desktop US: view 10, cart 40, checkout 100, purchase 1000
    s2 email mobile CA:    cart 5 (before any view), view 20, cart 81
    s3 organic mobile US:  view 0, cart 64, checkout 364, purchase 21964
    s4 email desktop US:   purchase 30 (a cancelled order; no funnel step before it)
    s5 organic desktop US: starts Jan 31 23:59:30 local (Feb 1 04:59:30 UTC),
                           view 0, cart 45 (after local midnight, February)
and s6 organic desktop US starting Feb 1 00:00:10 local, view 0, cart 10: February's.

Transitions (exact -> grid seconds):
    view -> cart:         s1 30, s2 61 -> 60 (from the view at 20 to the cart at 81;
                          the cart at 5 precedes the view), s3 64 -> 60, s5 45
    cart -> checkout:     s1 60 (a bucket edge), s3 300 (an edge)
    checkout -> purchase: s1 900 (an edge), s3 21600 (an edge)
    session -> purchase:  s1 1000 -> 990, s3 21964 -> 21600, s4 30
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.models import SessionEvent
from ecomanalytics.store.session_progress import refresh_session_progress
from ecomanalytics.store.tests.factories import OrderFactory, WebSessionFactory
from kpi.metrics import (
    DURATION_BUCKETS,
    DurationBucket,
    TimeToConvert,
    TransitionTime,
    time_to_convert,
)

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
JANUARY = MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))
VIEW_CART = ("product_view", "add_to_cart")
CART_CHECKOUT = ("add_to_cart", "begin_checkout")
CHECKOUT_PURCHASE = ("begin_checkout", "purchase")
START_PURCHASE = ("session", "purchase")
TRANSITIONS = (VIEW_CART, CART_CHECKOUT, CHECKOUT_PURCHASE, START_PURCHASE)


def local(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0):
    return datetime(2025, month, day, hour, minute, second, tzinfo=NEW_YORK)


def visit(started_at: datetime, events, **dimensions) -> None:
    """A session with events (type, seconds after its start[, order])."""
    session = WebSessionFactory(started_at=started_at, **dimensions)
    SessionEvent.objects.bulk_create(
        SessionEvent(
            session=session,
            event_type=event[0],
            occurred_at=started_at + timedelta(seconds=event[1]),
            order=event[2] if len(event) > 2 else None,
        )
        for event in events
    )
    refresh_session_progress(session_ids=[session.pk])


@pytest.fixture
def shop() -> None:
    organic = {"traffic_source": "organic", "country": "US"}
    visit(
        local(1, 6),
        [
            ("product_view", 10),
            ("add_to_cart", 40),
            ("begin_checkout", 100),
            ("purchase", 1000),
        ],
        device="desktop",
        **organic,
    )
    visit(
        local(1, 7),
        [("add_to_cart", 5), ("product_view", 20), ("add_to_cart", 81)],
        traffic_source="email",
        device="mobile",
        country="CA",
    )
    visit(
        local(1, 8),
        [
            ("product_view", 0),
            ("add_to_cart", 64),
            ("begin_checkout", 364),
            ("purchase", 21964),
        ],
        device="mobile",
        **organic,
    )
    cancelled = OrderFactory(placed_at=local(1, 9), status="cancelled")
    visit(
        local(1, 9),
        [("purchase", 30, cancelled)],
        traffic_source="email",
        device="desktop",
        country="US",
    )
    visit(
        local(1, 31, 23, 59, 30),
        [("product_view", 0), ("add_to_cart", 45)],
        device="desktop",
        **organic,
    )
    visit(
        local(2, 1, 0, 0, 10),
        [("product_view", 0), ("add_to_cart", 10)],
        device="desktop",
        **organic,
    )


def histogram(transition: tuple[str, str], **sessions: int) -> list[DurationBucket]:
    """The seven buckets of a transition; sessions by bucket (b1..b7), else 0."""
    return [
        DurationBucket(*transition, label, low, high, sessions.get(f"b{n}", 0))
        for n, (label, low, high) in enumerate(DURATION_BUCKETS, start=1)
    ]


def nothing(start: date | None, end: date | None) -> TimeToConvert:
    return TimeToConvert(
        start,
        end,
        [TransitionTime(*t, 0, None, None, None, None) for t in TRANSITIONS],
        [bucket for t in TRANSITIONS for bucket in histogram(t)],
    )


def test_time_to_convert_of_january(answer, shop):
    # when
    result = answer(time_to_convert, filters=JANUARY)

    # then
    assert result == TimeToConvert(
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        transitions=[
            # 30, 45, 60, 60: ranks 1, 2, 3, 4
            TransitionTime(*VIEW_CART, 4, 30, 45, 60, 60),
            # 60, 300: ranks 1, 1, 2, 2
            TransitionTime(*CART_CHECKOUT, 2, 60, 60, 300, 300),
            TransitionTime(*CHECKOUT_PURCHASE, 2, 900, 900, 21600, 21600),
            # 30, 990, 21600: ranks 1, 2, 3, 3
            TransitionTime(*START_PURCHASE, 3, 30, 990, 21600, 21600),
        ],
        histogram=[
            *histogram(VIEW_CART, b1=2, b2=2),
            *histogram(CART_CHECKOUT, b2=1, b3=1),
            *histogram(CHECKOUT_PURCHASE, b4=1, b7=1),
            *histogram(START_PURCHASE, b1=1, b4=1, b7=1),
        ],
    )


def test_a_session_belongs_to_the_local_day_it_started(answer, shop):
    # when: February holds s6 only, not s5's cart after midnight
    result = answer(
        time_to_convert,
        filters=MetricFilters(start=date(2025, 2, 1), end=date(2025, 2, 28)),
    )

    # then
    assert result.transitions[0] == TransitionTime(*VIEW_CART, 1, 10, 10, 10, 10)
    assert result.transitions[1:] == nothing(None, None).transitions[1:]


def test_one_filter_reads_its_level(answer, shop):
    # when
    result = answer(time_to_convert, filters=replace(JANUARY, device="mobile"))

    # then: s2 and s3
    assert result.transitions == [
        TransitionTime(*VIEW_CART, 2, 60, 60, 60, 60),
        TransitionTime(*CART_CHECKOUT, 1, 300, 300, 300, 300),
        TransitionTime(*CHECKOUT_PURCHASE, 1, 21600, 21600, 21600, 21600),
        TransitionTime(*START_PURCHASE, 1, 21600, 21600, 21600, 21600),
    ]


def test_two_filters_read_the_raw_tables(answer, shop):
    # when
    result = answer(
        time_to_convert,
        filters=replace(JANUARY, source="email", device="desktop"),
        raw_by_design=True,
    )

    # then: s4 alone
    assert result.transitions[3] == TransitionTime(*START_PURCHASE, 1, 30, 30, 30, 30)
    assert result.transitions[:3] == nothing(None, None).transitions[:3]


def test_a_filter_that_matches_nothing_has_no_sessions(answer, shop):
    # when
    result = answer(time_to_convert, filters=replace(JANUARY, source="referral"))

    # then
    assert result == nothing(date(2025, 1, 1), date(2025, 1, 31))


def test_a_window_without_sessions_has_no_sessions(answer, shop):
    # when
    result = answer(
        time_to_convert,
        filters=MetricFilters(start=date(2025, 3, 1), end=date(2025, 3, 31)),
    )

    # then
    assert result == nothing(date(2025, 3, 1), date(2025, 3, 31))


def test_a_shop_without_data_has_no_window(answer):
    # when
    result = answer(time_to_convert, filters=MetricFilters(), answered=None)

    # then
    assert result == nothing(None, None)


def test_time_to_convert_endpoint(api_client: APIClient, shop):
    # when
    response = api_client.get(
        "/api/kpi/time-to-convert/", {"start": "2025-01-01", "end": "2025-01-31"}
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["transitions"][0] == {
        "from_step": "product_view",
        "to_step": "add_to_cart",
        "sessions": 4,
        "p25": 30,
        "median": 45,
        "p75": 60,
        "p90": 60,
    }
    assert body["histogram"][:2] == [
        {
            "from_step": "product_view",
            "to_step": "add_to_cart",
            "bucket": "<1m",
            "min_seconds": 0,
            "max_seconds": 60,
            "sessions": 2,
        },
        {
            "from_step": "product_view",
            "to_step": "add_to_cart",
            "bucket": "1-5m",
            "min_seconds": 60,
            "max_seconds": 300,
            "sessions": 2,
        },
    ]
    assert len(body["histogram"]) == 28
    assert response["X-Revenue-Measure"] == "net_sales"


def test_time_to_convert_csv_has_a_table_of_transitions_and_of_buckets(
    api_client: APIClient, shop
):
    # when
    response = api_client.get(
        "/api/kpi/time-to-convert/",
        {"start": "2025-01-01", "end": "2025-01-31", "format": "csv"},
    )

    # then
    assert response.status_code == 200
    header, *rows = response.content.decode().splitlines()
    assert header.split(",")[:5] == ["table", "start", "end", "from_step", "to_step"]
    assert len(rows) == 4 + 28
    assert rows[0].startswith(
        "transitions,2025-01-01,2025-01-31,product_view,add_to_cart,4,30,45,60,60"
    )


@pytest.mark.parametrize(
    ("query", "body"),
    [
        (
            {"category": "Shoes"},
            {
                "category": [
                    "Unknown parameter. Known parameters: "
                    "country, device, end, source, start."
                ]
            },
        ),
        ({"device": "tv"}, {"device": ['"tv" is not a valid choice.']}),
        (
            {"start": "2025-02-01", "end": "2025-01-31"},
            {"end": ["end must not be before start."]},
        ),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    api_client: APIClient, query: dict[str, str], body: dict
):
    # when
    response = api_client.get("/api/kpi/time-to-convert/", query)

    # then
    assert response.status_code == 400
    assert response.json() == {**body, "status": 400}
