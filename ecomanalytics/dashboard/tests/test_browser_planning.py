"""The dashboard's Planning section in a real browser (fixtures of test_browser)."""

from __future__ import annotations

from typing import Any

import pytest

from demand.stored_forecasts import fit_stored_forecasts
from ecomanalytics.dashboard.tests.test_browser import (  # noqa: F401 (fixtures)
    XSS_PRODUCT,
    at,
    browser_page,
    log_in,
    pytestmark,
    screenshot,
    serial_live_server,
    shop,
    view_on_phone,
    wait_until_drawn,
)
from ecomanalytics.store.models import Product
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    WebSessionFactory,
)

PLANNING = ("forecast", "abc", "pairs", "product_funnel")


@pytest.fixture
def planning_shop(shop: None) -> None:  # noqa: F811
    """The test_browser shop, plus five February orders of the knife with the
    XSS-named product (a pair above the minimum of 5 orders) and sessions that view
    and cart products; its stored forecasts fitted."""
    knife = Product.objects.get(sku="SKU-3")
    trap = Product.objects.get(sku="SKU-2")
    buyer = CustomerFactory(country="US")
    for day in range(1, 6):
        OrderFactory(
            customer=buyer,
            placed_at=at(f"2025-02-{10 + day:02d}"),
            status="completed",
            lines=[(knife, 1, "20.00"), (trap, 1, "30.00")],
        )
    for day, product, events in [
        (11, knife, ["product_view", "add_to_cart"]),
        (12, knife, ["product_view"]),
        (13, trap, ["product_view"]),
    ]:
        session = WebSessionFactory(started_at=at(f"2025-02-{day}", 14))
        for minute, event in enumerate(events, start=1):
            session.events.create(
                event_type=event,
                occurred_at=at(f"2025-02-{day}", 14).replace(minute=minute),
                product=product,
            )
    fit_stored_forecasts()


def wait_for_planning(page: Any) -> None:
    wait_until_drawn(page, PLANNING)


def test_planning_section_at_1440_and_375(
    planning_shop: None,
    live_server: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    page, problems = browser_page
    # given the whole data span
    page.goto(live_server.url + "/?range=all")
    log_in(page, live_server.url, "/?range=all")
    # when the section has drawn
    wait_for_planning(page)
    # then the forecast carries its model and track record
    badge = page.locator("[data-forecast-badge]").inner_text()
    # (the 2025 shop's months up to today, under two years: no seasonal model)
    assert badge.startswith("Model: "), badge
    assert " · MASE " in badge, badge
    assert page.locator("[data-forecast-caveat]").inner_text().startswith("Only ")
    # and the ABC class table lists A, B and C
    classes = page.locator("[data-abc-classes] tbody tr")
    assert classes.count() == 3
    assert classes.nth(0).locator("th").inner_text() == "A"
    # and the pair of the knife and the XSS-named product, as text
    pairs = page.locator('[data-chart="pairs"] tbody tr')
    assert pairs.count() == 1
    assert XSS_PRODUCT in pairs.nth(0).inner_text()
    assert page.locator("img[src='x']").count() == 0
    # and the product funnel, most viewed first
    funnel = page.locator('[data-chart="product_funnel"] tbody tr')
    assert funnel.nth(0).locator("th").inner_text() == "Chef knife (SKU-3)"
    assert funnel.nth(0).locator("td").all_inner_texts() == [
        "2",
        "1",
        "0",
        "50.0%",
        "0.0%",
    ]
    csv = page.locator('[data-chart="abc"] [data-csv]').get_attribute("href")
    assert csv == "/api/demand/abc/?format=csv"
    screenshot(page, "planning-1440.png")

    # when the forecast's selectors change: units of a category, by week
    page.wait_for_function(
        "() => document.querySelectorAll('#c-forecast-scope option').length > 2"
    )
    page.select_option("#c-forecast-scope", "category:Outdoor")
    page.select_option("#c-forecast-grain", "week")
    page.select_option("#c-forecast-metric", "units")
    page.wait_for_function(
        """() => document.querySelector('[data-chart="forecast"] [data-csv]')
            .href.includes('metric=units&grain=week&scope=category')"""
    )
    wait_for_planning(page)
    # then the weekly series has a backtest of its own
    assert page.locator("[data-forecast-badge]").inner_text().startswith("Model: ")

    # and on a phone the section stacks without scrolling the page sideways
    view_on_phone(page)
    layout = page.evaluate(
        """() => ({
            pageScrollsSideways:
                document.documentElement.scrollWidth > window.innerWidth,
            cardsInside: [...document.querySelectorAll('.planning-section .card')]
                .every(card => card.getBoundingClientRect().right <= innerWidth),
        })"""
    )
    assert layout == {"pageScrollsSideways": False, "cardsInside": True}
    page.locator('[data-chart="forecast"]').scroll_into_view_if_needed()
    page.screenshot(path="test-artifacts/planning-375.png")
    assert problems == {
        "console": [],
        "pageerror": [],
        "requestfailed": [],
        "http_errors": [],
        "dialogs": [],
    }
