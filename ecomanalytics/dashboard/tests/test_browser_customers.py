"""The dashboard's Customers section in a real browser (fixtures of test_browser)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from cohorts.tests.holdout_shop import build_holdout_year
from ecomanalytics.dashboard.tests.test_browser import (  # noqa: F401 (fixtures)
    at,
    browser_page,
    log_in,
    pytestmark,
    screenshot,
    serial_live_server,
    view_on_phone,
    wait_until_drawn,
)
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)

NO_VALUE = "\u2013"  # format.js prints a missing value as an en dash
CUSTOMERS = (
    "new_vs_returning",
    "rfm",
    "lifetime_value",
    "predicted_value",
    "probability_alive",
)


@pytest.fixture
def customer_shop(transactional_db: None) -> None:
    """Three customers, January and February 2025: A buys for $100 on Jan 10 and
    comes back for $50 on Feb 10; C buys for $20 on Jan 20; B for $30 on Feb 15 (the
    data's last day). As of Feb 15: R = 5, 26, 0 days; F = 2, 1, 1; M = 150, 20, 30;
    so A scores R 3 and FM 5 (needs attention), B R 5 and FM 2 (new), C R 1 and FM 1
    (dormant)."""
    User.objects.create_user(username="owner", password="owner-password", is_staff=True)
    product = ProductFactory(name="Lamp")
    for external_id, orders in [
        ("CUST-A", [("2025-01-10", "100.00"), ("2025-02-10", "50.00")]),
        ("CUST-B", [("2025-02-15", "30.00")]),
        ("CUST-C", [("2025-01-20", "20.00")]),
    ]:
        customer = CustomerFactory(external_id=external_id)
        for day, price in orders:
            OrderFactory(
                customer=customer,
                placed_at=at(day),
                status="completed",
                lines=[(product, 1, price)],
            )
    refresh_rollups()
    call_command("fit_customer_value")


def second_page(route: Any, asked: list[str]) -> None:
    """The real first page with a next_cursor; a made-up second page behind it."""
    asked.append(route.request.url)
    if "cursor=" not in route.request.url:
        body = route.fetch().json()
        body["next_cursor"] = "PAGE2"
        route.fulfill(json=body)
        return
    row = {
        "customer_id": 999,
        "external_id": "CUST-Z",
        "email": None,
        "country": "US",
        "last_order_day": "2025-01-01",
        "recency": 45,
        "frequency": 1,
        "monetary": 5.0,
        "r_score": 1,
        "f_score": 1,
        "m_score": 1,
        "fm_score": 1,
        "group": "dormant",
    }
    route.fulfill(
        json={
            "as_of": "2025-02-15",
            "group": "dormant",
            "sort": "monetary_desc",
            "next_cursor": None,
            "results": [row],
        }
    )


def cells(page: Any, selector: str) -> list[list[str]]:
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)].map(
            row => [...row.cells].map(cell => cell.textContent.trim()))""",
        selector,
    )


