"""The dashboard in a real browser: Debian's chromium driven by Playwright.

Logs in through the form, waits for every chart to draw, changes a filter, reloads, and
checks that nothing went wrong on the way (console errors, failed or 4xx/5xx requests,
script injected through the data). Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import os
import time as clock
import weakref
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from ecomanalytics.periods import today as shop_today
from ecomanalytics.store.models import Order, OrderItem, Refund, RefundLine
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    WebSessionFactory,
)

# Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
# around it are plain synchronous ones.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
XSS_PRODUCT = "<img src=x onerror=alert(1)>"
XSS_CATEGORY = "<svg onload=alert(2)>"
CHARTS = (
    "summary",
    "sales_summary",
    "revenue",
    "sales",
    "discounts",
    "returns",
    "conversion",
    "funnel",
    "retention",
    "repeat",
    "growth",
    "products",
    "categories",
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (make browser)",
    ),
]


@pytest.fixture(scope="session", autouse=True)
def serial_live_server() -> Iterator[None]:
    """On in-memory SQLite, serve one request at a time.

    The live server's request threads all share the test's single in-memory SQLite
    connection; the dashboard's parallel fetches then run queries on it at the same
    time, which hung the test now and then. PostgreSQL gives each thread its own
    connection and keeps the threaded server.
    """
    from django.core.servers.basehttp import WSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    class SerialWSGIServer(WSGIServer):
        # Requests run on the server thread, which already holds the shared connection.
        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any):
            super().__init__(*args, **kwargs)

    threaded = LiveServerThread.server_class
    if connection.vendor == "sqlite":
        # Django declares server_class as the threaded server; any WSGIServer serves.
        LiveServerThread.server_class = SerialWSGIServer  # type: ignore[assignment]
    yield
    LiveServerThread.server_class = threaded


def at(day: str, hour: int = 15) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def shop(transactional_db: None) -> None:
    """Four months of a small shop, in 2025 (every month has ended)."""
    outdoor = CategoryFactory(name="Outdoor")
    odd = CategoryFactory(name=XSS_CATEGORY)
    shoe = ProductFactory(sku="SKU-1", name="Trail shoe", category=outdoor)
    trap = ProductFactory(sku="SKU-2", name=XSS_PRODUCT, category=outdoor)
    knife = ProductFactory(sku="SKU-3", name="Chef knife", category=odd)
    ada = CustomerFactory(country="US")
    ben = CustomerFactory(country="DE")
    cy = CustomerFactory(country="US")

    def order(customer: Any, day: str, status: str, source: str, lines: list) -> None:
        OrderFactory(
            customer=customer,
            placed_at=at(day),
            status=status,
            traffic_source=source,
            device="desktop",
            lines=lines,
        )

    order(ada, "2025-01-10", "completed", "organic", [(shoe, 2, "50.00")])  # 100
    order(ben, "2025-01-20", "paid", "paid_search", [(trap, 1, "30"), (knife, 1, "20")])
    order(ada, "2025-02-05", "shipped", "organic", [(knife, 3, "20.00")])  # 60
    order(cy, "2025-03-01", "completed", "social", [(shoe, 1, "50.00")])  # 50
    order(cy, "2025-03-15", "cancelled", "organic", [(trap, 1, "30.00")])
    order(ben, "2025-04-02", "refunded", "organic", [(shoe, 1, "50.00")])
    order(ben, "2025-04-10", "completed", "paid_search", [(trap, 2, "30.00")])  # 60

    for day, source, events in [
        ("2025-01-10", "organic", ["product_view", "add_to_cart", "purchase"]),
        ("2025-01-11", "organic", ["product_view"]),
        ("2025-01-20", "paid_search", ["product_view", "add_to_cart"]),
        ("2025-03-01", "social", ["product_view", "add_to_cart", "begin_checkout"]),
    ]:
        WebSessionFactory(
            started_at=at(day, 14),
            traffic_source=source,
            events=[
                (event, at(day, 14).replace(minute=minute))
                for minute, event in enumerate(events, start=1)
            ],
        )
    User.objects.create_user(username="owner", password="owner-password", is_staff=True)


@pytest.fixture
def browser_page(live_server: Any) -> Iterator[tuple[Any, dict[str, list[str]]]]:
    playwright_sync = pytest.importorskip("playwright.sync_api")
    problems: dict[str, list[str]] = {
        "console": [],
        "pageerror": [],
        "requestfailed": [],
        "http_errors": [],
        "dialogs": [],
    }
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        # Reduced motion switches Chart.js animations off: screenshots show final bars.
        context = browser.new_context(
            viewport={"width": 1440, "height": 900}, reduced_motion="reduce"
        )
        page = context.new_page()
        page.set_default_timeout(20_000)

        def on_console(message: Any) -> None:
            if message.type in ("error", "warning"):
                problems["console"].append(f"{message.type}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems["pageerror"].append(str(error)))
        page.on(
            "requestfailed",
            lambda request: problems["requestfailed"].append(
                f"{request.url} {request.failure}"
            ),
        )

        def on_response(response: Any) -> None:
            if response.status >= 400:
                problems["http_errors"].append(f"{response.status} {response.url}")

        page.on("response", on_response)

        def on_dialog(dialog: Any) -> None:
            problems["dialogs"].append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        # The API requests not yet answered in full: a panel can ask again after
        # drawing (the RFM table's predicted values), which no card state shows.
        open_requests: set[Any] = set()
        API_IN_FLIGHT[page] = open_requests

        def on_request(request: Any) -> None:
            if "/api/" in request.url:
                open_requests.add(request)

        page.on("request", on_request)
        page.on("requestfinished", lambda request: open_requests.discard(request))
        page.on("requestfailed", lambda request: open_requests.discard(request))
        try:
            yield page, problems
        finally:
            context.close()
            browser.close()


def wait_until_drawn(page: Any, charts: tuple[str, ...] = CHARTS) -> None:
    """Every panel (of charts) has left loading and drawn data (not empty, not an
    error)."""
    page.wait_for_function(
        """charts => charts.every(name => {
            const card = document.querySelector(`[data-chart="${name}"]`);
            return card && card.dataset.state === "ready";
        })""",
        arg=list(charts),
    )


# Per page of browser_page: its API requests in flight.
API_IN_FLIGHT: weakref.WeakKeyDictionary[Any, set[Any]] = weakref.WeakKeyDictionary()


def wait_until_settled(page: Any, *, seconds: float = 20.0) -> None:
    """No panel is still loading and no API request is in flight: a reload or a new
    filter now aborts none."""
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-chart]")].every(
            card => card.dataset.state !== "loading"
        )"""
    )
    deadline = clock.monotonic() + seconds
    while API_IN_FLIGHT.get(page):
        if clock.monotonic() > deadline:
            raise TimeoutError(f"API requests still open: {API_IN_FLIGHT[page]}")
        page.wait_for_timeout(50)  # Playwright delivers the page's events meanwhile


