"""Importing the seed project's data/raw folder (fixtures/seed_raw)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from cohorts.metrics import CohortRetention, retention_matrix
from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.importing.parsing import RowError
from ecomanalytics.store.importing.seed_csv import import_seed_folder
from ecomanalytics.store.models import (
    Customer,
    Order,
    Product,
    SessionEvent,
    WebSession,
)
from kpi.metrics import (
    Conversion,
    SessionTotals,
    SourceConversion,
    conversion_by_source,
)

SEED = Path(__file__).resolve().parents[3] / "fixtures" / "seed_raw"

pytestmark = pytest.mark.django_db


def shop_state() -> dict[str, list]:
    return {
        "customers": list(
            Customer.objects.values_list(
                "external_id", "email", "signed_up_at", "country", "acquisition_channel"
            )
        ),
        "products": list(
            Product.objects.values_list("sku", "name", "category__name", "list_price")
        ),
        "orders": [
            (
                order.external_id,
                order.customer.external_id,
                order.placed_at,
                order.status,
                order.traffic_source,
                order.device,
                order.total,
                order.items.count(),
            )
            for order in Order.objects.order_by("external_id").select_related(
                "customer"
            )
        ],
        "sessions": [
            (
                session.external_id,
                session.started_at,
                session.traffic_source,
                session.device,
                session.customer.external_id if session.customer else None,
                session.country,
                list(session.events.values_list("event_type", flat=True)),
            )
            for session in WebSession.objects.order_by("external_id").select_related(
                "customer"
            )
        ],
    }


CONVERTED = ["page_view", "product_view", "add_to_cart", "begin_checkout", "purchase"]
EXPECTED_SHOP = {
    # naive seed timestamps are New York time
    "customers": [
        (
            "1",
            "ana@example.com",
            datetime(2025, 1, 5, 15, 0, tzinfo=UTC),
            "US",
            "organic",
        ),
        (
            "2",
            "ben@example.com",
            datetime(2025, 1, 20, 23, 30, tzinfo=UTC),
            "CA",
            "paid_search",
        ),
        (
            "3",
            "cleo@example.com",
            datetime(2025, 2, 2, 14, 15, tzinfo=UTC),
            "GB",
            "email",
        ),
    ],
    "products": [
        ("101", "Black T-shirt", "Apparel", Decimal("20.00")),
        ("102", "White mug", "Kitchen", Decimal("8.50")),
        ("103", "Apron", "Kitchen", Decimal("15.00")),
    ],
    # an order's source is its user's channel; its device the default, desktop
    "orders": [
        (
            "5001",
            "1",
            datetime(2025, 2, 1, 4, 59, tzinfo=UTC),
            "completed",
            "organic",
            "desktop",
            Decimal("48.50"),
            2,
        ),
        (
            "5002",
            "2",
            datetime(2025, 2, 1, 5, 0, tzinfo=UTC),
            "completed",
            "paid_search",
            "desktop",
            Decimal("20.00"),
            1,
        ),
        (
            "5003",
            "1",
            datetime(2025, 2, 14, 17, 0, tzinfo=UTC),
            "cancelled",
            "organic",
            "desktop",
            Decimal("15.00"),
            1,
        ),
        (
            "5004",
            "3",
            datetime(2025, 3, 1, 13, 0, tzinfo=UTC),
            "pending",
            "email",
            "desktop",
            Decimal("8.50"),
            1,
        ),
        (
            "5005",
            "1",
            datetime(2025, 3, 4, 0, 45, tzinfo=UTC),
            "completed",
            "organic",
            "desktop",
            Decimal("17.00"),
            1,
        ),
    ],
    # converted=1 sessions get the whole funnel at their start
    "sessions": [
        (
            "9001",
            datetime(2025, 2, 1, 4, 40, tzinfo=UTC),
            "organic",
            "mobile",
            "1",
            "US",
            CONVERTED,
        ),
        (
            "9002",
            datetime(2025, 2, 1, 4, 55, tzinfo=UTC),
            "paid_search",
            "desktop",
            "2",
            "CA",
            CONVERTED,
        ),
        (
            "9003",
            datetime(2025, 2, 10, 19, 0, tzinfo=UTC),
            "direct",
            "tablet",
            None,
            "",
            ["page_view"],
        ),
        (
            "9004",
            datetime(2025, 3, 1, 12, 50, tzinfo=UTC),
            "email",
            "desktop",
            "3",
            "GB",
            ["page_view"],
        ),
    ],
}


def test_the_seed_folder_is_imported_field_by_field():
    # when
    reports = import_seed_folder(SEED)

    # then
    assert [report.written for report in reports] == [True, True, True]
    assert shop_state() == EXPECTED_SHOP


@time_machine.travel(datetime(2025, 6, 15, 12, tzinfo=UTC), tick=False)
def test_the_seed_folder_gives_the_hand_computed_cohorts_and_conversion():
    # given
    import_seed_folder(SEED)

    # when
    cohorts = retention_matrix(filters=MetricFilters(), months=3)
    january = conversion_by_source(
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))
    )

    # then: user 1 first buys in January, cancels in February, buys in March;
    # user 2 buys once in February; user 3 only has a pending order
    assert cohorts == [
        CohortRetention(
            cohort=date(2025, 1, 1), size=1, active=[1, 0, 1], retention=[1.0, 0.0, 1.0]
        ),
        CohortRetention(
            cohort=date(2025, 2, 1), size=1, active=[1, 0, 0], retention=[1.0, 0.0, 0.0]
        ),
    ]
    assert january == Conversion(
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        results=[
            SourceConversion("organic", 1, 1, 1.0),
            SourceConversion("paid_search", 1, 1, 1.0),
        ],
        overall=SessionTotals(2, 2, 1.0),
    )


def test_importing_the_seed_folder_twice_changes_nothing():
    # given
    import_seed_folder(SEED)

    # when
    reports = import_seed_folder(SEED)

    # then
    assert shop_state() == EXPECTED_SHOP
    assert reports[1].counts["orders_unchanged"] == 5
    assert reports[2].counts["events_already_stored"] == 12
    assert SessionEvent.objects.count() == 12


def test_header_aliases_are_accepted(tmp_path: Path):
    # given the users file with other common spellings of its columns
    folder = tmp_path / "raw"
    shutil.copytree(SEED, folder)
    users = (SEED / "users.csv").read_text().splitlines()
    users[0] = "id,email,created_at,country,source"
    (folder / "users.csv").write_text("\n".join(users) + "\n")

    # when
    import_seed_folder(folder)

    # then
    assert shop_state() == EXPECTED_SHOP


def test_a_bad_seed_row_is_reported_with_its_file_and_nothing_is_written(
    tmp_path: Path,
):
    # given
    folder = tmp_path / "raw"
    shutil.copytree(SEED, folder)
    items = (SEED / "order_items.csv").read_text().splitlines()
    items[3] = "5002,999,1,20.00"
    (folder / "order_items.csv").write_text("\n".join(items) + "\n")

    # when
    reports = import_seed_folder(folder)

    # then
    assert reports[1].errors == (
        RowError(
            4, "product_id", "'999' is not in products.csv", file="order_items.csv"
        ),
    )
    assert (Customer.objects.count(), Order.objects.count()) == (0, 0)


def test_a_folder_without_the_seed_files_gets_one_sentence(tmp_path: Path):
    # given
    (tmp_path / "orders.csv").write_text("order_id\n1\n")

    # when
    with pytest.raises(CommandError) as raised:
        call_command("import_seed_csv", str(tmp_path), "--no-progress")

    # then
    assert str(raised.value) == (
        f"{tmp_path} is not a seed data/raw folder: categories.csv, products.csv, "
        "users.csv, order_items.csv, sessions.csv missing."
    )
