"""The admin's refunds and order money terms: allocation on save, checks, refreshes.

The order: 2 x SKU-MUG at 12.50 and 1 x SKU-TEA at 4.00 (29.00), shipping 5.00,
placed 2025-01-15 12:00 UTC (07:00 in the shop's New York).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from ecomanalytics.store.models import Order, Refund

from .factories import OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user: User) -> Client:
    staff_user.is_superuser = True
    staff_user.save()
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def order() -> Order:
    order = OrderFactory(
        external_id="O-1",
        lines=[
            (ProductFactory(sku="SKU-MUG"), 2, "12.50"),
            (ProductFactory(sku="SKU-TEA"), 1, "4.00"),
        ],
    )
    order.shipping = Decimal("5.00")
    order.save()
    return order


def refund_form(order: Order, amount: str, lines: list[tuple[int, int]]) -> dict:
    data: dict[str, Any] = {
        "external_id": "R-9",
        "order": order.pk,
        "refunded_at_0": "2025-01-20",
        "refunded_at_1": "10:00:00",
        "amount": amount,
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, (item, quantity) in enumerate(lines):
        data[f"lines-{index}-item"] = item
        data[f"lines-{index}-quantity"] = quantity
    return data


def refund_lines() -> list[tuple[str, int, Decimal]]:
    return [
        (line.item.product.sku, line.quantity, line.amount)
        for line in Refund.objects.get().lines.order_by("item__product__sku")
    ]


def test_a_refund_added_in_the_admin_is_allocated_to_the_lines_returned(
    admin_client: Client, order: Order
):
    # given
    mug = order.items.get(product__sku="SKU-MUG")
    tea = order.items.get(product__sku="SKU-TEA")

    # when one mug (weight 12.50) and the tea (4.00) are returned for 15.00:
    # 11.3636 and 3.6364, rounded down 11.36 + 3.63, the cent to the tea
    response = admin_client.post(
        reverse("admin:store_refund_add"),
        refund_form(order, "15.00", [(mug.pk, 1), (tea.pk, 1)]),
    )

    # then
    assert response.status_code == 302, response.context["errors"]
    assert refund_lines() == [
        ("SKU-MUG", 1, Decimal("11.36")),
        ("SKU-TEA", 1, Decimal("3.64")),
    ]


def test_a_refund_without_lines_is_spread_over_the_whole_order(
    admin_client: Client, order: Order
):
    # when 3.00 is given back with no units: 25.00 and 4.00 weigh 2.5862 and
    # 0.4138 -> 2.58 + 0.41, the cent to the mugs
    response = admin_client.post(
        reverse("admin:store_refund_add"), refund_form(order, "3.00", [])
    )

    # then
    assert response.status_code == 302
    assert refund_lines() == [
        ("SKU-MUG", 0, Decimal("2.59")),
        ("SKU-TEA", 0, Decimal("0.41")),
    ]


def test_a_refund_the_order_does_not_allow_is_refused(
    admin_client: Client, order: Order
):
    # given
    tea = order.items.get(product__sku="SKU-TEA")

    # when 34.01 is refunded (29.00 + 5.00 shipping were paid), returning 2 teas
    response = admin_client.post(
        reverse("admin:store_refund_add"),
        refund_form(order, "34.01", [(tea.pk, 2)]),
    )

    # then
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors() == [
        "34.01 is more than what is left to refund: 34.00 paid leaves 34.00.",
        "2 x SKU-TEA returned, but 1 of 1 can still be.",
    ]
    assert Refund.objects.count() == 0


def test_a_refund_of_everything_paid_settles_the_order_and_refreshes_its_days(
    admin_client: Client,
    order: Order,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
):
    # given built roll-ups, whose refresh is recorded
    from ecomanalytics.rollups import signals as rollup_signals
    from ecomanalytics.rollups.refresh import refresh_rollups

    settings.ROLLUPS_ENABLED = True
    refresh_rollups()
    calls: list[dict] = []
    monkeypatch.setattr(
        rollup_signals, "refresh_rollups", lambda **kwargs: calls.append(kwargs)
    )

    # when all 34.00 is refunded in the admin
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:store_refund_add"), refund_form(order, "34.00", [])
        )

    # then the order is refunded, and the roll-ups refresh once from its day
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "refunded"
    assert calls == [{"since": date(2025, 1, 15), "using": "default"}]


def test_deleting_a_refund_refreshes_from_its_orders_day(
    admin_client: Client,
    order: Order,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
):
    # given a refund of the order
    admin_client.post(reverse("admin:store_refund_add"), refund_form(order, "3.00", []))
    from ecomanalytics.rollups import signals as rollup_signals
    from ecomanalytics.rollups.refresh import refresh_rollups

    settings.ROLLUPS_ENABLED = True
    refresh_rollups()
    calls: list[dict] = []
    monkeypatch.setattr(
        rollup_signals, "refresh_rollups", lambda **kwargs: calls.append(kwargs)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:store_refund_delete", args=[Refund.objects.get().pk]),
            {"post": "yes"},
        )

    # then
    assert response.status_code == 302
    assert Refund.objects.count() == 0
    assert calls == [{"since": date(2025, 1, 15), "using": "default"}]


def order_form(order: Order, lines: dict[int, dict[str, str]], **fields: str) -> dict:
    data: dict[str, Any] = {
        "external_id": order.external_id,
        "customer": order.customer_id,
        "placed_at_0": "2025-01-15",
        "placed_at_1": "07:00:00",
        "status": order.status,
        "traffic_source": "organic",
        "device": "desktop",
        "discount_codes": "",
        "shipping": "5.00",
        "tax": "0.00",
        "items-TOTAL_FORMS": str(len(lines)),
        "items-INITIAL_FORMS": str(len(lines)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "refunds-TOTAL_FORMS": "0",
        "refunds-INITIAL_FORMS": "0",
        "refunds-MIN_NUM_FORMS": "0",
        "refunds-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, (item, values) in enumerate(lines.items()):
        line = order.items.get(pk=item)
        data.update(
            {
                f"items-{index}-id": item,
                f"items-{index}-order": order.pk,
                f"items-{index}-product": line.product_id,
                f"items-{index}-quantity": str(line.quantity),
                f"items-{index}-unit_price": str(line.unit_price),
                f"items-{index}-discount": str(line.discount),
            }
        )
        data.update({f"items-{index}-{name}": value for name, value in values.items()})
    return data


def test_line_discounts_and_codes_edited_in_the_order_form(
    admin_client: Client, order: Order
):
    # given
    mug, tea = order.items.order_by("id")

    # when the lines get discounts and the order two codes
    response = admin_client.post(
        reverse("admin:store_order_change", args=[order.pk]),
        order_form(
            order,
            {mug.pk: {"discount": "2.50"}, tea.pk: {"discount": "0.40"}},
            discount_codes="vip15, summer20",
        ),
    )

    # then the order's discount is the lines', its codes one sorted value
    assert response.status_code == 302, response.context["errors"]
    order.refresh_from_db()
    assert (order.discount, order.discount_codes) == (
        Decimal("2.90"),
        "SUMMER20, VIP15",
    )


def test_order_lines_edited_under_a_refund_keep_it_allocated(
    admin_client: Client, order: Order
):
    # given a refund of one mug, 12.50
    mug, tea = order.items.order_by("id")
    admin_client.post(
        reverse("admin:store_refund_add"), refund_form(order, "12.50", [(mug.pk, 1)])
    )

    # when the mug line is deleted; when the mugs' price drops to 2.00 and the tea
    # is deleted (4.00 + 5.00 shipping would be paid); when the price is 10.00
    def edit(lines: dict[int, dict[str, str]]) -> Any:
        return admin_client.post(
            reverse("admin:store_order_change", args=[order.pk]),
            order_form(order, lines),
        )

    deleted = edit({mug.pk: {"DELETE": "on"}, tea.pk: {}})
    cheaper = edit({mug.pk: {"unit_price": "2.00"}, tea.pk: {"DELETE": "on"}})
    fine = edit({mug.pk: {"unit_price": "10.00"}, tea.pk: {"DELETE": "on"}})

    # then the first two are refused, the last allocates the refund again
    def errors(response: Any) -> list[str]:
        return response.context["inline_admin_formsets"][0].formset.non_form_errors()

    assert errors(deleted) == [
        f"line {mug.pk} has 1 units returned by refunds: change the refunds before "
        "deleting it.",
        "the order's refunds add up to 12.50, more than the 9.00 it would be paid.",
    ]
    assert errors(cheaper) == [
        "the order's refunds add up to 12.50, more than the 9.00 it would be paid."
    ]
    assert fine.status_code == 302
    assert refund_lines() == [("SKU-MUG", 1, Decimal("12.50"))]
    order.refresh_from_db()
    assert order.total == Decimal("20.00")


def test_a_line_whose_units_were_returned_cannot_be_deleted_alone(
    admin_client: Client, order: Order
):
    # given
    mug, tea = order.items.order_by("id")
    admin_client.post(
        reverse("admin:store_refund_add"), refund_form(order, "12.50", [(mug.pk, 1)])
    )

    # when
    mug_page = admin_client.get(reverse("admin:store_orderitem_delete", args=[mug.pk]))
    tea_page = admin_client.get(reverse("admin:store_orderitem_delete", args=[tea.pk]))

    # then
    assert (mug_page.status_code, tea_page.status_code) == (403, 200)


def test_the_order_page_shows_its_terms_and_refunds(admin_client: Client, order: Order):
    # given
    admin_client.post(reverse("admin:store_refund_add"), refund_form(order, "3.00", []))

    # when
    page = admin_client.get(reverse("admin:store_order_change", args=[order.pk]))
    listed = admin_client.get(reverse("admin:store_refund_changelist"), {"q": "O-1"})

    # then
    body = page.content.decode()
    assert 'name="shipping" value="5.00"' in body
    assert "R-9" in body
    assert [refund.external_id for refund in listed.context["cl"].result_list] == [
        "R-9"
    ]


def test_a_refund_dated_before_its_order_is_refused(admin_client: Client, order: Order):
    data = refund_form(order, "3.00", [])
    data["refunded_at_0"] = "2025-01-14"

    response = admin_client.post(reverse("admin:store_refund_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "refunded_at": ["The order was placed later, at 2025-01-15 07:00."]
    }
    assert datetime(2025, 1, 15, 12, tzinfo=UTC) == order.placed_at
