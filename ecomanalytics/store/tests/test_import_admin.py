"""The admin upload pages: staff with the import permissions, same importers, report."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ecomanalytics.store.importing.orders import import_orders_file
from ecomanalytics.store.importing.views import (
    EVENT_IMPORT_PERMISSIONS,
    ORDER_IMPORT_PERMISSIONS,
    REFUND_IMPORT_PERMISSIONS,
)
from ecomanalytics.store.models import Order, Refund, WebSession
from ecomanalytics.store.tests.factories import OrderFactory

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"

pytestmark = pytest.mark.django_db


def grant(user: User, permissions: tuple[str, ...]) -> User:
    codenames = [permission.split(".", 1)[1] for permission in permissions]
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="store", codename__in=codenames
        )
    )
    return User.objects.get(pk=user.pk)  # a fresh permission cache


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff_user: User) -> Client:
    """Staff with the permissions of every import."""
    return signed_in(
        grant(
            staff_user,
            ORDER_IMPORT_PERMISSIONS
            + EVENT_IMPORT_PERMISSIONS
            + REFUND_IMPORT_PERMISSIONS,
        )
    )


def _users() -> dict[str, User | None]:
    create = User.objects.create_user
    return {
        "anonymous": None,
        "non-staff": create("member", password="pw"),
        "staff without permissions": create("clerk", password="pw", is_staff=True),
        "staff with the permissions": grant(
            create("importer", password="pw", is_staff=True), ORDER_IMPORT_PERMISSIONS
        ),
        "staff with add but not change": grant(
            create("adder", password="pw", is_staff=True),
            tuple(p for p in ORDER_IMPORT_PERMISSIONS if ".add_" in p),
        ),
        "superuser": create("root", password="pw", is_staff=True, is_superuser=True),
    }


def _client(user: User | None) -> Client:
    return Client() if user is None else signed_in(user)


def test_who_may_import_orders():
    # given: a completed order that the file below refunds, and every kind of user
    OrderFactory(external_id="A-1002", status="completed")
    users = _users()
    csv = (FIXTURES / "orders_generic.csv").read_bytes()

    # when each one opens the pages and posts the file
    outcomes = {}
    for name, user in users.items():
        client = _client(user)
        index = client.get("/admin/imports/")
        page = client.get("/admin/imports/generic-orders/")
        post = client.post(
            "/admin/imports/generic-orders/", {"file": upload("orders.csv", csv)}
        )
        outcomes[name] = (index.status_code, page.status_code, post.status_code)
        if post.status_code == 200:
            Order.objects.exclude(external_id="A-1002").delete()
            Order.objects.filter(external_id="A-1002").update(status="completed")
        else:
            assert Order.objects.count() == 1, name
            assert Order.objects.get().status == "completed", name

    # then: the login for outsiders, 403 without the permissions, the import with them
    assert outcomes == {
        "anonymous": (302, 302, 302),
        "non-staff": (302, 302, 302),
        "staff without permissions": (403, 403, 403),
        "staff with the permissions": (200, 200, 200),
        "staff with add but not change": (403, 403, 403),
        "superuser": (200, 200, 200),
    }


def test_order_permissions_do_not_open_the_events_import():
    # given
    user = _users()["staff with the permissions"]
    assert user is not None
    client = signed_in(user)

    # when
    index = client.get("/admin/imports/")
    events = client.post("/admin/imports/events/", {"file": upload("events.csv")})

    # then: the index lists only the imports this user may run
    assert events.status_code == 403
    assert WebSession.objects.count() == 0
    assert 'href="/admin/imports/generic-orders/"' in index.content.decode()
    assert 'href="/admin/imports/events/"' not in index.content.decode()


def test_the_refusal_names_the_missing_permissions():
    # given
    user = _users()["staff without permissions"]
    assert user is not None
    client = signed_in(user)

    # when
    response = client.get("/admin/imports/generic-orders/")

    # then
    assert response.status_code == 403
    assert "store.change_order" in response.content.decode()


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
    for slug in ("generic-orders", "shopify-orders", "refunds", "events"):
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


def test_who_may_import_refunds():
    # given the example orders, and every kind of user
    import_orders_file(FIXTURES / "orders_generic.csv")
    create = User.objects.create_user
    users: dict[str, User | None] = {
        "anonymous": None,
        "non-staff": create("member", password="pw"),
        "staff without permissions": create("clerk", password="pw", is_staff=True),
        "staff with the refund permissions": grant(
            create("refunder", password="pw", is_staff=True),
            REFUND_IMPORT_PERMISSIONS,
        ),
        "staff who may not change orders": grant(
            create("no-status", password="pw", is_staff=True),
            tuple(p for p in REFUND_IMPORT_PERMISSIONS if p != "store.change_order"),
        ),
        "staff with the event permissions": grant(
            create("events", password="pw", is_staff=True), EVENT_IMPORT_PERMISSIONS
        ),
        "superuser": create("root", password="pw", is_staff=True, is_superuser=True),
    }
    csv = (FIXTURES / "refunds.csv").read_bytes()

    # when each one opens the page and posts the example refunds
    outcomes = {}
    for name, user in users.items():
        client = _client(user)
        page = client.get("/admin/imports/refunds/")
        post = client.post("/admin/imports/refunds/", {"file": upload("r.csv", csv)})
        outcomes[name] = (page.status_code, post.status_code, Refund.objects.count())
        Refund.objects.all().delete()

    # then
    assert outcomes == {
        "anonymous": (302, 302, 0),
        "non-staff": (302, 302, 0),
        "staff without permissions": (403, 403, 0),
        "staff with the refund permissions": (200, 200, 4),
        "staff who may not change orders": (403, 403, 0),
        "staff with the event permissions": (403, 403, 0),
        "superuser": (200, 200, 4),
    }


def test_uploading_refunds_shows_the_report_and_the_bad_rows(staff_client: Client):
    # given
    import_orders_file(FIXTURES / "orders_generic.csv")
    bad = (
        b"refund_id,order_id,refunded_at,amount\nR-1,A-1002,2025-02-10T10:00:00,99.00\n"
    )

    # when
    good = staff_client.post("/admin/imports/refunds/", {"file": upload("refunds.csv")})
    refused = staff_client.post(
        "/admin/imports/refunds/", {"file": upload("bad.csv", bad)}
    )

    # then
    assert good.status_code == 200
    assert "refunds import of refunds.csv: 5 rows read" in good.content.decode()
    assert refused.status_code == 400
    assert (
        "<tr><td>2</td><td>amount</td><td>99.00 is more than what is left to "
        "refund: 28.50 paid less 5.00 refunded before leaves 23.50</td></tr>"
    ) in refused.content.decode()
