"""New vs returning customers on the value shop (cohorts/tests/value_shop.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from cohorts.metrics import CustomerTypePeriod, NewVsReturning, new_vs_returning
from cohorts.tests.value_shop import build_value_shop, local
from ecomanalytics.filters import MetricFilters


@pytest.fixture
def value_shop(db):
    return build_value_shop()


def period(
    label: str,
    new: tuple[int, int, str] = (0, 0, "0.00"),
    returning: tuple[int, int, str] = (0, 0, "0.00"),
    *,
    partial: bool = False,
) -> CustomerTypePeriod:
    """A period from (customers, orders, revenue) of each type."""
    new_revenue, returning_revenue = Decimal(new[2]), Decimal(returning[2])
    total = new_revenue + returning_revenue
    return CustomerTypePeriod(
        period=label,
        new_customers=new[0],
        returning_customers=returning[0],
        new_orders=new[1],
        returning_orders=returning[1],
        new_revenue=new_revenue,
        returning_revenue=returning_revenue,
        returning_revenue_share=float(returning_revenue / total) if total else None,
        partial=partial,
    )


@time_machine.travel(local(6, 15), tick=False)
def test_months_split_new_and_returning_customers(
    answer, value_shop, django_assert_num_queries
):
    # given the value shop
    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=3, rollup=3)):
        result = answer(new_vs_returning, refresh=False, filters=MetricFilters())
    # then ann's Jan 31 23:30 order is January's; her March refund lowers March's
    # returning revenue (ben's 40 - 20); cat's refunded January order counts nowhere
    assert result == NewVsReturning(
        start=date(2025, 1, 5),
        end=date(2025, 3, 10),
        granularity="month",
        customers=3,
        repeat_customers=2,
        returning_customer_rate=2 / 3,
        results=[
            period("2025-01", new=(1, 1, "100.00"), partial=True),
            period("2025-02", new=(1, 1, "30.00"), returning=(1, 1, "50.00")),
            period(
                "2025-03", new=(1, 1, "60.00"), returning=(1, 1, "20.00"), partial=True
            ),
        ],
    )


@time_machine.travel(local(6, 15), tick=False)
def test_weeks_are_zero_filled_and_count_orders_up_to_the_end(answer, value_shop):
    # when
    result = answer(
        new_vs_returning,
        filters=MetricFilters(start=date(2025, 1, 27), end=date(2025, 2, 9)),
        granularity="week",
    )
    # then ann's second order (Feb 15) is after the end: nobody has two orders yet
    assert result == NewVsReturning(
        start=date(2025, 1, 27),
        end=date(2025, 2, 9),
        granularity="week",
        customers=2,
        repeat_customers=0,
        returning_customer_rate=0.0,
        results=[
            period("2025-01-27", new=(2, 2, "130.00")),
            period("2025-02-03"),
        ],
    )


@time_machine.travel(local(6, 15), tick=False)
def test_days_take_the_shop_time_zone(answer, value_shop):
    # when
    result = answer(
        new_vs_returning,
        filters=MetricFilters(start=date(2025, 1, 31), end=date(2025, 2, 1)),
        granularity="day",
    )
    # then ann (23:30 on Jan 31 local) and ben (00:10 on Feb 1 local)
    assert result.results == [
        period("2025-01-31", new=(1, 1, "100.00")),
        period("2025-02-01", new=(1, 1, "30.00")),
    ]


@time_machine.travel(local(6, 15), tick=False)
@pytest.mark.parametrize(
    "filters", [MetricFilters(country="CA"), MetricFilters(source="email")]
)
def test_filters_select_customers_by_their_acquisition(answer, value_shop, filters):
    # given ben, from Canada, acquired by email; his March order is organic
    # when
    result = answer(new_vs_returning, filters=filters)
    # then
    assert result == NewVsReturning(
        start=date(2025, 1, 5),
        end=date(2025, 3, 10),
        granularity="month",
        customers=1,
        repeat_customers=1,
        returning_customer_rate=1.0,
        results=[
            period("2025-01", partial=True),
            period("2025-02", new=(1, 1, "30.00")),
            period("2025-03", returning=(1, 1, "40.00"), partial=True),
        ],
    )


@time_machine.travel(local(6, 15), tick=False)
def test_a_filter_matching_nothing_gives_zeros_and_no_rate(answer, value_shop):
    result = answer(
        new_vs_returning,
        filters=MetricFilters(
            category="Nothing", start=date(2025, 2, 1), end=date(2025, 2, 28)
        ),
    )
    assert result == NewVsReturning(
        start=date(2025, 2, 1),
        end=date(2025, 2, 28),
        granularity="month",
        customers=0,
        repeat_customers=0,
        returning_customer_rate=None,
        results=[period("2025-02")],
    )


def test_no_data_gives_no_periods(db):
    assert new_vs_returning(filters=MetricFilters()) == NewVsReturning(
        None, None, "month", 0, 0, None, []
    )


URL = "/api/cohorts/new-vs-returning/"


@time_machine.travel(local(6, 15), tick=False)
def test_the_endpoint_gives_the_whole_body(api_client, value_shop):
    # when
    response = api_client.get(
        URL, {"start": "2025-02-01", "end": "2025-03-31", "granularity": "month"}
    )
    # then
    assert response.status_code == 200
    assert response["X-Revenue-Measure"] == "net_sales"
    assert response.json() == {
        "start": "2025-02-01",
        "end": "2025-03-31",
        "granularity": "month",
        "customers": 3,
        "repeat_customers": 2,
        "returning_customer_rate": 2 / 3,
        "results": [
            {
                "period": "2025-02",
                "new_customers": 1,
                "returning_customers": 1,
                "new_orders": 1,
                "returning_orders": 1,
                "new_revenue": 30.0,
                "returning_revenue": 50.0,
                "returning_revenue_share": 0.625,
                "partial": False,
            },
            {
                "period": "2025-03",
                "new_customers": 1,
                "returning_customers": 1,
                "new_orders": 1,
                "returning_orders": 1,
                "new_revenue": 60.0,
                "returning_revenue": 20.0,
                "returning_revenue_share": 0.25,
                "partial": False,
            },
        ],
    }


@time_machine.travel(local(6, 15), tick=False)
def test_the_endpoint_gives_csv(api_client, value_shop):
    response = api_client.get(
        URL, {"start": "2025-02-01", "end": "2025-02-28", "format": "csv"}
    )
    assert response.status_code == 200
    assert response.content.decode().splitlines()[:2] == [
        "start,end,granularity,customers,repeat_customers,returning_customer_rate,"
        "period,new_customers,returning_customers,new_orders,returning_orders,"
        "new_revenue,returning_revenue,returning_revenue_share,partial",
        "2025-02-01,2025-02-28,month,2,1,0.5,2025-02,1,1,1,1,30.00,50.00,0.625,false",
    ]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"granularity": "year"}, "granularity"),
        ({"start": "2025-02-30"}, "start"),
        ({"source": "pigeon"}, "source"),
        ({"months": "3"}, "months"),
    ],
)
def test_bad_parameters_are_400_naming_them(api_client, query, parameter):
    response = api_client.get(URL, query)
    assert response.status_code == 400
    assert parameter in response.json()