def screenshot(page: Any, name: str, *, full_page: bool = True) -> None:
    # From the top, so the sticky header sits where a visitor sees it.
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def log_in(page: Any, base_url: str, next_path: str = "/") -> None:
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("owner-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + next_path)


def open_dashboard(page: Any, base_url: str, path: str, *, width: int) -> None:
    """The dashboard at `path` in a window `width` pixels wide, signed in."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base_url + path)
    log_in(page, base_url, path)


def view_on_phone(page: Any) -> None:
    """Narrow the window to a phone's 375 px and wait until every chart has
    followed: Chart.js resizes on a debounced observer, later on a busy machine."""
    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_function(
        """() => typeof Chart === "undefined"
            || Object.values(Chart.instances).every(chart =>
                chart.canvas.getBoundingClientRect().width
                    <= chart.canvas.parentElement.clientWidth + 1)"""
    )


KPIS = ("revenue", "orders", "average_order_value", "completion_rate", "customers")


def kpi(page: Any, name: str) -> str:
    return page.locator(f'[data-kpi="{name}"] .kpi-value').inner_text()


def test_dashboard_end_to_end(shop: None, live_server: Any, browser_page: Any) -> None:
    page, problems = browser_page

    # given an anonymous visitor, sent to the login form
    page.goto(live_server.url + "/")
    assert page.url == live_server.url + "/accounts/login/?next=/"
    screenshot(page, "login-1440.png")

    # when they sign in
    log_in(page, live_server.url)

    # then they see the last 30 complete days, empty for this 2025 shop
    page.wait_for_function(
        """() => document.querySelector('[data-chart="summary"]')
            .dataset.state === "empty" """
    )
    assert page.get_by_label("Date range").input_value() == "last_30"
    assert page.locator("#range-summary").inner_text().startswith("Last 30 days: ")
    assert (
        page.locator("#range-summary").inner_text().endswith(" (30 days, to yesterday)")
    )

    # and all time is one click away, drawing every chart over the whole data span
    wait_until_settled(page)  # a new view aborts the requests in flight
    page.get_by_role("button", name="Show all time").click()
    wait_until_drawn(page)
    assert page.url == live_server.url + "/?range=all"
    assert {
        name: kpi(page, name)
        for name in (
            "revenue",
            "orders",
            "average_order_value",
            "completion_rate",
            "customers",
        )
    } == {
        # revenue orders: 100 + 50 + 60 + 50 + 60; completed 3 of 7 orders
        "revenue": "$320.00",
        "orders": "5",
        "average_order_value": "$64.00",
        "completion_rate": "42.9%",
        "customers": "3",
    }
    assert page.locator("#freshness").inner_text() == "Data through Apr 10, 2025"
    assert page.locator("#range-summary").inner_text() == (
        "All time: Jan 10, 2025 \u2013 Apr 10, 2025 (91 days)"
    )
    assert page.locator(".heatmap tbody tr").count() == 2  # cohorts 2025-01, 2025-03
    csv_link = page.locator('[data-chart="revenue"] [data-csv]')
    assert (
        csv_link.get_attribute("href")
        == "/api/kpi/revenue/?granularity=month&format=csv"
    )
    # the empty 91 days before the data are no comparison
    assert page.locator('[data-kpi="revenue"] .kpi-delta').inner_text() == (
        "no earlier data"
    )

    # and names from the data are text, never markup
    page.locator('[data-chart="products"] summary').click()
    products_table = page.locator('[data-chart="products"] table')
    assert products_table.get_by_role("cell", name=XSS_PRODUCT, exact=True).count() == 1
    assert page.locator("#f-category option", has_text=XSS_CATEGORY).count() == 1
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("main svg").count() == 0
    screenshot(page, "dashboard-1440.png")

    # when a filter changes
    wait_until_settled(page)  # a new view aborts the requests in flight
    page.get_by_label("Traffic source", exact=True).select_option("organic")

    # then the numbers follow and the URL records the view
    page.wait_for_function(
        """() => document.querySelector('[data-kpi="revenue"] .kpi-value')
            .textContent === "$160.00" """
    )
    wait_until_drawn(page)
    assert kpi(page, "orders") == "2"
    assert page.url == live_server.url + "/?range=all&source=organic"
    assert csv_link.get_attribute("href") == (
        "/api/kpi/revenue/?source=organic&granularity=month&format=csv"
    )

    # when the view is reloaded (or the bookmark opened)
    wait_until_settled(page)
    page.reload()

    # then it is the same view, once the filter choices have arrived too
    wait_until_drawn(page)
    page.wait_for_function(
        "() => document.querySelectorAll('#f-source option').length > 2"
    )
    assert page.get_by_label("Traffic source", exact=True).input_value() == "organic"
    assert kpi(page, "revenue") == "$160.00"

    # and on a phone the cards stack, nothing but the heat-map scrolls sideways
    # (once every panel has answered: a new filter aborts the requests in flight)
    wait_until_settled(page)
    page.get_by_label("Traffic source", exact=True).select_option("")
    page.wait_for_function(
        """() => document.querySelector('[data-kpi="revenue"] .kpi-value')
            .textContent === "$320.00" """
    )
    wait_until_drawn(page)
    view_on_phone(page)
    layout = page.evaluate(
        """() => {
            const cards = [...document.querySelectorAll('.kpi')].map(
                card => card.getBoundingClientRect().left);
            const heat = document.querySelector('.heatmap-scroll');
            return {
                pageScrollsSideways:
                    document.documentElement.scrollWidth > window.innerWidth,
                kpiColumns: new Set(cards.map(Math.round)).size,
                heatMapScrolls: heat.scrollWidth > heat.clientWidth,
            };
        }"""
    )
    assert layout == {
        "pageScrollsSideways": False,
        "kpiColumns": 1,
        "heatMapScrolls": True,
    }
    screenshot(page, "dashboard-375.png")

    # and nothing went wrong on the way
    assert problems == {
        "console": [],
        "pageerror": [],
        "requestfailed": [],
        "http_errors": [],
        "dialogs": [],
    }


NO_VALUE_FIT = (
    "No prediction yet: the customer-value model has not been fitted (it is fitted "
    "after each roll-up refresh)"
)


def test_empty_and_failed_panels_say_so(
    shop: None, live_server: Any, browser_page: Any
) -> None:
    page, problems = browser_page
    # given one endpoint that fails
    page.route(
        "**/api/demand/top-products/**",
        lambda route: route.fulfill(
            status=500, content_type="application/json", body='{"detail": "Boom."}'
        ),
    )

    # when a bookmarked view has a period without any data
    page.goto(live_server.url + "/?start=2020-01-01&end=2020-01-31")
    log_in(page, live_server.url, "/?start=2020-01-01&end=2020-01-31")

    # then every panel says why it is empty, and the failed one says it failed; the
    # forecast covers the whole history, whatever the period
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-chart]')].every(
            card => ["empty", "error"].includes(card.dataset.state)
                || (card.dataset.chart === "forecast" && card.dataset.state === "ready"))"""
    )
    states = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-chart]')].map(
            card => [card.dataset.chart, [card.dataset.state,
                card.querySelector('.chart-state-text').textContent]]))"""
    )
    assert states == {
        "summary": ["empty", "No orders in this period"],
        "revenue": ["empty", "No orders in this period"],
        "conversion": ["empty", "No sessions in this period"],
        "funnel": ["empty", "No sessions in this period"],
        "conversion_over_time": ["empty", "No sessions in this period"],
        "time_to_convert": ["empty", "No conversions in this period"],
        "abandoned_checkouts": ["empty", "No checkouts in this period"],
        "abandoned_checkout_list": [
            "empty",
            "No abandoned checkouts of known customers in this period",
        ],
        "retention": ["empty", "No customers acquired in this period"],
        "repeat": ["empty", "No customers acquired in this period"],
        "growth": ["empty", "No orders in this period"],
        "products": ["error", "Could not load: Boom."],
        "categories": ["empty", "No products sold in this period"],
        "sales_summary": ["empty", "No sales in this period"],
        "sales": ["empty", "No sales in this period"],
        "discounts": ["empty", "No orders in this period"],
        "returns": ["empty", "No sales or returns in this period"],
        "revenue_change": ["empty", "No orders or sessions in these periods"],
        "forecast": ["ready", ""],
        "abc": ["empty", "No products sold in this period"],
        "pairs": [
            "empty",
            "No pair of products bought together often enough in this period",
        ],
        "product_funnel": ["empty", "No product views in this period"],
        "new_vs_returning": ["empty", "No customer orders in this period"],
        "rfm": ["empty", "No customers in this period"],
        "lifetime_value": ["empty", "No customers acquired in this period"],
        "predicted_value": ["empty", NO_VALUE_FIT],
        "probability_alive": ["empty", NO_VALUE_FIT],
        "holdout_check": ["empty", NO_VALUE_FIT],
    }
    assert page.get_by_label("Date range").input_value() == "custom"
    assert page.locator("#range-summary").inner_text() == (
        "Custom range: Jan 1, 2020 \u2013 Jan 31, 2020 (31 days)"
    )
    screenshot(page, "dashboard-empty-1440.png")
    # and the only complaint is the browser's note about the failed request
    assert problems["console"] == [
        "error: Failed to load resource: the server responded with a status of 500 "
        "(Internal Server Error)"
    ]
    assert problems["pageerror"] == []


MONTHS = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
]


def local_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def recent_shop(transactional_db: None) -> date:
    """Orders in the last 30 complete days, the 30 before them, and today."""
    today = shop_today()
    shoe = ProductFactory(sku="SKU-1", name="Trail shoe")
    ada = CustomerFactory(country="US")
    ben = CustomerFactory(country="US")
    for customer, days_ago, status, price, source in [
        (ada, 0, "paid", "40.00", "organic"),  # today: the current month is partial
        (ben, 5, "completed", "100.00", "direct"),
        (ada, 10, "paid", "50.00", "organic"),
        (ada, 40, "completed", "100.00", "organic"),  # the 30 days before
    ]:
        OrderFactory(
            customer=customer,
            placed_at=local_noon(today - timedelta(days=days_ago)),
            status=status,
            traffic_source=source,
            device="desktop",
            lines=[(shoe, 1, price)],
        )
    for days_ago, source, events in [
        (5, "direct", ["product_view", "add_to_cart", "purchase"]),
        (6, "direct", ["product_view"]),
        (10, "organic", ["product_view", "purchase"]),
    ]:
        WebSessionFactory(
            started_at=local_noon(today - timedelta(days=days_ago)),
            traffic_source=source,
            events=[
                (event, local_noon(today - timedelta(days=days_ago)))
                for event in events
            ],
        )
    User.objects.create_user(username="owner", password="owner-password", is_staff=True)
    return today


WITHOUT_GROWTH = tuple(name for name in CHARTS if name != "growth")


def delta(page: Any, name: str) -> str:
    return page.locator(f'[data-kpi="{name}"] .kpi-delta').inner_text()


def test_numbers_compare_like_with_like(
    recent_shop: date, live_server: Any, browser_page: Any
) -> None:
    page, problems = browser_page
    today = recent_shop
    metric_requests: list[str] = []

    def note_metric_request(request: Any) -> None:
        if "/api/" in request.url and "/api/filters/" not in request.url:
            metric_requests.append(request.url)

    page.on("request", note_metric_request)

    # given the default view: the last 30 complete days against the 30 before (growth
    # draws complete months only, which 30 days hold on the 1st of a month alone)
    page.goto(live_server.url + "/")
    log_in(page, live_server.url)
    wait_until_drawn(page, WITHOUT_GROWTH)
    wait_until_settled(page)

    # then the cards compare whole days with whole days (today's order is left out)
    assert {name: (kpi(page, name), delta(page, name)) for name in KPIS} == {
        "revenue": ("$150.00", "▲ 50.0% vs previous"),
        "orders": ("2", "▲ 100.0% vs previous"),
        "average_order_value": ("$75.00", "▼ 25.0% vs previous"),
        "completion_rate": ("50.0%", "▼ 50.0 pts vs previous"),
        "customers": ("2", "▲ 100.0% vs previous"),
    }

    # when the traffic source is Direct
    page.get_by_label("Traffic source", exact=True).select_option("direct")
    wait_until_drawn(page, WITHOUT_GROWTH)
    wait_until_settled(page)

    # then the conversion panel names the source, not "All sources"
    assert page.locator('[data-chart="conversion"] [data-overall]').inner_text() == (
        "Direct: 50.00% of 2 sessions converted"
    )
    assert page.locator("#filter-summary").inner_text() == (
        "Filtered to Traffic source: Direct"
    )
    # and a previous period without a direct order is no comparison
    assert delta(page, "revenue") == "no earlier data"
    assert delta(page, "completion_rate") == "no earlier data"

    # when the range is this month and the eleven before
    page.get_by_label("Traffic source", exact=True).select_option("")
    page.get_by_label("Date range").select_option("last_12_months")
    wait_until_drawn(page)

    # then the month still running is marked partial with its days, without hovering
    month = f"{MONTHS[today.month - 1]} {today.year}"
    days = f"{MONTHS[today.month - 1]} 1\u2013{today.day}, partial"
    assert page.locator('[data-chart="revenue"] [data-partial-note]').inner_text() == (
        f"Dashed, not comparable yet: {days} (the period has not ended or is cut "
        "by the date range)."
    )
    # and growth leaves it out until asked
    growth_note = page.locator('[data-chart="growth"] [data-partial-note]')
    assert growth_note.inner_text() == f"Not drawn: {month} ({days})."
    page.get_by_label("Show incomplete months").check()
    assert growth_note.is_hidden()
    assert "partial=show" in page.url
    assert page.locator('[data-chart="growth"]').get_attribute("data-state") == "ready"

    # when a bookmarked range ends before it starts (once this page's own requests
    # are done, so that none of them is counted against the next page)
    page.wait_for_load_state("networkidle")
    metric_requests.clear()
    page.goto(live_server.url + "/?start=2025-02-01&end=2025-01-01")
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-chart]')].every(
            card => card.dataset.state === "invalid")"""
    )

    # then the form says so once, and no metric is asked for
    assert page.locator("#f-dates-error").inner_text() == (
        "The end date must be on or after the start date."
    )
    assert page.locator(".chart-state-text:visible").count() == 0
    assert page.locator("#range-summary").inner_text() == (
        "Custom range: no figures until the dates are fixed"
    )
    page.wait_for_timeout(300)
    assert metric_requests == []
    assert problems["console"] == []
    assert problems["http_errors"] == []


