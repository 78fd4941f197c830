"""The discount-codes report on hand-computed data, on both paths; the shop's time
zone is America/New_York."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from ecomanalytics.filters import MetricFilters
from ecomanalytics.store.models import Order, Refund
from ecomanalytics.store.tests.factories import CustomerFactory, OrderFactory
from kpi.metrics import DiscountCodeReport, DiscountCodeSales, discount_codes

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
MARCH = MetricFilters(start=date(2025, 3, 1), end=date(2025, 3, 31))
APRIL = MetricFilters(start=date(2025, 4, 1), end=date(2025, 4, 30))
MARCH_QUERY = {"start": "2025-03-01", "end": "2025-03-31"}
_refund_numbers = count(1)


def local(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


def order(
    placed_at: datetime,
    total: str,
    *,
    codes: str = "",
    discount: str = "0.00",
    status: str = "completed",
    **kwargs,
) -> Order:
    return OrderFactory(
        placed_at=placed_at,
        total=Decimal(total),
        discount=Decimal(discount),
        discount_codes=codes,
        status=status,
        **kwargs,
    )


def refund(of: Order, refunded_at: datetime, amount: str) -> Refund:
    return Refund.objects.create(
        external_id=f"R{next(_refund_numbers)}",
        order=of,
        refunded_at=refunded_at,
        amount=Decimal(amount),
    )


def row(
    code: str | None,
    counts: tuple[int, float | None, int, int, int],
    money: tuple[str, str, str, str],
    discount_rate: float | None,
    average_order_value: str,
) -> DiscountCodeSales:
    """A result row: (orders, order share, customers, new, returning), (gross sales,
    discounts, returns, net sales), the discount rate and the average order value."""
    orders, share, customers, new, returning = counts
    gross, discounts, returns, net = map(Decimal, money)
    return DiscountCodeSales(
        code=code,
        orders=orders,
        order_share=share,
        customers=customers,
        new_customers=new,
        returning_customers=returning,
        gross_sales=gross,
        discounts=discounts,
        returns=returns,
        net_sales=net,
        discount_rate=discount_rate,
        average_order_value=Decimal(average_order_value),
    )


def report(
    filters: MetricFilters, orders: int, results: list[DiscountCodeSales]
) -> DiscountCodeReport:
    return DiscountCodeReport(
        start=filters.start,
        end=filters.end,
        currency="USD",
        revenue_measure="net_sales",
        orders=orders,
        results=results,
    )


@pytest.fixture
def spring():
    """Orders of February to April 2025 with codes, combinations, none, refunds
    (one in May).

    March's revenue orders: ann's first ever with SUMMER10, bob's later SUMMER10
    (his first was February's, without a code), cid's first with FREESHIP + SUMMER10
    and his later one without a code, dan's two WELCOME15 (his cancelled February
    order was no acquisition), eve's first at 23:30 on March 31 without a code.
    """
    ann, bob, cid = CustomerFactory.create_batch(3)
    dan = CustomerFactory(country="CA")
    eve = CustomerFactory()
    # February: bob's first order; dan's cancelled one
    bob_february = order(local(2, 10), "40.00", customer=bob)
    order(local(2, 1), "999.00", codes="WELCOME15", status="cancelled", customer=dan)
    # March
    ann_first = order(
        local(3, 5), "100.00", codes="SUMMER10", discount="10.00", customer=ann
    )
    bob_later = order(
        local(3, 8), "60.00", codes="SUMMER10", discount="6.00", customer=bob
    )
    order(
        local(3, 10),
        "80.00",
        codes="FREESHIP, SUMMER10",
        discount="8.00",
        customer=cid,
    )
    order(local(3, 20), "30.00", customer=cid)
    email: dict[str, Any] = {
        "customer": dan,
        "traffic_source": "email",
        "device": "mobile",
    }
    order(local(3, 12), "200.00", codes="WELCOME15", discount="30.00", **email)
    order(local(3, 15), "50.00", codes="WELCOME15", discount="7.50", **email)
    # 23:30 on March 31 in New York is April 1 in UTC: March
    order(local(3, 31, 23, 30), "20.00", customer=eve)
    # neither counts: a cancelled order, and one refunded in full with its refund
    order(local(3, 18), "999.00", codes="SUMMER10", status="cancelled", customer=ann)
    refunded = order(
        local(3, 19), "500.00", codes="SUMMER10", status="refunded", customer=ann
    )
    refund(refunded, local(3, 25), "500.00")
    # refunds: bob's February order in March; bob's SUMMER10 one at 23:30 on March
    # 31 (April in UTC); ann's SUMMER10 one at 00:30 on April 1
    refund(bob_february, local(3, 3), "4.00")
    refund(bob_later, local(3, 31, 23, 30), "6.00")
    refund(ann_first, local(4, 1, 0, 30), "25.00")
    # April: eve's second order, with a code of its own
    eve_april = order(
        local(4, 2), "70.00", codes="VIP20", discount="7.00", customer=eve
    )
    # May: no orders, one refund
    refund(eve_april, local(5, 3), "10.00")


def test_each_code_combination_and_the_orders_without_a_code(
    spring, answer, django_assert_num_queries
):
    # given: the spring fixture, rolled up on the roll-up path
    answer.refresh()

    # when
    with django_assert_num_queries(answer.pick(raw=3, rollup=2)):
        result = answer(discount_codes, refresh=False, filters=MARCH)

    # then: 7 revenue orders; most orders first, then by code, no code last
    assert result == report(
        MARCH,
        7,
        [
            # ann (new) 100.00 - 10.00, bob (returning) 60.00 - 6.00, and bob's
            # refund of 6.00 at 23:30 on March 31
            row(
                "SUMMER10",
                (2, 2 / 7, 2, 1, 1),
                ("160.00", "16.00", "6.00", "138.00"),
                0.1,
                "69.00",
            ),
            # dan twice: one customer, new (his earlier order was cancelled)
            row(
                "WELCOME15",
                (2, 2 / 7, 1, 1, 0),
                ("250.00", "37.50", "0.00", "212.50"),
                0.15,
                "106.25",
            ),
            # cid's later order (returning), eve's first (new); the March refund
            # of bob's February order
            row(
                None,
                (2, 2 / 7, 2, 1, 1),
                ("50.00", "0.00", "4.00", "46.00"),
                0.0,
                "23.00",
            ),
            row(
                "FREESHIP, SUMMER10",
                (1, 1 / 7, 1, 1, 0),
                ("80.00", "8.00", "0.00", "72.00"),
                0.1,
                "72.00",
            ),
        ],
    )


def test_refunds_count_on_the_refunds_day_in_the_next_month(spring, answer):
    # given: the spring fixture

    # when
    result = answer(discount_codes, filters=APRIL)

    # then: eve's April order was not her first; ann's March SUMMER10 order was
    # refunded at 00:30 on April 1, so SUMMER10 is listed with returns only
    assert result == report(
        APRIL,
        1,
        [
            row(
                "VIP20",
                (1, 1.0, 1, 0, 1),
                ("70.00", "7.00", "0.00", "63.00"),
                0.1,
                "63.00",
            ),
            row(
                "SUMMER10",
                (0, 0.0, 0, 0, 0),
                ("0.00", "0.00", "25.00", "-25.00"),
                None,
                "0.00",
            ),
        ],
    )


def test_a_window_with_refunds_only(spring, answer):
    # given: the spring fixture
    may = MetricFilters(start=date(2025, 5, 1), end=date(2025, 5, 31))

    # when
    result = answer(discount_codes, filters=may)

    # then: no revenue orders, so no order share
    assert result == report(
        may,
        0,
        [
            row(
                "VIP20",
                (0, None, 0, 0, 0),
                ("0.00", "0.00", "10.00", "-10.00"),
                None,
                "0.00",
            )
        ],
    )


def test_filters_are_the_orders_and_the_customers(spring, answer):
    # given: the spring fixture; dan (Canada) ordered from email on mobile

    # when
    by_source = answer(discount_codes, filters=replace(MARCH, source="email"))
    by_country = answer(discount_codes, filters=replace(MARCH, country="CA"))

    # then
    dans = [
        row(
            "WELCOME15",
            (2, 1.0, 1, 1, 0),
            ("250.00", "37.50", "0.00", "212.50"),
            0.15,
            "106.25",
        )
    ]
    assert by_source == report(MARCH, 2, dans)
    assert by_country == report(MARCH, 2, dans)


def test_two_filters_are_answered_from_the_raw_tables(spring, answer):
    # given: the spring fixture

    # when: the discount facts keep single filters only
    result = answer(
        discount_codes,
        raw_by_design=True,
        filters=replace(MARCH, source="email", device="mobile"),
    )

    # then
    assert result == report(
        MARCH,
        2,
        [
            row(
                "WELCOME15",
                (2, 1.0, 1, 1, 0),
                ("250.00", "37.50", "0.00", "212.50"),
                0.15,
                "106.25",
            )
        ],
    )


def test_a_filter_matching_nothing_and_a_window_without_orders(spring, answer):
    # given: the spring fixture
    nowhere = replace(MARCH, country="FR")
    summer = MetricFilters(start=date(2025, 7, 1), end=date(2025, 7, 31))

    # when
    results = (
        answer(discount_codes, filters=nowhere),
        answer(discount_codes, filters=summer),
    )

    # then
    assert results == (report(nowhere, 0, []), report(summer, 0, []))


def test_no_orders_at_all(answer):
    # given: no data; when
    result = answer(discount_codes, answered=None, filters=MetricFilters())

    # then
    assert result == DiscountCodeReport(None, None, "USD", "net_sales", 0, [])


# --- GET /api/kpi/discounts/ -------------------------------------------------------


def test_the_endpoint_lists_the_codes(api_client: APIClient, spring):
    # when
    response = api_client.get("/api/kpi/discounts/", {**MARCH_QUERY, "country": "US"})

    # then: March without dan (Canada): SUMMER10, no code, FREESHIP + SUMMER10
    assert response.status_code == 200
    assert response.json() == {
        "start": "2025-03-01",
        "end": "2025-03-31",
        "currency": "USD",
        "revenue_measure": "net_sales",
        "orders": 5,
        "results": [
            {
                "code": "SUMMER10",
                "orders": 2,
                "order_share": 0.4,
                "customers": 2,
                "new_customers": 1,
                "returning_customers": 1,
                "gross_sales": 160.0,
                "discounts": 16.0,
                "returns": 6.0,
                "net_sales": 138.0,
                "discount_rate": 0.1,
                "average_order_value": 69.0,
            },
            {
                "code": None,
                "orders": 2,
                "order_share": 0.4,
                "customers": 2,
                "new_customers": 1,
                "returning_customers": 1,
                "gross_sales": 50.0,
                "discounts": 0.0,
                "returns": 4.0,
                "net_sales": 46.0,
                "discount_rate": 0.0,
                "average_order_value": 23.0,
            },
            {
                "code": "FREESHIP, SUMMER10",
                "orders": 1,
                "order_share": 0.2,
                "customers": 1,
                "new_customers": 1,
                "returning_customers": 0,
                "gross_sales": 80.0,
                "discounts": 8.0,
                "returns": 0.0,
                "net_sales": 72.0,
                "discount_rate": 0.1,
                "average_order_value": 72.0,
            },
        ],
    }


def test_the_endpoint_as_csv(api_client: APIClient, spring):
    # when
    response = api_client.get(
        "/api/kpi/discounts/", {**MARCH_QUERY, "source": "email", "format": "csv"}
    )

    # then: one row per code, the report's own fields repeated in front
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="kpi-discounts_2025-03-01_2025-03-31.csv"'
    )
    assert response.content.decode() == (
        "start,end,currency,revenue_measure,orders,code,order_share,customers,"
        "new_customers,returning_customers,gross_sales,discounts,returns,net_sales,"
        "discount_rate,average_order_value\r\n"
        "2025-03-01,2025-03-31,USD,net_sales,2,WELCOME15,1.0,1,1,0,250.00,37.50,"
        "0.00,212.50,0.15,106.25\r\n"
    )


def test_the_endpoint_without_any_data(api_client: APIClient):
    # when
    response = api_client.get("/api/kpi/discounts/")

    # then
    assert (response.status_code, response.json()) == (
        200,
        {
            "start": None,
            "end": None,
            "currency": "USD",
            "revenue_measure": "net_sales",
            "orders": 0,
            "results": [],
        },
    )


@pytest.mark.parametrize(
    ("query", "body"),
    [
        (
            {"category": "Shoes"},
            {
                "category": [
                    "Unknown parameter. Known parameters: "
                    "country, device, end, source, start."
                ]
            },
        ),
        (
            {"start": "2025-03-32"},
            {
                "start": [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ]
            },
        ),
        (
            {"start": "2025-04-01", "end": "2025-03-31"},
            {"end": ["end must not be before start."]},
        ),
        ({"device": "fridge"}, {"device": ['"fridge" is not a valid choice.']}),
        (
            {"format": "xlsx"},
            {"format": ["Unknown format. Known formats: api, csv, json."]},
        ),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    api_client: APIClient, query: dict[str, str], body: dict
):
    # when
    response = api_client.get("/api/kpi/discounts/", query)

    # then
    assert response.status_code == 400
    assert response.json() == {**body, "status": 400}
