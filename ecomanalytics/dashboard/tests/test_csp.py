"""The Content-Security-Policy in a real browser: every page of the site loads under
it with no violation (Debian's chromium driven by Playwright, as test_browser.py).

Each page is opened with a listener for `securitypolicyviolation` installed before
any of its scripts run; a refused inline script or style, a style attribute, or a
resource from elsewhere would be recorded, and chromium's console says "Refused to
..." as well.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from .test_browser import (  # noqa: F401  (fixtures used by name)
    browser_page,
    log_in,
    serial_live_server,
    shop,
    wait_until_drawn,
)
from .test_browser import pytestmark as browser_marks

pytestmark = browser_marks

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile}:${event.lineNumber}) sample: ${event.sample}`);
});
"""


def violations(page: Any) -> list[str]:
    return page.evaluate("window.__cspViolations")


def test_every_page_loads_under_the_policy(
    shop: None,  # noqa: F811
    live_server: Any,
    browser_page: Any,  # noqa: F811
) -> None:
    page, problems = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    seen: dict[str, list[str]] = {}
    user = User.objects.get(username="owner")
    user.is_superuser = True
    user.save()

    # given the login form
    page.goto(live_server.url + "/?range=all")
    seen["login"] = violations(page)
    log_in(page, live_server.url, "/?range=all")

    # when staff open the dashboard, every chart drawn
    wait_until_drawn(page)
    seen["dashboard"] = violations(page)
    policy = page.evaluate(
        "fetch('/').then(answer => answer.headers.get('Content-Security-Policy'))"
    )

    # and the admin: index, a change list with filters and search, an add form
    for name, path in [
        ("admin index", "/admin/"),
        ("admin change list", "/admin/store/order/?status__exact=paid"),
        ("admin add form", "/admin/store/order/add/"),
        ("admin imports", "/admin/imports/"),
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        seen[name] = violations(page)

    # and the browsable API, its root and a metric with its format and filter buttons
    for name, path in [
        ("API root", "/api/"),
        ("API page", "/api/kpi/revenue/?granularity=month"),
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        seen[name] = violations(page)

    # and Swagger UI, once it has drawn the operations from the schema
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".opblock-summary", timeout=30_000)
    seen["Swagger UI"] = violations(page)

    # then the policy was sent, and nothing broke it
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert seen == {name: [] for name in seen}
    assert [
        line
        for line in problems["console"]
        if "Refused" in line or "Content Security Policy" in line
    ] == []
    assert problems["pageerror"] == []
