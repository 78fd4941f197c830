"""Importing orders from the generic CSV: round trips, updates, validation, rollback.

The test shop's time zone is America/New_York: naive timestamps are taken there.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from cohorts.metrics import CohortRetention, retention_matrix
from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.data_version import data_version
from ecomanalytics.store.importing import orders as orders_module
from ecomanalytics.store.importing.orders import import_orders_file
from ecomanalytics.store.importing.parsing import ImportFileError, RowError
from ecomanalytics.store.models import Customer, Order, OrderItem, Product
from kpi.metrics import KpiFigures, Summary, kpi_summary

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
HEADER = (
    "order_id,placed_at,customer_id,status,sku,quantity,unit_price,"
    "product_name,category,customer_email,country,traffic_source,device"
)

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, text: str, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def order_rows() -> list[tuple]:
    """Every order with its lines, as plain values, in external id order."""
    return [
        (
            order.external_id,
            order.customer.external_id,
            order.placed_at,
            order.status,
            order.traffic_source,
            order.device,
            order.total,
            [
                (item.product.sku, item.quantity, item.unit_price)
                for item in order.items.order_by("product__sku")
            ],
        )
        for order in Order.objects.order_by("external_id").select_related("customer")
    ]


EXAMPLE_ORDERS = [
    (
        "A-1001",
        "C-1",
        datetime(2025, 2, 1, 4, 59, tzinfo=UTC),  # 2025-01-31 23:59 in New York
        "paid",
        "organic",
        "mobile",
        Decimal("49.30"),
        [("MUG-WHITE", 1, Decimal("9.50")), ("TSHIRT-BLK-M", 2, Decimal("19.90"))],
    ),
    (
        "A-1002",
        "C-2",
        datetime(2025, 2, 1, 5, 0, tzinfo=UTC),  # 2025-02-01 00:00 in New York
        "completed",
        "paid_search",
        "desktop",
        Decimal("28.50"),
        [("MUG-WHITE", 3, Decimal("9.50"))],
    ),
    (
        "A-1003",
        "C-1",
        datetime(2025, 2, 3, 15, 20, tzinfo=UTC),
        "cancelled",
        "email",
        "desktop",  # blank device: the documented default
        Decimal("19.90"),
        [("TSHIRT-BLK-M", 1, Decimal("19.90"))],
    ),
    (
        "A-1004",
        "C-3",
        datetime(2025, 2, 10, 14, 0, tzinfo=UTC),
        "refunded",  # "Refunded" in the file: statuses are case-insensitive
        "direct",  # blank traffic_source: the documented default
        "tablet",
        Decimal("25.00"),
        [("POSTER-A2", 1, Decimal("25.00"))],
    ),
    (
        "A-1005",
        "C-2",
        datetime(2025, 3, 2, 9, 15, tzinfo=UTC),
        "shipped",
        "referral",
        "desktop",
        Decimal("50.00"),
        [("POSTER-A2", 2, Decimal("25.00"))],
    ),
]


def test_example_file_round_trips_into_orders_lines_customers_and_products():
    # given the documented example file
    # when
    report = import_orders_file(FIXTURES / "orders_generic.csv")

    # then
    assert report.written
    assert report.rows_read == 6
    assert report.counts == {
        "orders_created": 5,
        "orders_updated": 0,
        "orders_unchanged": 0,
        "lines_written": 6,
        "customers_created": 3,
        "customers_updated": 0,
        "products_created": 3,
        "products_updated": 0,
        "categories_created": 3,
    }
    assert order_rows() == EXAMPLE_ORDERS
    assert list(
        Customer.objects.values_list(
            "external_id", "email", "country", "signed_up_at", "acquisition_channel"
        )
    ) == [
        (
            "C-1",
            "ana@example.com",
            "US",
            datetime(2025, 2, 1, 4, 59, tzinfo=UTC),
            "organic",
        ),
        (
            "C-2",
            "ben@example.com",
            "CA",
            datetime(2025, 2, 1, 5, 0, tzinfo=UTC),
            "paid_search",
        ),
        (
            "C-3",
            "cleo@example.com",
            "GB",
            datetime(2025, 2, 10, 14, 0, tzinfo=UTC),
            "direct",
        ),
    ]
    assert list(
        Product.objects.values_list("sku", "name", "category__name", "list_price")
    ) == [
        ("MUG-WHITE", "White mug", "Kitchen", Decimal("9.50")),
        ("POSTER-A2", "Poster A2", "Decor", Decimal("25.00")),
        ("TSHIRT-BLK-M", "Black T-shirt M", "Apparel", Decimal("19.90")),
    ]


@time_machine.travel(datetime(2025, 6, 15, 12, tzinfo=UTC), tick=False)
def test_imported_orders_give_the_hand_computed_kpis_and_cohorts():
    # given
    import_orders_file(FIXTURES / "orders_generic.csv")

    # when
    february = kpi_summary(
        filters=MetricFilters(start=date(2025, 2, 1), end=date(2025, 2, 28))
    )
    cohorts = retention_matrix(filters=MetricFilters(), months=3)

    # then: February has A-1002 as its only revenue order (A-1001 at 23:59 on
    # January 31 is January's); 1 of its 3 orders is completed.
    assert february == Summary(
        start=date(2025, 2, 1),
        end=date(2025, 2, 28),
        currency="USD",
        current=KpiFigures(
            start=date(2025, 2, 1),
            end=date(2025, 2, 28),
            revenue=Decimal("28.50"),
            orders=1,
            average_order_value=Decimal("28.50"),
            completed_orders=1,
            all_orders=3,
            completion_rate=1 / 3,  # unrounded
            customers=1,
        ),
        previous=KpiFigures(
            start=date(2025, 1, 4),
            end=date(2025, 1, 31),
            revenue=Decimal("49.30"),
            orders=1,
            average_order_value=Decimal("49.30"),
            completed_orders=0,
            all_orders=1,
            completion_rate=0.0,
            customers=1,
        ),
    )
    # C-1 first buys in January and only cancels in February; C-2 buys in February
    # and again in March (shipped); C-3 only has a refunded order: no cohort.
    assert cohorts == [
        CohortRetention(
            cohort=date(2025, 1, 1), size=1, active=[1, 0, 0], retention=[1.0, 0.0, 0.0]
        ),
        CohortRetention(
            cohort=date(2025, 2, 1), size=1, active=[1, 1, 0], retention=[1.0, 1.0, 0.0]
        ),
    ]


def test_importing_the_same_file_twice_changes_nothing():
    # given
    import_orders_file(FIXTURES / "orders_generic.csv")
    item_count = OrderItem.objects.count()

    # when
    report = import_orders_file(FIXTURES / "orders_generic.csv")

    # then
    assert report.counts == {
        "orders_created": 0,
        "orders_updated": 0,
        "orders_unchanged": 5,
        "lines_written": 6,
        "customers_created": 0,
        "customers_updated": 0,
        "products_created": 0,
        "products_updated": 0,
        "categories_created": 0,
    }
    assert order_rows() == EXAMPLE_ORDERS
    assert OrderItem.objects.count() == item_count == 6
    assert (Customer.objects.count(), Product.objects.count()) == (3, 3)


def test_a_later_file_updates_status_and_replaces_the_lines_of_a_known_order(
    tmp_path: Path,
):
    # given
    import_orders_file(FIXTURES / "orders_generic.csv")
    update = write(
        tmp_path,
        f"""
{HEADER}
A-1001,2025-01-31T23:59:00,C-1,refunded,TSHIRT-BLK-M,1,19.90,,,,,organic,mobile
""",
    )

    # when
    report = import_orders_file(update)

    # then
    assert (report.counts["orders_updated"], report.counts["lines_written"]) == (1, 1)
    assert order_rows()[0] == (
        "A-1001",
        "C-1",
        datetime(2025, 2, 1, 4, 59, tzinfo=UTC),
        "refunded",
        "organic",
        "mobile",
        Decimal("19.90"),
        [("TSHIRT-BLK-M", 1, Decimal("19.90"))],
    )
    assert order_rows()[1:] == EXAMPLE_ORDERS[1:]
    # blank email and country in the update keep the stored ones
    assert Customer.objects.get(external_id="C-1").email == "ana@example.com"


def test_the_import_bumps_the_data_version():
    # given
    before = data_version()

    # when
    import_orders_file(FIXTURES / "orders_generic.csv")

    # then
    assert data_version() > before


BAD_FILE = f"""
{HEADER}
B-1,2025-13-01T10:00:00,C-1,paid,SKU-1,1,10.00,,,,,,
B-2,2025-01-02T10:00:00,C-1,paid,SKU-1,0,10.00,,,,,,
B-3,2025-01-03T10:00:00,C-1,paid,SKU-1,2,-1.00,,,,,,
B-4,2025-01-04T10:00:00,C-1,shipped-ish,SKU-1,1,10.00,,,,,,
B-5,2025-01-05T10:00:00,C-1,paid,SKU-1,1,10.00,,,,,,
B-5,2025-01-05T10:00:00,C-1,cancelled,SKU-2,1,10.00,,,,,,
B-6,2025-01-06T10:00:00,,paid,SKU-1,x,10.00,,,,,tv,
B-7,2025-01-07T10:00:00,C-2,paid,SKU-1,1,10.00,,,,,,
B-8,2025-01-08T10:00:00,C-2,paid,SKU-1,1,10.00,Mug, blue,,,,,
"""


def test_every_invalid_row_is_reported_with_line_column_and_reason_and_nothing_is_written(
    tmp_path: Path,
):
    # given
    path = write(tmp_path, BAD_FILE)

    # when
    report = import_orders_file(path)

    # then
    assert not report.written
    assert report.errors == (
        RowError(2, "placed_at", "'2025-13-01T10:00:00' is not an ISO 8601 date-time"),
        RowError(3, "quantity", "0 is not a positive quantity"),
        RowError(4, "unit_price", "-1.00 is negative"),
        RowError(
            5,
            "status",
            "'shipped-ish' is not one of pending, paid, shipped, completed, "
            "cancelled, refunded",
        ),
        RowError(7, "status", "order B-5 has 'cancelled' here but 'paid' on line 6"),
        RowError(8, "customer_id", "is empty"),
        RowError(8, "quantity", "'x' is not a whole number"),
        RowError(
            8,
            "traffic_source",
            "'tv' is not one of organic, paid_search, social, email, direct, referral",
        ),
        RowError(10, "", "has 14 cells but the header has 13"),
    )
    assert report.error_count == 9
    assert Order.objects.count() == Customer.objects.count() == 0
    assert not (tmp_path / "orders.rejected.csv").exists()


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejected_ones(
    tmp_path: Path,
):
    # given
    path = write(tmp_path, BAD_FILE)

    # when
    report = import_orders_file(path, skip_invalid=True)

    # then: only B-7 is whole; B-5's valid first row goes with its order
    assert report.written
    assert report.rejected_rows == 8
    assert list(Order.objects.values_list("external_id", "total")) == [
        ("B-7", Decimal("10.00"))
    ]
    with (tmp_path / "orders.rejected.csv").open() as rejected:
        rows = list(csv.reader(rejected))
    assert rows[0] == [*HEADER.split(","), "rejected_line", "rejected_reason"]
    assert [(row[0], row[-2], row[-1]) for row in rows[1:]] == [
        ("B-1", "2", "placed_at: '2025-13-01T10:00:00' is not an ISO 8601 date-time"),
        ("B-2", "3", "quantity: 0 is not a positive quantity"),
        ("B-3", "4", "unit_price: -1.00 is negative"),
        (
            "B-4",
            "5",
            "status: 'shipped-ish' is not one of pending, paid, shipped, completed, "
            "cancelled, refunded",
        ),
        ("B-5", "6", "order B-5 has an invalid row on line 7"),
        ("B-5", "7", "status: order B-5 has 'cancelled' here but 'paid' on line 6"),
        ("B-6", "8", "customer_id: is empty"),
        ("B-8", "10", "has 14 cells but the header has 13"),
    ]


def test_the_rejected_rows_file_writes_formulas_as_text(tmp_path: Path):
    # given: a rejected row whose cells a spreadsheet would run
    path = write(
        tmp_path,
        f"""
{HEADER}
=HYPERLINK("http://evil"),2025-01-02T10:00:00,@SUM(1+1)*cmd|x,paid,SKU-1,0,-2.00,,,,,,
""",
    )

    # when
    report = import_orders_file(path, skip_invalid=True)

    # then: the formulas start with an apostrophe, the plain number stays a number
    assert report.rejected_rows == 1
    with (tmp_path / "orders.rejected.csv").open() as rejected:
        [_header, row] = list(csv.reader(rejected))
    assert row[:7] == [
        '\'=HYPERLINK("http://evil")',
        "2025-01-02T10:00:00",
        "'@SUM(1+1)*cmd|x",
        "paid",
        "SKU-1",
        "0",
        "-2.00",
    ]


def test_a_file_whose_last_row_is_bad_leaves_no_trace(tmp_path: Path):
    # given
    import_orders_file(FIXTURES / "orders_generic.csv")
    before = order_rows()
    path = write(
        tmp_path,
        f"""
{HEADER}
A-1001,2025-01-31T23:59:00,C-1,refunded,TSHIRT-BLK-M,1,19.90,,,,,,
N-1,2025-04-01T10:00:00,C-9,paid,NEW-SKU,1,5.00,,,,,,
N-2,2025-04-02T10:00:00,C-9,paid,NEW-SKU,1,5.00.0,,,,,,
""",
    )

    # when
    with pytest.raises(CommandError, match="1 invalid rows: nothing was written"):
        call_command("import_orders", str(path), "--no-progress")

    # then
    assert order_rows() == before
    assert not Customer.objects.filter(external_id="C-9").exists()
    assert not Product.objects.filter(sku="NEW-SKU").exists()


def test_a_crash_while_writing_rolls_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # given a shop with the example orders and an update that fails mid-write
    import_orders_file(FIXTURES / "orders_generic.csv")
    before = order_rows()
    customers_before = list(Customer.objects.values_list("external_id", "email"))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(orders_module, "_insert_lines", crash)
    path = write(
        tmp_path,
        f"""
{HEADER}
A-1001,2025-01-31T23:59:00,C-1,refunded,TSHIRT-BLK-M,1,19.90,,,new@example.com,,,
N-1,2025-04-01T10:00:00,C-9,paid,NEW-SKU,1,5.00,,,,,,
""",
    )

    # when
    with pytest.raises(CommandError, match="interrupted: nothing was written"):
        call_command("import_orders", str(path), "--no-progress")

    # then
    assert order_rows() == before
    assert (
        list(Customer.objects.values_list("external_id", "email")) == customers_before
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "orders.csv is empty: there is nothing to import."),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "orders.csv is not a CSV file (it contains binary data)",
        ),
        (
            (HEADER + "\nA-1,2025-01-01T00:00:00,C-1,paid,CAF\xc9,1,1.00\n").encode(
                "latin-1"
            ),
            "orders.csv is not UTF-8 text",
        ),
        (
            b"Name,Email,Financial Status,Created at,Lineitem quantity\n#1,a@b.c,paid,"
            b"2025-01-01 10:00:00 -0500,1\n",
            "orders.csv is not a generic orders file: it looks like a Shopify orders "
            "export: use --format shopify.",
        ),
        (
            (HEADER + ",coupon\n").encode(),
            "orders.csv does not have the generic orders header: line 1, column "
            "'coupon': unknown column for this format.",
        ),
        (
            b"order_id,placed_at,customer_id,status,sku,quantity\n",
            "orders.csv does not have the generic orders header: line 1, column "
            "'unit_price': required column is missing.",
        ),
    ],
    ids=[
        "empty",
        "binary",
        "latin-1",
        "shopify-header",
        "extra-column",
        "missing-column",
    ],
)
def test_a_wrong_file_gets_one_clear_sentence(
    tmp_path: Path, content: bytes, message: str
):
    # given
    path = tmp_path / "orders.csv"
    path.write_bytes(content)

    # when
    with pytest.raises(CommandError) as raised:
        call_command("import_orders", str(path), "--no-progress")

    # then
    assert str(raised.value).startswith(message)
    assert Order.objects.count() == 0


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path: Path):
    # given a file saved by Excel as "CSV UTF-8"
    path = tmp_path / "orders.csv"
    path.write_bytes(
        "\ufeff".encode()
        + (HEADER + "\nA-1,2025-01-01T00:00:00,C-1,paid,CAFÉ,1,1.00\n").encode()
    )

    # when
    report = import_orders_file(path)

    # then
    assert list(Product.objects.values_list("sku", flat=True)) == ["CAFÉ"]
    assert report.counts["orders_created"] == 1


def test_a_missing_file_is_an_import_file_error(tmp_path: Path):
    with pytest.raises(ImportFileError, match="does not exist"):
        import_orders_file(tmp_path / "nope.csv")


def test_the_command_prints_the_summary(capsys: pytest.CaptureFixture[str]):
    # when
    call_command("import_orders", str(FIXTURES / "orders_generic.csv"), "--no-progress")

    # then
    printed = capsys.readouterr().out
    assert "generic orders import of orders_generic.csv: 6 rows read" in printed
    assert "  orders created: 5" in printed
    assert "  lines written: 6" in printed


def test_built_rollups_are_refreshed_once_from_the_first_day_touched(
    monkeypatch: pytest.MonkeyPatch, settings, django_capture_on_commit_callbacks
):
    # given roll-ups switched on and built once, and a recorder in place of the refresh
    from ecomanalytics.rollups import signals as rollup_signals
    from ecomanalytics.rollups.refresh import refresh_rollups

    settings.ROLLUPS_ENABLED = True
    refresh_rollups()
    calls: list[dict] = []
    # the roll-ups hear of the load through store.loads.rows_loaded
    monkeypatch.setattr(
        rollup_signals, "refresh_rollups", lambda **kwargs: calls.append(kwargs)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        import_orders_file(FIXTURES / "orders_generic.csv")

    # then: A-1001 at 23:59 on January 31, local time, is the first day touched
    assert calls == [{"since": date(2025, 1, 31), "using": "default"}]


def terms_rows() -> list[tuple]:
    return [
        (
            order.external_id,
            order.total,
            order.discount,
            order.discount_codes,
            order.shipping,
            order.tax,
            [(item.product.sku, item.discount) for item in order.items.order_by("id")],
        )
        for order in Order.objects.order_by("external_id")
    ]


def test_the_terms_example_splits_discounts_and_keeps_shipping_taxes_and_codes():
    # given fixtures/orders_generic_terms.csv
    # when
    report = import_orders_file(FIXTURES / "orders_generic_terms.csv")

    # then
    assert report.errors == ()
    assert terms_rows() == [
        # 5.00 over 39.80 and 9.50: 4.0365 and 0.9635, rounded down 4.03 + 0.96, the
        # cent left to the larger remainder
        (
            "T-2001",
            Decimal("49.30"),
            Decimal("5.00"),
            "WELCOME10",
            Decimal("4.90"),
            Decimal("3.45"),
            [("TSHIRT-BLK-M", Decimal("4.04")), ("MUG-WHITE", Decimal("0.96"))],
        ),
        # the posters keep their own 2.50; the other 5.00 goes over what is left,
        # 47.50 and 9.50: 4.1667 and 0.8333 -> 4.16 + 0.83, the cent to the posters;
        # the codes sorted, upper case
        (
            "T-2002",
            Decimal("59.50"),
            Decimal("7.50"),
            "SUMMER20, VIP15",
            Decimal("0.00"),
            Decimal("8.08"),
            [("POSTER-A2", Decimal("6.67")), ("MUG-WHITE", Decimal("0.83"))],
        ),
        # no order discount given: the line's own 3.80 is the order's
        (
            "T-2003",
            Decimal("38.00"),
            Decimal("3.80"),
            "",
            Decimal("4.90"),
            Decimal("2.94"),
            [("MUG-WHITE", Decimal("3.80"))],
        ),
    ]
    # and importing it again changes nothing
    again = import_orders_file(FIXTURES / "orders_generic_terms.csv")
    assert (again.counts["orders_updated"], again.counts["orders_unchanged"]) == (0, 3)


def test_files_without_the_terms_columns_have_none():
    # when
    import_orders_file(FIXTURES / "orders_generic.csv")

    # then
    assert {(row[2], row[3], row[4], row[5]) for row in terms_rows()} == {
        (Decimal("0.00"), "", Decimal("0.00"), Decimal("0.00"))
    }
    assert not OrderItem.objects.exclude(discount=0).exists()


def test_terms_that_do_not_fit_are_reported_by_line(tmp_path: Path):
    # given
    path = write(
        tmp_path,
        "order_id,placed_at,customer_id,status,sku,quantity,unit_price,discount,"
        "shipping,tax,line_discount\n"
        # rows of one order that disagree on the discount
        "T-1,2025-04-02T10:00:00,C-1,paid,SKU-1,1,10.00,2.00,0,0,\n"
        "T-1,2025-04-02T10:00:00,C-1,paid,SKU-2,1,10.00,3.00,0,0,\n"
        # a discount above the lines
        "T-2,2025-04-02T10:00:00,C-1,paid,SKU-1,1,10.00,10.01,0,0,\n"
        # a line's discount above its value
        "T-3,2025-04-02T10:00:00,C-1,paid,SKU-1,2,1.00,,0,0,2.01\n"
        # the lines' discounts above the order's
        "T-4,2025-04-02T10:00:00,C-1,paid,SKU-1,1,10.00,1.00,0,0,1.50\n"
        # not money
        "T-5,2025-04-02T10:00:00,C-1,paid,SKU-1,1,10.00,,free,-1,\n",
    )

    # when
    report = import_orders_file(path)

    # then
    assert sorted(report.errors, key=lambda error: (error.line, error.column)) == [
        RowError(3, "discount", "order T-1 has '3.00' here but '2.00' on line 2"),
        RowError(
            4,
            "discount",
            "order T-2: the discount 10.01 is larger than the order's lines (10.00)",
        ),
        RowError(5, "line_discount", "2.01 is more than the line's 2 x 1.00"),
        RowError(
            6,
            "discount",
            "order T-4: the lines' discounts add up to 1.50, more than the order's "
            "discount 1.00",
        ),
        RowError(7, "shipping", "'free' is not a number"),
        RowError(7, "tax", "-1 is negative"),
    ]
