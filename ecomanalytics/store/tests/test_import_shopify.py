"""Importing Shopify's orders export: the status mapping, customers by email, money terms
and refunds, rows grouped by Name, validation."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import override_settings

from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.importing.orders import import_orders_file
from ecomanalytics.store.importing.parsing import RowError
from ecomanalytics.store.importing.shopify import map_status, refund_external_id
from ecomanalytics.store.models import Customer, Order, Product, Refund
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


# The months the orders fall in, whatever the terms net sales subtract.
@override_settings(REVENUE_MEASURE="gross_sales")
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


def test_the_sample_maps_discounts_shipping_taxes_and_refunds():
    # given the sample export
    # when
    report = import_orders_file(SAMPLE, file_format="shopify")

    # then: #1001's Discount Amount 5.00 (no Lineitem discount) is split over 39.80
    # and 9.50: 4.0365 and 0.9635, rounded down 4.03 + 0.96, and the cent left goes
    # to the larger remainder: 4.04 + 0.96; its code is upper-cased
    assert report.counts["refunds_created"] == 2
    assert [
        (
            order.external_id,
            order.discount,
            order.discount_codes,
            order.shipping,
            order.tax,
            [item.discount for item in order.items.order_by("id")],
        )
        for order in Order.objects.filter(external_id__in=["#1001", "#1002"])
        .order_by("external_id")
        .prefetch_related("items")
    ] == [
        (
            "#1001",
            Decimal("5.00"),
            "SAVE5",
            Decimal("4.90"),
            Decimal("3.45"),
            [Decimal("4.04"), Decimal("0.96")],
        ),
        (
            "#1002",
            Decimal("0.00"),
            "",
            Decimal("4.90"),
            Decimal("0.00"),
            [Decimal("0.00")],
        ),
    ]
    # the Refunded Amounts become refunds of money only, dated at Paid at (no
    # Cancelled at): #1003's 24.80 is everything it paid; #1005's 10.00 is spread over
    # its lines' 50.00 and 10.00: 8.333 and 1.667 -> 8.33 + 1.67
    assert [
        (
            refund.external_id,
            refund.order.external_id,
            refund.order.status,
            refund.refunded_at,
            refund.amount,
            [
                (line.item.product.sku, line.quantity, line.amount)
                for line in refund.lines.all()
            ],
        )
        for refund in Refund.objects.select_related("order")
    ] == [
        (
            "shopify-refund-#1003",
            "#1003",
            "refunded",
            datetime(2025, 2, 5, 15, 0, tzinfo=UTC),
            Decimal("24.80"),
            [("TSHIRT-BLK-M", 0, Decimal("24.80"))],
        ),
        (
            "shopify-refund-#1005",
            "#1005",
            "shipped",
            datetime(2025, 3, 2, 9, 15, tzinfo=UTC),
            Decimal("10.00"),
            [("POSTER-A2", 0, Decimal("8.33")), ("Gift card", 0, Decimal("1.67"))],
        ),
    ]


def test_reimporting_keeps_the_refunds_and_a_changed_amount_replaces_them(
    tmp_path: Path,
):
    # given the sample imported
    import_orders_file(SAMPLE, file_format="shopify")

    # when imported again, then the refunds are found again, unchanged
    again = import_orders_file(SAMPLE, file_format="shopify")
    assert {
        key: again.counts[key]
        for key in ("refunds_created", "refunds_updated", "refunds_unchanged")
    } == {"refunds_created": 0, "refunds_updated": 0, "refunds_unchanged": 2}

    # when #1005's refund grows to 12.00, is cancelled at a time, and #1003's is gone
    changed = sample_with(
        tmp_path,
        {
            3: {"Refunded Amount": "0.00", "Financial Status": "paid"},
            5: {
                "Refunded Amount": "12.00",
                "Cancelled at": "2025-03-04 08:00:00 -0500",
            },
        },
    )
    report = import_orders_file(changed, file_format="shopify")

    # then
    assert (
        report.counts["refunds_updated"],
        report.counts["refunds_deleted"],
    ) == (1, 1)
    assert list(Refund.objects.values_list("external_id", "refunded_at", "amount")) == [
        (
            "shopify-refund-#1005",
            datetime(2025, 3, 4, 13, 0, tzinfo=UTC),
            Decimal("12.00"),
        )
    ]


def test_a_refund_is_never_dated_before_its_order(tmp_path: Path):
    # given #1005 (created 2025-03-02 04:15 -0500) with a Paid at a day earlier
    early = sample_with(tmp_path, {5: {"Paid at": "2025-03-01 09:00:00 -0500"}})

    # when imported
    import_orders_file(early, file_format="shopify")

    # then its refund is dated at the order's creation, so it counts on or after the
    # order's day in every report
    refund = Refund.objects.get(external_id="shopify-refund-#1005")
    assert refund.refunded_at == datetime(2025, 3, 2, 9, 15, tzinfo=UTC)
    assert refund.refunded_at == refund.order.placed_at


def test_a_refund_id_is_derived_from_the_order_name():
    assert refund_external_id("#1005") == "shopify-refund-#1005"
    long_name = "#" + "9" * 63
    assert len(refund_external_id(long_name)) == 64
    assert refund_external_id(long_name) != refund_external_id(long_name[:-1] + "8")


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as source:
        return list(csv.DictReader(source))


def written(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "shopify.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def order_summary() -> list[tuple]:
    return [
        (order.external_id, order.status, order.total, order.items.count())
        for order in Order.objects.order_by("external_id")
    ]


@pytest.mark.parametrize(
    "repeated",
    [
        # Email on every row, Financial Status only on the first
        {"Email": "ana@example.com"},
        # Created at (and Currency) repeated on every row
        {"Created at": "2025-01-31 23:59:00 -0500", "Currency": "USD"},
    ],
)
def test_later_rows_may_repeat_order_fields(tmp_path: Path, repeated: dict[str, str]):
    # given #1001's second row (line 3) repeating some order-level fields
    rows = rows_of(SAMPLE)
    rows[1].update(repeated)

    # when
    report = import_orders_file(written(tmp_path, rows), file_format="shopify")

    # then it is still #1001's second line, as in the sample
    assert report.errors == ()
    assert order_summary()[0] == ("#1001", "completed", Decimal("49.30"), 2)
    assert Order.objects.count() == 6


def test_a_later_row_repeating_a_field_differently_is_an_error(tmp_path: Path):
    # given #1001's second row (line 3) with another Created at and Discount Amount
    rows = rows_of(SAMPLE)
    rows[1].update(
        {"Created at": "2025-02-01 10:00:00 -0500", "Discount Amount": "5.0"}
    )

    # when
    report = import_orders_file(written(tmp_path, rows), file_format="shopify")

    # then the amount repeated as 5.0 agrees with 5.00, the time does not
    assert report.errors == (
        RowError(
            3,
            "Created At",
            "order #1001 has '2025-02-01 10:00:00 -0500' here but "
            "'2025-01-31 23:59:00 -0500' on its first row, line 2",
        ),
    )
    assert Order.objects.count() == 0


def test_rows_of_an_order_apart_from_each_other_are_an_error(tmp_path: Path):
    # given #1001's second row moved after #1002's row: #1001 on lines 2 and 4
    rows = rows_of(SAMPLE)
    rows[1], rows[2] = rows[2], rows[1]

    # when
    report = import_orders_file(
        written(tmp_path, rows), file_format="shopify", skip_invalid=True
    )

    # then line 4 is refused by its line number, and #1001 is rejected whole
    assert report.errors == (
        RowError(
            4,
            "Name",
            "order #1001 already had rows up to line 2, before another order's: the "
            "rows of an order must be together, as Shopify exports them",
        ),
    )
    assert report.rejected_rows == 2
    assert "#1001" not in {summary[0] for summary in order_summary()}


def test_line_discounts_are_taken_and_the_rest_of_the_order_discount_is_split(
    tmp_path: Path,
):
    # given #1001 with a Lineitem discount of 1.00 on the mug, 5.00 in all
    rows = rows_of(SAMPLE)
    rows[1]["Lineitem discount"] = "1.00"

    # when
    import_orders_file(written(tmp_path, rows), file_format="shopify")

    # then the other 4.00 is split over what is left of the lines, 39.80 and 8.50:
    # 3.2961 and 0.7039, rounded down 3.29 + 0.70, the cent left to the larger
    # remainder: the shirts 3.30, the mug 1.00 + 0.70
    order = Order.objects.get(external_id="#1001")
    assert [item.discount for item in order.items.order_by("id")] == [
        Decimal("3.30"),
        Decimal("1.70"),
    ]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        (
            {0: {"Discount Amount": "60.00"}},
            RowError(
                2,
                "Discount Amount",
                "order #1001: the discount 60.00 is larger than the order's lines "
                "(49.30)",
            ),
        ),
        (
            {0: {"Discount Amount": "0.50", "Lineitem discount": "1.00"}},
            RowError(
                2,
                "Discount Amount",
                "order #1001: the lines' discounts add up to 1.00, more than the "
                "order's discount 0.50",
            ),
        ),
        (
            {0: {"Lineitem discount": "40.00"}},
            RowError(2, "Lineitem Discount", "40.00 is more than the line's 2 x 19.90"),
        ),
        (
            {3: {"Refunded Amount": "30.00"}},
            RowError(
                5,
                "Refunded Amount",
                "order #1003 refunds 30.00, more than the 24.80 it was paid",
            ),
        ),
    ],
)
def test_money_terms_that_do_not_fit_are_reported_by_line(
    tmp_path: Path, changes: dict[int, dict[str, str]], error: RowError
):
    # when
    report = import_orders_file(sample_with(tmp_path, changes), file_format="shopify")

    # then
    assert report.errors == (error,)
    assert not report.written
