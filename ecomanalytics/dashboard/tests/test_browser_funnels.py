"""The funnel and revenue-change panels in a real browser (Debian chromium), at 1440
and 375 px, on the shop of test_browser.py."""

from __future__ import annotations

from typing import Any

import pytest

from .test_browser import (  # noqa: F401  (fixtures)
    browser_page,
    log_in,
    screenshot,
    serial_live_server,
    shop,
    table_rows,
    wait_until_drawn,
)

pytestmark = [pytest.mark.browser]

MARCH_APRIL = "/?start=2025-03-01&end=2025-04-30"


@pytest.mark.parametrize("width", [1440, 375])
def test_revenue_change_panel_explains_the_change(
    shop: None,  # noqa: F811 (the fixtures imported above)
    live_server: Any,
    browser_page: Any,  # noqa: F811
    width: int,
) -> None:
    page, problems = browser_page
    page.set_viewport_size({"width": width, "height": 900})

    # when: March-April against the 61 days before (Dec 30 - Feb 28)
    page.goto(live_server.url + MARCH_APRIL)
    log_in(page, live_server.url, MARCH_APRIL)
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
