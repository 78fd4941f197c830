"""Bought-together pairs from the basket facts: day rows across a New York year end,
the raw tables for two filters, the incremental refresh, and both paths on a
generated shop."""

from __future__ import annotations

from datetime import date

import pytest

from demand.product_analyses import bought_together
from demand.tests.test_baskets_and_funnel import (  # noqa: F401
    BasketShop,
    basket_shop,
    local,
    pair,
)
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.models import BasketDay
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.tests.test_equivalence import (  # noqa: F401
    assert_same_on_random_filters,
    shop,
)
from ecomanalytics.store.models import Customer
from ecomanalytics.store.tests.factories import OrderFactory

EVERY_PAIR = {"min_support_bp": 0, "min_pairs": 1}


def test_a_window_of_day_rows_across_the_year_end(answer, basket_shop):  # noqa: F811
    # when: Dec 15 .. Jan 3 holds the Dec 31 23:30 order (Jan 1 in UTC), o1, o2
    result = answer(
        bought_together,
        filters=MetricFilters(start=date(2024, 12, 15), end=date(2025, 1, 3)),
        **EVERY_PAIR,
    )

    # then: orders 3 (A B, A B, A B C); every lift is 3·x/(x·3) = 1, so by count
    assert result.results == [
        pair("A", "Runner", "B", "Sock", 3, 3, 3, orders=3),
        pair("C", "Lace", "A", "Runner", 1, 1, 3, orders=3),
        pair("C", "Lace", "B", "Sock", 1, 1, 3, orders=3),
    ]


def test_two_filters_read_the_raw_tables(answer, basket_shop):  # noqa: F811
    # when
    result = answer(
        bought_together,
        raw_by_design=True,
        filters=MetricFilters(
            start=date(2025, 1, 1),
            end=date(2025, 1, 31),
            source="email",
            device="mobile",
        ),
        **EVERY_PAIR,
    )

    # then: the factory's orders are organic/desktop
    assert result.results == []


def facts() -> list[tuple]:
    columns = [
        field.attname
        for field in BasketDay._meta.concrete_fields
        if not field.primary_key
    ]
    return sorted(BasketDay.objects.values_list(*columns), key=repr)


def test_incremental_refresh_equals_a_full_build(basket_shop: BasketShop):  # noqa: F811
    # given rolled-up data; then, not rolled up: an order C D on Jan 20 and one
    # B C on Jan 5 loaded late
    refresh_rollups()
    december = sorted(
        BasketDay.objects.filter(day__lt=date(2025, 1, 1)).values_list("pk", flat=True)
    )
    customer = Customer.objects.get()
    for placed_at, products in [
        (local(1, 20), [basket_shop.c, basket_shop.d]),
        (local(1, 5), [basket_shop.b, basket_shop.c]),
    ]:
        OrderFactory(
            customer=customer,
            placed_at=placed_at,
            lines=[(product, 1, "10") for product in products],
        )

    # when: the days from Jan 4 are rebuilt (and January's month rows)
    refresh_rollups(since=date(2025, 1, 4))
    incremental = facts()

    # then: December's rows were kept as they were, and a full build agrees
    assert (
        sorted(
            BasketDay.objects.filter(day__lt=date(2025, 1, 1)).values_list(
                "pk", flat=True
            )
        )
        == december
    )
    refresh_rollups()
    assert facts() == incremental
    january = BasketDay.objects.filter(
        grain="m", day=date(2025, 1, 1), traffic_source="*", device="*", country="*"
    )
    assert sorted(
        january.values_list("first__sku", "second__sku", "orders"), key=repr
    ) == sorted(
        [
            (None, None, 7),
            ("A", None, 3),
            ("B", None, 4),
            ("C", None, 4),
            ("D", None, 3),
            ("A", "B", 2),
            ("A", "C", 2),
            ("B", "C", 2),
            ("B", "D", 1),
            ("C", "D", 1),
        ],
        key=repr,
    )


@pytest.mark.django_db
def test_both_paths_agree_on_a_generated_shop(shop):  # noqa: F811
    # when / then: no filter and one filter from the facts, two from the raw tables
    for arguments in ({}, EVERY_PAIR, {"min_support_bp": 0, "min_pairs": 2}):
        answered = assert_same_on_random_filters(15, bought_together, **arguments)
        assert answered["rollup"] > 0
