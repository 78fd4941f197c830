"""The cohort family's metric declarations: retention, repeat purchase and customer
value (new vs returning, lifetime value, RFM groups, predicted value)."""

from __future__ import annotations

from ecomanalytics.catalogue import (
    ORDER_FILTERS,
    REVENUE_MEASURE_TEXT,
    MetricDefinition,
    Parameter,
)

COHORT = (
    "Acquisition order: a customer's first revenue order ever (status paid, shipped "
    "or completed; earliest placed_at, ties by order id); cancelled, refunded and "
    "pending orders never define a cohort. Cohort (cohort_by=first_order): the "
    "calendar month, in the shop's time zone, of the acquisition order, labelled "
    "YYYY-MM; an order at 23:59 on Jan 31 local time makes a January customer even "
    "though it is Feb 1 in UTC. cohort_by=signup: the month of signed_up_at, and every "
    "customer who signed up belongs to a cohort, ordering or not. start/end select "
    "customers, not orders: those whose acquisition order (or signup) falls in "
    "[start, end]; their later revenue orders count whatever their date. Only cohorts "
    "with customers are listed, oldest first; a filter that matches nobody gives an "
    "empty list."
)
ACQUISITION_FILTER_RULES = (
    "filters describe the acquisition: country is the customer's; source and device "
    "are those of the acquisition order; category means the acquisition order has a "
    "line of that category. Every later revenue order of a member counts as "
    "activity, whatever its source, device or categories. With cohort_by=signup the "
    "same holds, so source, device or category leave out the customers who never "
    "placed a revenue order (their acquisition is unknown)."
)
COHORT_BY = Parameter(
    name="cohort_by",
    description=(
        "first_order: cohort = month of the customer's first revenue order; signup: "
        "month the customer signed up"
    ),
    default="first_order",
    choices=("first_order", "signup"),
)
MONTHS = Parameter(
    name="months",
    description="months listed per cohort, from the cohort month (month 0) on",
    default=12,
    minimum=1,
    maximum=60,
)

RETENTION = MetricDefinition(
    id="cohorts.retention",
    title="Cohort retention",
    unit="rate",
    endpoint="/api/cohorts/retention/",
    function="cohorts.metrics.retention_matrix",
    summary=(
        "Share of each monthly acquisition cohort with a revenue order k calendar "
        "months later."
    ),
    definition=(
        COHORT
        + " Per cohort: size = its customers; active[k] for k = 0..months-1 = members "
        "with at least one revenue order placed in calendar month cohort + k; "
        "retention[k] = active[k] ÷ size. Both are null where month cohort + k has "
        "not ended yet: its last day is today or later in the shop's time zone, so "
        "the current month is always null. With cohort_by=first_order, retention[0] "
        "is 1.0 once the cohort month has ended."
    ),
    filters=ORDER_FILTERS,
    filter_rules=ACQUISITION_FILTER_RULES,
    parameters=(MONTHS, COHORT_BY),
)

REPEAT_PURCHASE = MetricDefinition(
    id="cohorts.repeat_purchase",
    title="Repeat purchase rate by cohort",
    unit="rate",
    endpoint="/api/cohorts/repeat-purchase/",
    function="cohorts.metrics.repeat_purchase",
    summary=(
        "Share of each cohort's customers with two or more revenue orders, counting "
        "all the data."
    ),
    definition=(
        COHORT
        + " Per cohort: customers = its size; repeat_customers = members with two or "
        "more revenue orders in all the data (any date, even outside start/end or "
        "after today); repeat_rate = repeat_customers ÷ customers."
    ),
    filters=ORDER_FILTERS,
    filter_rules=ACQUISITION_FILTER_RULES,
    parameters=(COHORT_BY,),
)

