"""The admin upload pages: staff only, same importers, the same report."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ecomanalytics.store.models import Order, WebSession

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff_user: User) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.mark.parametrize("url", ["/admin/imports/", "/admin/imports/generic-orders/"])
def test_the_pages_are_for_staff_only(url: str):
    # given an anonymous visitor and a signed-in non-staff user
    anonymous = Client()
    member = Client()
    member.force_login(User.objects.create_user("member", password="member-password"))

    # when
    responses = [anonymous.get(url), member.get(url)]

    # then both are sent to the admin login
    assert [response.status_code for response in responses] == [302, 302]
    assert all("/admin/login/" in response["Location"] for response in responses)


def test_a_post_by_a_non_staff_user_imports_nothing():
    # given
    member = Client()
    member.force_login(User.objects.create_user("member", password="member-password"))

    # when
    response = member.post(
        "/admin/imports/generic-orders/", {"file": upload("orders_generic.csv")}
    )

    # then
    assert response.status_code == 302
    assert Order.objects.count() == 0


def test_the_admin_index_links_to_the_imports(staff_client: Client):
    # when
    index = staff_client.get("/admin/")
    imports = staff_client.get("/admin/imports/")

    # then
    assert index.status_code == imports.status_code == 200
    assert 'href="/admin/imports/"' in index.content.decode()
    page = imports.content.decode()
    for slug in ("generic-orders", "shopify-orders", "events"):
        assert f'href="/admin/imports/{slug}/"' in page


def test_uploading_the_generic_example_imports_it_and_shows_the_report(
    staff_client: Client,
):
    # when
    response = staff_client.post(
        "/admin/imports/generic-orders/", {"file": upload("orders_generic.csv")}
    )

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "generic orders import of orders_generic.csv: 6 rows read" in page
    assert "  orders created: 5" in page
    assert Order.objects.count() == 5


def test_uploading_the_shopify_sample_and_events(staff_client: Client):
    # when
    shopify = staff_client.post(
        "/admin/imports/shopify-orders/", {"file": upload("orders_shopify.csv")}
    )
    events = staff_client.post("/admin/imports/events/", {"file": upload("events.csv")})

    # then
    assert (shopify.status_code, events.status_code) == (200, 200)
    assert (Order.objects.count(), WebSession.objects.count()) == (6, 3)


def test_invalid_rows_are_listed_by_line_and_nothing_is_written(staff_client: Client):
    # given
    content = (
        b"order_id,placed_at,customer_id,status,sku,quantity,unit_price\n"
        b"A-1,2025-01-01T10:00:00,C-1,paid,SKU-1,1,10.00\n"
        b"A-2,2025-01-02T10:00:00,C-1,lost,SKU-1,1,10.00\n"
    )

    # when
    response = staff_client.post(
        "/admin/imports/generic-orders/", {"file": upload("bad.csv", content)}
    )

    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was written" in page
    assert (
        "<tr><td>3</td><td>status</td><td>&#x27;lost&#x27; is not one of pending, "
        "paid, shipped, completed, cancelled, refunded</td></tr>"
    ) in page
    assert Order.objects.count() == 0


def test_skip_invalid_from_the_admin_imports_the_good_rows(staff_client: Client):
    # given
    content = (
        b"order_id,placed_at,customer_id,status,sku,quantity,unit_price\n"
        b"A-1,2025-01-01T10:00:00,C-1,paid,SKU-1,1,10.00\n"
        b"A-2,2025-01-02T10:00:00,C-1,lost,SKU-1,1,10.00\n"
    )

    # when
    response = staff_client.post(
        "/admin/imports/generic-orders/",
        {"file": upload("bad.csv", content), "skip_invalid": "on"},
    )

    # then
    assert response.status_code == 200
    assert "rejected rows: 1" in response.content.decode()
    assert list(Order.objects.values_list("external_id", flat=True)) == ["A-1"]


def test_a_binary_upload_gets_one_sentence(staff_client: Client):
    # when
    response = staff_client.post(
        "/admin/imports/events/",
        {"file": upload("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
    )

    # then
    assert response.status_code == 400
    assert (
        "photo.csv is not a CSV file (it contains binary data); export the data as "
        "CSV and try again." in response.content.decode()
    )


def test_an_unknown_import_is_404(staff_client: Client):
    assert staff_client.get("/admin/imports/nothing/").status_code == 404
