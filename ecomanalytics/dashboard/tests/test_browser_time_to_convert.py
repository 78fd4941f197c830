"""The time-to-convert panel in a real browser (Debian chromium), at 1440 and 375 px,
on the May sessions of test_browser_funnels.py (events a minute apart)."""

from __future__ import annotations

from typing import Any

import pytest

from .test_browser import (  # noqa: F401  (fixtures)
    browser_page,
    open_dashboard,
    screenshot,
    serial_live_server,
    shop,
    table_rows,
    wait_until_drawn,
)
from .test_browser_funnels import MAY, may_carts  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("width", [1440, 375])
def test_time_to_convert_panel_shows_percentiles_and_buckets(
    may_carts: None,  # noqa: F811 (the fixture imported above)
    live_server: Any,
    browser_page: Any,  # noqa: F811
    width: int,
) -> None:
    page, problems = browser_page

    # when: May: views to carts of 1 minute (three sessions), carts to checkout of 1
    # and 2 minutes, one checkout to purchase of 1 minute, 4 minutes from the start
    open_dashboard(page, live_server.url, MAY, width=width)
    wait_until_drawn(page, ("time_to_convert",))

    # then
    card = page.locator('[data-chart="time_to_convert"]')
    assert card.locator("[data-percentiles] li").all_inner_texts() == [
        "Product view → Add to cart: median 1 min (p25 1 min, p75 1 min, "
        "p90 1 min), 3 sessions",
        "Add to cart → Checkout: median 1 min (p25 1 min, p75 2 min, p90 2 min), "
        "2 sessions",
        "Checkout → Purchase: median 1 min (p25 1 min, p75 1 min, p90 1 min), "
        "1 session",
        "Session start → Purchase: median 4 min (p25 4 min, p75 4 min, p90 4 min), "
        "1 session",
    ]
    rows = table_rows(page, '[data-chart="time_to_convert"] table')
    assert len(rows) == 4 * 7
    assert rows[:2] == [
        ["Product view → Add to cart", "< 1 min", "0"],
        ["Product view → Add to cart", "1\N{EN DASH}5 min", "3"],
    ]
    csv = card.locator("[data-csv]").get_attribute("href")
    assert csv.startswith("/api/kpi/time-to-convert/?")
    assert "format=csv" in csv
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, f"dashboard-time-to-convert-{width}.png")

    # when: a device without sessions
    page.goto(live_server.url + MAY + "&device=tablet")
    # then, once the panel has settled (the filter choices arriving can ask again)
    page.wait_for_function(
        """() => {
            const card = document.querySelector('[data-chart="time_to_convert"]');
            return card.dataset.state === "empty"
                && card.querySelector(".chart-state-text").innerText
                    === "No conversions in this period";
        }"""
    )
    assert problems["pageerror"] == []
    assert problems["http_errors"] == []