GRANULARITY = Parameter(
    name="granularity",
    description=(
        "bucket size: local days (period YYYY-MM-DD), ISO weeks starting Monday "
        "(period = the Monday, YYYY-MM-DD) or calendar months (period YYYY-MM), in "
        "the shop's time zone"
    ),
    default="month",
    choices=("day", "week", "month"),
)
CUSTOMER_FILTER_RULES = (
    "filters select customers by their acquisition, as for retention: country is "
    "the customer's; source and device are those of the customer's first revenue "
    "order ever; category means that order has a line of that category. Every "
    "revenue order and refund of a selected customer counts, whatever its own "
    "source, device or categories."
)
CUSTOMER_REVENUE = REVENUE_MEASURE_TEXT + (
    "A customer's revenue in a period: over the customer's revenue orders (status "
    "paid, shipped or completed) placed in it, Σ order.total (gross sales) − Σ "
    "order.discount (+ Σ shipping and tax for total_sales), minus Σ refund.amount "
    "of the refunds of the customer's revenue orders given in it (refunded_at, shop "
    "time zone), whenever the order was placed. Cancelled, pending and refunded "
    "orders (and their refunds) count nowhere. "
)

NEW_VS_RETURNING = MetricDefinition(
    id="cohorts.new_vs_returning",
    title="New vs returning customers",
    unit="mixed",
    endpoint="/api/cohorts/new-vs-returning/",
    function="cohorts.metrics.new_vs_returning",
    summary=(
        "Per day, week or month: customers ordering for the first time and those "
        "coming back, their orders and revenue; the returning customer rate."
    ),
    definition=(
        CUSTOMER_REVENUE
        + "Window: start/end, else the data span (first to last order of any "
        "status). Every bucket of the window is listed, zero-filled; partial as for "
        "revenue over time (the bucket has not ended, or reaches outside the "
        "window). In a bucket, a customer is new when their first revenue order "
        "ever (earliest placed_at, ties by id) lies in the bucket, returning when "
        "it lies before the bucket. new_customers / returning_customers = distinct "
        "customers of that type with a revenue order placed in the bucket; "
        "new_orders / returning_orders = their revenue orders placed in it; "
        "new_revenue / returning_revenue = their revenue in the bucket (a refund "
        "given in a bucket lowers the revenue of its customer's type there, even "
        "without an order in it); returning_revenue_share = returning_revenue ÷ "
        "(new_revenue + returning_revenue), null when that is 0. Window figures "
        "(Shopify's returning customer rate): customers = distinct customers with a "
        "revenue order placed in the window; repeat_customers = those of them with "
        "two or more revenue orders placed up to the window's end (any earlier "
        "date counts); returning_customer_rate = repeat_customers ÷ customers, null "
        "without customers. Unlike the repeat purchase rate, which follows an "
        "acquisition cohort over all the data (orders after the window too), the "
        "returning customer rate looks at the customers active in the window and "
        "their orders up to its end. An order at 23:30 on Jan 31 in New York "
        "(Feb 1 UTC) is January's."
    ),
    filters=ORDER_FILTERS,
    filter_rules=CUSTOMER_FILTER_RULES,
    parameters=(GRANULARITY,),
)

RFM_FILTERS = ORDER_FILTERS
RFM_SCORING = (
    "RFM as of the day given by end (default: the data's last day, the local day "
    "of the last order of any status), over every customer with a revenue order "
    "placed up to that day: R = days from the local day of the customer's last "
    "revenue order to end; F = revenue orders placed up to end; M = the customer's "
    "revenue up to end (" + REVENUE_MEASURE_TEXT.rstrip() + " Refunds count when "
    "given up to end). start, when given, limits the history to the revenue orders "
    "placed and refunds given from start on (a customer whose revenue orders all "
    "lie before start is left out); by default the whole history counts. Each is scored 1..5 as 1 + floor(5 × percent_rank), capped "
    "at 5, with percent_rank = (rank − 1) ÷ (n − 1) over those n customers, rank "
    "being the competition rank with ties sharing the lowest rank, ordered so that "
    "better is higher: more recent (a later last day), more orders, more money (M "
    "compared in cents). With n = 1 every score is 5. FM = floor((F score + M "
    "score) ÷ 2). Groups by R score (rows) and FM (columns), Shopify's names: "
    "R 5: new, new, active, loyal, champions; R 4: promising, promising, active, "
    "loyal, loyal; R 3: almost lost, almost lost, needs attention, needs "
    "attention, needs attention; R 2: almost lost, almost lost, at risk, at risk, "
    "previously loyal; R 1: dormant, dormant, at risk, at risk, previously loyal "
    "(for FM 1..5). Customers with no revenue order up to end (who signed up by "
    "then) are prospects. "
)

