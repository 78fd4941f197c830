"""CSV: the same numbers as the JSON, one row per result, as a named attachment."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from rest_framework.test import APIClient

from ecomanalytics.api.renderers import flatten_to_rows, rows_to_csv
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    OrderFactory,
    ProductFactory,
)

from .conftest import METRIC_ROUTES, MetricRoute, parametrize_metric_routes

pytestmark = pytest.mark.django_db


def test_a_summary_is_one_row_with_previous_columns() -> None:
    # given
    summary = {
        "start": "2025-01-01",
        "end": "2025-01-31",
        "revenue": 125.5,
        "orders": 2,
        "previous": {"revenue": 0, "orders": 0},
    }

    # when
    text = rows_to_csv(flatten_to_rows(summary))

    # then
    assert text == (
        "start,end,revenue,orders,previous_revenue,previous_orders\r\n"
        "2025-01-01,2025-01-31,125.5,2,0,0\r\n"
    )


def test_retention_is_one_row_per_cohort_with_month_columns() -> None:
    # given: a null where the month has not ended, and a shorter younger cohort
    retention = {
        "months": 3,
        "results": [
            {"cohort": "2025-01", "size": 3, "retention": [1.0, 0.0, 0.3333]},
            {"cohort": "2025-02", "size": 1, "retention": [1.0, None]},
        ],
    }

    # when
    text = rows_to_csv(flatten_to_rows(retention))

    # then
    assert text == (
        "months,cohort,size,month_0,month_1,month_2\r\n"
        "3,2025-01,3,1.0,0.0,0.3333\r\n"
        "3,2025-02,1,1.0,,\r\n"
    )


def test_a_funnel_is_one_row_per_step() -> None:
    # given
    funnel = {
        "steps": [
            {"step": "session", "sessions": 2, "conversion_from_previous": 1.0},
            {"step": "purchase", "sessions": 1, "conversion_from_previous": 0.5},
        ]
    }

    # when
    rows = flatten_to_rows(funnel)

    # then
    assert rows == [
        {"step": "session", "sessions": 2, "conversion_from_previous": 1.0},
        {"step": "purchase", "sessions": 1, "conversion_from_previous": 0.5},
    ]


def test_several_lists_become_long_format_with_a_table_column() -> None:
    # given
    body = {"currency": "USD", "a": [{"x": 1}], "b": [{"y": True}, {"y": None}]}

    # when
    text = rows_to_csv(flatten_to_rows(body))

    # then
    assert text == ("table,currency,x,y\r\na,USD,1,\r\nb,USD,,true\r\nb,USD,,\r\n")


def test_an_empty_result_is_a_header_only() -> None:
    assert rows_to_csv(flatten_to_rows({"results": []})) == "\r\n"
    assert rows_to_csv(flatten_to_rows({"currency": "USD", "results": []})) == "\r\n"


def _comparable(value: Any) -> Any:
    """Text as CSV writes it, numbers as numbers: 12.5 == "12.50"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def _numbers(body: Any) -> set[Decimal]:
    """Every number of a JSON body, at any depth."""
    if isinstance(body, dict):
        return set().union(*(_numbers(value) for value in body.values()))
    if isinstance(body, list):
        return set().union(*(_numbers(item) for item in body))
    if isinstance(body, int | float) and not isinstance(body, bool):
        return {Decimal(str(body))}
    return set()


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


@parametrize_metric_routes
def test_csv_has_the_same_numbers_as_json(
    route: MetricRoute, api_client: APIClient, shop: None, frozen_now: None
) -> None:
    # given
    query = {"start": "2025-01-01", "end": "2025-03-31"}
    body = api_client.get(route.url, query).json()

    # when
    response = api_client.get(route.url, {**query, "format": "csv"})

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv_rows(response.content)
    expected = flatten_to_rows(body)
    assert [{k: _comparable(v) for k, v in row.items()} for row in rows] == [
        {k: _comparable(row.get(k)) for k in rows[0]} for row in expected
    ]
    csv_numbers = {
        value
        for row in rows
        for value in map(_comparable, row.values())
        if isinstance(value, Decimal)
    }
    assert csv_numbers == _numbers(body)


