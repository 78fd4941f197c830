"""RFM groups and the customer list on the value shop (cohorts/tests/value_shop.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from cohorts.metrics import (
    RfmCustomer,
    RfmGridCell,
    RfmGroup,
    RfmReport,
    rfm_customers,
    rfm_groups,
)
from cohorts.models import CustomerValue
from cohorts.rows import RFM_GRID, RFM_GROUPS
from cohorts.tests.value_shop import build_value_shop
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.refresh import refresh_rollups


@pytest.fixture
def value_shop(db):
    return build_value_shop()


def groups(total: int, revenue: str, **named: tuple) -> list[RfmGroup]:
    """Every group, those named with (customers, revenue, recency, frequency,
    monetary), the others empty."""
    rows = []
    for name in RFM_GROUPS:
        key = name.replace(" ", "_")
        customers, money, recency, frequency, monetary = named.get(
            key, (0, "0.00", None, None, None)
        )
        rows.append(
            RfmGroup(
                group=name,
                customers=customers,
                share=customers / total if total else None,
                revenue=Decimal(money),
                revenue_share=(
                    float(Decimal(money) / Decimal(revenue))
                    if Decimal(revenue)
                    else None
                ),
                median_recency=recency,
                median_frequency=frequency,
                median_monetary=None if monetary is None else Decimal(monetary),
            )
        )
    return rows


def grid(**cells: int) -> list[RfmGridCell]:
    """The 25 cells, those named r<R>fm<FM> with their customers."""
    return [
        RfmGridCell(r, fm, group, cells.get(f"r{r}fm{fm}", 0))
        for r, row in RFM_GRID.items()
        for fm, group in enumerate(row, start=1)
    ]


def test_groups_as_of_the_data_s_last_day(
    answer, value_shop, django_assert_num_queries
):
    # given, as of Mar 10: ann last Feb 15, 2 orders, 100 + 50 - 20 = 130;
    # ben Mar 10, 2 (one cancelled order left out), 70; cat Mar 3, 1, 60; dan none.
    # R ranks ann 1, cat 2, ben 3 -> scores 1, 1 + 5*1//2 = 3, 5 (capped);
    # F ranks cat 1, ann = ben 2 (tie) -> 1, 3, 3; M ranks cat 1, ben 2, ann 3 -> 1, 3, 5
    # FM: ann (3+5)//2 = 4, ben (3+3)//2 = 3, cat 1
    # when
    answer.refresh()
    with django_assert_num_queries(answer.pick(raw=4, rollup=4)):
        report = answer(rfm_groups, refresh=False, filters=MetricFilters())
    # then
    assert report == RfmReport(
        as_of=date(2025, 3, 10),
        customers=4,
        revenue=Decimal("260.00"),
        groups=groups(
            4,
            "260.00",
            active=(1, "70.00", 0, 2, "70.00"),
            at_risk=(1, "130.00", 23, 2, "130.00"),
            almost_lost=(1, "60.00", 7, 1, "60.00"),
            prospects=(1, "0.00", None, None, None),
        ),
        grid=grid(r5fm3=1, r1fm4=1, r3fm1=1),
    )


def test_end_sets_the_day_rfm_is_taken_on(answer, value_shop):
    # given, as of Feb 28: ann Feb 15, 2 orders, 150 (her refund comes Mar 2);
    # ben Feb 1, 1, 30; cat and dan have no revenue order yet: prospects
    # when
    report = answer(rfm_groups, filters=MetricFilters(end=date(2025, 2, 28)))
    # then with n = 2 the ranks 1 and 2 score 1 and 5
    assert report == RfmReport(
        as_of=date(2025, 2, 28),
        customers=4,
        revenue=Decimal("180.00"),
        groups=groups(
            4,
            "180.00",
            champions=(1, "150.00", 13, 2, "150.00"),
            dormant=(1, "30.00", 27, 1, "30.00"),
            prospects=(2, "0.00", None, None, None),
        ),
        grid=grid(r5fm5=1, r1fm1=1),
    )


def test_a_single_customer_scores_five_everywhere(answer, value_shop):
    # given ben, the only Canadian
    # when
    report = answer(rfm_groups, filters=MetricFilters(country="CA"))
    # then
    assert report.groups[0] == RfmGroup(
        "champions", 1, 1.0, Decimal("70.00"), 1.0, 0, 2, Decimal("70.00")
    )
    assert report.customers == 1
    assert report.grid == grid(r5fm5=1)


def test_start_limits_the_history_counted(answer, value_shop):
    # given from Mar 1 on: ann's refund (-20) only, ben Mar 10 (40), cat Mar 3 (60)
    # when
    report = answer(rfm_groups, filters=MetricFilters(start=date(2025, 3, 1)))
    # then ann has no order in the window: left out, not a prospect
    assert report.customers == 3
    assert report.revenue == Decimal("100.00")


def test_acquisition_filters_leave_no_prospects(answer, value_shop):
    report = answer(rfm_groups, filters=MetricFilters(source="email"))
    assert report.customers == 1
    assert report.groups[-1].customers == 0


def test_no_data_gives_empty_groups(db):
    report = rfm_groups(filters=MetricFilters())
    assert report == RfmReport(None, 0, Decimal("0.00"), groups(0, "0"), grid())


def customer(name: str, group: str, **figures) -> RfmCustomer:
    return RfmCustomer(
        customer_id=figures.pop("customer_id"),
        external_id=name,
        email=figures.pop("email", None),
        country=figures.pop("country", "US"),
        group=group,
        predicted_revenue=figures.pop("predicted_revenue", None),
        probability_alive=figures.pop("probability_alive", None),
        **figures,
    )


def test_the_customer_list_pages_by_keyset(answer, value_shop):
    # given
    shop = value_shop
    ann = customer(
        "ann",
        "at risk",
        customer_id=shop.ann.pk,
        email="ann@example.com",
        last_order_day=date(2025, 2, 15),
        recency=23,
        frequency=2,
        monetary=Decimal("130.00"),
        r_score=1,
        f_score=3,
        m_score=5,
        fm_score=4,
    )
    ben = customer(
        "ben",
        "active",
        customer_id=shop.ben.pk,
        email="ben@example.com",
        country="CA",
        last_order_day=date(2025, 3, 10),
        recency=0,
        frequency=2,
        monetary=Decimal("70.00"),
        r_score=5,
        f_score=3,
        m_score=3,
        fm_score=3,
    )
    cat = customer(
        "cat",
        "almost lost",
        customer_id=shop.cat.pk,
        email="cat@example.com",
        last_order_day=date(2025, 3, 3),
        recency=7,
        frequency=1,
        monetary=Decimal("60.00"),
        r_score=3,
        f_score=1,
        m_score=1,
        fm_score=1,
    )
    # when
    first = answer(rfm_customers, filters=MetricFilters(), limit=2, personal_data=True)
    second = answer(
        rfm_customers,
        filters=MetricFilters(),
        limit=2,
        cursor=first.next_cursor,
        personal_data=True,
    )
    by_recency = answer(rfm_customers, filters=MetricFilters(), sort="recency_asc")
    at_risk = answer(rfm_customers, filters=MetricFilters(), group="at risk")
    # then
    assert first.results == [ann, ben]
    assert second.results == [cat]
    assert second.next_cursor is None
    assert [row.external_id for row in by_recency.results] == ["ben", "cat", "ann"]
    assert at_risk.results == [replace(ann, email=None)]


def test_the_customer_list_pages_through_ties(answer, value_shop):
    # given ann and ben tie on frequency 2
    # when
    pages, cursor = [], None
    while True:
        page = answer(
            rfm_customers,
            filters=MetricFilters(),
            sort="frequency_desc",
            limit=1,
            cursor=cursor,
        )
        pages.append([row.external_id for row in page.results])
        cursor = page.next_cursor
        if cursor is None:
            break
    # then ties go by customer id, each customer once
    assert pages == [["ann"], ["ben"], ["cat"]]


RFM = "/api/cohorts/rfm/"
CUSTOMERS = "/api/cohorts/rfm-customers/"


def test_the_groups_endpoint_body(api_client, value_shop):
    # when
    body = api_client.get(RFM, {"end": "2025-02-28"}).json()
    # then
    assert body["as_of"] == "2025-02-28"
    assert body["customers"] == 4
    assert body["revenue"] == 180.0
    assert body["groups"][0] == {
        "group": "champions",
        "customers": 1,
        "share": 0.25,
        "revenue": 150.0,
        "revenue_share": 150 / 180,
        "median_recency": 13,
        "median_frequency": 2,
        "median_monetary": 150.0,
    }
    assert body["grid"][0] == {
        "r_score": 5,
        "fm_score": 1,
        "group": "new",
        "customers": 0,
    }
    assert len(body["grid"]) == 25


def test_emails_are_for_staff_only(api_client, client, value_shop, django_user_model):
    # given an analyst (not staff: the "analysts" group of ecomanalytics.api)
    from django.contrib.auth.models import Group

    analyst = django_user_model.objects.create_user("ana", password="x")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    client.force_login(analyst)
    query = {"group": "at_risk"}
    # when
    as_staff = api_client.get(CUSTOMERS, query).json()
    as_analyst = client.get(CUSTOMERS, query).json()
    # then
    assert [row["email"] for row in as_staff["results"]] == ["ann@example.com"]
    assert [row["email"] for row in as_analyst["results"]] == [None]
    assert as_analyst["results"][0]["external_id"] == "ann"
    assert as_analyst["group"] == "at risk"


def test_the_customer_list_follows_its_cursor_and_gives_csv(api_client, value_shop):
    # when
    first = api_client.get(CUSTOMERS, {"limit": 2}).json()
    second = api_client.get(
        CUSTOMERS, {"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    csv = api_client.get(CUSTOMERS, {"format": "csv", "sort": "frequency_asc"})
    # then
    assert [row["external_id"] for row in first["results"]] == ["ann", "ben"]
    assert [row["external_id"] for row in second["results"]] == ["cat"]
    assert second["next_cursor"] is None
    assert csv.status_code == 200
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("as_of,group,sort,next_cursor,customer_id,external_id")
    assert [line.split(",")[5] for line in lines[1:]] == ["cat", "ann", "ben"]


def test_the_customer_list_shows_each_stored_prediction(api_client, value_shop):
    # given no customer-value fit yet
    before = api_client.get(CUSTOMERS).json()["results"]
    assert {(row["predicted_revenue"], row["probability_alive"]) for row in before} == {
        (None, None)
    }
    # when the model is fitted (on the roll-ups, refreshed first)
    refresh_rollups()
    call_command("fit_customer_value")
    listed = api_client.get(CUSTOMERS).json()["results"]
    # then each customer shows the fit's 12-month prediction and P(alive)
    stored = {
        value.customer_id: (float(value.predicted_revenue), value.probability_alive)
        for value in CustomerValue.objects.all()
    }
    assert len(stored) == 3
    assert {
        row["customer_id"]: (row["predicted_revenue"], row["probability_alive"])
        for row in listed
    } == stored
    # and the CSV carries them too
    csv = api_client.get(CUSTOMERS, {"format": "csv"}).content.decode().splitlines()
    assert "predicted_revenue" in csv[0].split(",")


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"group": "whales"}, "group"),
        ({"sort": "email"}, "sort"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"start": "2025-03-01", "end": "2025-02-01"}, "end"),
        ({"end": "2025-02-31"}, "end"),
    ],
)
def test_bad_parameters_are_400_naming_them(api_client, query, parameter):
    response = api_client.get(CUSTOMERS, query)
    assert response.status_code == 400
    assert parameter in response.json()