RFM_GROUPS = MetricDefinition(
    id="cohorts.rfm",
    title="RFM groups",
    unit="mixed",
    endpoint="/api/cohorts/rfm/",
    function="cohorts.metrics.rfm_groups",
    summary=(
        "Customers by recency, frequency and money, in Shopify's RFM groups: "
        "size, revenue and medians per group, and the 5×5 grid."
    ),
    definition=(
        RFM_SCORING
        + "Per group (champions, loyal, active, new, promising, needs attention, "
        "previously loyal, at risk, almost lost, dormant, prospects; every group "
        "listed, empty ones with 0): customers; share = customers ÷ all customers "
        "counted (prospects included), null without any; revenue = Σ M; "
        "revenue_share = revenue ÷ Σ M of all groups, null when that is 0; "
        "median_recency, median_frequency, median_monetary = nearest-rank medians "
        "(the value at position ceil(count ÷ 2) in ascending order), null for an "
        "empty group and for prospects. grid: the customers of each (R score, FM "
        "score) cell, R 5..1 by FM 1..5, with the cell's group. Stored: after "
        "each roll-up refresh the groups and grid as of the data's last day are "
        "scored for no filter and for each single value of source, device, country "
        "and category (each level's customers ranked among themselves, as a "
        "filtered request ranks them) and stored; a request without start, with no "
        "end or end = that day, and with at most one filter reads them. Other "
        "questions (start, an earlier end, two filters or more) are scored per "
        "request: storing every day or pair of values would not be bounded. Both "
        "give the same numbers."
    ),
    filters=RFM_FILTERS,
    filter_rules=CUSTOMER_FILTER_RULES
    + " Prospects have no acquisition: source, device or category leave none.",
)
GROUP = Parameter(
    name="group",
    description="the RFM group listed; all customers with a revenue order if left out",
    default="",
    choices=tuple(
        name.replace(" ", "_")
        for name in (
            "champions",
            "loyal",
            "active",
            "new",
            "promising",
            "needs attention",
            "previously loyal",
            "at risk",
            "almost lost",
            "dormant",
            "prospects",
        )
    ),
)
SORT = Parameter(
    name="sort",
    description=(
        "order of the list, then customer id: recency (most recent first), "
        "frequency, monetary ascending (_asc; recency_asc = the most recent first) or "
        "descending (_desc)"
    ),
    default="monetary_desc",
    choices=(
        "recency_asc",
        "recency_desc",
        "frequency_asc",
        "frequency_desc",
        "monetary_asc",
        "monetary_desc",
    ),
)
LIMIT = Parameter(
    name="limit",
    description="customers per page",
    default=50,
    minimum=1,
    maximum=500,
)

RFM_CUSTOMERS = MetricDefinition(
    id="cohorts.rfm_customers",
    title="RFM customer list",
    unit="mixed",
    endpoint="/api/cohorts/rfm-customers/",
    function="cohorts.metrics.rfm_customers",
    summary="The customers of one RFM group with their R, F, M and scores, by page.",
    definition=(
        RFM_SCORING
        + "One row per customer of the group: customer_id, external_id, country, "
        "last_order_day, recency (R, days), frequency (F), monetary (M), r_score, "
        "f_score, m_score, fm_score, group; predicted_revenue and probability_alive "
        "from the stored customer-value fit (the next 12 months, as Predicted "
        "customer value gives them; null until a fit has run or for a customer it "
        "does not hold); email only for staff users (null for analysts and "
        "tokens). Pages by keyset, not OFFSET: next_cursor (null on "
        "the last page) is passed back as cursor for the next page of the same "
        "query; a customer appears once across pages while the data do not change. "
        "Prospects have no scores: their list is empty. Stored: with the RFM "
        "groups, after each roll-up refresh, the customers of no filter and of each "
        "single value of source, device, country and category are stored with "
        "their scores as of the data's last day; a request without start, with no "
        "end or end = that day, and with at most one filter pages through those "
        "rows. Other lists are scored per request. Both give the same rows."
    ),
    # cursor is free text (a next_cursor given back), not a Parameter of choices.
    filters=(*RFM_FILTERS, "cursor"),
    filter_rules=CUSTOMER_FILTER_RULES,
    parameters=(GROUP, SORT, LIMIT),
)

