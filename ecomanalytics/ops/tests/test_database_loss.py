"""Losing the database: 503 with Retry-After instead of a 500, and recovery on its own."""

from __future__ import annotations

import time

from .conftest import site_env
from .own_postgres import own_postgres
from .site import Site

SUMMARY = "/api/kpi/summary/?start=2026-11-01&end=2026-11-30"
UNREACHABLE = {"detail": "The database is not reachable; retrying.", "status": 503}


def test_without_a_database_the_api_answers_503_json_and_pages_a_retrying_page(
    site_without_database: Site,
) -> None:
    # given
    site = site_without_database

    # when: the token lookup and the session lookup need the database
    with site.serving(workers=1):
        api = site.get(SUMMARY, {"Authorization": "Token 0123456789abcdef"})
        page = site.get("/", {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"})

    # then
    assert (api.status, api.headers["Retry-After"], api.json()) == (
        503,
        "5",
        UNREACHABLE,
    )
    assert api.headers["Content-Type"] == "application/json"
    assert (page.status, page.headers["Retry-After"]) == (503, "5")
    html = page.body.decode()
    assert "The database is not reachable; retrying." in html
    assert '<meta http-equiv="refresh" content="5">' in html
    assert "nobody" not in html + api.body.decode()  # no connection details


def test_the_site_recovers_when_postgresql_comes_back(tmp_path) -> None:
    # given: a site on a PostgreSQL cluster of its own, serving a token client
    with own_postgres() as cluster:
        site = Site(env=site_env(cluster.url), directory=tmp_path)
        site.env["METRICS_CACHE_SECONDS"] = "0"
        site.manage("migrate", "--noinput")
        site.python(
            "from django.contrib.auth.models import User; "
            "User.objects.create_user('staff', password='pw', is_staff=True)"
        )
        token = {
            "Authorization": f"Token {site.manage('create_api_token', 'staff').stdout.strip()}"
        }
        with site.serving(workers=1):
            before = site.get(SUMMARY, token)

            # when the database stops, then starts again (gunicorn keeps running)
            cluster.stop()
            during = site.get(SUMMARY, token)
            cluster.start()
            time.sleep(0.5)
            after = site.get(SUMMARY, token)

    # then
    assert before.status == 200
    assert (during.status, during.json()) == (503, UNREACHABLE)
    assert after.status == 200
    assert after.json() == before.json()
