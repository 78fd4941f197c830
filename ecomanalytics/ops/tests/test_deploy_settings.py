"""Production settings: safe defaults, `check --deploy` clean, overridable from the env."""

from __future__ import annotations

import os
import subprocess
import sys

from .site import BASE_DIR

PRODUCTION = {
    "PATH": os.environ.get("PATH", ""),
    "DJANGO_SETTINGS_MODULE": "ecomanalytics.settings",
    "SECRET_KEY": "Zq3V9mM0n2b7YtP1kR8sWxL4cE6hJ5gA0dF2uI9oK3lN7pQ1rT5vB8yC4xZ6wE",
    "ALLOWED_HOSTS": "analytics.example.com",
    "DATABASE_URL": "sqlite:////nonexistent/not-opened.sqlite3",
}


def _manage(*arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env={**PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_defaults() -> None:
    # when
    result = _manage("check", "--deploy", "--fail-level", "WARNING")

    # then
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_the_defaults_are_turned_off() -> None:
    # when: plain HTTP settings, as docker-compose's local demo
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
    )

    # then
    assert result.returncode == 1
    assert "security.W008" in result.stderr  # SECURE_SSL_REDIRECT
    assert "security.W012" in result.stderr  # SESSION_COOKIE_SECURE


def test_the_https_settings_come_from_the_environment() -> None:
    # when
    shown = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS)",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="600",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        CSRF_TRUSTED_ORIGINS="https://analytics.example.com",
    )

    # then
    assert shown.stdout.strip() == (
        "False 600 ('HTTP_X_FORWARDED_PROTO', 'https') ['https://analytics.example.com']"
    )