LIFETIME_VALUE = MetricDefinition(
    id="cohorts.lifetime_value",
    title="Lifetime value by cohort",
    unit="money",
    endpoint="/api/cohorts/lifetime-value/",
    function="cohorts.metrics.lifetime_value",
    summary=(
        "Cumulative revenue per customer of each first-order cohort, month by month "
        "since the first order, and the average curve."
    ),
    definition=(
        COHORT
        + " "
        + CUSTOMER_REVENUE
        + "Per cohort (cohort_by is always first_order): customers = its size; "
        "revenue[k] for k = 0..months-1 = the members' revenue in calendar month "
        "cohort + k (orders placed and refunds given in it, whatever their date "
        "relative to start/end); lifetime_value[k] = (revenue[0] + … + revenue[k]) "
        "÷ customers, in cents; revenue_retention[k] = revenue[k] ÷ revenue[0] (null "
        "when revenue[0] is 0). All three are null where month cohort + k has not "
        "ended (its last day is today or later, shop time zone), as in retention. "
        "average[k] (PostHog's and Shopify's cohort average, weighted by size): over "
        "the cohorts whose month k has ended, Σ their cumulative revenue up to k ÷ "
        "Σ their customers; cohorts and customers say how many count; null when "
        "none has reached k. Stored: after each roll-up refresh the cohort sizes "
        "and each cohort's monthly sales terms of no filter and of each single "
        "value of source, device, country and category are stored; a request "
        "without start or end and with at most one filter reads them, others are "
        "summed per request. Both give the same numbers."
    ),
    filters=ORDER_FILTERS,
    filter_rules=ACQUISITION_FILTER_RULES,
    parameters=(MONTHS,),
)

HORIZON = Parameter(
    name="months",
    description=(
        "the prediction's horizon in months of 365.25 / 12 days; other than 12, "
        "it is answered for every customer only (no start, end or filter)"
    ),
    default=12,
    minimum=1,
    maximum=36,
)

