"""The funnel and revenue-change panels in a real browser (Debian chromium), at 1440
and 375 px, on the shop of test_browser.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ecomanalytics.store.models import Product, SessionEvent
from ecomanalytics.store.session_progress import refresh_session_progress
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    WebSessionFactory,
)

from .test_browser import (  # noqa: F401  (fixtures)
    browser_page,
    open_dashboard,
    screenshot,
    serial_live_server,
    shop,
    table_rows,
    wait_until_drawn,
)

pytestmark = [pytest.mark.browser]

MARCH_APRIL = "/?start=2025-03-01&end=2025-04-30"
MAY = "/?start=2025-05-01&end=2025-05-31"


def visit(
    day: int, source: str, device: str, events: list, month: int = 5, customer=None
) -> None:
    """A session (May unless said) whose events, (type, product, order), follow a
    minute apart."""
    started_at = datetime(2025, month, day, 14, tzinfo=UTC)
    session = WebSessionFactory(
        started_at=started_at,
        traffic_source=source,
        device=device,
        customer=customer,
    )
    SessionEvent.objects.bulk_create(
        SessionEvent(
            session=session,
            event_type=event_type,
            occurred_at=started_at + timedelta(minutes=minute),
            product=product,
            order=order,
        )
        for minute, (event_type, product, order) in enumerate(events, start=1)
    )
    refresh_session_progress(session_ids=[session.pk])


@pytest.fixture
def may_carts(shop: None) -> None:  # noqa: F811 (the fixture imported above)
    """Three May sessions after the shop's four months:

    organic/desktop buys the 30.00 lamp (order paid 30.00)
    organic/mobile adds the lamp and the 50.00 tent, begins checkout, leaves
    email/mobile adds the tent, leaves
    """
    lamp = ProductFactory(sku="SKU-L", name="Lamp", list_price=Decimal("30.00"))
    tent = ProductFactory(sku="SKU-T", name="Tent", list_price=Decimal("50.00"))
    paid = OrderFactory(
        placed_at=datetime(2025, 5, 5, 14, 5, tzinfo=UTC),
        status="paid",
        traffic_source="organic",
        device="desktop",
        lines=[(lamp, 1, "30.00")],
    )
    visit(
        5,
        "organic",
        "desktop",
        [
            ("product_view", lamp, None),
            ("add_to_cart", lamp, None),
            ("begin_checkout", None, None),
            ("purchase", None, paid),
        ],
    )
    visit(
        6,
        "organic",
        "mobile",
        [
            ("product_view", lamp, None),
            ("add_to_cart", lamp, None),
            ("add_to_cart", tent, None),
            ("begin_checkout", None, None),
        ],
    )
    visit(
        7,
        "email",
        "mobile",
        [("product_view", tent, None), ("add_to_cart", tent, None)],
    )


@pytest.mark.parametrize("width", [1440, 375])
def test_revenue_change_panel_explains_the_change(
    shop: None,  # noqa: F811 (the fixtures imported above)
    live_server: Any,
    browser_page: Any,  # noqa: F811
    width: int,
) -> None:
    page, problems = browser_page

    # when: March-April against the 61 days before (Dec 30 - Feb 28)
    open_dashboard(page, live_server.url, MARCH_APRIL, width=width)
    wait_until_drawn(page, ("revenue_change",))

    # then: revenue 210.00 (100 + 50 + 60) fell to 110.00 (50 + 60), by 47.6%
    card = page.locator('[data-chart="revenue_change"]')
    summary = card.locator("[data-change-summary]").inner_text()
    assert summary.startswith("Revenue fell 47.6% ($100.00): ")
    assert card.locator("[data-compared-period]").inner_text() == (
        "Compared with 2024-12-30 to 2025-02-28."
    )
    rows = table_rows(page, '[data-chart="revenue_change"] table')
    assert rows[0][:4] == ["All sources", "$210.00", "$110.00", "-$100.00"]
    assert sorted(row[0] for row in rows[1:]) == ["organic", "paid_search", "social"]
    # and the page does not scroll sideways: the table scrolls in its own box
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, f"dashboard-revenue-change-{width}.png")
    assert problems["pageerror"] == []
    assert problems["http_errors"] == []


@pytest.mark.parametrize("width", [1440, 375])
def test_funnel_panel_shows_money_and_breaks_down(
    may_carts: None,
    live_server: Any,
    browser_page: Any,  # noqa: F811
    width: int,
) -> None:
    page, problems = browser_page

    # when: May, three sessions
    open_dashboard(page, live_server.url, MAY, width=width)
    wait_until_drawn(page, ("funnel",))

    # then: 3 sessions, 2 begin checkout, 1 buys the 30.00 lamp; the two that did not
    # buy left the lamp and the tent (30 + 50) and the tent (50) in their carts
    card = page.locator('[data-chart="funnel"]')
    assert card.locator("[data-left-behind]").inner_text() == (
        "Left behind: $130.00 in 2 carts at add to cart,"
        " $80.00 in 1 cart at begin checkout."
    )
    rows = table_rows(page, '[data-chart="funnel"] table')
    assert rows[0][:6] == ["Session", "3", "100.0%", "100.0%", "$30.00", "$10.00"]
    assert rows[2][6:] == ["2", "$130.00"]
    assert rows[3] == [
        "Begin checkout", "2", "66.7%", "66.7%", "$30.00", "$15.00", "1", "$80.00"
    ]  # fmt: skip
    assert rows[4][:2] == ["Purchase", "1"]
    assert rows[4][5] == "$30.00"

    # when: broken down by traffic source
    card.get_by_label("Break down by").select_option("source")
    wait_until_drawn(page, ("funnel",))

    # then: the funnel per source, organic's two sessions carrying the revenue
    rows = table_rows(page, '[data-chart="funnel"] table')
    assert [row[:3] for row in rows if row[1] in ("Session", "Purchase")] == [
        ["Email", "Session", "1"],
        ["Email", "Purchase", "0"],
        ["Organic", "Session", "2"],
        ["Organic", "Purchase", "1"],
    ]
    assert rows[5][5:7] == ["$30.00", "$15.00"]
    assert "funnel_breakdown=source" in page.url
    # and a bookmark of the view keeps the breakdown
    page.goto(page.url)
    wait_until_drawn(page, ("funnel",))
    assert card.get_by_label("Break down by").input_value() == "source"
    assert len(table_rows(page, '[data-chart="funnel"] table')) == 10
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, f"dashboard-funnel-source-{width}.png")
    assert problems["pageerror"] == []
    assert problems["http_errors"] == []


@pytest.mark.parametrize("width", [1440, 375])
def test_conversion_over_time_compares_with_the_previous_period(
    may_carts: None,
    live_server: Any,
    browser_page: Any,  # noqa: F811
    width: int,
) -> None:
    page, problems = browser_page
    url = "/?start=2025-03-01&end=2025-05-31"
    open_dashboard(page, live_server.url, url, width=width)
    wait_until_drawn(page, ("conversion_over_time",))
    # then: March's one session did not buy, April had none, May converted 1 of 3
    card = page.locator('[data-chart="conversion_over_time"]')
    rows = table_rows(page, '[data-chart="conversion_over_time"] table')
    assert [row[:4] for row in rows] == [
        ["2025-03", "1", "0", "0.0%"],
        ["2025-04", "0", "0", "–"],  # noqa: RUF001 (the dashboard's "no value")
        ["2025-05", "3", "1", "33.3%"],
    ]

    # when: compared with the 92 days before
    card.get_by_label("Compare with").select_option("previous_period")
    wait_until_drawn(page, ("conversion_over_time",))

    # then: the compared dates are shown and kept in the URL; January (1 of its 3
    # sessions bought) sits beside May, by position
    assert card.locator("[data-compared-period]").inner_text() == (
        "Compared with 2024-11-29 to 2025-02-28."
    )
    assert "conversion_compare=previous_period" in page.url
    rows = table_rows(page, '[data-chart="conversion_over_time"] table')
    assert [row[0] for row in rows] == ["2025-03", "2025-04", "2025-05"]
    assert rows[2][3:7] == ["33.3%", "2025-01", "33.3%", "0.0 pts"]
    page.goto(page.url)
    wait_until_drawn(page, ("conversion_over_time",))
    assert card.get_by_label("Compare with").input_value() == "previous_period"
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, f"dashboard-conversion-over-time-{width}.png")
    assert problems["pageerror"] == []
    assert problems["http_errors"] == []


@pytest.fixture
def june_checkouts(may_carts: None) -> None:
    """June 1-6: six known customers J1..J6 begin checkout, J1 with two tents, the
    others with a 12.50 mug, and leave; an anonymous June 7 session begins checkout
    and buys its mug."""
    mug = ProductFactory(sku="SKU-M", name="Mug", list_price=Decimal("12.50"))
    tent = ProductFactory(sku="SKU-T2", name="Big tent", list_price=Decimal("50.00"))
    for day in range(1, 7):
        customer = CustomerFactory(external_id=f"J{day}", email=f"j{day}@example.com")
        carts = [tent, tent] if day == 1 else [mug]
        events: list[tuple[str, Product | None, None]] = [
            ("product_view", carts[0], None)
        ]
        events += [("add_to_cart", product, None) for product in carts]
        events += [("begin_checkout", None, None)]
        visit(day, "email", "desktop", events, month=6, customer=customer)
    order = OrderFactory(
        placed_at=datetime(2025, 6, 7, 14, 5, tzinfo=UTC),
        status="paid",
        lines=[(mug, 1, "12.50")],
    )
    visit(
        7,
        "organic",
        "mobile",
        [
            ("product_view", mug, None),
            ("add_to_cart", mug, None),
            ("begin_checkout", None, None),
            ("purchase", None, order),
        ],
        month=6,
    )


@pytest.mark.parametrize("width", [1440, 375])
def test_abandoned_checkouts_per_period_and_the_latest_list(
    june_checkouts: None,
    live_server: Any,
    browser_page: Any,  # noqa: F811
    width: int,
) -> None:
    page, problems = browser_page
    url = "/?start=2025-05-01&end=2025-06-30"
    open_dashboard(page, live_server.url, url, width=width)
    wait_until_drawn(page, ("abandoned_checkouts", "abandoned_checkout_list"))

    # then: May, 1 of 2 checkouts left with the lamp and the tent (80.00); June, 6 of
    # 7 left, with two tents (100.00) and five mugs (62.50)
    rows = table_rows(page, '[data-chart="abandoned_checkouts"] table')
    assert rows == [
        ["2025-05", "2", "1", "50.0%", "$80.00", "yes"],
        ["2025-06", "7", "6", "85.7%", "$162.50", "yes"],
    ]

    # and the latest five known customers' checkouts, newest first, with the e-mail
    # (the owner is staff), started at 14:00 UTC, 10:00 in New York
    selector = '[data-chart="abandoned_checkout_list"] table'
    rows = table_rows(page, selector)
    assert [row[0] for row in rows] == ["J6", "J5", "J4", "J3", "J2"]
    assert rows[0] == ["J6", "j6@example.com", "2025-06-06 10:00", "Mug", "$12.50"]

    # when: the next page is asked for
    more = page.locator('[data-chart="abandoned_checkout_list"]').get_by_role(
        "button", name="More"
    )
    more.click()
    page.wait_for_function(
        f"() => document.querySelectorAll('{selector} tbody tr').length === 6"
    )

    # then: J1's two tents come last, and there is nothing more to ask for
    rows = table_rows(page, selector)
    assert rows[5] == [
        "J1",
        "j1@example.com",
        "2025-06-01 10:00",
        "Big tent × 2",  # noqa: RUF001 (the dashboard writes a times sign)
        "$100.00",
    ]
    assert more.is_hidden()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, f"dashboard-abandoned-checkouts-{width}.png")
    assert problems["pageerror"] == []
    assert problems["http_errors"] == []


@pytest.mark.parametrize("width", [1440, 375])
def test_revenue_chart_compares_with_the_previous_period(
    shop: None,  # noqa: F811 (the fixture imported above)
    live_server: Any,
    browser_page: Any,  # noqa: F811
    width: int,
) -> None:
    page, problems = browser_page
    open_dashboard(page, live_server.url, MARCH_APRIL, width=width)
    wait_until_drawn(page, ("revenue",))

    # when: compared with the 61 days before (Dec 30 - Feb 28)
    card = page.locator('[data-chart="revenue"]')
    card.get_by_label("Compare with").select_option("previous_period")
    wait_until_drawn(page, ("revenue",))

    # then: the compared dates are shown and kept in the URL
    assert card.locator("[data-compared-period]").inner_text() == (
        "Compared with 2024-12-30 to 2025-02-28."
    )
    assert "revenue_compare=previous_period" in page.url
    # and, by position: March's 50.00 beside December's nothing, April's 60.00
    # beside January's 150.00 (100 + 50)
    rows = table_rows(page, '[data-chart="revenue"] table')
    assert [row[:2] + row[4:7] for row in rows] == [
        ["2025-03", "$50.00", "2024-12", "$0.00", "+$50.00"],
        ["2025-04", "$60.00", "2025-01", "$150.00", "-$90.00 (-60.0%)"],
    ]
    page.goto(page.url)
    wait_until_drawn(page, ("revenue",))
    assert card.get_by_label("Compare with").input_value() == "previous_period"
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, f"dashboard-revenue-compare-{width}.png")
    assert problems["pageerror"] == []
    assert problems["http_errors"] == []