def test_layout_fits_desktop_and_phone(
    recent_shop: date, live_server: Any, browser_page: Any
) -> None:
    page, problems = browser_page
    page.goto(live_server.url + "/?range=all")
    log_in(page, live_server.url, "/?range=all")
    wait_until_drawn(page)

    # at 1440 px the longest date preset is shown whole
    fits = page.evaluate(
        """() => {
            const select = document.getElementById('f-range');
            const style = getComputedStyle(select);
            const context = document.createElement('canvas').getContext('2d');
            context.font = style.font;
            const widest = Math.max(...[...select.options].map(
                option => context.measureText(option.text).width));
            // padding on both sides and the drop-down arrow
            const room = select.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight) - 20;
            return {widest: Math.ceil(widest), room: Math.floor(room)};
        }"""
    )
    assert fits["widest"] <= fits["room"], fits

    # on a phone every navigation link stays on screen
    view_on_phone(page)
    nav = page.evaluate(
        """() => [...document.querySelectorAll('.app-nav a, .app-user button')].map(
            link => {
                const box = link.getBoundingClientRect();
                return [link.textContent.trim(),
                        box.width > 0 && box.left >= 0 && box.right <= innerWidth];
            })"""
    )
    assert nav == [
        ["Dashboard", True],
        ["Admin", True],
        ["API", True],
        ["Log out", True],
    ]
    # and the cohort table that scrolls sideways says so
    assert page.locator("[data-scroll-hint]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "dashboard-375-top.png", full_page=False)
    page.locator("[data-scroll-hint]").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "dashboard-375-cohorts.png"))
    assert problems["pageerror"] == []


