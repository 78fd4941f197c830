"""The demand family's metric declarations: growth, top products, by category, forecast."""

from __future__ import annotations

from ecomanalytics.catalogue import MetricDefinition, Parameter

REVENUE = (
    "Revenue = Σ quantity × unit_price over the lines of revenue orders (status paid, "
    "shipped or completed); with category, only the lines of that category count. "
    "Months are calendar months in the shop's time zone, labelled YYYY-MM. "
)
FILTER_RULES = "source and device are the order's, country is the customer's."

LIMIT = Parameter(
    name="limit",
    description="number of products listed",
    default=10,
    minimum=1,
    maximum=100,
)
HORIZON = Parameter(
    name="horizon",
    description="months forecast after the last month of history",
    default=3,
    minimum=1,
    maximum=12,
)

GROWTH = MetricDefinition(
    id="demand.growth",
    title="Month-over-month revenue growth",
    unit="rate",
    endpoint="/api/demand/growth/",
    function="demand.metrics.revenue_growth",
    summary="Revenue of each month and its change on the month before.",
    definition=(
        REVENUE
        + "Every calendar month touching the window is listed, zero-filled, oldest "
        "first. A month's revenue counts the orders placed in it and in the window (a "
        "month cut by start or end holds only its days inside the window). "
        "previous_revenue is the revenue of the month listed before it; for the first "
        "month listed, the whole calendar month before it, taken from the data even "
        "when it lies before start. growth_rate = (revenue − previous_revenue) ÷ "
        "previous_revenue, null where previous_revenue is 0. partial = the month has "
        "not ended yet (its last day is today or later) or it reaches outside the "
        "window."
    ),
    filter_rules=FILTER_RULES,
)

TOP_PRODUCTS = MetricDefinition(
    id="demand.top_products",
    title="Top products by units sold",
    unit="count",
    endpoint="/api/demand/top-products/",
    function="demand.metrics.top_products",
    summary="The best-selling products of the window, by units.",
    definition=(
        REVENUE
        + "Over the revenue orders placed in the window, per product: units = Σ "
        "quantity, revenue = Σ quantity × unit_price, buyers = distinct customers of "
        "those orders. Sorted by units descending, then sku ascending; only products "
        "with sales are listed."
    ),
    filter_rules=FILTER_RULES,
    parameters=(LIMIT,),
)

BY_CATEGORY = MetricDefinition(
    id="demand.by_category",
    title="Units sold by category per month",
    unit="count",
    endpoint="/api/demand/by-category/",
    function="demand.metrics.sales_by_category",
    summary="Units and revenue per product category and calendar month.",
    definition=(
        REVENUE
        + "The (month, category) pairs with sales among the revenue orders placed in "
        "the window, with units = Σ quantity and revenue = Σ quantity × unit_price, "
        "sorted by month, then category name. Pairs without sales are not listed."
    ),
    filter_rules=FILTER_RULES,
)

FORECAST = MetricDefinition(
    id="demand.forecast",
    title="Monthly revenue forecast",
    unit="money",
    endpoint="/api/demand/forecast/",
    function="demand.forecast.revenue_forecast",
    summary="Revenue forecast for the months after the window, with an 80% interval.",
    definition=(
        REVENUE
        + "history = the zero-filled monthly revenue of the complete months of the "
        "window: months wholly inside [start, end] that ended before today. Without "
        "start the window starts on the day of the first order, so a first month the "
        "data only partly covers is left out; without end it ends yesterday. results "
        "holds forecast, lower and upper (an 80% prediction interval) for the horizon "
        "months after the last month of history. model says which model answered: "
        "ets from 24 months of history (statsmodels ETSModel: additive error, damped "
        "additive trend, additive 12-month seasonality, maximum likelihood); "
        "seasonal_naive from 12 to 23 months, or when ETS fails to fit (each month "
        "repeats the same month a year earlier; interval ± 1.2816 × the standard "
        "deviation of the year-on-year differences × √(years ahead)); mean under 12 "
        "months (interval ± 1.2816 × s × √(1 + 1/n)); none without a complete month. "
        "Forecasts and bounds are clipped at 0."
    ),
    filter_rules=FILTER_RULES,
    parameters=(HORIZON,),
)

METRICS = (GROWTH, TOP_PRODUCTS, BY_CATEGORY, FORECAST)
