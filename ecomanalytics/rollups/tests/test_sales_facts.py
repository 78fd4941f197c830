"""The sales terms in the roll-ups: returns on the refund's day, refunds in the
fingerprint, incremental refreshes and admin edits of refunds, the measure chosen at
read time. The shop is conftest.SalesShop (New York)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import product

import pytest

from demand.metrics import (
    returns_breakdown,
    revenue_growth,
    sales_by_category,
    top_products,
)
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.models import CategoryDay, OrderDay, ProductDay
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.status import answered_by, metrics_path, use_rollups
from ecomanalytics.store.data_version import bump_data_version
from ecomanalytics.store.models import Refund, RefundLine
from ecomanalytics.store.tests.factories import RefundFactory
from kpi.metrics import kpi_summary, revenue_over_time, sales_breakdown

pytestmark = pytest.mark.django_db

ORDER_TERMS = ("orders", "gross_sales", "discounts", "returns", "shipping", "taxes")
FIRST_QUARTER = MetricFilters(start=date(2025, 1, 1), end=date(2025, 3, 31))


@pytest.fixture
def rollups_on(settings):
    settings.ROLLUPS_ENABLED = True
    return settings


def finest_orders(day: date) -> list[tuple]:
    """The day's order facts of each (source, device, country, status) found."""
    return sorted(
        OrderDay.objects.filter(grain="d", day=day)
        .exclude(traffic_source="*")
        .exclude(device="*")
        .exclude(country="*")
        .values_list("traffic_source", "device", "country", "status", *ORDER_TERMS)
    )


def money(*amounts: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(amount) for amount in amounts)


def months(filters: MetricFilters = FIRST_QUARTER) -> list[tuple[str, Decimal]]:
    return [(p.period, p.revenue) for p in revenue_over_time(filters=filters).results]


def facts() -> dict[str, list]:
    return {
        model.__name__: sorted(
            model.objects.values_list(
                "grain", "day", "traffic_source", "device", "country", *columns
            ),
            key=repr,
        )
        for model, columns in (
            (OrderDay, ("status", *ORDER_TERMS)),
            (CategoryDay, ("category_id", "status", "returns", "returned_units")),
            (ProductDay, ("product_id", "units", "returns", "returned_units")),
        )
    }


def test_returns_lie_on_the_refund_day_with_the_orders_dimensions(sales_shop):
    # given a second refund of o3 on the day it was placed (money only, no lines)
    RefundFactory(order=sales_shop.o3, refunded_at=sales_shop.local(2, 5, 18), amount=1)

    # when
    refresh_rollups()

    # then: o2 on Jan 31; its return on Feb 1 as o2's email/mobile/CA/shipped row
    assert finest_orders(date(2025, 1, 31)) == [
        ("email", "mobile", "CA", "shipped", 1, *money("50", "5", "0", "0", "4"))
    ]
    assert finest_orders(date(2025, 2, 1)) == [
        ("email", "mobile", "CA", "shipped", 0, *money("0", "0", "45", "0", "0"))
    ]
    # and a day with an order and a refund of one key is one row
    assert finest_orders(date(2025, 2, 5)) == [
        ("organic", "desktop", "US", "paid", 1, *money("60", "6", "1", "7", "5"))
    ]
    # and the line facts: the refunded units on Feb 1; no product facts of o4,
    # refunded in full
    assert list(
        CategoryDay.objects.filter(
            grain="d",
            day=date(2025, 2, 1),
            category__name="Shoes",
            traffic_source="*",
            device="*",
            country="*",
        ).values_list("status", "orders", "units", "returns", "returned_units")
    ) == [("shipped", 0, 0, Decimal("45.00"), 1)]
    assert not ProductDay.objects.filter(day=date(2025, 2, 10)).exists()
    assert not ProductDay.objects.filter(day=date(2025, 2, 12)).exists()


