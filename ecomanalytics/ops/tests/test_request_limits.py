"""gunicorn's own request limits answer JSON naming the limit, not an HTML page.

A request line over 4,094 bytes (414) or a header field over 8,190 bytes (431) is
refused by gunicorn before Django sees it; the worker class in gunicorn.conf.py
answers in the API's error shape. Served by gunicorn as the Dockerfile runs it.
"""

from __future__ import annotations

from .site import Site


def test_an_over_long_request_line_is_a_json_414(site_without_database: Site) -> None:
    with site_without_database.serving() as site:
        # when
        answer = site.get("/api/kpi/summary/?country=" + "x" * 5000)

    # then
    assert (answer.status, answer.headers["Content-Type"]) == (414, "application/json")
    assert answer.json() == {
        "detail": "The request line (method, path and query string) is longer than "
        "the 4,094 bytes this server accepts; send fewer or shorter parameters.",
        "status": 414,
    }


def test_an_over_large_header_is_a_json_431(site_without_database: Site) -> None:
    with site_without_database.serving() as site:
        # when
        answer = site.get("/healthz", headers={"X-Note": "y" * 9000})

    # then
    assert (answer.status, answer.headers["Content-Type"]) == (431, "application/json")
    assert answer.json() == {
        "detail": "The request headers are over this server's limits: at most 100 "
        "header fields of at most 8,190 bytes each (limit request headers fields "
        "size).",
        "status": 431,
    }


def test_requests_within_the_limits_reach_the_site(site_without_database: Site) -> None:
    with site_without_database.serving() as site:
        # when: a long but allowed query string, and a large but allowed cookie
        answer = site.get(
            "/healthz?" + "a" * 3000, headers={"Cookie": "sessionid=" + "z" * 8000}
        )

    # then
    assert (answer.status, answer.json()) == (200, {"status": "ok"})
