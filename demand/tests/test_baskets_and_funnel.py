"""Bought-together pairs and the product funnel on hand-computed data (New York)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from demand.product_analyses import (
    BoughtTogether,
    ProductFunnelRow,
    ProductPair,
    bought_together,
    product_funnel,
)
from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    SessionEventFactory,
    WebSessionFactory,
)

NEW_YORK = ZoneInfo("America/New_York")
JANUARY = MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))


def local(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    year = 2024 if month == 12 else 2025
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


class BasketShop:
    """Shoes A, B, C and Hats D. January's revenue orders (5):
    o1 A B; o2 A B C; o3 A C; o4 B B D (two lines of B); o5 D (Jan 31 23:30).
    Not counted: a cancelled order A B, and an order A B on Dec 31 23:30 in New York
    (January 1 in UTC).
    Orders with: A 3, B 3, C 2, D 2. Pairs: AB 2, AC 2, BC 1, BD 1.
    """

    def __init__(self) -> None:
        shoes, hats = CategoryFactory(name="Shoes"), CategoryFactory(name="Hats")
        self.a = ProductFactory(sku="A", name="Runner", category=shoes)
        self.b = ProductFactory(sku="B", name="Sock", category=shoes)
        self.c = ProductFactory(sku="C", name="Lace", category=shoes)
        self.d = ProductFactory(sku="D", name="Beanie", category=hats)
        a, b, c, d = self.a, self.b, self.c, self.d
        x = CustomerFactory(external_id="x", country="US")

        def order(placed_at, products, **kwargs):
            return OrderFactory(
                customer=x,
                placed_at=placed_at,
                lines=[(product, 1, "10") for product in products],
                **kwargs,
            )

        self.o1 = order(local(1, 2), [a, b])
        order(local(1, 3), [a, b, c])
        order(local(1, 4), [a, c])
        order(local(1, 5), [b, b, d])
        order(local(1, 31, 23, 30), [d])
        order(local(1, 6), [a, b], status="cancelled")
        order(local(12, 31, 23, 30), [a, b])


@pytest.fixture
def basket_shop(db) -> BasketShop:
    return BasketShop()


def pair(a, name_a, b, name_b, both, with_a, with_b, orders=5):
    return ProductPair(
        sku_a=a,
        name_a=name_a,
        sku_b=b,
        name_b=name_b,
        orders=orders,
        orders_with_both=both,
        orders_with_a=with_a,
        orders_with_b=with_b,
        support=both / orders,
        confidence=both / with_a,
        reverse_confidence=both / with_b,
        lift=both * orders / (with_a * with_b),
    )


def test_pairs_sorted_by_lift_then_count(
    answer, basket_shop, django_assert_num_queries
):
    # when every pair is listed
    answer.refresh()
    with django_assert_num_queries(3):  # orders, orders per product, pairs
        result = answer(
            bought_together,
            refresh=False,
            filters=JANUARY,
            min_support_bp=0,
            min_pairs=1,
        )
    # then C→A lift 5·2/(2·3) = 5/3; A→B 10/9; C→B and D→B 5/6, by sku
    assert result == BoughtTogether(
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        sku=None,
        results=[
            pair("C", "Lace", "A", "Runner", 2, 2, 3),
            pair("A", "Runner", "B", "Sock", 2, 3, 3),
            pair("C", "Lace", "B", "Sock", 1, 2, 3),
            pair("D", "Beanie", "B", "Sock", 1, 2, 3),
        ],
    )
    assert result.results[0].lift == pytest.approx(5 / 3)
    assert result.results[0].confidence == 1.0


def test_pairs_keep_the_minimum_count_and_support(answer, basket_shop):
    # when
    two_orders = answer(bought_together, filters=JANUARY, min_pairs=2)
    half = answer(
        bought_together,
        filters=JANUARY,
        min_pairs=1,
        min_support_bp=4000,
    )
    over_half = answer(
        bought_together,
        filters=JANUARY,
        min_pairs=1,
        min_support_bp=4001,
    )
    # then support 2/5 = 40 % passes 4000 bp, not 4001
    assert [(p.sku_a, p.sku_b) for p in two_orders.results] == [("C", "A"), ("A", "B")]
    assert [(p.sku_a, p.sku_b) for p in half.results] == [("C", "A"), ("A", "B")]
    assert over_half.results == []


def test_pairs_within_a_category(answer, basket_shop):
    # when
    shoes = answer(
        bought_together,
        filters=MetricFilters(
            start=date(2025, 1, 1), end=date(2025, 1, 31), category="Shoes"
        ),
        min_support_bp=0,
        min_pairs=1,
    )
    # then 4 orders have a Shoes line; D pairs with nothing
    assert shoes.results == [
        pair("C", "Lace", "A", "Runner", 2, 2, 3, orders=4),
        pair("A", "Runner", "B", "Sock", 2, 3, 3, orders=4),
        pair("C", "Lace", "B", "Sock", 1, 2, 3, orders=4),
    ]


def test_bought_with_one_product(answer, basket_shop):
    # when
    with_b = answer(
        bought_together,
        filters=JANUARY,
        min_support_bp=0,
        min_pairs=1,
        sku="B",
    )
    unknown = answer(bought_together, filters=JANUARY, sku="nope")
    # then B is always A of the pair
    assert with_b.results == [
        pair("B", "Sock", "A", "Runner", 2, 3, 3),
        pair("B", "Sock", "C", "Lace", 1, 3, 2),
        pair("B", "Sock", "D", "Beanie", 1, 3, 2),
    ]
    assert unknown.results == []


def test_pairs_of_filters_matching_nothing_and_no_data(answer, basket_shop):
    nothing = answer(bought_together, filters=MetricFilters(country="FR"))
    assert nothing.results == []


def test_pairs_without_data(answer, db):
    result = answer(bought_together, answered=None, filters=MetricFilters())
    assert result.results == []


@pytest.fixture
def funnel_shop(basket_shop) -> BasketShop:
    """January sessions:
    s1: views A twice, carts A, purchase of o1 (A, B)
    s2: views A and B, carts B
    s3: views B
    s4 (email): views D
    s0 started Dec 31 23:30 in New York: views A (not counted)
    """
    shop = basket_shop

    def session(started_at, events, **kwargs):
        web_session = WebSessionFactory(started_at=started_at, **kwargs)
        for minute, (event_type, extra) in enumerate(events):
            SessionEventFactory(
                session=web_session,
                event_type=event_type,
                occurred_at=started_at.replace(minute=minute),
                **extra,
            )

    session(
        local(1, 2),
        [
            ("product_view", {"product": shop.a}),
            ("product_view", {"product": shop.a}),
            ("add_to_cart", {"product": shop.a}),
            ("purchase", {"order": shop.o1}),
        ],
    )
    session(
        local(1, 3),
        [
            ("page_view", {}),
            ("product_view", {"product": shop.a}),
            ("product_view", {"product": shop.b}),
            ("add_to_cart", {"product": shop.b}),
        ],
    )
    session(local(1, 4), [("product_view", {"product": shop.b})])
    session(
        local(1, 5), [("product_view", {"product": shop.d})], traffic_source="email"
    )
    session(local(12, 31, 23, 30), [("product_view", {"product": shop.a})])
    return shop


def test_product_funnel_counts_sessions_per_product(
    answer, funnel_shop, django_assert_num_queries
):
    # when
    answer.refresh()
    with django_assert_num_queries(1):
        rows = answer(product_funnel, refresh=False, filters=JANUARY)
    # then B's purchase comes from o1's lines, without a cart event in s1
    assert rows == [
        ProductFunnelRow("A", "Runner", "Shoes", 2, 1, 1, 0.5, 1.0),
        ProductFunnelRow("B", "Sock", "Shoes", 2, 1, 1, 0.5, 1.0),
        ProductFunnelRow("D", "Beanie", "Hats", 1, 0, 0, 0.0, None),
    ]


def test_product_funnel_filters_and_limit(answer, funnel_shop):
    # when
    email = answer(
        product_funnel,
        filters=MetricFilters(start=date(2025, 1, 1), source="email"),
    )
    hats = answer(
        product_funnel,
        filters=MetricFilters(start=date(2025, 1, 1), category="Hats"),
    )
    first = answer(product_funnel, filters=JANUARY, limit=1)
    nothing = answer(product_funnel, filters=MetricFilters(country="FR"))
    # then
    assert email == [ProductFunnelRow("D", "Beanie", "Hats", 1, 0, 0, 0.0, None)]
    assert hats == email
    assert [row.sku for row in first] == ["A"]
    assert nothing == []


def test_baskets_and_funnel_endpoints(api_client, funnel_shop):
    # when
    baskets = api_client.get(
        "/api/demand/baskets/",
        {"start": "2025-01-01", "end": "2025-01-31", "min_pairs": 2},
    )
    funnel = api_client.get(
        "/api/demand/product-funnel/",
        {"start": "2025-01-01", "end": "2025-01-31", "format": "csv"},
    )
    bad = api_client.get("/api/demand/baskets/", {"min_support_bp": 10_001})
    bad_limit = api_client.get("/api/demand/product-funnel/", {"limit": 0})
    # then
    assert baskets.status_code == 200
    assert baskets.json() == {
        "start": "2025-01-01",
        "end": "2025-01-31",
        "sku": None,
        "results": [
            {
                "sku_a": "C",
                "name_a": "Lace",
                "sku_b": "A",
                "name_b": "Runner",
                "orders": 5,
                "orders_with_both": 2,
                "orders_with_a": 2,
                "orders_with_b": 3,
                "support": 0.4,
                "confidence": 1.0,
                "reverse_confidence": 2 / 3,
                "lift": 5 / 3,
            },
            {
                "sku_a": "A",
                "name_a": "Runner",
                "sku_b": "B",
                "name_b": "Sock",
                "orders": 5,
                "orders_with_both": 2,
                "orders_with_a": 3,
                "orders_with_b": 3,
                "support": 0.4,
                "confidence": 2 / 3,
                "reverse_confidence": 2 / 3,
                "lift": 10 / 9,
            },
        ],
    }
    assert funnel.status_code == 200
    assert funnel.content.decode().splitlines() == [
        "sku,name,category,views,carts,purchases,view_to_cart,cart_to_purchase",
        "A,Runner,Shoes,2,1,1,0.5,1.0",
        "B,Sock,Shoes,2,1,1,0.5,1.0",
        "D,Beanie,Hats,1,0,0,0.0,",
    ]
    assert bad.status_code == 400
    assert "min_support_bp" in bad.json()
    assert bad_limit.status_code == 400
    assert "limit" in bad_limit.json()
