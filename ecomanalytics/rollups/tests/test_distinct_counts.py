"""Distinct customers from the roll-ups: the chain links and the cohort cells.

Hand-built customers whose order days straddle window starts (in the start's month,
in an earlier month, across a New York month edge), checked against hand-counted
figures on the roll-up path and against the raw path; and, on a generated shop, every
single filter answered without reading the raw order tables.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cohorts.metrics import repeat_purchase, retention_matrix
from demand.metrics import top_products
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.status import metrics_path
from ecomanalytics.rollups.tests.test_equivalence import both_paths, shop  # noqa: F401
from ecomanalytics.store.choices import Device, TrafficSource
from ecomanalytics.store.models import Category, Customer, Order, OrderItem
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)
from kpi.metrics import kpi_summary

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def local(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def straddling_customers():
    """ann: Jan 10, Jan 20, Feb 5 (web). bob: Jan 31 23:30 and Feb 1 00:10 New York
    (both Feb 1 in UTC), mobile. cat: Jan 25 cancelled, Feb 20 refunded. dan: Mar 3."""
    shoes = ProductFactory(category=CategoryFactory(name="Shoes"), sku="SHOE")
    hats = ProductFactory(category=CategoryFactory(name="Hats"), sku="HAT")
    ann, bob, cat, dan = (CustomerFactory(country=c) for c in ("US", "FR", "US", "DE"))
    for day in (local(1, 10), local(1, 20), local(2, 5)):
        OrderFactory(customer=ann, placed_at=day, lines=[(shoes, 1, "10.00")])
    for moment in (local(1, 31, 23, 30), local(2, 1, 0, 10)):
        OrderFactory(
            customer=bob, placed_at=moment, device="mobile", lines=[(hats, 1, "5.00")]
        )
    OrderFactory(
        customer=cat,
        placed_at=local(1, 25),
        status="cancelled",
        lines=[(shoes, 1, "9")],
    )
    OrderFactory(
        customer=cat, placed_at=local(2, 20), status="refunded", lines=[(shoes, 1, "9")]
    )
    OrderFactory(customer=dan, placed_at=local(3, 3), lines=[(hats, 2, "5.00")])
    refresh_rollups()


@pytest.mark.parametrize(
    ("start", "end", "customers"),
    [
        # ann (Jan 10, 20) and bob (Jan 31 New York).
        (date(2025, 1, 1), date(2025, 1, 31), 2),
        # ann's Feb 5 link follows Jan 20, a day of the start's month before start.
        (date(2025, 1, 21), date(2025, 2, 28), 2),
        # ann's Jan 20 is in the window: her Feb 5 is not a first link; still one ann.
        (date(2025, 1, 15), date(2025, 2, 28), 2),
        # Whole February: ann (Feb 5) and bob (Feb 1); cat's refund does not count.
        (date(2025, 2, 1), date(2025, 2, 28), 2),
        # Jan 11..19 holds no order: nobody, though ann ordered before and after.
        (date(2025, 1, 11), date(2025, 1, 19), 0),
        # Across three months: ann, bob and dan, each once.
        (date(2025, 1, 5), date(2025, 3, 31), 3),
        # A window after all the data.
        (date(2025, 4, 1), date(2025, 4, 30), 0),
    ],
)
def test_customers_count_each_customer_once_per_window(
    straddling_customers, start, end, customers
):
    filters = MetricFilters(start=start, end=end)

    raw, rolled_up = both_paths(kpi_summary, filters=filters)

    assert rolled_up.current.customers == customers
    assert rolled_up == raw


@pytest.mark.parametrize(
    ("filters", "customers"),
    [
        (MetricFilters(device="mobile"), 1),  # bob
        (MetricFilters(country="US"), 1),  # ann (cat has no revenue order)
        (MetricFilters(category="Hats"), 1),  # bob
        (MetricFilters(category="Shoes"), 1),  # ann
        (MetricFilters(source="email"), 0),
    ],
)
def test_customers_with_one_filter(straddling_customers, filters, customers):
    filters = MetricFilters(
        start=date(2025, 1, 20), end=date(2025, 2, 28), **_given(filters)
    )

    raw, rolled_up = both_paths(kpi_summary, filters=filters)

    assert rolled_up.current.customers == customers
    assert rolled_up == raw


def _given(filters: MetricFilters) -> dict[str, str]:
    names = ("source", "device", "country", "category")
    return {name: getattr(filters, name) for name in names if getattr(filters, name)}


def test_buyers_of_top_products(straddling_customers):
    # ann bought shoes on Jan 20 and Feb 5, cat's shoe orders do not count.
    filters = MetricFilters(start=date(2025, 1, 20), end=date(2025, 3, 31))

    raw, rolled_up = both_paths(top_products, filters=filters, limit=10)

    assert {row.sku: row.buyers for row in rolled_up} == {"SHOE": 1, "HAT": 2}
    assert rolled_up == raw


def test_cohort_sizes_and_repeat_customers(straddling_customers):
    # ann and bob join in January (bob's first order is Jan 31 New York), dan in March.
    raw, rolled_up = both_paths(repeat_purchase, filters=MetricFilters())

    assert [(row.cohort, row.customers, row.repeat_customers) for row in rolled_up] == [
        (date(2025, 1, 1), 2, 2),
        (date(2025, 3, 1), 1, 0),
    ]
    assert rolled_up == raw


def test_cohort_anchor_days_select_members(straddling_customers):
    # Anchor days from Jan 15: bob (Jan 31) and dan; ann's first order is Jan 10.
    filters = MetricFilters(start=date(2025, 1, 15))

    raw, rolled_up = both_paths(retention_matrix, filters=filters, months=3)

    assert [(row.cohort, row.size) for row in rolled_up] == [
        (date(2025, 1, 1), 1),
        (date(2025, 3, 1), 1),
    ]
    assert rolled_up == raw


RAW_ORDER_TABLES = (Order._meta.db_table, OrderItem._meta.db_table)


def single_filters() -> list[MetricFilters]:
    countries = sorted(set(Customer.objects.values_list("country", flat=True)))
    categories = list(Category.objects.values_list("name", flat=True))
    start, end = date(2025, 2, 14), date(2025, 9, 9)
    return [
        MetricFilters(start=start, end=end),
        MetricFilters(),
        *(
            MetricFilters(start=start, end=end, source=value)
            for value in TrafficSource.values
        ),
        *(MetricFilters(start=start, end=end, device=value) for value in Device.values),
        *(
            MetricFilters(start=start, end=end, country=value)
            for value in countries[:4]
        ),
        *(
            MetricFilters(start=start, end=end, category=value)
            for value in categories[:4]
        ),
        MetricFilters(start=date(2025, 3, 1), category="nothing-matches"),
    ]


@pytest.mark.parametrize(
    ("metric", "arguments"),
    [
        (kpi_summary, {}),
        (top_products, {"limit": 10}),
        (retention_matrix, {"months": 6}),
        (retention_matrix, {"months": 6, "cohort_by": "signup"}),
        (repeat_purchase, {}),
        (repeat_purchase, {"cohort_by": "signup"}),
    ],
    ids=lambda value: getattr(value, "__name__", None) or str(value),
)
def test_one_filter_reads_no_raw_order_rows(shop, metric, arguments):  # noqa: F811
    for filters in single_filters():
        with metrics_path("raw"):
            raw = metric(filters=filters, **arguments)
        with metrics_path("rollup"), CaptureQueriesContext(connection) as queries:
            rolled_up = metric(filters=filters, **arguments)

        assert rolled_up == raw, filters
        read = " ".join(query["sql"] for query in queries.captured_queries)
        # The window's bounds may probe the orders' time index (data span), nothing else.
        scans = [table for table in RAW_ORDER_TABLES if f'"{table}"' in read]
        assert scans in ([], [Order._meta.db_table]), (filters, read)
        if scans:
            assert all(
                "ORDER BY" in query["sql"] and "LIMIT 1" in query["sql"]
                for query in queries.captured_queries
                if f'"{Order._meta.db_table}"' in query["sql"]
            ), filters
