"""Login rate limit (django-axes): a lockout after repeated wrong passwords."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from .site import BASE_DIR

pytestmark = pytest.mark.django_db

LOCKED = (
    "Too many failed sign-ins: after 3 wrong passwords for “staff”, signing in from "
    "this address is locked for 15 minutes."
)


@pytest.fixture
def three_tries(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3


def _sign_in(client: Client, url: str, password: str, username: str = "staff") -> Any:
    return client.post(url, {"username": username, "password": password})


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_after_the_limit_even_the_right_password_is_refused(
    url: str, staff_user: User, three_tries: None
) -> None:
    # given: three wrong passwords
    client = Client()
    wrong = [_sign_in(client, url, "wrong").status_code for _ in range(3)]

    # when
    right = _sign_in(client, url, "staff-password")

    # then
    assert wrong == [200, 200, 429]
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_user_and_a_success_before_the_limit_are_not_locked(
    staff_user: User, three_tries: None
) -> None:
    # given: two wrong passwords, then the right one (the count resets)
    User.objects.create_user("other", password="other-password")
    client = Client()
    for _ in range(2):
        _sign_in(client, "/accounts/login/", "wrong")
    first = _sign_in(client, "/accounts/login/", "staff-password")
    client.logout()
    for _ in range(2):
        _sign_in(client, "/accounts/login/", "wrong")

    # when
    again = _sign_in(client, "/accounts/login/", "staff-password")
    other = Client()
    for _ in range(3):
        _sign_in(other, "/accounts/login/", "wrong")
    other_user = _sign_in(Client(), "/accounts/login/", "other-password", "other")

    # then
    assert (first.status_code, again.status_code) == (302, 302)
    assert other_user.status_code == 302


def test_staff_unlock_an_account_with_a_command(
    staff_user: User, three_tries: None
) -> None:
    # given: locked out
    client = Client()
    for _ in range(3):
        _sign_in(client, "/accounts/login/", "wrong")
    assert _sign_in(client, "/accounts/login/", "staff-password").status_code == 429

    # when
    call_command("axes_reset_username", "staff")

    # then
    assert _sign_in(client, "/accounts/login/", "staff-password").status_code == 302


def test_the_limits_come_from_the_environment() -> None:
    # when
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ecomanalytics.settings",
        "SECRET_KEY": "x",
        "LOGIN_FAILURE_LIMIT": "7",
        "LOGIN_LOCKOUT_MINUTES": "60",
    }
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME)",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    # then
    assert printed.stdout.strip() == "7 1:00:00"