@pytest.mark.parametrize("model", ["order", "websession", "customer", "orderitem"])
def test_admin_change_lists_fit_a_laptop_screen(
    transactional_db: None, live_server: Any, browser_page: Any, model: str
) -> None:
    page, problems = browser_page
    # given long values, as a real shop has (generated ids, long e-mail addresses)
    customer = CustomerFactory(
        external_id="cust_8f14e45fceea167a5a36dedd4bea2543",
        email="firstname.lastname.department@subsidiary.example.com",
    )
    order = OrderFactory(
        external_id="#1001-8f14e45fceea167a5a36",
        customer=customer,
        lines=[(ProductFactory(sku="SKU-LONG-0001-BLUE-XL"), 2, "1234.50")],
    )
    WebSessionFactory(
        external_id="sess_c9f0f895fb98ab9159f51fd0297e236d", customer=customer
    )
    assert order.pk
    User.objects.create_superuser("owner", password="owner-password")

    # when staff open the change list at 1440 x 900
    path = f"/admin/store/{model}/"
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    log_in(page, live_server.url, path)

    # then every column is on screen, the last one included: neither the page nor
    # the admin's result box scrolls sideways
    layout = page.evaluate(
        """() => {
            const box = document.querySelector('.results');
            const right = Math.min(innerWidth, box.getBoundingClientRect().right);
            return {
                scrollsSideways: document.documentElement.scrollWidth > innerWidth,
                resultsScroll: box.scrollWidth > box.clientWidth,
                offScreen: [...document.querySelectorAll('#result_list thead th')]
                    .filter(th => th.getBoundingClientRect().right > right + 1)
                    .map(th => th.textContent.trim()),
            };
        }"""
    )
    screenshot(page, f"admin-{model}-1440.png", full_page=False)
    assert layout == {"scrollsSideways": False, "resultsScroll": False, "offScreen": []}
    assert problems["pageerror"] == []


