"""The dashboard while the database is down, in a real browser (as test_browser.py):
the API's 503 puts up one banner, the panels are asked again with backoff, and the
banner goes once answers come back, the charts drawn without a reload.
"""

from __future__ import annotations

import json
from typing import Any

from .test_browser import (  # noqa: F401  (fixtures used by name)
    browser_page,
    kpi,
    log_in,
    serial_live_server,
    shop,
    wait_until_drawn,
)
from .test_browser import pytestmark as browser_marks

pytestmark = browser_marks

UNAVAILABLE = json.dumps(
    {"detail": "The database is not reachable; retrying.", "status": 503}
)


def test_a_lost_database_shows_a_banner_until_answers_come_back(
    shop: None,  # noqa: F811
    live_server: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    page, problems = browser_page
    asked: list[str] = []

    def database_down(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(
            status=503,
            headers={"Retry-After": "5"},
            content_type="application/json",
            body=UNAVAILABLE,
        )

    # given a database that stops answering once the visitor has signed in
    page.goto(live_server.url + "/?range=all")
    page.route("**/api/**", database_down)
    log_in(page, live_server.url, "/?range=all")

    # then one banner says so, and each panel says why it is empty
    banner = page.locator("#outage-banner")
    banner.wait_for(state="visible")
    assert banner.inner_text() == "Database not reachable; retrying…"
    assert page.get_by_role("alert").filter(has_text="retrying").count() == 1
    page.wait_for_function(
        """() => document.querySelector('[data-chart="summary"]')
            .dataset.state === "error" """
    )
    assert page.locator('[data-chart="summary"] .chart-state-text').inner_text() == (
        "Could not load: The database is not reachable; retrying."
    )
    # and the panels are asked again after the first delay (2 s), not at once
    first_round = len(asked)
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').filter("
        "entry => entry.name.includes('/api/kpi/summary/')).length >= 2",
        timeout=10_000,
    )
    assert len(asked) > first_round

    # when the database answers again
    page.unroute("**/api/**")

    # then the next retry draws every chart and the banner goes, without a reload
    wait_until_drawn(page)
    banner.wait_for(state="hidden")
    assert kpi(page, "revenue") == "$320.00"
    assert problems["pageerror"] == []
