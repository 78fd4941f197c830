"""Stored funnel progress of web sessions: derived from the events, kept in step."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ecomanalytics.store.models import SessionEvent, WebSession
from ecomanalytics.store.session_progress import refresh_session_progress
from ecomanalytics.store.tests.factories import WebSessionFactory

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    # January 31 23:59 and February 1 00:00 in New York straddle a month boundary.
    return datetime(2025, 1, day, hour, minute, tzinfo=NEW_YORK)


def stored() -> dict[str, tuple[int, bool]]:
    return {
        external_id: (step, converted)
        for external_id, step, converted in WebSession.objects.values_list(
            "external_id", "funnel_step", "converted"
        )
    }


def session(external_id: str, *events: tuple[str, datetime]) -> WebSession:
    return WebSessionFactory(
        external_id=external_id, started_at=local(31, 23, 59), events=list(events)
    )


@pytest.fixture
def sessions() -> None:
    session("landing", ("page_view", local(31, 23, 59)))
    session(
        "all-the-way",
        ("page_view", local(31, 23, 59)),
        ("product_view", local(31, 23, 59)),
        ("add_to_cart", local(31, 23, 59)),  # equal times count as in order
        ("begin_checkout", datetime(2025, 2, 1, 0, 0, tzinfo=NEW_YORK)),
        ("purchase", datetime(2025, 2, 1, 0, 1, tzinfo=NEW_YORK)),
    )
    session(
        "skipped-the-cart",
        ("product_view", local(31, 23, 59)),
        ("begin_checkout", local(31, 23, 59)),
        ("purchase", local(31, 23, 59)),
    )
    session(
        "cart-before-view",
        ("add_to_cart", local(31, 22)),
        ("product_view", local(31, 23)),
        ("add_to_cart", local(31, 23, 30)),  # the second cart is in sequence
        ("purchase", local(31, 21)),
    )
    session("no-events")


def test_the_factory_stores_each_sessions_progress(sessions):
    # given the sessions above (the factory recomputes after writing events)
    # then: the furthest step reached in sequence, and any purchase converts
    assert stored() == {
        "landing": (0, False),
        "all-the-way": (4, True),
        "skipped-the-cart": (1, True),
        "cart-before-view": (2, True),
        "no-events": (0, False),
    }


def test_refresh_narrows_to_ids_or_a_start_and_writes_in_the_database(sessions):
    # given stored progress wiped out by a bulk update (no signals)
    WebSession.objects.update(funnel_step=0, converted=False)
    ids = WebSession.objects.filter(external_id="all-the-way").values("pk")

    # when only some sessions are recomputed
    by_queryset = refresh_session_progress(session_ids=ids)
    by_list = refresh_session_progress(
        session_ids=[WebSession.objects.get(external_id="skipped-the-cart").pk]
    )
    by_start_after_all = refresh_session_progress(
        since=datetime(2025, 2, 1, tzinfo=NEW_YORK)
    )

    # then only those changed
    assert (by_queryset, by_list, by_start_after_all) == (1, 1, 0)
    assert stored() == {
        "landing": (0, False),
        "all-the-way": (4, True),
        "skipped-the-cart": (1, True),
        "cart-before-view": (0, False),
        "no-events": (0, False),
    }

    # and everything once the start includes them
    assert refresh_session_progress(since=local(31, 23, 59)) == 5
    assert stored()["cart-before-view"] == (2, True)


def test_orm_saves_and_deletes_of_events_keep_the_progress_in_step(sessions):
    # given a session that only landed
    landing = WebSession.objects.get(external_id="landing")

    # when its funnel events are added one by one through the ORM
    created = [
        SessionEvent.objects.create(
            session=landing, event_type=event_type, occurred_at=local(31, 23, 59)
        )
        for event_type in ("product_view", "add_to_cart", "purchase")
    ]

    # then each save updated it: a cart, and a purchase without checkout converts
    assert stored()["landing"] == (2, True)

    # when the product view is deleted and the purchase edited into a checkout
    created[0].delete()
    created[2].event_type = "begin_checkout"
    created[2].save()

    # then nothing is reached in sequence and nothing converted
    assert stored()["landing"] == (0, False)


def test_an_empty_selection_updates_nothing(sessions):
    assert refresh_session_progress(session_ids=[]) == 0
    assert refresh_session_progress(session_ids=WebSession.objects.none()) == 0


def test_an_event_moved_to_another_session_updates_both(sessions):
    # given the purchase of the session that went all the way
    purchase = SessionEvent.objects.get(
        session__external_id="all-the-way", event_type="purchase"
    )

    # when it is moved to the session that only landed
    purchase.session = WebSession.objects.get(external_id="landing")
    purchase.save()

    # then the first stops at checkout and the second converted, with no funnel step
    assert (stored()["all-the-way"], stored()["landing"]) == ((3, False), (0, True))