@pytest.mark.parametrize("width", [1440, 375])
def test_api_page_header_shows_the_user_name(
    transactional_db: None, live_server: Any, browser_page: Any, width: int
) -> None:
    page, problems = browser_page
    # given a user with a long name
    name = "firstname.lastname@example.com"
    User.objects.create_user(username=name, password="owner-password", is_staff=True)
    page.set_viewport_size({"width": width, "height": 900})

    # when they open the browsable API
    page.goto(f"{live_server.url}/accounts/login/?next=/api/kpi/summary/")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill("owner-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/api/kpi/summary/")
    screenshot(page, f"api-{width}.png", full_page=False)

    # then the header shows the whole name, inside the window
    header = page.evaluate(
        """name => {
            const node = [...document.querySelectorAll('.navbar *')].find(
                element => element.children.length === 0
                    && element.textContent.includes(name));
            if (!node) return null;
            const box = node.getBoundingClientRect();
            const navbar = document.querySelector('.navbar').getBoundingClientRect();
            const below = [...document.querySelectorAll('.wrapper > .container *')]
                .filter(element => element.getBoundingClientRect().height > 0);
            return {
                // a margin from the window's edge, as the rest of the header has
                inWindow: box.left >= 8 && box.right <= innerWidth - 8,
                inHeader: box.bottom <= navbar.bottom,
                contentBelowHeader: Math.min(...below.map(
                    element => element.getBoundingClientRect().top)) >= navbar.bottom,
            };
        }""",
        name,
    )
    assert header == {"inWindow": True, "inHeader": True, "contentBelowHeader": True}
    assert problems["pageerror"] == []