CUSTOMER_VALUE = MetricDefinition(
    id="cohorts.customer_value",
    title="Predicted customer value",
    unit="mixed",
    endpoint="/api/cohorts/customer-value/",
    function="cohorts.metrics.customer_value",
    summary=(
        "The model's predicted revenue of the next 12 months (months=1..36) per "
        "first-order cohort, the top customers and the P(alive) distribution."
    ),
    definition=(
        "From the stored fit (manage.py fit_customer_value, run after each roll-up "
        "refresh; never in a request; fit is null until one has run). Per customer "
        "with a revenue order up to the fit's as_of (the roll-ups' last day), in "
        "weeks: x = revenue orders − 1 (repeat orders), t_x = days from the first to "
        "the last revenue order ÷ 7, T = days from the first revenue order to as_of "
        "÷ 7, m = the customer's revenue ÷ revenue orders ("
        + REVENUE_MEASURE_TEXT
        + "). BG/NBD (Fader, Hardie and Lee 2005) with r, alpha, a, b and "
        "Gamma-Gamma (Fader and Hardie 2013) with p, q, gamma are fitted by maximum "
        "likelihood on all those customers (Gamma-Gamma on those with x > 0). "
        "probability_alive = 1 ÷ (1 + [x > 0] · a ÷ (b + x − 1) · ((alpha + T) ÷ "
        "(alpha + t_x))^(r + x)); expected_orders = the BG/NBD expected purchases "
        "in the next months × 365.25 / 12 ÷ 7 weeks (52.18 for the default 12; "
        "FHL 2005, equation 10); predicted_revenue = "
        "expected_orders × p (gamma + x m) ÷ (p x + q − 1), in cents. Per cohort "
        "(month of the first revenue order): customers, Σ and mean "
        "predicted_revenue, mean probability_alive. top_customers: the 10 highest "
        "predicted_revenue, ties by customer id. probability_alive histogram: "
        "customers per tenth [0, 0.1), …, [0.9, 1]. rfm_groups (months=12 only, "
        "else empty): per RFM group of the customer as of the fit's as_of, scored "
        "as in RFM groups over every customer (not the filtered ones), the groups "
        "with customers in RFM groups' order: customers, Σ and mean "
        "predicted_revenue. The fit reports its "
        "parameters, log-likelihoods, customers, seconds and data version. The "
        "per-cohort, per-group and histogram sums of no filter and of each single "
        "value of source, device, country and category are summed at fit time "
        "over the same customers a filtered request keeps (money in exact cents; "
        "means of P(alive) may differ from a per-request sum in the 15th digit) "
        "and stored with the fit; start, "
        "end or two filters are summed per request. The top customers are stored "
        "with each single filter value's sums, and read per request otherwise (no "
        "filter: an index range in predicted_revenue order)."
    ),
    filters=ORDER_FILTERS,
    filter_rules=ACQUISITION_FILTER_RULES
    + " start/end select customers by the day of their first revenue order. With "
    "months other than 12 the per-cohort sums and top customers are those the fit "
    "stored for every customer (each customer's predicted_revenue rounded to cents "
    "before summing), so start/end and the filters are then a 400 naming months.",
    parameters=(HORIZON,),
)

CUSTOMER_VALUE_HOLDOUT = MetricDefinition(
    id="cohorts.customer_value_holdout",
    title="Customer-value model: holdout check",
    unit="mixed",
    endpoint="/api/cohorts/customer-value-holdout/",
    function="cohorts.metrics.customer_value_holdout",
    summary=(
        "How well the model predicts: refitted on the history up to 26 weeks before "
        "the end, its predicted repeat orders in those 26 weeks against the actual "
        "ones, per customer, by repeat orders in the calibration period."
    ),
    definition=(
        "Computed with the stored fit (manage.py fit_customer_value, after each "
        "roll-up refresh), as Fader, Hardie and Lee (2005) validate BG/NBD. "
        "calibration_end = the fit's as_of − 182 days; the holdout is the 26 weeks "
        "(182 local days) after it, up to as_of included. Calibration customers: "
        "those with a revenue order on or before calibration_end, summarised as "
        "for the fit (x, t_x, T in weeks, with calibration_end in place of as_of). "
        "BG/NBD is refitted on them alone (bg_nbd: r, alpha, a, b, log_likelihood); "
        "predicted = each customer's expected purchases in the next 26 weeks "
        "(FHL 2005, equation 10); actual = their revenue orders placed in the "
        "holdout (customers whose first revenue order is in the holdout are not "
        'counted). groups: per x = 0, 1, …, 6 and 7+ (label "7+"), customers, '
        "mean_predicted_orders = Σ predicted ÷ customers and mean_actual_orders = "
        "Σ actual ÷ customers (null for a group without customers); "
        "predicted_orders and actual_orders are the totals over all calibration "
        "customers. holdout is null, with unavailable saying why, when no fit has "
        "run, when the roll-ups' first day is after calibration_end (less than 26 "
        "weeks plus a day of history), or when no calibration customer has a repeat "
        "order."
    ),
    filters=ORDER_FILTERS,
    filter_rules=(
        "None applies: the check is of the model fitted on every customer, so "
        "start/end and the filters are validated (as on every metric endpoint) but "
        "change nothing, as the demand forecast covers the whole history."
    ),
)

METRICS = (
    RETENTION,
    REPEAT_PURCHASE,
    NEW_VS_RETURNING,
    LIFETIME_VALUE,
    RFM_GROUPS,
    RFM_CUSTOMERS,
    CUSTOMER_VALUE,
    CUSTOMER_VALUE_HOLDOUT,
)
