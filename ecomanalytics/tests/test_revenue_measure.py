"""The revenue measures: what each one adds up, in Python and in SQL alike."""

from decimal import Decimal

import pytest
from django.db.models import Value

from ecomanalytics.money import (
    MEASURE_TERMS,
    RevenueMeasure,
    SalesTerms,
    measure_expression,
    revenue_measure,
)

TERMS = SalesTerms(
    gross_sales=Decimal("200.00"),
    discounts=Decimal("30.00"),
    returns=Decimal("20.00"),
    shipping=Decimal("10.00"),
    taxes=Decimal("15.00"),
)


def test_shopify_sales_identities() -> None:
    assert TERMS.net_sales == Decimal("150.00")
    assert TERMS.total_sales == Decimal("175.00")


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        (RevenueMeasure.GROSS_SALES, "200.00"),
        (RevenueMeasure.NET_SALES, "150.00"),
        (RevenueMeasure.TOTAL_SALES, "175.00"),
    ],
)
def test_each_measure_adds_its_terms(measure: RevenueMeasure, expected: str) -> None:
    assert TERMS.revenue(measure) == Decimal(expected)


def test_the_setting_chooses_the_measure(settings) -> None:
    settings.REVENUE_MEASURE = "gross_sales"
    assert revenue_measure() is RevenueMeasure.GROSS_SALES
    assert TERMS.revenue() == Decimal("200.00")


def test_terms_add_up_and_read_from_sums() -> None:
    summed = TERMS + SalesTerms.of({"gross_sales": 1, "returns": 0.5})
    assert summed.gross_sales == Decimal("201.00")
    assert summed.returns == Decimal("20.50")
    assert summed.shipping == Decimal("10.00")


@pytest.mark.django_db
@pytest.mark.parametrize("measure", list(RevenueMeasure))
def test_sql_expression_matches_python(measure: RevenueMeasure) -> None:
    from ecomanalytics.store.models import Category

    columns = {term: term for term in MEASURE_TERMS[measure]}
    row = (
        Category.objects.annotate(
            **{term: Value(getattr(TERMS, term)) for term in columns}
        )
        .annotate(measured=measure_expression(columns, measure))
        .values_list("measured", flat=True)
    )
    Category.objects.create(name="Any")
    assert Decimal(str(row.get())).quantize(Decimal("0.01")) == TERMS.revenue(measure)


def test_line_terms_leave_out_shipping_and_taxes() -> None:
    lines = {"gross_sales": "g", "discounts": "d", "returns": "r"}
    expression = measure_expression(lines, RevenueMeasure.TOTAL_SALES)
    assert str(expression) == "F(g) - F(d) - F(r)"