def test_panels_do_not_wait_for_the_filter_choices(
    shop: None, live_server: Any, browser_page: Any
) -> None:
    page, problems = browser_page
    # given filter choices that never arrive
    page.route("**/api/filters/", lambda route: route.abort())

    # when a bookmarked, filtered view opens
    page.goto(live_server.url + "/?range=all&source=organic")
    log_in(page, live_server.url, "/?range=all&source=organic")

    # then every panel draws, and the filter shows the bookmarked value
    wait_until_drawn(page)
    assert kpi(page, "revenue") == "$160.00"
    assert page.get_by_label("Traffic source", exact=True).input_value() == "organic"
    assert page.locator("#freshness").inner_text() == "Filter choices unavailable"
    assert page.locator('[data-chart="conversion"] [data-overall]').inner_text() == (
        "Organic: 50.00% of 2 sessions converted"
    )
    assert problems["pageerror"] == []


def sale(
    customer: Any,
    day: str,
    status: str,
    lines: list,
    *,
    codes: str = "",
    line_discounts: dict | None = None,
    shipping: str = "0",
    tax: str = "0",
) -> Order:
    """An order with its money terms: line_discounts {product: amount} add up to the
    order's discount, as an import writes them."""
    order = OrderFactory(
        customer=customer,
        placed_at=at(day),
        status=status,
        traffic_source="organic",
        device="desktop",
        lines=lines,
        discount_codes=codes,
        shipping=Decimal(shipping),
        tax=Decimal(tax),
    )
    for product, amount in (line_discounts or {}).items():
        OrderItem.objects.filter(order=order, product=product).update(
            discount=Decimal(amount)
        )
    order.discount = sum(
        (Decimal(amount) for amount in (line_discounts or {}).values()), Decimal(0)
    )
    order.save(update_fields=["discount"])
    return order


def refund(order: Order, day: str, product: Any, quantity: int, amount: str) -> None:
    money_back = Decimal(amount)
    refunded = Refund.objects.create(
        external_id=f"R-{order.external_id}-{day}",
        order=order,
        refunded_at=at(day),
        amount=money_back,
    )
    RefundLine.objects.create(
        refund=refunded,
        item=OrderItem.objects.get(order=order, product=product),
        quantity=quantity,
        amount=money_back,
    )


@pytest.fixture
def sales_shop(transactional_db: None) -> None:
    """Discounts, shipping, taxes and refunds, from Jan 10 to Mar 10, 2025.

    Per month (gross - discounts - returns = net; + shipping + taxes = total):
    Jan 170 - 10 - 45 = 115; + 10 + 12.80 = 137.80 (2 orders)
    Feb 130 - 13 - 20 = 97; + 4.90 + 9.36 = 111.26 (3 orders)
    Mar nothing: a cancelled order, and a refunded one whose refund leaves too.
    """
    outdoor = CategoryFactory(name="Outdoor")
    kitchen = CategoryFactory(name="Kitchen")
    shoe = ProductFactory(sku="SKU-1", name="Trail shoe", category=outdoor)
    knife = ProductFactory(sku="SKU-2", name="Chef knife", category=kitchen)
    ada = CustomerFactory(country="US")
    ben = CustomerFactory(country="DE")
    cy = CustomerFactory(country="US")
    first = sale(
        ada,
        "2025-01-10",
        "completed",
        [(shoe, 2, "50.00")],
        codes="SUMMER10",
        line_discounts={shoe: "10.00"},
        shipping="5.00",
        tax="7.20",
    )
    second = sale(
        ben,
        "2025-01-20",
        "paid",
        [(shoe, 1, "50.00"), (knife, 1, "20.00")],
        shipping="5.00",
        tax="5.60",
    )
    sale(
        ada,
        "2025-02-05",
        "shipped",
        [(knife, 3, "20.00")],
        codes="SUMMER10",
        line_discounts={knife: "6.00"},
        tax="4.32",
    )
    sale(
        cy,
        "2025-02-14",
        "completed",
        [(shoe, 1, "50.00")],
        codes="VIP5",
        line_discounts={shoe: "5.00"},
        shipping="4.90",
        tax="3.60",
    )
    # ben's second order, so VIP5 has a returning customer
    sale(
        ben,
        "2025-02-20",
        "paid",
        [(knife, 1, "20.00")],
        codes="VIP5",
        line_discounts={knife: "2.00"},
        tax="1.44",
    )
    sale(ben, "2025-03-01", "cancelled", [(shoe, 1, "50.00")])
    refunded = sale(cy, "2025-03-10", "refunded", [(shoe, 1, "50.00")])
    # returns count on the refund's day: January's order returns in January and
    # February; the refunded order's refund counts nowhere
    refund(first, "2025-01-25", shoe, 1, "45.00")
    refund(second, "2025-02-02", knife, 1, "20.00")
    refund(refunded, "2025-03-10", shoe, 1, "50.00")
    User.objects.create_user(username="owner", password="owner-password", is_staff=True)