def test_loaded_refunds_are_answered_raw_until_an_incremental_refresh(
    sales_shop, rollups_on
):
    # given current roll-ups
    refresh_rollups()
    assert use_rollups()

    # when a loader that does not mark a refresh as pending writes a refund of o1
    # dated on an old day (no signals)
    (refund,) = Refund.objects.bulk_create(
        [
            Refund(
                external_id="LATE",
                order=sales_shop.o1,
                refunded_at=sales_shop.local(1, 15),
                amount=Decimal("7.00"),
            )
        ]
    )
    RefundLine.objects.bulk_create(
        [
            RefundLine(
                refund=refund,
                item=sales_shop.o1.items.get(product=sales_shop.a),
                quantity=0,
                amount=Decimal("7.00"),
            )
        ]
    )
    bump_data_version()

    # then the raw tables answer, with the refund
    assert months() == [
        ("2025-01", Decimal("148.00")),
        ("2025-02", Decimal("-9.00")),
        ("2025-03", Decimal("-20.00")),
    ]
    assert answered_by.get() == "raw"

    # when only the days from the refund's on are rebuilt
    report = refresh_rollups(since=date(2025, 1, 15))

    # then the roll-ups answer again, with it, as a full rebuild would
    assert report.since == date(2025, 1, 15)
    assert months()[0] == ("2025-01", Decimal("148.00"))
    assert answered_by.get() == "rollup"
    incremental = facts()
    refresh_rollups()
    assert facts() == incremental


def test_admin_edits_of_refunds_refresh_their_days(
    sales_shop, rollups_on, django_capture_on_commit_callbacks
):
    # given current roll-ups
    refresh_rollups()

    # when a refund is added (as the admin saves one) and o1's March refund moved to
    # January
    with django_capture_on_commit_callbacks(execute=True):
        RefundFactory(
            order=sales_shop.o3,
            refunded_at=sales_shop.local(2, 25),
            lines=[(sales_shop.o3.items.get(), 1, "18.00")],
        )
    march = Refund.objects.get(refunded_at=sales_shop.local(3, 3))
    with django_capture_on_commit_callbacks(execute=True):
        march.refunded_at = sales_shop.local(1, 20)
        march.save()

    # then the roll-ups followed, and still answer
    assert use_rollups()
    assert months() == [
        ("2025-01", Decimal("135.00")),
        ("2025-02", Decimal("-27.00")),
        ("2025-03", Decimal("0.00")),
    ]
    assert answered_by.get() == "rollup"
    with metrics_path("raw"):
        assert months() == [
            ("2025-01", Decimal("135.00")),
            ("2025-02", Decimal("-27.00")),
            ("2025-03", Decimal("0.00")),
        ]


def test_the_measure_changes_without_a_refresh(sales_shop, rollups_on):
    # given roll-ups built under net sales
    refresh_rollups()

    # when the shop counts total sales
    rollups_on.REVENUE_MEASURE = "total_sales"

    # then the roll-ups still answer, with the new measure
    assert use_rollups()
    summary = kpi_summary(filters=FIRST_QUARTER)
    assert answered_by.get() == "rollup"
    assert summary.current.revenue == Decimal("156.00")


@pytest.mark.parametrize(
    ("metric", "arguments"),
    [
        (kpi_summary, {}),
        (revenue_over_time, {"granularity": "day"}),
        (revenue_over_time, {"granularity": "week"}),
        (sales_breakdown, {"granularity": "month"}),
        (revenue_growth, {}),
        (top_products, {"limit": 10}),
        (sales_by_category, {}),
        (returns_breakdown, {"by": "category"}),
        (returns_breakdown, {"by": "product"}),
    ],
    ids=lambda value: getattr(value, "__name__", None) or str(value),
)
def test_both_paths_agree_on_every_filter(sales_shop, settings, metric, arguments):
    # given the rolled-up shop, under each measure
    refresh_rollups()
    windows = [
        (date(2025, 1, 1), date(2025, 3, 31)),
        (date(2025, 1, 31), date(2025, 2, 20)),
        (None, None),
    ]
    for measure in ("net_sales", "gross_sales", "total_sales"):
        settings.REVENUE_MEASURE = measure
        for (start, end), source, country, category in product(
            windows, (None, "email"), (None, "US", "FR"), (None, "Shoes", "Hats")
        ):
            filters = MetricFilters(
                start=start, end=end, source=source, country=country, category=category
            )
            # when / then
            with metrics_path("raw"):
                raw = metric(filters=filters, **arguments)
            with metrics_path("rollup"):
                assert metric(filters=filters, **arguments) == raw, (measure, filters)
