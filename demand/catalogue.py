"""The demand family's metric declarations: growth, top products, by category,
forecast, returns."""

from __future__ import annotations

from ecomanalytics.catalogue import (
    LINE_REVENUE_TEXT,
    ORDER_FILTERS,
    ORDER_REVENUE_TEXT,
    MetricDefinition,
    Parameter,
)

MONTHS = "Months are calendar months in the shop's time zone, labelled YYYY-MM. "
# Monthly revenue: the orders' (as /api/kpi/revenue/), or with a category its lines'.
MONTHLY_REVENUE = (
    ORDER_REVENUE_TEXT
    + "With category, only the lines of that category: gross sales Σ quantity × "
    "unit_price − Σ line discount − Σ refund-line amount of those lines, no shipping "
    "or taxes. " + MONTHS
)
LINE_REVENUE = (
    LINE_REVENUE_TEXT + "With category, only that category's lines. " + MONTHS
)
FILTER_RULES = (
    "source and device are the order's (a refund's: its order's), country is the "
    "customer's, category the product's (a refund line's: the refunded line's)."
)

LIMIT = Parameter(
    name="limit",
    description="number of products listed",
    default=10,
    minimum=1,
    maximum=100,
)
HORIZON = Parameter(
    name="horizon",
    description=(
        "periods forecast after the last one of history: months 1 to 12 (default 3), "
        "weeks 1 to 26 (default 8)"
    ),
    default=3,
    minimum=1,
    maximum=26,
)
FORECAST_SCOPE = Parameter(
    name="scope",
    description=(
        "what is forecast: the whole shop, the category given by category, or the "
        "product given by sku"
    ),
    default="shop",
    choices=("shop", "category", "product"),
)
FORECAST_METRIC = Parameter(
    name="metric",
    description="revenue (as the revenue measure) or units",
    default="revenue",
    choices=("revenue", "units"),
)
FORECAST_GRAIN = Parameter(
    name="grain",
    description="calendar months or ISO weeks (Monday to Sunday), shop time zone",
    default="month",
    choices=("month", "week"),
)

GROWTH = MetricDefinition(
    id="demand.growth",
    title="Month-over-month revenue growth",
    unit="rate",
    endpoint="/api/demand/growth/",
    function="demand.metrics.revenue_growth",
    summary="Revenue of each month and its change on the month before.",
    definition=(
        MONTHLY_REVENUE
        + "Every calendar month touching the window is listed, zero-filled, oldest "
        "first. A month's revenue counts the orders placed and the refunds given in "
        "it and in the window (a month cut by start or end holds only its days "
        "inside the window). "
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
        LINE_REVENUE
        + "Over the revenue orders placed in the window, per product: units = Σ "
        "quantity, buyers = distinct customers of those orders; revenue = gross "
        "sales − discounts of those lines − returns of the product's refund lines "
        "given in the window (as the measure). Sorted by units descending, then sku "
        "ascending; only products with units sold in the window are listed (one "
        "with returns only is not)."
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
        LINE_REVENUE
        + "The (month, category) pairs with lines of revenue orders placed or refund "
        "lines given in the window, with units = Σ quantity of the lines placed in "
        "the month and revenue = their gross sales − discounts − the returns given "
        "in the month, sorted by month, then category name. Pairs with neither are "
        "not listed."
    ),
    filter_rules=FILTER_RULES,
)

