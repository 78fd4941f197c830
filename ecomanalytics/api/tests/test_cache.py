"""The metric cache: hits skip the database, new data invalidates, ETags give 304."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from ecomanalytics.store.data_version import bump_data_version, data_version
from ecomanalytics.store.models import Order, OrderItem, Product
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)

from .conftest import METRIC_ROUTES, MetricRoute, parametrize_metric_routes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cache_enabled")]

QUERY = {"start": "2025-01-01", "end": "2025-03-31"}


@parametrize_metric_routes
def test_a_repeated_request_is_served_from_the_cache_reading_only_the_data_version(
    route: MetricRoute,
    api_client: APIClient,
    shop: None,
    frozen_now: None,
    django_assert_num_queries: Any,
) -> None:
    # given
    first = api_client.get(route.url, QUERY)

    # when: the same parameters in another order
    with django_assert_num_queries(1) as queries:
        second = api_client.get(route.url, dict(reversed(QUERY.items())))

    # then: the one query reads the data version every process shares
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert "ops_dataversion" in queries.captured_queries[0]["sql"]
    assert second.json() == first.json()


@parametrize_metric_routes
def test_json_and_csv_share_a_cache_entry(
    route: MetricRoute, api_client: APIClient, shop: None, frozen_now: None
) -> None:
    # given
    api_client.get(route.url, QUERY)

    # when
    as_csv = api_client.get(route.url, {**QUERY, "format": "csv"})

    # then
    assert as_csv["X-Cache"] == "hit"
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"


@parametrize_metric_routes
def test_other_parameters_are_another_entry(
    route: MetricRoute, api_client: APIClient, shop: None, frozen_now: None
) -> None:
    # given
    api_client.get(route.url, QUERY)

    # when
    other = api_client.get(route.url, {**QUERY, "end": "2025-02-28"})

    # then
    assert other["X-Cache"] == "miss"


def _summary_url() -> str:
    if not any(str(route) == "kpi-summary" for route in METRIC_ROUTES):
        pytest.skip("kpi summary endpoint not registered")
    return "/api/kpi/summary/"


def test_an_order_added_through_the_orm_invalidates_the_cache(
    api_client: APIClient, shop: None, frozen_now: None
) -> None:
    # given: a cached summary (paid, shipped, completed orders: 92.50 + 37.50 + 40)
    url = _summary_url()
    before = api_client.get(url, QUERY)

    # when: a new completed order of 10.00 on Mar 10
    OrderFactory(
        customer=CustomerFactory(),
        placed_at=datetime(2025, 3, 10, 12, tzinfo=UTC),
        status="completed",
        lines=[(Product.objects.get(sku="SKU-CAP"), 1, "10.00")],
    )
    after = api_client.get(url, QUERY)

    # then
    assert (before.json()["revenue"], after.json()["revenue"]) == (170.0, 180.0)
    assert after["X-Cache"] == "miss"


def test_a_bulk_load_shows_after_bump_data_version(
    api_client: APIClient, shop: None, frozen_now: None
) -> None:
    # given: a cached summary, then a bulk load, which sends no signals
    url = _summary_url()
    customer = CustomerFactory()
    api_client.get(url, QUERY)
    order = Order.objects.bulk_create(
        [
            Order(
                external_id="BULK-1",
                customer=customer,
                placed_at=datetime(2025, 3, 10, 12, tzinfo=UTC),
                status="completed",
                traffic_source="organic",
                device="desktop",
                total=Decimal("10.00"),
            )
        ]
    )[0]
    OrderItem.objects.bulk_create(
        [
            OrderItem(
                order_id=order.pk,
                product=Product.objects.get(sku="SKU-CAP"),
                quantity=1,
                unit_price=Decimal("10.00"),
            )
        ]
    )

    # when
    stale = api_client.get(url, QUERY)
    bump_data_version()
    fresh = api_client.get(url, QUERY)

    # then: the loader's bump is what makes the new order visible
    assert (stale.json()["revenue"], fresh.json()["revenue"]) == (170.0, 180.0)
    assert (stale["X-Cache"], fresh["X-Cache"]) == ("hit", "miss")


def test_metrics_cache_seconds_zero_disables_the_cache(
    api_client: APIClient, shop: None, settings: Any
) -> None:
    # given
    settings.METRICS_CACHE_SECONDS = 0
    url = _summary_url()
    api_client.get(url, QUERY)

    # when
    second = api_client.get(url, QUERY)

    # then: computed again, still with an ETag
    assert "X-Cache" not in second
    assert second["ETag"]


@parametrize_metric_routes
def test_if_none_match_with_the_etag_gives_304(
    route: MetricRoute, api_client: APIClient, shop: None, frozen_now: None
) -> None:
    # given
    first = api_client.get(route.url, QUERY)
    etag = first["ETag"]

    # when
    revalidated = api_client.get(route.url, QUERY, HTTP_IF_NONE_MATCH=etag)

    # then
    assert first["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated["ETag"] == etag
    assert revalidated["Cache-Control"] == "private, max-age=0, must-revalidate"


def test_the_etag_changes_with_new_data_and_with_the_format(
    api_client: APIClient, shop: None, frozen_now: None
) -> None:
    # given
    url = _summary_url()
    etag = api_client.get(url, QUERY)["ETag"]

    # when
    as_csv = api_client.get(url, {**QUERY, "format": "csv"}, HTTP_IF_NONE_MATCH=etag)
    bump_data_version()
    after_bump = api_client.get(url, QUERY, HTTP_IF_NONE_MATCH=etag)

    # then: both are full 200 answers with their own ETag
    assert (as_csv.status_code, after_bump.status_code) == (200, 200)
    assert len({etag, as_csv["ETag"], after_bump["ETag"]}) == 3


def test_an_error_is_neither_cached_nor_tagged(api_client: APIClient) -> None:
    # given
    url = _summary_url()

    # when
    responses = [api_client.get(url, {"start": "soon"}) for _ in range(2)]

    # then
    assert [r.status_code for r in responses] == [400, 400]
    assert all("ETag" not in r and "X-Cache" not in r for r in responses)


def _delete_a_cancelled_line() -> None:
    line = OrderItem.objects.filter(order__status="cancelled").first()
    assert line is not None, "the shop has a cancelled order's line"
    line.delete()


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda: ProductFactory(), id="product created"),
        pytest.param(lambda: CustomerFactory(country="FR"), id="customer created"),
        pytest.param(
            lambda: Product.objects.get(sku="SKU-CAP").save(), id="product saved"
        ),
        pytest.param(_delete_a_cancelled_line, id="order line deleted"),
    ],
)
def test_orm_writes_move_the_data_version(shop: None, write: Any) -> None:
    # given
    before = data_version()

    # when
    write()

    # then
    assert data_version() > before


def test_a_write_in_a_transaction_bumps_again_on_commit(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    before = data_version()

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        CustomerFactory()
        at_the_write = data_version()

    # then: once at the write, once when the rows became visible
    assert len(callbacks) == 1
    assert before < at_the_write < data_version()
