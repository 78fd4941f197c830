"""A real site (own database, gunicorn, manage.py processes) for the multi-process tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .site import Site, site_database


def site_env(database_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "ANALYTICS_DATABASE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ecomanalytics.settings",
        SECRET_KEY="site-test-not-a-secret",
        DEBUG="0",
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        METRICS_CACHE_SECONDS="300",
        LOG_LEVEL="WARNING",
        # Plain HTTP on 127.0.0.1, as docker-compose's demo.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
    )
    return env


@pytest.fixture
def site_without_database(tmp_path: Path) -> Site:
    """A site whose PostgreSQL server does not exist (nothing listens on port 9)."""
    return Site(
        env=site_env("postgres://nobody:secret@127.0.0.1:9/nothing"),
        directory=tmp_path,
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """A migrated site with a staff user 'staff' (password 'staff-password')."""
    with site_database(tmp_path) as database_url:
        site = Site(env=site_env(database_url), directory=tmp_path)
        site.manage("migrate", "--noinput")
        site.python(
            "from django.contrib.auth.models import User; "
            "User.objects.create_user('staff', password='staff-password', is_staff=True)"
        )
        yield site
