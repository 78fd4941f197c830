"""Importing Shopify's orders export: the status mapping, customers by email, validation."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.importing.orders import import_orders_file
from ecomanalytics.store.importing.parsing import RowError
from ecomanalytics.store.importing.shopify import map_status
from ecomanalytics.store.models import Customer, Order, Product
from kpi.metrics import RevenuePeriod, revenue_over_time

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
SAMPLE = FIXTURES / "orders_shopify.csv"

pytestmark = pytest.mark.django_db


def test_the_shopify_sample_maps_statuses_customers_devices_and_products():
    # given the sample export
    # when
    report = import_orders_file(SAMPLE, file_format="shopify")

    # then
    assert (report.rows_read, report.counts["orders_created"]) == (8, 6)
    assert [
        (
            order.external_id,
            order.customer.external_id,
            order.placed_at,
            order.status,
            order.traffic_source,
            order.device,
            order.total,
        )
        for order in Order.objects.order_by("external_id").select_related("customer")
    ] == [
        # paid + fulfilled -> completed; 23:59 -0500 is 04:59 UTC the next day
        (
            "#1001",
            "ana@example.com",
            datetime(2025, 2, 1, 4, 59, tzinfo=UTC),
            "completed",
            "direct",
            "desktop",
            Decimal("49.30"),
        ),
        # paid + unfulfilled -> paid; Source iphone -> mobile
        (
            "#1002",
            "ben@example.com",
            datetime(2025, 2, 1, 5, 0, tzinfo=UTC),
            "paid",
            "direct",
            "mobile",
            Decimal("28.50"),
        ),
        # refunded -> refunded
        (
            "#1003",
            "ana@example.com",
            datetime(2025, 2, 5, 15, 0, tzinfo=UTC),
            "refunded",
            "direct",
            "desktop",
            Decimal("19.90"),
        ),
        # Cancelled at set -> cancelled, whatever the financial status
        (
            "#1004",
            "cleo@example.com",
            datetime(2025, 2, 10, 14, 0, tzinfo=UTC),
            "cancelled",
            "direct",
            "desktop",
            Decimal("25.00"),
        ),
        # partially_refunded + partial fulfilment -> shipped, at its line prices
        (
            "#1005",
            "ben@example.com",
            datetime(2025, 3, 2, 9, 15, tzinfo=UTC),
            "shipped",
            "direct",
            "desktop",
            Decimal("60.00"),
        ),
        # pending, no email -> a guest customer of its own
        (
            "#1006",
            "guest-#1006",
            datetime(2025, 3, 5, 21, 0, tzinfo=UTC),
            "pending",
            "direct",
            "desktop",
            Decimal("9.50"),
        ),
    ]
    assert list(Customer.objects.values_list("external_id", "email", "country")) == [
        ("ana@example.com", "ana@example.com", "US"),
        ("ben@example.com", "ben@example.com", "CA"),
        ("cleo@example.com", "cleo@example.com", "GB"),
        ("guest-#1006", "", "US"),
    ]
    # a line without SKU is keyed by its name; the vendor is the category
    assert list(
        Product.objects.values_list("sku", "name", "category__name", "list_price")
    ) == [
        ("Gift card", "Gift card", "Print Shop", Decimal("10.00")),
        ("MUG-WHITE", "White mug", "Kitchen Co", Decimal("9.50")),
        ("POSTER-A2", "Poster A2", "Print Shop", Decimal("25.00")),
        ("TSHIRT-BLK-M", "Black T-shirt - M", "Acme Apparel", Decimal("19.90")),
    ]


@time_machine.travel(datetime(2025, 6, 15, 12, tzinfo=UTC), tick=False)
def test_the_shopify_sample_gives_the_hand_computed_monthly_revenue():
    # given
    import_orders_file(SAMPLE, file_format="shopify")

    # when
    series = revenue_over_time(
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 3, 31)),
        granularity="month",
    )

    # then: #1001 (completed) at 23:59 -0500 on January 31 is January's; February
    # has #1002 (paid); March #1005 (shipped)
    assert series.results == [
        RevenuePeriod("2025-01", Decimal("49.30"), 1, Decimal("49.30"), False),
        RevenuePeriod("2025-02", Decimal("28.50"), 1, Decimal("28.50"), False),
        RevenuePeriod("2025-03", Decimal("60.00"), 1, Decimal("60.00"), False),
    ]


def test_importing_the_sample_twice_changes_nothing():
    # given
    import_orders_file(SAMPLE, file_format="shopify")

    # when
    report = import_orders_file(SAMPLE, file_format="shopify")

    # then
    assert (
        report.counts["orders_created"],
        report.counts["orders_updated"],
        report.counts["orders_unchanged"],
    ) == (0, 0, 6)
    assert Order.objects.count() == 6


@pytest.mark.parametrize(
    ("financial", "fulfillment", "cancelled", "status"),
    [
        ("paid", "fulfilled", False, "completed"),
        ("paid", "partial", False, "shipped"),
        ("paid", "", False, "paid"),
        ("paid", "unfulfilled", False, "paid"),
        ("partially_refunded", "fulfilled", False, "completed"),
        ("refunded", "fulfilled", False, "refunded"),
        ("paid", "fulfilled", True, "cancelled"),
        ("voided", "", False, "cancelled"),
        ("expired", "", False, "cancelled"),
        ("pending", "", False, "pending"),
        ("authorized", "", False, "pending"),
        ("partially_paid", "", False, "pending"),
    ],
)
def test_status_mapping(financial: str, fulfillment: str, cancelled: bool, status: str):
    assert (
        map_status(financial=financial, fulfillment=fulfillment, cancelled=cancelled)
        == status
    )


def sample_with(tmp_path: Path, changes: dict[int, dict[str, str]]) -> Path:
    """The sample with some cells of some data rows (0-based) changed."""
    with SAMPLE.open(newline="") as source:
        rows = list(csv.DictReader(source))
    for index, cells in changes.items():
        rows[index].update(cells)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "shopify.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_invalid_shopify_rows_are_reported_by_line_and_column(tmp_path: Path):
    # given: rows 0-1 are #1001, 2 is #1002, 3 is #1003, 4 is #1004, 5-6 #1005
    path = sample_with(
        tmp_path,
        {
            0: {"Financial Status": "settled"},
            2: {"Currency": "EUR"},
            3: {"Created at": "yesterday"},
            6: {"Lineitem quantity": "-1"},
        },
    )

    # when
    report = import_orders_file(path, file_format="shopify")

    # then
    assert not report.written
    assert report.errors == (
        RowError(
            2,
            "Financial Status",
            "'settled' is not one of pending, authorized, partially_paid, paid, "
            "partially_refunded, refunded, voided, expired",
        ),
        RowError(4, "Currency", "EUR is not the shop's currency USD"),
        RowError(5, "Created At", "'yesterday' is not an ISO 8601 date-time"),
        RowError(8, "Lineitem Quantity", "-1 is not a positive quantity"),
    )
    assert Order.objects.count() == 0


def test_skip_invalid_rejects_every_row_of_an_order_with_a_bad_first_row(
    tmp_path: Path,
):
    # given #1001's first row is invalid: its second row must go with it
    path = sample_with(tmp_path, {0: {"Financial Status": "settled"}})

    # when
    report = import_orders_file(path, file_format="shopify", skip_invalid=True)

    # then
    assert report.rejected_rows == 2
    assert sorted(Order.objects.values_list("external_id", flat=True)) == [
        "#1002",
        "#1003",
        "#1004",
        "#1005",
        "#1006",
    ]


def test_a_generic_file_given_as_shopify_gets_one_sentence():
    with pytest.raises(CommandError, match="looks like a generic orders file"):
        call_command(
            "import_orders",
            str(FIXTURES / "orders_generic.csv"),
            "--format",
            "shopify",
            "--no-progress",
        )