def test_customers_section_at_1440_and_375(
    customer_shop: None,
    live_server: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    page, problems = browser_page
    # given the whole data span, by month
    page.goto(live_server.url + "/?range=all&granularity=month")
    log_in(page, live_server.url, "/?range=all&granularity=month")
    # when the section has drawn
    wait_until_drawn(page, CUSTOMERS)

    # then new vs returning gives the window's returning customer rate: of the three
    # customers, only A ordered twice
    assert page.locator("[data-returning-rate]").inner_text() == (
        "Returning customer rate: 33.3% (1 of 3 customers of the period have "
        "ordered twice or more)"
    )
    # and per month the new and returning revenue; February's returning share is
    # A's $50 of $80
    periods = cells(page, '[data-chart="new_vs_returning"] .data-table tbody tr')
    assert [[row[0], row[5], row[6], row[7]] for row in periods] == [
        ["2025-01", "$120.00", "$0.00", "0.0%"],
        ["2025-02", "$30.00", "$50.00", "62.5%"],
    ]

    # and the RFM grid labels each cell with its group and count
    grid = page.locator('[data-chart="rfm"] .rfm-cell')
    assert grid.count() == 25
    assert grid.nth(0).inner_text().split("\n") == ["New", "0"]  # R 5, FM 1
    assert grid.nth(1).inner_text().split("\n") == ["New", "1"]  # R 5, FM 2: B
    assert grid.nth(14).inner_text().split("\n") == ["Needs attention", "1"]
    assert grid.nth(20).inner_text().split("\n") == ["Dormant", "1"]  # R 1, FM 1
    # and the group table has each group's share, revenue and medians, and then
    # the model's predicted 12-month value per customer of the group
    page.wait_for_function(
        """() => document.querySelector(
            '[data-rfm-table] tr[data-group="dormant"] [data-rfm-predicted]'
        )?.textContent !== '\u2013'"""
    )
    group_values = {
        g["group"]: f"${g['mean_predicted_revenue']:,.2f}"
        for g in page.evaluate(
            "fetch('/api/cohorts/customer-value/').then(answer => answer.json())"
        )["rfm_groups"]
    }
    assert set(group_values) == {"new", "needs attention", "dormant"}
    groups = {
        row[0]: row[1:-1]
        for row in cells(page, '[data-chart="rfm"] [data-rfm-table] tbody tr')
    }
    assert {
        row[0]: row[-1]
        for row in cells(page, '[data-chart="rfm"] [data-rfm-table] tbody tr')
    } == {
        "Champions": NO_VALUE,
        "Loyal": NO_VALUE,
        "Active": NO_VALUE,
        "New": group_values["new"],
        "Promising": NO_VALUE,
        "Needs attention": group_values["needs attention"],
        "Previously loyal": NO_VALUE,
        "At risk": NO_VALUE,
        "Almost lost": NO_VALUE,
        "Dormant": group_values["dormant"],
        "Prospects": NO_VALUE,
    }
    assert groups["Needs attention"] == [
        "1",
        "33.3%",
        "$150.00",
        "75.0%",
        "5",
        "2",
        "$150.00",
    ]
    assert groups["Dormant"] == ["1", "33.3%", "$20.00", "10.0%", "26", "1", "$20.00"]
    # and an empty group says so rather than inventing medians
    assert groups["Champions"] == [
        "0",
        "0.0%",
        "$0.00",
        "0.0%",
        NO_VALUE,
        NO_VALUE,
        NO_VALUE,
    ]

    # given the server says the dormant list has a second page
    asked: list[str] = []
    page.route(
        "**/api/cohorts/rfm-customers/**",
        lambda route: second_page(route, asked),
    )
    # when the dormant cell is clicked
    grid.nth(20).click()
    page.wait_for_function(
        """() => document.querySelectorAll(
            '[data-rfm-customers-table] tbody tr').length === 1"""
    )
    # then "More" follows next_cursor and adds the next page below the first
    page.get_by_role("button", name="More").click()
    page.wait_for_function(
        """() => document.querySelectorAll(
            '[data-rfm-customers-table] tbody tr').length === 2"""
    )
    assert "cursor=PAGE2" in asked[-1], asked
    listed = cells(page, "[data-rfm-customers-table] tbody tr")
    assert [row[0] for row in listed] == ["CUST-C", "CUST-Z"]
    assert page.locator("[data-rfm-customers-state]").inner_text() == (
        "2 customers shown"
    )
    # and C's own row, as the server scored it, with the fit's prediction; C, without
    # a repeat order, is alive for sure
    assert listed[0][:5] == ["CUST-C", "26", "1", "$20.00", "1\u00b71\u00b71"]
    dormant = page.evaluate(
        "fetch('/api/cohorts/rfm-customers/?group=dormant')"
        ".then(answer => answer.json())"
    )["results"][0]
    assert listed[0][5:] == [f"${dormant['predicted_revenue']:,.2f}", "100%"]
    # then its customer list shows C with its R, F, M and scores, and no more pages
    assert page.locator("[data-rfm-customers]").is_visible()
    assert page.locator("#rfm-customers-title").inner_text() == "Customers: Dormant"
    assert page.locator("[data-rfm-more]").is_hidden()
    csv = page.locator("[data-rfm-customers-csv]").get_attribute("href")
    assert csv.startswith("/api/cohorts/rfm-customers/?group=dormant"), csv
    # and a table row opens its group too
    page.unroute("**/api/cohorts/rfm-customers/**")
    page.locator('[data-rfm-table] tr[data-group="needs attention"] button').click()
    page.wait_for_function(
        """() => document.querySelector('[data-rfm-customers-table] tbody th')
            ?.textContent === 'CUST-A'"""
    )
    assert [row[:5] for row in cells(page, "[data-rfm-customers-table] tbody tr")] == [
        ["CUST-A", "5", "2", "$150.00", "3·5·5"]
    ]

    # and the lifetime value per customer: January's two customers brought $120 in
    # their first month and $50 in the next, February's one $30; the average weighs
    # by size: $150 / 3 in month 0, $200 / 3 from month 1 on
    value = cells(page, '[data-chart="lifetime_value"] .data-table tr')
    assert value[0] == [
        "Month since first order",
        "Average",
        "Jan 2025 (2)",
        "Feb 2025 (1)",
    ]
    assert value[1:4] == [
        ["0", "$50.00", "$60.00", "$30.00"],
        ["1", "$66.67", "$85.00", "$30.00"],
        ["2", "$66.67", "$85.00", "$30.00"],
    ]

    # and beside it the model's prediction, as the stored fit gives it (fitted on
    # three customers, its numbers are the API's, not hand-computed)
    model = page.evaluate(
        "fetch('/api/cohorts/customer-value/').then(answer => answer.json())"
    )
    predicted = [(c["cohort"], c["predicted_revenue"]) for c in model["cohorts"]]
    assert [cohort for cohort, _ in predicted] == ["2025-01", "2025-02"]
    mean = sum(revenue for _, revenue in predicted) / 3
    total = sum(revenue for _, revenue in predicted)
    assert page.locator("[data-value-figure]").inner_text() == (
        f"Next 12 months: ${mean:,.2f} per customer, ${total:,.2f} in all"
    )
    assert page.locator("[data-value-fit]").inner_text() == (
        "Model fitted on 3 customers (1 repeat buyer) as of Feb 15, 2025."
    )
    rows = cells(page, '[data-chart="predicted_value"] .data-table tbody tr')
    assert [row[:2] for row in rows] == [["2025-01", "2"], ["2025-02", "1"]]
    assert rows[1][3] == f"${model['cohorts'][1]['mean_predicted_revenue']:,.2f}"
    # and P(alive) in tenths: B and C, without a repeat order, are alive for sure
    alive = cells(page, '[data-chart="probability_alive"] .data-table tbody tr')
    assert len(alive) == 10
    assert alive[9] == ["90\u2013100%", "2"]
    assert sum(int(count) for _, count in alive) == 3
    # and the holdout check says why it has nothing to show: 5 weeks of history
    holdout = page.locator('[data-chart="holdout_check"]')
    assert holdout.get_attribute("data-state") == "empty"
    assert holdout.locator(".chart-state-text").inner_text() == (
        "No holdout check: The history (2025-01-10 to 2025-02-15) is shorter than "
        "the 26-week holdout plus a calibration period."
    )
    page.locator(".customers-section").screenshot(
        path="test-artifacts/customers-1440.png"
    )

    # and on a phone the section stacks without scrolling the page sideways
    view_on_phone(page)
    layout = page.evaluate(
        """() => ({
            pageScrollsSideways:
                document.documentElement.scrollWidth > window.innerWidth,
            cardsInside: [...document.querySelectorAll('.customers-section .card')]
                .every(card => card.getBoundingClientRect().right <= innerWidth),
        })"""
    )
    assert layout == {"pageScrollsSideways": False, "cardsInside": True}
    page.locator(".customers-section").screenshot(
        path="test-artifacts/customers-375.png"
    )
    assert problems == {
        "console": [],
        "pageerror": [],
        "requestfailed": [],
        "http_errors": [],
        "dialogs": [],
    }


@pytest.fixture
def holdout_year(transactional_db: None) -> None:
    """cohorts.tests.holdout_shop's year, fitted: 6 calibration customers up to Jul 2
    2025, 6 orders in the holdout to Dec 31."""
    User.objects.create_user(username="owner", password="owner-password", is_staff=True)
    build_holdout_year()
    refresh_rollups()
    call_command("fit_customer_value")


def test_holdout_check_at_1440_and_375(
    holdout_year: None,
    live_server: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    page, problems = browser_page
    # given a filter, which the fit-wide holdout check does not take
    page.goto(live_server.url + "/?range=all&source=email")
    log_in(page, live_server.url, "/?range=all&source=email")
    # when the check has drawn
    wait_until_drawn(page, ("holdout_check",))
    model = page.evaluate(
        "fetch('/api/cohorts/customer-value-holdout/').then(answer => answer.json())"
    )
    predicted = [g["mean_predicted_orders"] for g in model["groups"]]
    # then per group the actual orders per customer, counted by hand, beside the
    # calibration fit's prediction
    rows = cells(page, '[data-chart="holdout_check"] .data-table tbody tr')
    assert rows == [
        ["0", "4", f"{predicted[0]:.2f}", "0.75"],
        ["1", "1", f"{predicted[1]:.2f}", "1.00"],
        ["2", "0", NO_VALUE, NO_VALUE],
        ["3", "0", NO_VALUE, NO_VALUE],
        ["4", "0", NO_VALUE, NO_VALUE],
        ["5", "0", NO_VALUE, NO_VALUE],
        ["6", "0", NO_VALUE, NO_VALUE],
        ["7+", "1", f"{predicted[7]:.2f}", "2.00"],
    ]
    total = round(model["holdout"]["predicted_orders"])
    assert page.locator("[data-holdout-figure]").inner_text() == (
        "Fitted on 6 customers up to Jul 2, 2025; in the 26 weeks to Dec 31, 2025 "
        f"it predicted {total} orders, and 6 were placed."
    )
    # and its CSV takes no filter either
    csv = page.locator('[data-chart="holdout_check"] [data-csv]').get_attribute("href")
    assert csv == "/api/cohorts/customer-value-holdout/?format=csv"
    page.locator('[data-chart="holdout_check"]').screenshot(
        path="test-artifacts/customers-holdout-1440.png"
    )

    # and on a phone the card fits the screen
    view_on_phone(page)
    assert page.evaluate(
        """() => document.querySelector('[data-chart="holdout_check"]')
            .getBoundingClientRect().right <= innerWidth"""
    )
    page.locator('[data-chart="holdout_check"]').screenshot(
        path="test-artifacts/customers-holdout-375.png"
    )
    assert problems == {
        "console": [],
        "pageerror": [],
        "requestfailed": [],
        "http_errors": [],
        "dialogs": [],
    }
