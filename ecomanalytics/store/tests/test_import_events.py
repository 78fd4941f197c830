"""Importing web-session events: sessions built from events, duplicates, validation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.importing.events import import_events_file
from ecomanalytics.store.importing.orders import import_orders_file
from ecomanalytics.store.importing.parsing import RowError
from ecomanalytics.store.models import Customer, SessionEvent, WebSession
from kpi.metrics import (
    Conversion,
    SessionTotals,
    SourceConversion,
    conversion_by_source,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
HEADER = "session_id,occurred_at,event_type,traffic_source,device,customer_id,country,sku,order_id"

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "events.csv"
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def sessions() -> list[tuple]:
    return [
        (
            session.external_id,
            session.started_at,
            session.traffic_source,
            session.device,
            session.customer.external_id if session.customer else None,
            session.country,
            session.events.count(),
        )
        for session in WebSession.objects.order_by("external_id").select_related(
            "customer"
        )
    ]


EXAMPLE_SESSIONS = [
    # 23:50 on January 31 in New York
    (
        "S-1",
        datetime(2025, 2, 1, 4, 50, tzinfo=UTC),
        "organic",
        "mobile",
        "C-1",
        "US",
        5,
    ),
    (
        "S-2",
        datetime(2025, 2, 1, 15, 0, tzinfo=UTC),
        "paid_search",
        "desktop",
        None,
        "CA",
        2,
    ),
    ("S-3", datetime(2025, 2, 2, 8, 30, tzinfo=UTC), "email", "tablet", None, "GB", 1),
]


def test_example_events_build_sessions_linked_to_products_and_orders():
    # given the orders the events refer to
    import_orders_file(FIXTURES / "orders_generic.csv")

    # when
    report = import_events_file(FIXTURES / "events.csv")

    # then
    assert report.counts == {
        "sessions_created": 3,
        "sessions_updated": 0,
        "sessions_unchanged": 0,
        "events_written": 8,
        "events_already_stored": 0,
        "customers_created": 0,
        "unknown_skus": 0,
        "unknown_order_ids": 0,
    }
    assert sessions() == EXAMPLE_SESSIONS
    purchase = SessionEvent.objects.get(event_type="purchase")
    assert purchase.order is not None
    assert (purchase.session.external_id, purchase.order.external_id) == (
        "S-1",
        "A-1001",
    )
    assert list(
        SessionEvent.objects.filter(product__isnull=False)
        .order_by("occurred_at")
        .values_list("event_type", "product__sku")
    ) == [
        ("product_view", "TSHIRT-BLK-M"),
        ("add_to_cart", "TSHIRT-BLK-M"),
        ("product_view", "MUG-WHITE"),
    ]


def test_imported_sessions_give_the_hand_computed_conversion():
    # given
    import_events_file(FIXTURES / "events.csv")

    # when
    january = conversion_by_source(
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))
    )
    february = conversion_by_source(
        filters=MetricFilters(start=date(2025, 2, 1), end=date(2025, 2, 28))
    )

    # then: S-1 starts at 23:50 on January 31, local time, and purchases
    assert january == Conversion(
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        results=[SourceConversion("organic", 1, 1, 1.0)],
        overall=SessionTotals(1, 1, 1.0),
    )
    assert february == Conversion(
        start=date(2025, 2, 1),
        end=date(2025, 2, 28),
        results=[
            SourceConversion("email", 1, 0, 0.0),
            SourceConversion("paid_search", 1, 0, 0.0),
        ],
        overall=SessionTotals(2, 0, 0.0),
    )


def test_unknown_customers_are_created_and_unknown_references_counted():
    # given no orders, so no customers, products or orders yet
    # when
    report = import_events_file(FIXTURES / "events.csv")

    # then
    assert (
        report.counts["customers_created"],
        report.counts["unknown_skus"],
        report.counts["unknown_order_ids"],
    ) == (1, 3, 1)
    assert list(
        Customer.objects.values_list(
            "external_id", "signed_up_at", "acquisition_channel", "country"
        )
    ) == [("C-1", datetime(2025, 2, 1, 4, 50, tzinfo=UTC), "organic", "US")]


def test_importing_the_same_events_twice_adds_nothing():
    # given
    import_events_file(FIXTURES / "events.csv")

    # when
    report = import_events_file(FIXTURES / "events.csv")

    # then
    assert (
        report.counts["sessions_unchanged"],
        report.counts["events_written"],
        report.counts["events_already_stored"],
    ) == (3, 0, 8)
    assert sessions() == EXAMPLE_SESSIONS


def test_a_later_file_with_an_earlier_event_moves_the_session_start(tmp_path: Path):
    # given
    import_events_file(FIXTURES / "events.csv")
    later = write(
        tmp_path,
        f"""
{HEADER}
S-2,2025-02-01T09:55:00-05:00,page_view,paid_search,desktop,,,,
S-2,2025-02-01T10:00:00-05:00,page_view,paid_search,desktop,,,,
""",
    )

    # when
    report = import_events_file(later)

    # then: the 10:00 page view was stored already; blank country keeps CA
    assert (
        report.counts["sessions_updated"],
        report.counts["events_written"],
        report.counts["events_already_stored"],
    ) == (1, 1, 1)
    assert sessions()[1] == (
        "S-2",
        datetime(2025, 2, 1, 14, 55, tzinfo=UTC),
        "paid_search",
        "desktop",
        None,
        "CA",
        3,
    )


BAD_EVENTS = f"""
{HEADER}
S-1,2025-01-31T23:50:00,page_view,organic,mobile,,,,
S-1,2025-01-31T23:51:00,page_view,organic,tablet,,,,
S-2,not a date,page_view,organic,mobile,,,,
S-3,2025-01-31T23:50:00,checkout,organic,mobile,,,,
S-4,2025-01-31T23:50:00,page_view,,mobile,,,,
S-5,2025-01-31T23:50:00,page_view,organic,mobile,,,,
"""


def test_invalid_events_are_reported_and_nothing_is_written(tmp_path: Path):
    # given
    path = write(tmp_path, BAD_EVENTS)

    # when
    report = import_events_file(path)

    # then
    assert not report.written
    assert report.errors == (
        RowError(3, "device", "session S-1 has 'tablet' here but 'mobile' on line 2"),
        RowError(4, "occurred_at", "'not a date' is not an ISO 8601 date-time"),
        RowError(
            5,
            "event_type",
            "'checkout' is not one of page_view, product_view, add_to_cart, "
            "begin_checkout, purchase",
        ),
        RowError(6, "traffic_source", "is empty"),
    )
    assert WebSession.objects.count() == 0


def test_skip_invalid_imports_the_whole_sessions_only(tmp_path: Path):
    # given
    path = write(tmp_path, BAD_EVENTS)

    # when
    report = import_events_file(path, skip_invalid=True)

    # then: S-1 has a bad row, so both its rows are rejected
    assert report.rejected_rows == 5
    assert list(WebSession.objects.values_list("external_id", flat=True)) == ["S-5"]
    rejected = (tmp_path / "events.rejected.csv").read_text().splitlines()
    assert rejected[1].endswith(",2,session S-1 has an invalid row on line 3")


def test_an_orders_file_given_to_import_events_gets_one_sentence():
    with pytest.raises(
        CommandError, match="looks like an orders file, use import_orders"
    ):
        call_command(
            "import_events", str(FIXTURES / "orders_generic.csv"), "--no-progress"
        )


def test_the_events_command_prints_the_summary(capsys: pytest.CaptureFixture[str]):
    # when
    call_command("import_events", str(FIXTURES / "events.csv"), "--no-progress")

    # then
    printed = capsys.readouterr().out
    assert "events import of events.csv: 8 rows read" in printed
    assert "  sessions created: 3" in printed


def stored_progress() -> list[tuple[str, int, bool]]:
    return list(
        WebSession.objects.order_by("external_id").values_list(
            "external_id", "funnel_step", "converted"
        )
    )


def test_imports_store_each_sessions_funnel_progress_from_all_its_events(
    tmp_path: Path,
):
    # given the example file: S-1 goes all the way, S-2 views a product, S-3 lands
    import_events_file(FIXTURES / "events.csv")
    assert stored_progress() == [("S-1", 4, True), ("S-2", 1, False), ("S-3", 0, False)]
    later = write(
        tmp_path,
        f"""
{HEADER}
S-2,2025-02-01T10:05:00-05:00,add_to_cart,paid_search,desktop,,,MUG-WHITE,
S-2,2025-02-01T09:58:00-05:00,purchase,paid_search,desktop,,,,
""",
    )

    # when a later file adds a cart and a purchase before the product view
    import_events_file(later)

    # then S-2 reached the cart in sequence; its purchase came before the product
    # view, so it is not a funnel step, yet the session converted
    assert stored_progress() == [("S-1", 4, True), ("S-2", 2, True), ("S-3", 0, False)]
