"""Who may read the metrics, by session or token, and how fast a token client may go."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ecomanalytics.api.permissions import CanReadMetrics

from .conftest import METRIC_ROUTES, MetricRoute, parametrize_metric_routes

pytestmark = pytest.mark.django_db


@parametrize_metric_routes
def test_anonymous_gets_401_with_a_json_body_and_a_token_challenge(
    route: MetricRoute,
) -> None:
    # when
    response = APIClient().get(route.url)

    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "status": 401,
    }


@parametrize_metric_routes
def test_a_user_neither_staff_nor_analyst_gets_403(
    route: MetricRoute, outsider: User
) -> None:
    # given
    client = APIClient()
    client.force_authenticate(outsider)

    # when
    response = client.get(route.url)

    # then
    assert response.status_code == 403
    assert response.json() == {"detail": CanReadMetrics.message, "status": 403}


@parametrize_metric_routes
def test_an_analyst_may_read(route: MetricRoute, analyst: User) -> None:
    # given
    client = APIClient()
    client.force_authenticate(analyst)

    # when
    response = client.get(route.url)

    # then
    assert response.status_code == 200


def _login_request() -> Any:
    """django-axes counts logins per request: the login call needs one."""
    return RequestFactory().post("/accounts/login/")


def test_an_inactive_staff_user_may_not_read_with_a_session(db: None) -> None:
    # given: logged in, then deactivated
    user = User.objects.create_user("gone", password="pw-gone", is_staff=True)
    client = APIClient()
    client.login(request=_login_request(), username="gone", password="pw-gone")
    User.objects.filter(pk=user.pk).update(is_active=False)

    # when
    response = client.get(_any_route().url)

    # then: the session no longer authenticates anyone
    assert response.status_code == 401


def test_session_login_reads_the_metrics(staff_user: User) -> None:
    # given
    client = APIClient()
    assert client.login(
        request=_login_request(), username="staff", password="staff-password"
    )

    # when
    response = client.get(_any_route().url)

    # then
    assert response.status_code == 200


def test_token_authentication_reads_the_metrics(token_client: APIClient) -> None:
    assert token_client.get(_any_route().url).status_code == 200


def test_an_unknown_token_gets_401(db: None) -> None:
    # given
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    # when
    response = client.get(_any_route().url)

    # then
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token.", "status": 401}


def test_a_token_client_is_throttled_with_429(
    token_client: APIClient, settings: Any
) -> None:
    # given: two requests a minute
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "2/minute"},
    }
    url = _any_route().url

    # when
    statuses = [token_client.get(url).status_code for _ in range(3)]
    throttled = token_client.get(url)

    # then
    assert statuses == [200, 200, 429]
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["status"] == 429


def test_the_dashboard_session_is_not_throttled(
    staff_user: User, settings: Any
) -> None:
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "2/minute"},
    }
    client = APIClient()
    client.login(request=_login_request(), username="staff", password="staff-password")
    url = _any_route().url

    # when
    statuses = [client.get(url).status_code for _ in range(4)]

    # then
    assert statuses == [200, 200, 200, 200]


def _create_api_token(*args: str) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().strip()


def test_create_api_token_prints_the_token_and_keeps_it(staff_user: User) -> None:
    # when
    first = _create_api_token("staff")
    second = _create_api_token("staff")

    # then
    assert first == second == Token.objects.get(user=staff_user).key
    assert len(first) == 40


def test_create_api_token_rotate_revokes_the_old_key(staff_user: User) -> None:
    # given
    old = _create_api_token("staff")

    # when
    new = _create_api_token("staff", "--rotate")

    # then
    assert new != old
    old_client = APIClient()
    old_client.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    new_client = APIClient()
    new_client.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    url = _any_route().url
    assert old_client.get(url).status_code == 401
    assert new_client.get(url).status_code == 200


def test_create_api_token_for_an_unknown_user_fails(db: None) -> None:
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        _create_api_token("nobody")


def test_tokens_are_listed_and_revocable_in_the_admin(
    staff_token: Token, client: Any
) -> None:
    # given: a superuser in the admin
    User.objects.create_superuser("root", password="pw-root")
    client.login(request=_login_request(), username="root", password="pw-root")

    # when
    listing = client.get("/admin/authtoken/tokenproxy/")
    revoked = client.post(
        f"/admin/authtoken/tokenproxy/{staff_token.user_id}/delete/", {"post": "yes"}
    )

    # then
    assert listing.status_code == 200
    assert staff_token.key in listing.content.decode()
    assert revoked.status_code == 302
    assert not Token.objects.filter(key=staff_token.key).exists()


def _any_route() -> MetricRoute:
    if not METRIC_ROUTES:
        pytest.skip("no metric endpoint is registered yet")
    return METRIC_ROUTES[0]