FORECAST = MetricDefinition(
    id="demand.forecast",
    title="Revenue and units forecast with its backtest",
    unit="mixed",
    endpoint="/api/demand/forecast/",
    function="demand.forecast.demand_forecast",
    summary=(
        "Revenue or units forecast for the shop, a category or a product, with 80 % "
        "and 95 % intervals and the model's measured accuracy."
    ),
    definition=(
        MONTHLY_REVENUE
        + "Weeks are ISO weeks (Monday to Sunday) in the shop's time zone, labelled "
        "by their Monday. units = Σ quantity of the lines of revenue orders placed in "
        "the period (with category or sku: of that category's or product's lines). "
        "A product's revenue is its lines' (as top products). history = every "
        "complete period of the window, zero-filled: without start from the first "
        "period wholly after the first order's day, without end to the last period "
        "ended before today (the current partial period is never history). "
        "Candidate models (Nixtla's statsforecast): seasonal_naive (each period "
        "repeats the one a season earlier: 12 months, 52 weeks) or, under two "
        "seasons of history before the backtest, naive (the last value); ets "
        "(AutoETS, additive error, trend none/additive/damped by AICc, no season); "
        "seasonal_ets (the same with an additive 12-month season; monthly only, as "
        "statsforecast's ETS fits seasons of at most 24 periods); croston_sba "
        "(Croston's method, Syntetos-Boylan approximation, with conformal intervals "
        "from two rolling windows) when the series is intermittent: periods ÷ "
        "periods with demand ≥ 1.32 (Syntetos & Boylan). Backtest (rolling origin): "
        "each candidate is refitted at every origin so that the last 6 months (12 "
        "weeks) each get a one-step-ahead forecast and a forecast made horizon steps "
        "earlier (the backtest horizon is the grain's default, 3 months or 8 weeks). "
        "For each: mase = mean absolute error ÷ the in-sample seasonal-naive MAE of "
        "the whole history (season 12 months, 52 weeks; 1 when the history is "
        "shorter than two seasons), null when that MAE is 0; smape = mean of 2|a − "
        "f| ÷ (|a| + |f|), a term 0 when both are 0 (a fraction from 0 to 2); "
        "coverage_80 / coverage_95 = share of actuals within the interval, bounds "
        "included. model = the candidate with the lowest one-step + at-horizon MAE "
        "(ties to the simpler: naive, seasonal_naive, croston_sba, ets, "
        "seasonal_ets); scores lists every candidate, the chosen first. Forecasts, "
        "bounds and backtest forecasts are clipped at 0. caveat: under 2 seasons "
        "before the backtest (32 months, 123 weeks) no seasonal model is tried; "
        "with fewer periods than the backtest needs (6 + 3 + 2 months, 12 + 8 + 2 "
        "weeks) the naive forecast is given without scores; with no complete period "
        "model is none. source: stored for the stored set (the shop, each category, "
        "the shop under one filter for the 10 values of each of source, device and "
        "country with the most revenue orders placed in the last 12 complete months "
        "(ties by value), the top 20 products by revenue over those months; for "
        "revenue and units, months and weeks), fitted after each roll-up refresh "
        "(fitted_at) and refitted only when its history changed; on_demand for any "
        "other series (two or more filters, a category or product with a filter, "
        "start/end, other products, other filter values), fitted with "
        "naive or seasonal_naive, croston_sba and ets only, cached per data version. "
        "Numbers are rounded to cents."
    ),
    filters=(*ORDER_FILTERS, "sku"),
    filter_rules=FILTER_RULES
    + " sku: the product of scope=product (a sku alone implies it; an unknown sku "
    "has no history, model none).",
    parameters=(FORECAST_SCOPE, FORECAST_METRIC, FORECAST_GRAIN, HORIZON),
)

RETURNS_BY = Parameter(
    name="by",
    description="one row per product category, or per product",
    default="category",
    choices=("category", "product"),
)
RETURNS_LIMIT = Parameter(
    name="limit",
    description="number of products listed (by=product; every category is listed)",
    default=20,
    minimum=1,
    maximum=100,
)

RETURNS = MetricDefinition(
    id="demand.returns",
    title="Returns by category or product",
    unit="mixed",
    endpoint="/api/demand/returns/",
    function="demand.metrics.returns_breakdown",
    summary="Units and value sold and returned per category or product.",
    definition=(
        "Per category (by=category) or product (by=product): units_sold = Σ "
        "quantity and gross_sales = Σ quantity × unit_price of the lines of revenue "
        "orders (status paid, shipped or completed) placed in the window; "
        "units_returned = Σ refund-line quantity and returned_value = Σ refund-line "
        "amount of the refund lines of revenue orders whose refund's refunded_at "
        "falls in the window (the refund date, shop time zone), whenever the order "
        "was placed. unit_return_rate = units_returned ÷ units_sold, "
        "value_return_rate = returned_value ÷ gross_sales, null where nothing was "
        "sold. An order refunded in full has status refunded and counts nowhere. "
        "Sorted by returned_value descending, then category name (products: then "
        "sku); rows with neither sales nor returns are not listed; by=product lists "
        "the first limit products. totals holds the same six keys over every row, "
        "listed or not."
    ),
    filter_rules=FILTER_RULES,
    parameters=(RETURNS_BY, RETURNS_LIMIT),
)

A_SHARE = Parameter(
    name="a_share",
    description="percent of revenue class A covers",
    default=80,
    minimum=1,
    maximum=98,
)
B_SHARE = Parameter(
    name="b_share",
    description=(
        "percent of revenue class B covers after A (C takes the rest; a_share + "
        "b_share is at most 99)"
    ),
    default=15,
    minimum=1,
    maximum=98,
)

ABC = MetricDefinition(
    id="demand.abc",
    title="ABC grading of products by revenue",
    unit="mixed",
    endpoint="/api/demand/abc/",
    function="demand.product_analyses.abc_grading",
    summary="Products graded A, B or C by their share of the window's revenue.",
    definition=(
        LINE_REVENUE
        + "The products with units sold by revenue orders placed in the window (units "
        "= Σ quantity > 0) are ranked by revenue descending, then sku ascending; "
        "revenue per product as in top products (its lines' gross sales − discounts − "
        "the returns of its refund lines given in the window). share = revenue ÷ Σ "
        "revenue of the ranked products; cumulative_share = Σ share of the product and "
        "every product ranked above it. A product's class is the one in which its "
        "cumulative share starts (the cumulative share of the products above it, "
        "compared exactly in cents): below a_share % it is A, below a_share + b_share "
        "% B, else C (as Shopify's ABC analysis report, default 80/15/5). So the "
        "product that crosses 80 % is A, and one whose share starts at exactly 80 % is "
        "B. A product whose revenue is 0 or less (returns above its sales) is C; when "
        "Σ revenue ≤ 0 every share is null and every product C. classes holds, for A, "
        "B and C, the number of products, their revenue and their share of Σ revenue "
        "(null when Σ revenue ≤ 0); a class without products has 0, 0.00 and 0.0."
    ),
    filter_rules=FILTER_RULES,
    parameters=(A_SHARE, B_SHARE),
)

