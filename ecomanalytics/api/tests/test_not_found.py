"""Unknown paths under /api/ answer JSON 404, as the API's other errors do."""

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/nope/", "/api/kpi/nope/", "/api/a/b/c"])
@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_api_path_is_a_json_404(
    api_client: APIClient, path: str, debug: bool
) -> None:
    # when
    with override_settings(DEBUG=debug):
        response = api_client.get(path)

    # then: JSON, in development too (no HTML debug page)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "status": 404}


def test_anonymous_visitors_get_the_same_json_404(client: Client) -> None:
    response = client.get("/api/nope/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "status": 404}


def test_a_known_path_without_its_slash_is_redirected(api_client: APIClient) -> None:
    # when
    response = api_client.get("/api/kpi/summary?start=2025-01-01")

    # then
    assert response.status_code == 301
    assert response["Location"] == "/api/kpi/summary/?start=2025-01-01"


def test_pages_outside_the_api_keep_the_html_404(client: Client) -> None:
    response = client.get("/nope/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
