"""The demand endpoints: whole JSON bodies and 400s naming the parameter."""

from __future__ import annotations

import pytest
import time_machine

from demand.tests.test_metrics import local, shop  # noqa: F401 (fixture)

GROWTH = "/api/demand/growth/"
TOP_PRODUCTS = "/api/demand/top-products/"
BY_CATEGORY = "/api/demand/by-category/"
FORECAST = "/api/demand/forecast/"
JANUARY_TO_APRIL = {"start": "2025-01-01", "end": "2025-04-30"}


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_growth_body(api_client, shop):  # noqa: F811
    # when
    response = api_client.get(GROWTH, {"start": "2025-01-15", "end": "2025-04-30"})
    # then
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "month": "2025-01",
                "revenue": 100.0,
                "previous_revenue": 100.0,
                "growth_rate": 0.0,
                "partial": True,
            },
            {
                "month": "2025-02",
                "revenue": 0.0,
                "previous_revenue": 100.0,
                "growth_rate": -1.0,
                "partial": False,
            },
            {
                "month": "2025-03",
                "revenue": 50.0,
                "previous_revenue": 0.0,
                "growth_rate": None,
                "partial": False,
            },
            {
                "month": "2025-04",
                "revenue": 105.0,
                "previous_revenue": 50.0,
                "growth_rate": 1.1,
                "partial": False,
            },
        ]
    }


def test_top_products_body(api_client, shop):  # noqa: F811
    # when
    response = api_client.get(TOP_PRODUCTS, {**JANUARY_TO_APRIL, "limit": 2})
    # then
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "sku": "SKU-B",
                "name": "Beanie",
                "category": "Hats",
                "units": 4,
                "revenue": 105.0,
                "buyers": 2,
            },
            {
                "sku": "SKU-A",
                "name": "Runner",
                "category": "Shoes",
                "units": 3,
                "revenue": 120.0,
                "buyers": 2,
            },
        ]
    }


def test_by_category_body(api_client, shop):  # noqa: F811
    # when
    response = api_client.get(BY_CATEGORY, {"country": "CA"})
    # then
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"month": "2025-03", "category": "Hats", "units": 1, "revenue": 30.0},
            {"month": "2025-03", "category": "Shoes", "units": 1, "revenue": 20.0},
            {"month": "2025-04", "category": "Shoes", "units": 3, "revenue": 30.0},
        ]
    }


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_forecast_body(api_client, shop):  # noqa: F811
    # when
    response = api_client.get(FORECAST, {**JANUARY_TO_APRIL, "horizon": 1})
    # then four months are too short for a backtest: naive, no scores. Its sigma:
    # residuals -100, 50, 55, √(15525 / 3) = 71.94; ± 1.2816 x 71.94 = 92.19 (80 %),
    # ± 1.96 x 71.94 = 140.99 (95 %, the lower bound clipped at 0)
    assert response.status_code == 200
    assert response.json() == {
        "scope": "shop",
        "key": "",
        "metric": "revenue",
        "grain": "month",
        "model": "naive",
        "source": "on_demand",
        "fitted_at": None,
        "history_points": 4,
        "caveat": (
            "Only 4 months of history: too short to backtest over the last 6, so "
            "this forecast has no track record and no seasonal model."
        ),
        "scores": [],
        "history": [
            {"period": "2025-01", "value": 100.0},
            {"period": "2025-02", "value": 0.0},
            {"period": "2025-03", "value": 50.0},
            {"period": "2025-04", "value": 105.0},
        ],
        "results": [
            {
                "period": "2025-05",
                "forecast": 105.0,
                "lower": 12.81,
                "upper": 197.19,
                "lower_95": 0.0,
                "upper_95": 245.99,
            },
        ],
    }


@time_machine.travel(local(2025, 6, 15, 12), tick=False)
def test_forecast_parameters(api_client, shop):  # noqa: F811
    # when
    weekly = api_client.get(FORECAST, {"grain": "week", "metric": "units"})
    product = api_client.get(FORECAST, {"scope": "product", "sku": "SKU-A"})
    # then
    assert weekly.status_code == 200
    assert (weekly.json()["grain"], len(weekly.json()["results"])) == ("week", 8)
    # the data starts on Sunday Dec 15: its week is partial, history starts Dec 16
    assert weekly.json()["history"][0] == {"period": "2024-12-16", "value": 0.0}
    assert product.status_code == 200
    assert product.json()["key"] == "SKU-A"
    # a sku alone is the product's forecast; an unknown one has no history
    assert api_client.get(FORECAST, {"sku": "SKU-A"}).json()["scope"] == "product"
    unknown = api_client.get(FORECAST, {"scope": "product", "sku": "nope"}).json()
    assert (unknown["model"], unknown["history"]) == ("none", [])
    for query, name in [
        ({"scope": "product"}, "sku"),
        ({"scope": "category", "category": "Hats", "sku": "SKU-A"}, "sku"),
        ({"scope": "category"}, "category"),
        ({"grain": "week", "horizon": "27"}, "horizon"),
        ({"grain": "day"}, "grain"),
        ({"metric": "orders"}, "metric"),
    ]:
        response = api_client.get(FORECAST, query)
        assert response.status_code == 400, query
        assert name in response.json(), query