MIN_SUPPORT = Parameter(
    name="min_support_bp",
    description=(
        "minimum support of a listed pair, in basis points of the orders (10 = 0.1 %)"
    ),
    default=10,
    minimum=0,
    maximum=10_000,
)
MIN_PAIRS = Parameter(
    name="min_pairs",
    description="minimum number of orders with both products of a listed pair",
    default=5,
    minimum=1,
    maximum=1_000_000,
)
PAIRS_LIMIT = Parameter(
    name="limit",
    description="number of pairs listed",
    default=20,
    minimum=1,
    maximum=100,
)

BASKETS = MetricDefinition(
    id="demand.baskets",
    title="Products bought together",
    unit="rate",
    endpoint="/api/demand/baskets/",
    function="demand.product_analyses.bought_together",
    summary="Product pairs bought in the same orders: support, confidence and lift.",
    definition=(
        "orders = the revenue orders (status paid, shipped or completed) placed in "
        "the window; with category, those with a line of that category, and only its "
        "products pair up. Per unordered pair of distinct products A, B: "
        "orders_with_both = orders with a line of each (several lines of one product "
        "count once); support = orders_with_both ÷ orders; confidence (A→B) = "
        "orders_with_both ÷ orders_with_a; reverse_confidence (B→A) = "
        "orders_with_both ÷ orders_with_b; lift = confidence ÷ (orders_with_b ÷ "
        "orders), > 1 when B sells more often with A than without it. Each row also gives orders. A is the "
        "product of the pair bought in fewer orders (then the lower sku), so "
        "confidence ≥ reverse_confidence. Listed: pairs with orders_with_both ≥ "
        "min_pairs and support ≥ min_support_bp ÷ 10,000 (both defaults after "
        "association-rule practice: 0.1 % and 5 orders), sorted by lift descending, "
        "then orders_with_both descending, then sku_a, sku_b; the first limit. With "
        'sku ("bought with" one product): only the pairs of that product, A being '
        "it; an unknown sku lists nothing. Refunds do not change what was bought "
        "together. Computed in the database, thresholded there: from the basket "
        "roll-up (orders, orders per product and per pair, per local day and "
        "month, kept without a threshold, so any window of whole days is exact) "
        "with no filter or one of source, device, country; with two of them by a "
        "self-join of the order lines. Pairs are counts, so an association-rule "
        "library such as mlxtend is not needed."
    ),
    filters=(*ORDER_FILTERS, "sku"),
    filter_rules=FILTER_RULES + " sku: only the pairs of that product.",
    parameters=(MIN_SUPPORT, MIN_PAIRS, PAIRS_LIMIT),
)

FUNNEL_LIMIT = Parameter(
    name="limit",
    description="number of products listed",
    default=20,
    minimum=1,
    maximum=100,
)

PRODUCT_FUNNEL = MetricDefinition(
    id="demand.product_funnel",
    title="Product funnel",
    unit="mixed",
    endpoint="/api/demand/product-funnel/",
    function="demand.product_analyses.product_funnel",
    summary="Per product, sessions that viewed it, carted it and bought it.",
    definition=(
        "Over the web sessions started in the window (their started_at, shop time "
        "zone), per product: views = sessions with a product_view event of it; carts "
        "= sessions with an add_to_cart event of it; purchases = sessions with a "
        "purchase event whose order has a line of it (whatever became of the order "
        "afterwards, as the funnel's purchase step). Each counts sessions, not "
        "events: a session counts once per product however many events of it it "
        "has, in the window of its start day, with all its events (also those after "
        "the window's end), so a session that starts on Jan 31 and buys on Feb 1 is "
        "January's. The steps are not required in order (a purchase without a "
        "cart event of the product counts). view_to_cart = carts ÷ views, "
        "cart_to_purchase = purchases ÷ carts (it can exceed 1), null without views "
        "or carts. Products with any of the three are listed, sorted by views "
        "descending, then sku; the first limit."
    ),
    filter_rules=(
        "source, device and country are the session's; category narrows the "
        "products to that category's."
    ),
    parameters=(FUNNEL_LIMIT,),
)

METRICS = (
    GROWTH,
    TOP_PRODUCTS,
    BY_CATEGORY,
    FORECAST,
    RETURNS,
    ABC,
    BASKETS,
    PRODUCT_FUNNEL,
)
