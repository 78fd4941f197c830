"""ABC grading on hand-computed data; the shop is in America/New_York."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from demand.product_analyses import AbcGrading, GradedProduct, GradeSummary, abc_grading
from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    RefundFactory,
)

NEW_YORK = ZoneInfo("America/New_York")
JANUARY = MetricFilters(start=date(2025, 1, 1), end=date(2025, 1, 31))


def local(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def graded_shop(db) -> None:
    """January revenue per product: P1 500, P2 300, P3 100, P4 50, P5 50 (Σ 1000).

    P2 sold 350 and 50 of it came back on Jan 20; P4's order is Jan 31 23:30 in New
    York (Feb 1 in UTC); P5 also has a cancelled order (999) and a February sale.
    Cumulative share where each product starts: P1 0, P2 50 %, P3 exactly 80 %, P4
    90 %, P5 exactly 95 %.
    """
    shoes, hats = CategoryFactory(name="Shoes"), CategoryFactory(name="Hats")
    p1 = ProductFactory(sku="P1", name="One", category=shoes)
    p2 = ProductFactory(sku="P2", name="Two", category=shoes)
    p3 = ProductFactory(sku="P3", name="Three", category=hats)
    p4 = ProductFactory(sku="P4", name="Four", category=hats)
    p5 = ProductFactory(sku="P5", name="Five", category=hats)
    x = CustomerFactory(external_id="x", country="US")
    OrderFactory(customer=x, placed_at=local(1, 3), lines=[(p1, 5, "100")])
    two = OrderFactory(
        customer=x, placed_at=local(1, 5), lines=[(p2, 7, "50"), (p3, 2, "50")]
    )
    RefundFactory(
        order=two,
        refunded_at=local(1, 20),
        lines=[(two.items.get(product=p2), 1, "50")],
    )
    OrderFactory(customer=x, placed_at=local(1, 31, 23, 30), lines=[(p4, 1, "50")])
    OrderFactory(customer=x, placed_at=local(1, 8), lines=[(p5, 2, "25")])
    OrderFactory(
        customer=x, placed_at=local(1, 9), status="cancelled", lines=[(p5, 1, "999")]
    )
    OrderFactory(customer=x, placed_at=local(2, 1, 0, 30), lines=[(p5, 1, "999")])


def product(sku, name, category, revenue, units, share, cumulative, grade):
    return GradedProduct(
        sku, name, category, Decimal(revenue), units, share, cumulative, grade
    )


def test_abc_grades_by_where_the_cumulative_share_starts(
    answer, graded_shop, django_assert_num_queries
):
    # given the graded shop
    # when
    answer.refresh()
    with django_assert_num_queries(1):
        grading = answer(abc_grading, refresh=False, filters=JANUARY)
    # then P2 crosses 80 % and stays A; P3 and P5 start exactly on a cut-off
    assert grading == AbcGrading(
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        currency="USD",
        a_share=80,
        b_share=15,
        c_share=5,
        total_revenue=Decimal("1000.00"),
        classes=[
            GradeSummary("A", 2, Decimal("800.00"), 0.8),
            GradeSummary("B", 2, Decimal("150.00"), 0.15),
            GradeSummary("C", 1, Decimal("50.00"), 0.05),
        ],
        results=[
            product("P1", "One", "Shoes", "500", 5, 0.5, 0.5, "A"),
            product("P2", "Two", "Shoes", "300", 7, 0.3, 0.8, "A"),
            product("P3", "Three", "Hats", "100", 2, 0.1, 0.9, "B"),
            product("P4", "Four", "Hats", "50", 1, 0.05, 0.95, "B"),
            product("P5", "Five", "Hats", "50", 2, 0.05, 1.0, "C"),
        ],
    )


def test_abc_cut_offs_are_parameters(answer, graded_shop):
    # when A covers 50 % and B 40 %
    grading = answer(abc_grading, filters=JANUARY, a_share=50, b_share=40)
    # then P2 starts at 50 %: B; P4 starts at 90 %: C
    assert [row.grade for row in grading.results] == ["A", "B", "B", "C", "C"]
    assert grading.c_share == 10
    assert [(c.grade, c.products, c.revenue) for c in grading.classes] == [
        ("A", 1, Decimal("500.00")),
        ("B", 2, Decimal("400.00")),
        ("C", 2, Decimal("100.00")),
    ]


def test_abc_with_a_category_grades_its_products(answer, graded_shop):
    # when
    hats = answer(
        abc_grading,
        filters=MetricFilters(
            start=date(2025, 1, 1), end=date(2025, 1, 31), category="Hats"
        ),
    )
    # then Σ 200: P3 starts at 0, P4 at 50 %, P5 at 75 %
    assert [(row.sku, row.share, row.grade) for row in hats.results] == [
        ("P3", 0.5, "A"),
        ("P4", 0.25, "A"),
        ("P5", 0.25, "A"),
    ]


def test_abc_of_filters_matching_nothing_and_of_no_data(answer, graded_shop):
    # when
    nothing = answer(abc_grading, filters=MetricFilters(country="FR"))
    # then every class is listed, empty, without shares
    assert nothing.results == []
    assert nothing.total_revenue == Decimal("0.00")
    assert nothing.classes == [
        GradeSummary("A", 0, Decimal("0.00"), None),
        GradeSummary("B", 0, Decimal("0.00"), None),
        GradeSummary("C", 0, Decimal("0.00"), None),
    ]


def test_abc_without_data_is_empty(answer, db):
    grading = answer(abc_grading, answered=None, filters=MetricFilters())
    assert (grading.start, grading.results) == (None, [])


def test_abc_product_with_returns_above_its_sales_is_c(answer, db):
    # given January: Q sold 100; R sold 10, and 30 of an earlier R sale came back
    hats = CategoryFactory(name="Hats")
    q = ProductFactory(sku="Q", name="Q", category=hats)
    r = ProductFactory(sku="R", name="R", category=hats)
    x = CustomerFactory(external_id="x")
    OrderFactory(customer=x, placed_at=local(1, 2), lines=[(q, 1, "100")])
    OrderFactory(customer=x, placed_at=local(1, 3), lines=[(r, 1, "10")])
    december = OrderFactory(
        customer=x,
        placed_at=datetime(2024, 12, 1, 12, tzinfo=NEW_YORK),
        lines=[(r, 3, "10")],
    )
    RefundFactory(
        order=december,
        refunded_at=local(1, 4),
        lines=[(december.items.get(), 3, "30")],
    )
    # when
    grading = answer(abc_grading, filters=JANUARY)
    # then Σ revenue 80: Q is 125 %, R -20 %
    assert grading.results == [
        product("Q", "Q", "Hats", "100", 1, 1.25, 1.25, "A"),
        product("R", "R", "Hats", "-20", 1, -0.25, 1.0, "C"),
    ]


def test_abc_endpoint_validates_cut_offs(api_client, graded_shop):
    # when
    too_much = api_client.get("/api/demand/abc/", {"a_share": 80, "b_share": 20})
    zero = api_client.get("/api/demand/abc/", {"a_share": 0})
    word = api_client.get("/api/demand/abc/", {"b_share": "many"})
    # then
    assert too_much.status_code == 400
    assert too_much.json() == {
        "b_share": ["a_share + b_share must be at most 99: C needs a share."],
        "status": 400,
    }
    assert zero.status_code == 400
    assert "a_share" in zero.json()
    assert word.status_code == 400
    assert "b_share" in word.json()


def test_abc_endpoint_body_and_csv(api_client, graded_shop):
    # when
    response = api_client.get(
        "/api/demand/abc/",
        {"start": "2025-01-01", "end": "2025-01-31", "category": "Hats"},
    )
    csv = api_client.get(
        "/api/demand/abc/",
        {
            "start": "2025-01-01",
            "end": "2025-01-31",
            "category": "Hats",
            "format": "csv",
        },
    )
    # then
    assert response.status_code == 200
    assert response["X-Revenue-Measure"] == "net_sales"
    body = response.json()
    assert body["classes"] == [
        {"grade": "A", "products": 3, "revenue": 200.0, "share": 1.0},
        {"grade": "B", "products": 0, "revenue": 0.0, "share": 0.0},
        {"grade": "C", "products": 0, "revenue": 0.0, "share": 0.0},
    ]
    assert body["results"][0] == {
        "sku": "P3",
        "name": "Three",
        "category": "Hats",
        "revenue": 100.0,
        "units": 2,
        "share": 0.5,
        "cumulative_share": 0.5,
        "grade": "A",
    }
    assert csv.status_code == 200
    # long format: a table column naming classes or results
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("table,start,end,currency,a_share,b_share,c_share,")
    assert lines[1].startswith("classes,2025-01-01,2025-01-31,USD,80,15,5,200.00,A,3")
    assert lines[0].endswith(
        ",grade,products,revenue,share,sku,name,category,units,cumulative_share"
    )
    assert lines[4] == (
        "results,2025-01-01,2025-01-31,USD,80,15,5,200.00,A,,100.00,0.5,P3,Three,Hats,2,0.5"
    )
    assert len(lines) == 1 + 3 + 3
