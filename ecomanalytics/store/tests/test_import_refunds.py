"""Importing refunds: allocation to the lines, idempotence, replacement, validation.

The orders are the generic example (fixtures/orders_generic.csv): A-1001 is 2 x
TSHIRT-BLK-M at 19.90 and 1 x MUG-WHITE at 9.50 (paid 49.30), A-1002 3 x MUG-WHITE
(28.50), A-1005 2 x POSTER-A2 at 25.00 (50.00). The shop's time zone is New York.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ecomanalytics.store.importing.orders import import_orders_file
from ecomanalytics.store.importing.parsing import ImportFileError, RowError
from ecomanalytics.store.importing.refunds import import_refunds_file
from ecomanalytics.store.loads import rows_loaded
from ecomanalytics.store.models import Order, Refund, RefundLine

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
HEADER = "refund_id,order_id,refunded_at,amount,sku,quantity"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def orders() -> None:
    import_orders_file(FIXTURES / "orders_generic.csv")


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "refunds.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def refunds() -> list[tuple]:
    return [
        (
            refund.external_id,
            refund.order.external_id,
            refund.refunded_at,
            refund.amount,
            [
                (line.item.product.sku, line.quantity, line.amount)
                for line in refund.lines.order_by("item__product__sku")
            ],
        )
        for refund in Refund.objects.select_related("order").order_by("external_id")
    ]


def statuses() -> dict[str, str]:
    return dict(Order.objects.values_list("external_id", "status"))


def test_the_example_file_allocates_each_refund_to_the_order_lines():
    # when
    report = import_refunds_file(FIXTURES / "refunds.csv")

    # then
    assert report.written
    assert report.counts == {
        "refunds_created": 4,
        "refunds_updated": 0,
        "refunds_unchanged": 0,
        "refund_lines_written": 5,
        "orders_refunded": 1,
    }
    assert refunds() == [
        # one shirt sent back
        (
            "RF-1",
            "A-1001",
            datetime(2025, 2, 10, 15, 0, tzinfo=UTC),
            Decimal("19.90"),
            [("TSHIRT-BLK-M", 1, Decimal("19.90"))],
        ),
        # money only, on the order's one line
        (
            "RF-2",
            "A-1002",
            datetime(2025, 2, 12, 14, 30, tzinfo=UTC),
            Decimal("5.00"),
            [("MUG-WHITE", 0, Decimal("5.00"))],
        ),
        (
            "RF-3",
            "A-1005",
            datetime(2025, 3, 10, 16, 0, tzinfo=UTC),
            Decimal("25.00"),
            [("POSTER-A2", 1, Decimal("25.00"))],
        ),
        # two rows, two lines: the mug 9.50 and the other shirt 39.80 / 2 = 19.90
        (
            "RF-4",
            "A-1001",
            datetime(2025, 2, 20, 20, 0, tzinfo=UTC),
            Decimal("29.40"),
            [("MUG-WHITE", 1, Decimal("9.50")), ("TSHIRT-BLK-M", 1, Decimal("19.90"))],
        ),
    ]
    # A-1001's 19.90 + 29.40 is all it paid: refunded; the others stay as they were
    assert statuses() == {
        "A-1001": "refunded",
        "A-1002": "completed",
        "A-1003": "cancelled",
        "A-1004": "refunded",
        "A-1005": "shipped",
    }


def test_importing_the_file_again_changes_nothing():
    # given
    import_refunds_file(FIXTURES / "refunds.csv")
    lines = list(RefundLine.objects.order_by("pk").values_list())

    # when
    report = import_refunds_file(FIXTURES / "refunds.csv")

    # then
    assert report.counts == {
        "refunds_created": 0,
        "refunds_updated": 0,
        "refunds_unchanged": 4,
        "refund_lines_written": 0,
        "orders_refunded": 0,
    }
    assert list(RefundLine.objects.order_by("pk").values_list()) == lines


def test_a_changed_amount_replaces_the_refund(tmp_path: Path):
    # given
    import_refunds_file(FIXTURES / "refunds.csv")

    # when RF-2 gives back 7.00 a day later, and RF-1 15.00 for its shirt
    report = import_refunds_file(
        write(
            tmp_path,
            "RF-2,A-1002,2025-02-13T09:30:00,7.00,,",
            "RF-1,A-1001,2025-02-10T10:00:00,15.00,TSHIRT-BLK-M,1",
        )
    )

    # then
    assert report.errors == ()
    assert (report.counts["refunds_updated"], report.counts["refunds_unchanged"]) == (
        2,
        0,
    )
    assert [refund for refund in refunds() if refund[0] in ("RF-1", "RF-2")] == [
        (
            "RF-1",
            "A-1001",
            datetime(2025, 2, 10, 15, 0, tzinfo=UTC),
            Decimal("15.00"),
            [("TSHIRT-BLK-M", 1, Decimal("15.00"))],
        ),
        (
            "RF-2",
            "A-1002",
            datetime(2025, 2, 13, 14, 30, tzinfo=UTC),
            Decimal("7.00"),
            [("MUG-WHITE", 0, Decimal("7.00"))],
        ),
    ]


def test_units_returned_by_stored_refunds_count(tmp_path: Path):
    # given RF-4 returned A-1001's one mug
    import_refunds_file(FIXTURES / "refunds.csv")

    # when RF-1 is changed to return the mug
    report = import_refunds_file(
        write(tmp_path, "RF-1,A-1001,2025-02-10T10:00:00,9.50,MUG-WHITE,1")
    )

    # then
    assert report.errors == (
        RowError(
            2,
            "quantity",
            "1 x MUG-WHITE returned, but the order bought 1 and 1 returned before",
        ),
    )


def test_every_bad_row_is_reported_by_line_and_nothing_is_written(tmp_path: Path):
    # given
    path = write(
        tmp_path,
        "R-1,A-9999,2025-02-10T10:00:00,5.00,,",  # line 2: unknown order
        "R-2,A-1002,2025-02-10T10:00:00,28.51,,",  # 3: more than the 28.50 paid
        "R-3,A-1001,2025-02-10T10:00:00,30.00,TSHIRT-BLK-M,3",  # 4: 2 bought
        "R-4,A-1001,2025-02-10T10:00:00,5.00,POSTER-A2,1",  # 5: not on the order
        "R-5,A-1001,next tuesday,5.00,,",  # 6: bad time
        "R-6,A-1001,2025-02-10T10:00:00,-5,,",  # 7: bad amount
        "R-7,A-1001,2025-02-10T10:00:00,0,,",  # 8: nothing given back
        "R-8,A-1001,2025-01-30T10:00:00,5.00,,",  # 9: before the order was placed
        "R-9,A-1002,2025-02-10T10:00:00,5.00,MUG-WHITE,",  # 10: sku without quantity
        "R-10,A-1002,2025-02-10T10:00:00,5.00,,1",  # 11: quantity without sku
    )

    # when
    report = import_refunds_file(path)

    # then
    assert not report.written
    assert sorted(report.errors, key=lambda error: error.line) == [
        RowError(2, "order_id", "there is no order A-9999: import the orders first"),
        RowError(
            3,
            "amount",
            "28.51 is more than what is left to refund: 28.50 paid leaves 28.50",
        ),
        RowError(4, "quantity", "3 x TSHIRT-BLK-M returned, but the order bought 2"),
        RowError(5, "sku", "the order has no line of POSTER-A2"),
        RowError(6, "refunded_at", "'next tuesday' is not an ISO 8601 date-time"),
        RowError(7, "amount", "-5 is negative"),
        RowError(8, "amount", "0 is not a refund: a refund gives money back"),
        RowError(
            9,
            "refunded_at",
            "is before order A-1001 was placed (2025-02-01T04:59:00+00:00)",
        ),
        RowError(10, "quantity", "is empty"),
        RowError(11, "sku", "is empty: a quantity returns units of a sku"),
    ]
    assert Refund.objects.count() == 0


def test_refunds_of_one_order_in_the_file_add_up(tmp_path: Path):
    # given two refunds of A-1002 (28.50 paid) that fit one by one, not together
    path = write(
        tmp_path,
        "R-1,A-1002,2025-02-10T10:00:00,20.00,,",
        "R-2,A-1002,2025-02-11T10:00:00,10.00,,",
    )

    # when
    report = import_refunds_file(path, skip_invalid=True)

    # then the later one is refused, the earlier one imported
    assert report.errors == (
        RowError(
            3,
            "amount",
            "10.00 is more than what is left to refund: 28.50 paid less 20.00 "
            "refunded before leaves 8.50",
        ),
    )
    assert [refund[0] for refund in refunds()] == ["R-1"]
    assert report.rejected_rows == 1
    rejected = Path(report.rejected_file).read_text(encoding="utf-8").splitlines()
    assert rejected == [
        HEADER + ",rejected_line,rejected_reason",
        "R-2,A-1002,2025-02-11T10:00:00,10.00,,,3,amount: 10.00 is more than what is "
        "left to refund: 28.50 paid less 20.00 refunded before leaves 8.50",
    ]


def test_rows_of_one_refund_must_agree(tmp_path: Path):
    # given
    path = write(
        tmp_path,
        "R-1,A-1001,2025-02-10T10:00:00,20.00,TSHIRT-BLK-M,1",
        "R-1,A-1001,2025-02-10T10:00:00,25.00,MUG-WHITE,1",
        "R-2,A-1001,2025-02-10T10:00:00,5.00,,",
        "R-2,A-1001,2025-02-10T10:00:00,5.00,MUG-WHITE,1",
    )

    # when
    report = import_refunds_file(path)

    # then
    assert report.errors == (
        RowError(3, "amount", "refund R-1 has '25.00' here but '20.00' on line 2"),
        RowError(
            5,
            "sku",
            "refund R-2 has a row without sku on line 4: a refund of money only is "
            "one row; a refund that returns units names a sku on each of its rows",
        ),
    )


def test_a_refund_cannot_move_to_another_order(tmp_path: Path):
    # given
    import_refunds_file(FIXTURES / "refunds.csv")

    # when
    report = import_refunds_file(
        write(tmp_path, "RF-2,A-1005,2025-03-12T10:00:00,5.00,,")
    )

    # then
    assert report.errors == (
        RowError(
            2,
            "order_id",
            "refund RF-2 is stored on order A-1002; a refund cannot move to another "
            "order",
        ),
    )


def test_the_load_announces_the_earliest_refund_or_order_day(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
):
    # given a receiver of the store's load signal
    heard: list[datetime | None] = []

    def receiver(sender: object, since: datetime | None, **kwargs: Any) -> None:
        heard.append(since)

    rows_loaded.connect(receiver, dispatch_uid="test-refunds-load")
    try:
        # when a refund of A-1002 (placed 2025-02-01 05:00 UTC) is imported, then
        # one of A-1005 (placed 2025-03-02)
        with django_capture_on_commit_callbacks(execute=True):
            import_refunds_file(
                write(tmp_path, "R-1,A-1002,2025-02-12T10:00:00,5.00,,")
            )
        with django_capture_on_commit_callbacks(execute=True):
            import_refunds_file(
                write(tmp_path, "R-2,A-1005,2025-03-12T10:00:00,5.00,,")
            )
        # and the first again, unchanged
        with django_capture_on_commit_callbacks(execute=True):
            import_refunds_file(
                write(tmp_path, "R-1,A-1002,2025-02-12T10:00:00,5.00,,")
            )
    finally:
        rows_loaded.disconnect(dispatch_uid="test-refunds-load")

    # then each load announces its order's day (a full refund would change the
    # order's own day); the unchanged one announces nothing
    assert heard == [
        datetime(2025, 2, 1, 5, 0, tzinfo=UTC),
        datetime(2025, 3, 2, 9, 15, tzinfo=UTC),
    ]


def test_reimporting_the_orders_keeps_their_refunds_on_the_new_lines():
    # given the refunds on the example orders
    import_refunds_file(FIXTURES / "refunds.csv")

    # when the orders are imported again (their lines are rewritten)
    report = import_orders_file(FIXTURES / "orders_generic.csv")

    # then every refund is allocated again the same way, and A-1001, paid in the
    # file but refunded in full, stays refunded
    assert report.counts["orders_unchanged"] == 5
    assert report.counts["refund_lines_written"] == 5
    assert [refund[4] for refund in refunds()] == [
        [("TSHIRT-BLK-M", 1, Decimal("19.90"))],
        [("MUG-WHITE", 0, Decimal("5.00"))],
        [("POSTER-A2", 1, Decimal("25.00"))],
        [("MUG-WHITE", 1, Decimal("9.50")), ("TSHIRT-BLK-M", 1, Decimal("19.90"))],
    ]
    assert statuses()["A-1001"] == "refunded"


def test_an_orders_file_that_no_longer_allows_the_refunds_is_refused(
    tmp_path: Path,
):
    # given RF-3 returned one of A-1005's two posters (25.00)
    import_refunds_file(FIXTURES / "refunds.csv")

    # when a file gives A-1005 one poster at 20.00
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,placed_at,customer_id,status,sku,quantity,unit_price\n"
        "A-1005,2025-03-02T04:15:00,C-2,shipped,POSTER-A2,1,20.00\n",
        encoding="utf-8",
    )
    report = import_orders_file(path)

    # then
    assert report.errors == (
        RowError(
            2,
            "",
            "order A-1005 keeps its refunds RF-3 of 25.00: more than the 20.00 this "
            "file says it paid",
        ),
    )
    assert Order.objects.get(external_id="A-1005").total == Decimal("50.00")


def test_the_command_prints_the_report_and_refuses_bad_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # when
    call_command("import_refunds", str(FIXTURES / "refunds.csv"), "--no-progress")

    # then
    printed = capsys.readouterr().out
    assert "refunds import of refunds.csv: 5 rows read" in printed
    assert "  refunds created: 4" in printed
    with pytest.raises(CommandError, match="looks like an orders file"):
        call_command(
            "import_refunds", str(FIXTURES / "orders_generic.csv"), "--no-progress"
        )
    with pytest.raises(CommandError, match="1 invalid rows: nothing was written"):
        call_command(
            "import_refunds",
            str(write(tmp_path, "R-1,A-9999,2025-02-10T10:00:00,5.00,,")),
            "--no-progress",
        )


def test_a_missing_column_is_one_sentence(tmp_path: Path):
    path = tmp_path / "refunds.csv"
    path.write_text("refund_id,order_id,amount\nR-1,A-1001,5.00\n", encoding="utf-8")

    with pytest.raises(ImportFileError, match="'refunded_at': required column"):
        import_refunds_file(path)
