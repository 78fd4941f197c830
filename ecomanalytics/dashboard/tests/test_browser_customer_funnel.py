"""The funnel panel's unit switch (sessions / customers within a conversion window)
in a real browser (Debian chromium), at 1440 and 375 px, on the shop of
test_browser.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecomanalytics.store.models import SessionEvent
from ecomanalytics.store.session_progress import refresh_session_progress
from ecomanalytics.store.tests.factories import CustomerFactory, WebSessionFactory

from .test_browser import (  # noqa: F401  (fixtures)
    browser_page,
    open_dashboard,
    screenshot,
    serial_live_server,
    shop,
    table_rows,
    wait_until_drawn,
    wait_until_settled,
)

pytestmark = [pytest.mark.browser]

MAY = "/?start=2025-05-01&end=2025-05-31"


def visit(day: int, customer, events: list[str]) -> None:
    """A May session at 14:00 UTC whose events follow a minute apart."""
    started_at = datetime(2025, 5, day, 14, tzinfo=UTC)
    session = WebSessionFactory(started_at=started_at, customer=customer)
    SessionEvent.objects.bulk_create(
        SessionEvent(
            session=session,
            event_type=event_type,
            occurred_at=started_at + timedelta(minutes=minute),
        )
        for minute, event_type in enumerate(events, start=1)
    )
    refresh_session_progress(session_ids=[session.pk])


@pytest.fixture
def may_customers(shop: None) -> None:  # noqa: F811 (the fixture imported above)
    """May sessions after the shop's four months:

    ann  May 5 views; May 8 adds to cart, begins checkout, buys
    ben  May 6 views, adds to cart
    an anonymous session on May 7 views
    """
    ann = CustomerFactory(external_id="ann")
    ben = CustomerFactory(external_id="ben")
    visit(5, ann, ["product_view"])
    visit(8, ann, ["add_to_cart", "begin_checkout", "purchase"])
    visit(6, ben, ["product_view", "add_to_cart"])
    visit(7, None, ["product_view"])


def step_rows(page: Any) -> list[list[str]]:
    return table_rows(page, '[data-chart="funnel"] table')


@pytest.mark.parametrize("width", [1440, 375])
def test_funnel_panel_counts_customers_within_a_window(
    may_customers: None,
    live_server: Any,
    browser_page: Any,  # noqa: F811
    width: int,
) -> None:
    page, problems = browser_page
    open_dashboard(page, live_server.url, MAY, width=width)
    # Every panel answered first: the switch's request must not queue behind the
    # page's slower ones (the forecast) on the one-thread live server.
    wait_until_settled(page)
    wait_until_drawn(page, ("funnel",))
    card = page.locator('[data-chart="funnel"]')
    assert card.get_by_label("Within").is_disabled()

    # when: counted in customers, within the default 14 days
    card.get_by_label("Count").select_option("customer")
    wait_until_drawn(page, ("funnel",))

    # then: ann buys across her two sessions, ben stops at the cart
    assert step_rows(page) == [
        ["Session", "2", "100.0%", "100.0%"],
        ["Product view", "2", "100.0%", "100.0%"],
        ["Add to cart", "2", "100.0%", "100.0%"],
        ["Begin checkout", "1", "50.0%", "50.0%"],
        ["Purchase", "1", "100.0%", "50.0%"],
    ]
    assert card.locator("[data-customer-note]").inner_text() == (
        "Known customers only, each step within 14 days of their first session in"
        " the period: 1 anonymous session left out."
    )
    assert card.get_by_label("Break down by").is_disabled()
    assert "funnel_unit=customer" in page.url

    # when: within one day, ann's second session (three days later) is too late
    card.get_by_label("Within").select_option("1")
    wait_until_drawn(page, ("funnel",))

    # then
    assert [row[:2] for row in step_rows(page)] == [
        ["Session", "2"],
        ["Product view", "2"],
        ["Add to cart", "1"],
        ["Begin checkout", "0"],
        ["Purchase", "0"],
    ]
    assert "funnel_window=1" in page.url
    # and a bookmark of the view keeps the unit and the window
    page.goto(page.url)
    wait_until_drawn(page, ("funnel",))
    assert card.get_by_label("Count").input_value() == "customer"
    assert card.get_by_label("Within").input_value() == "1"
    assert [row[1] for row in step_rows(page)] == ["2", "2", "1", "0", "0"]
    csv = card.locator("[data-csv]").get_attribute("href")
    assert "unit=customer" in csv
    assert "window_days=1" in csv
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, f"dashboard-funnel-customers-{width}.png")

    # when: back to sessions, the breakdown is offered again
    card.get_by_label("Count").select_option("session")
    wait_until_drawn(page, ("funnel",))

    # then: four sessions in May
    assert step_rows(page)[0][:2] == ["Session", "4"]
    assert card.locator("[data-customer-note]").is_hidden()
    assert not card.get_by_label("Break down by").is_disabled()
    assert problems["pageerror"] == []
    assert problems["http_errors"] == []
