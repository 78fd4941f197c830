"""The dashboard page and the login page, without a browser."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from ecomanalytics.api.catalogue import METRICS
from ecomanalytics.api.permissions import ANALYSTS_GROUP

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login_with_next(client: Client) -> None:
    # given an anonymous visitor
    # when they open the dashboard
    response = client.get("/")

    # then they land on the login page, which will bring them back afterwards
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_login_page_renders_the_form(client: Client) -> None:
    # when
    response = client.get("/accounts/login/?next=/")

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert '<form method="post" action="/accounts/login/"' in body
    assert 'name="username"' in body
    assert 'name="password"' in body
    assert '<input type="hidden" name="next" value="/">' in body
    assert "Please sign in to see this page." in body


def test_login_honours_next(client: Client, staff_user: User) -> None:
    # when
    response = client.post(
        "/accounts/login/?next=/",
        {"username": "staff", "password": "staff-password", "next": "/?range=last_30"},
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == "/?range=last_30"


def test_wrong_password_shows_an_error(client: Client, staff_user: User) -> None:
    # when
    response = client.post(
        "/accounts/login/", {"username": "staff", "password": "wrong"}
    )

    # then
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_staff_user_gets_the_dashboard(client: Client, staff_user: User) -> None:
    # given
    client.force_login(staff_user)

    # when
    response = client.get(reverse("dashboard"))

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="dashboard"' in body
    assert 'data-api-base="/api/"' in body
    assert "/static/vendor/chartjs/chart.umd.min.js" in body
    assert '<script type="module" src="/static/dashboard/main.js">' in body
    for chart in (
        "summary",
        "sales_summary",
        "revenue",
        "sales",
        "discounts",
        "returns",
        "conversion",
        "funnel",
        "time_to_convert",
        "revenue_change",
        "conversion_over_time",
        "abandoned_checkouts",
        "abandoned_checkout_list",
        "retention",
        "repeat",
        "growth",
        "products",
        "categories",
        "new_vs_returning",
        "rfm",
        "lifetime_value",
        "predicted_value",
        "probability_alive",
    ):
        assert f'data-chart="{chart}"' in body
    # staff see the way to the admin, and log out with a POST form
    assert 'href="/admin/"' in body
    assert '<form method="post" action="/accounts/logout/">' in body


def test_nothing_is_loaded_from_another_origin(
    client: Client, staff_user: User
) -> None:
    # given
    client.force_login(staff_user)

    # when
    body = client.get("/").content.decode()

    # then the page works offline: no script, style or image from a CDN
    assert re.findall(r'(?:src|href)="(?:https?:)?//', body) == []


def test_analyst_without_staff_gets_the_dashboard_but_no_admin_link(
    client: Client,
) -> None:
    # given
    analyst = User.objects.create_user(username="ana", password="x")
    analyst.groups.add(Group.objects.create(name=ANALYSTS_GROUP))
    client.force_login(analyst)

    # when
    body = client.get("/").content.decode()

    # then
    assert 'id="dashboard"' in body
    assert 'href="/admin/"' not in body


def test_user_without_access_is_told_instead_of_seeing_errors(client: Client) -> None:
    # given a signed-in user who is neither staff nor analyst
    client.force_login(User.objects.create_user(username="guest", password="x"))

    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "No access to the metrics yet" in body
    assert 'id="dashboard"' not in body
    assert "chart.umd.min.js" not in body


def test_logout_is_a_post_and_returns_to_login(
    client: Client, staff_user: User
) -> None:
    # given
    client.force_login(staff_user)

    # when
    response = client.post("/accounts/logout/")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_the_admin_links_back_to_the_dashboard(client: Client, db) -> None:
    # given
    admin_user = User.objects.create_superuser("boss", password="boss-password")
    client.force_login(admin_user)

    # when
    body = client.get("/admin/").content.decode()

    # then
    assert "ecomanalytics admin" in body
    assert '<a href="/">View site</a>' in body


def test_the_info_texts_are_the_catalogue_definitions(
    client: Client, staff_user: User
) -> None:
    # given a staff login
    client.force_login(staff_user)
    # when
    page = client.get("/").content.decode()
    # then each card and chart explains itself with its declared definition
    summary = METRICS["kpi.summary"]
    for text in summary.figures.values():
        assert escape(text) in page
    for metric_id in ("kpi.revenue", "cohorts.retention", "demand.top_products"):
        assert escape(METRICS[metric_id].summary) in page


def test_the_sales_panels_explain_themselves_from_the_catalogue(
    client: Client, staff_user: User
) -> None:
    # given a staff login
    client.force_login(staff_user)
    # when
    page = client.get("/").content.decode()
    # then the sales breakdown, discount codes and returns panels show their declared
    # definitions (the catalogue entries land with the endpoints, in kpi and demand)
    for metric_id in ("kpi.sales", "kpi.discounts", "demand.returns"):
        assert escape(METRICS[metric_id].summary) in page


@pytest.mark.parametrize(
    ("measure", "sentence"),
    [
        (
            "net_sales",
            "Revenue here is net sales: gross sales \u2212 discounts \u2212 returns.",
        ),
        (
            "total_sales",
            "Revenue here is total sales: gross sales \u2212 discounts \u2212 returns "
            "+ shipping + taxes.",
        ),
        (
            "gross_sales",
            "Revenue here is gross sales: quantity \u00d7 unit price of the lines, "
            "before discounts and returns.",
        ),
    ],
)
def test_revenue_panels_say_which_money_revenue_is(
    client: Client, staff_user: User, settings, measure: str, sentence: str
) -> None:
    # given the shop counts revenue as one of the measures
    settings.REVENUE_MEASURE = measure
    client.force_login(staff_user)

    # when
    page = client.get("/").content.decode()

    # then the revenue card, average order value and every chart of revenue say so
    tooltips = re.findall(
        r'<span role="tooltip" id="([\w-]+)"[^>]*>([^<]*)</span>', page
    )
    saying_so = sorted(key for key, text in tooltips if escape(sentence) in text)
    assert saying_so == [
        "abc-definition",
        "categories-definition",
        "forecast-definition",
        "growth-definition",
        "kpi-aov-def",
        "kpi-revenue-def",
        "lifetime_value-definition",
        "new_vs_returning-definition",
        "predicted_value-definition",
        "products-definition",
        "revenue-definition",
        "revenue_change-definition",
        "rfm-definition",
        "sales-definition",
    ]