def test_empty_results(api_client, db):
    assert api_client.get(GROWTH).json() == {"results": []}
    assert api_client.get(TOP_PRODUCTS).json() == {"results": []}
    assert api_client.get(BY_CATEGORY, {"category": "Hats"}).json() == {"results": []}
    forecast = api_client.get(FORECAST).json()
    assert (forecast["model"], forecast["history"], forecast["results"]) == (
        "none",
        [],
        [],
    )


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        (TOP_PRODUCTS, {"limit": "0"}, "limit"),
        (TOP_PRODUCTS, {"limit": "100000"}, "limit"),
        (TOP_PRODUCTS, {"limit": "ten"}, "limit"),
        (FORECAST, {"horizon": "0"}, "horizon"),
        (FORECAST, {"horizon": "13"}, "horizon"),
        (GROWTH, {"start": "2025-02-30"}, "start"),
        (BY_CATEGORY, {"end": "31/01/2025"}, "end"),
        (GROWTH, {"start": "2025-02-01", "end": "2025-01-31"}, "end"),
        (GROWTH, {"limit": "3"}, "limit"),
        (BY_CATEGORY, {"horizon": "3"}, "horizon"),
        (TOP_PRODUCTS, {"source": "carrier_pigeon"}, "source"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    api_client, path, query, parameter
):
    # when
    response = api_client.get(path, query)
    # then
    assert response.status_code == 400
    assert list(response.json()) == [parameter, "status"]


# --- /api/demand/returns/ on the sales shop (conftest.SalesShop) ---------------------

RETURNS = "/api/demand/returns/"
FIRST_QUARTER = {"start": "2025-01-01", "end": "2025-03-31"}


def returns_keys(units_sold, units_returned, gross, value) -> dict:
    return {
        "units_sold": units_sold,
        "units_returned": units_returned,
        "unit_return_rate": units_returned / units_sold if units_sold else None,
        "gross_sales": gross,
        "returned_value": value,
        "value_return_rate": value / gross if gross else None,
    }


def test_returns_by_category_body(api_client, sales_shop):
    # when
    response = api_client.get(RETURNS, FIRST_QUARTER)
    # then
    assert response.status_code == 200
    assert response["X-Revenue-Measure"] == "net_sales"
    assert response.json() == {
        "start": "2025-01-01",
        "end": "2025-03-31",
        "by": "category",
        "currency": "USD",
        "totals": {**returns_keys(7, 3, 230.0, 83.0), "value_return_rate": 83 / 230},
        "results": [
            {"category": "Shoes", **returns_keys(3, 1, 150.0, 45.0)},
            {"category": "Hats", **returns_keys(4, 2, 80.0, 38.0)},
        ],
    }


def test_returns_by_product_body_and_csv(api_client, sales_shop):
    # when
    query = {**FIRST_QUARTER, "by": "product", "limit": "1"}
    response = api_client.get(RETURNS, query)
    csv = api_client.get(RETURNS, {**query, "format": "csv"})
    # then: one product listed, the totals over both
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "category": "Shoes",
            "sku": "SKU-A",
            "name": "Runner",
            **returns_keys(3, 1, 150.0, 45.0),
        }
    ]
    assert response.json()["totals"]["returned_value"] == 83.0
    header, row = csv.content.decode().splitlines()
    assert header.split(",")[-9:] == [
        "category",
        "sku",
        "name",
        "units_sold",
        "units_returned",
        "unit_return_rate",
        "gross_sales",
        "returned_value",
        "value_return_rate",
    ]
    assert row.endswith("Shoes,SKU-A,Runner,3,1,0.3333333333333333,150.00,45.00,0.3")


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ({"by": "sku"}, {"by": ['"sku" is not a valid choice.']}),
        (
            {"limit": "0"},
            {"limit": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"limit": "101"},
            {"limit": ["Ensure this value is less than or equal to 100."]},
        ),
        ({"source": "tv"}, {"source": ['"tv" is not a valid choice.']}),
        (
            {"granularity": "month"},
            {
                "granularity": [
                    "Unknown parameter. Known parameters: by, category, country, "
                    "device, end, limit, source, start."
                ]
            },
        ),
    ],
)
def test_bad_returns_parameters_are_400_naming_the_parameter(
    api_client, db, query, body
):
    response = api_client.get(RETURNS, query)
    assert (response.status_code, response.json()) == (400, {**body, "status": 400})