def chart_data(page: Any, selector: str) -> dict[str, Any]:
    """The labels and datasets a Chart.js chart draws, as [label, data] pairs."""
    return page.evaluate(
        """selector => {
            const chart = Chart.getChart(document.querySelector(selector));
            return {
                labels: chart.data.labels,
                datasets: chart.data.datasets.map(d => [d.label, d.data]),
            };
        }""",
        selector,
    )


def table_rows(page: Any, selector: str) -> list[list[str]]:
    return page.evaluate(
        """selector => [...document.querySelectorAll(`${selector} tbody tr`)].map(
            row => [...row.cells].map(cell => cell.textContent))""",
        selector,
    )


# The panels of orders' money (the shop below has no web sessions to draw).
SALES_CHARTS = ("summary", "sales_summary", "sales", "discounts", "returns")


def test_sales_panels_count_money_as_the_books_do(
    sales_shop: None, live_server: Any, browser_page: Any
) -> None:
    page, problems = browser_page

    # given all time: Jan 10 to Mar 10, 2025
    page.goto(live_server.url + "/?range=all")
    log_in(page, live_server.url, "/?range=all")
    wait_until_drawn(page, SALES_CHARTS)

    # then the cards gain net and total sales, with nothing earlier to compare with
    assert {name: kpi(page, name) for name in ("net_sales", "total_sales")} == {
        # 300 - 23 - 65 = 212; + 14.90 + 22.16 = 249.06
        "net_sales": "$212.00",
        "total_sales": "$249.06",
    }
    assert delta(page, "net_sales") == "no earlier data"
    assert delta(page, "total_sales") == "no earlier data"

    # and the terms stack per month: discounts and returns below zero, lines on top
    assert chart_data(page, '[data-part="terms"] canvas') == {
        "labels": [
            ["Jan 2025", "Jan 10\u201331, partial"],
            "Feb 2025",
            ["Mar 2025", "Mar 1\u201310, partial"],
        ],
        "datasets": [
            ["Gross sales", [170, 130, 0]],
            ["Discounts", [-10, -13, 0]],
            ["Returns", [-45, -20, 0]],
            ["Shipping", [10, 4.9, 0]],
            ["Taxes", [12.8, 9.36, 0]],
            ["Net sales", [115, 97, 0]],
            ["Total sales", [137.8, 111.26, 0]],
        ],
    }
    # and the waterfall walks from gross to total sales in floating bars
    waterfall = '[data-part="waterfall"]'
    assert chart_data(page, f"{waterfall} canvas")["datasets"] == [
        [
            "From gross to total sales",
            [
                [0, 300],
                [277, 300],
                [212, 277],
                [0, 212],
                [212, 226.9],
                [226.9, 249.06],
                [0, 249.06],
            ],
        ]
    ]
    assert page.locator(f"{waterfall} canvas").get_attribute("aria-label") == (
        "From gross sales to total sales: Gross sales $300.00, Discounts -$23.00, "
        "Returns -$65.00, Net sales $212.00, Shipping +$14.90, Taxes +$22.16, "
        "Total sales $249.06."
    )
    assert table_rows(page, waterfall) == [
        ["Gross sales", "$300.00", "$300.00"],
        ["Discounts", "-$23.00", "$277.00"],
        ["Returns", "-$65.00", "$212.00"],
        ["Net sales", "$212.00", "$212.00"],
        ["Shipping", "+$14.90", "$226.90"],
        ["Taxes", "+$22.16", "$249.06"],
        ["Total sales", "$249.06", "$249.06"],
    ]

    # and each discount code has its row, the orders without one last
    assert page.locator('[data-chart="discounts"] [data-code-usage]').inner_text() == (
        "80.0% of 5 revenue orders used a discount code."
    )
    discount_headers = page.locator('[data-chart="discounts"] thead th')
    assert discount_headers.all_inner_texts()[:3] == [
        "Code",
        "Orders",
        "Share of orders",
    ]
    assert table_rows(page, '[data-chart="discounts"]') == [
        # ada's two orders: 160 - 16 - 45 = 99, 99 / 2 = 49.50
        [
            "SUMMER10",
            "2",
            "40.0%",
            "1",
            "1",
            "0",
            "$160.00",
            "$16.00",
            "$45.00",
            "$99.00",
            "10.0%",
            "$49.50",
        ],
        # cy is new; ben bought without a code first, so he is returning
        [
            "VIP5",
            "2",
            "40.0%",
            "2",
            "1",
            "1",
            "$70.00",
            "$7.00",
            "$0.00",
            "$63.00",
            "10.0%",
            "$31.50",
        ],
        [
            "No code",
            "1",
            "20.0%",
            "1",
            "1",
            "0",
            "$70.00",
            "$0.00",
            "$20.00",
            "$50.00",
            "0.0%",
            "$50.00",
        ],
    ]

    # and the return rates per category, by units and by value
    assert chart_data(page, '[data-chart="returns"] canvas') == {
        "labels": ["Outdoor", "Kitchen"],
        # Outdoor 1 of 4 units, 45 of 200; Kitchen 1 of 5 units, 20 of 100
        "datasets": [["By units", [0.25, 0.2]], ["By value", [0.225, 0.2]]],
    }
    assert page.locator("[data-returns-overall]").inner_text() == (
        "Overall: 22.2% of 9 units sold and 21.7% of $300.00 of gross sales came back."
    )

    # and the panels say which money revenue is, and link their data as CSV
    assert (
        "Revenue here is net sales: gross sales \u2212 discounts \u2212 returns."
        in (page.locator("#sales-definition").text_content())
    )
    csv_links = {
        key: page.locator(selector).get_attribute("href")
        for key, selector in {
            "sales_summary": '[data-csv-for="sales_summary"]',
            "sales": '[data-chart="sales"] [data-csv]',
            "discounts": '[data-chart="discounts"] [data-csv]',
            "returns": '[data-chart="returns"] [data-csv]',
        }.items()
    }
    assert csv_links == {
        "sales_summary": "/api/kpi/sales/?format=csv",
        "sales": "/api/kpi/sales/?granularity=month&format=csv",
        "discounts": "/api/kpi/discounts/?format=csv",
        "returns": "/api/demand/returns/?by=category&format=csv",
    }
    page.locator('[data-chart="sales"]').scroll_into_view_if_needed()
    screenshot(page, "dashboard-sales-1440.png")

    # when the breakdown is shown by week
    page.get_by_label("Show by").nth(1).select_option("week")

    # then it has the ten ISO weeks from Jan 6 to Mar 10, and the URL records it
    page.wait_for_function(
        """() => Chart.getChart(document.querySelector('[data-part="terms"] canvas'))
            .data.labels.length === 10"""
    )
    assert "sales_granularity=week" in page.url
    assert page.locator('[data-chart="sales"] [data-csv]').get_attribute("href") == (
        "/api/kpi/sales/?granularity=week&format=csv"
    )

    # when a category is chosen
    page.get_by_label("Category", exact=True).select_option("Outdoor")

    # then sales count that category's lines: no shipping or taxes, total = net
    page.wait_for_function(
        """() => document.querySelector('[data-kpi="net_sales"] .kpi-value')
            .textContent === "$140.00" """
    )
    wait_until_drawn(page, SALES_CHARTS)
    # 200 - 15 - 45 = 140
    assert kpi(page, "total_sales") == "$140.00"
    assert page.locator('[data-chart="sales"] [data-category-note]').is_visible()
    # and discount codes, which belong to whole orders, say the filter does not apply
    assert page.locator(
        '[data-chart="discounts"] [data-category-note]'
    ).inner_text() == (
        "Discount codes belong to whole orders: the category filter does not apply "
        "here, the table covers every category."
    )
    assert page.locator('[data-chart="discounts"] [data-csv]').get_attribute(
        "href"
    ) == ("/api/kpi/discounts/?format=csv")
    assert table_rows(page, '[data-chart="discounts"]')[0][:2] == ["SUMMER10", "2"]
    # and returns keep the category's row only
    assert chart_data(page, '[data-chart="returns"] canvas') == {
        "labels": ["Outdoor"],
        "datasets": [["By units", [0.25]], ["By value", [0.225]]],
    }

    # and on a phone the seven cards stack and only the wide table scrolls sideways
    view_on_phone(page)
    layout = page.evaluate(
        """() => {
            const lefts = [...document.querySelectorAll('.kpi')].map(
                card => Math.round(card.getBoundingClientRect().left));
            const table = document.querySelector('.discounts-scroll');
            return {
                pageScrollsSideways:
                    document.documentElement.scrollWidth > window.innerWidth,
                kpiCards: lefts.length,
                kpiColumns: new Set(lefts).size,
                cardsInWindow: [...document.querySelectorAll('.kpi')].every(card => {
                    const box = card.getBoundingClientRect();
                    return box.left >= 0 && box.right <= window.innerWidth;
                }),
                discountTableScrolls: table.scrollWidth > table.clientWidth,
            };
        }"""
    )
    assert layout == {
        "pageScrollsSideways": False,
        "kpiCards": 7,
        "kpiColumns": 1,
        "cardsInWindow": True,
        "discountTableScrolls": True,
    }
    screenshot(page, "dashboard-sales-375.png")

    # and nothing went wrong on the way
    assert problems == {
        "console": [],
        "pageerror": [],
        "requestfailed": [],
        "http_errors": [],
        "dialogs": [],
    }