@parametrize_metric_routes
def test_accept_text_csv_gives_the_same_csv_as_format_csv(
    route: MetricRoute, api_client: APIClient, shop: None, frozen_now: None
) -> None:
    # when
    by_parameter = api_client.get(route.url, {"format": "csv"})
    by_header = api_client.get(route.url, HTTP_ACCEPT="text/csv")

    # then
    assert by_header.status_code == by_parameter.status_code == 200
    assert by_header["Content-Type"] == "text/csv; charset=utf-8"
    assert by_header.content == by_parameter.content
    assert by_header["Content-Disposition"] == by_parameter["Content-Disposition"]


@parametrize_metric_routes
def test_the_attachment_names_the_metric_and_the_period(
    route: MetricRoute, api_client: APIClient, shop: None, frozen_now: None
) -> None:
    # when
    response = api_client.get(
        route.url, {"start": "2025-01-01", "end": "2025-12-31", "format": "csv"}
    )

    # then
    assert response["Content-Disposition"] == (
        f'attachment; filename="{route.basename}-{route.url_path}'
        '_2025-01-01_2025-12-31.csv"'
    )


@parametrize_metric_routes
def test_without_a_period_the_attachment_names_what_the_response_covers(
    route: MetricRoute, api_client: APIClient, shop: None, frozen_now: None
) -> None:
    # when
    response = api_client.get(route.url, {"format": "csv"})

    # then: the resolved window where the response reports one, else "all"
    filename = re.fullmatch(
        r'attachment; filename="(.+)"', response["Content-Disposition"]
    )
    assert filename is not None
    assert re.fullmatch(
        rf"{route.basename}-{route.url_path}"
        r"_(\d{4}-\d{2}-\d{2}|all)_(\d{4}-\d{2}-\d{2}|all)\.csv",
        filename.group(1),
    )


def test_the_revenue_attachment_is_named_as_documented(
    api_client: APIClient, shop: None, frozen_now: None
) -> None:
    if not any(str(route) == "kpi-revenue" for route in METRIC_ROUTES):
        pytest.skip("kpi revenue endpoint not registered")

    # when
    response = api_client.get(
        "/api/kpi/revenue/",
        {"start": "2025-01-01", "end": "2025-12-31"},
        HTTP_ACCEPT="text/csv",
    )

    # then
    assert response["Content-Disposition"] == (
        'attachment; filename="kpi-revenue_2025-01-01_2025-12-31.csv"'
    )


@parametrize_metric_routes
def test_a_bad_parameter_in_csv_is_still_a_json_400_naming_it(
    route: MetricRoute, api_client: APIClient
) -> None:
    # when
    response = api_client.get(route.url, {"start": "yesterday", "format": "csv"})

    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "Content-Disposition" not in response
    body = response.json()
    assert set(body) == {"start", "status"}
    assert body["status"] == 400


@parametrize_metric_routes
def test_an_unknown_format_is_a_400_naming_it(
    route: MetricRoute, api_client: APIClient
) -> None:
    # when
    response = api_client.get(route.url, {"format": "xlsx"})

    # then
    assert response.status_code == 400
    assert response.json() == {
        "format": ["Unknown format. Known formats: api, csv, json."],
        "status": 400,
    }


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("@SUM(1+1)*cmd|x", "'@SUM(1+1)*cmd|x"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("-12.50", "-12.50"),
        ("Shoes", "Shoes"),
    ],
)
def test_a_text_a_spreadsheet_would_run_is_written_as_text(
    value: str, cell: str
) -> None:
    # when
    content = rows_to_csv([{"name": value, "revenue": Decimal("-1.50")}])

    # then: the formula gets a leading apostrophe; numbers stay numbers
    assert _csv_rows(content.encode()) == [{"name": cell, "revenue": "-1.50"}]


def test_a_formula_in_the_shops_data_reaches_the_csv_as_text(
    api_client: APIClient,
) -> None:
    # given: a product and category named like formulas
    category = CategoryFactory(name='=HYPERLINK("http://evil","x")')
    product = ProductFactory(sku="@SUM(1+1)*cmd|x", name="-2+3", category=category)
    OrderFactory(
        placed_at=datetime(2025, 1, 15, 12, tzinfo=UTC),
        status="paid",
        lines=[(product, 1, "10.00")],
    )

    # when
    response = api_client.get(
        "/api/demand/top-products/",
        {"start": "2025-01-01", "end": "2025-01-31", "format": "csv"},
    )

    # then
    assert response.status_code == 200
    [row] = _csv_rows(response.content)
    assert (row["sku"], row["name"], row["category"]) == (
        "'@SUM(1+1)*cmd|x",
        "'-2+3",
        '\'=HYPERLINK("http://evil","x")',
    )
