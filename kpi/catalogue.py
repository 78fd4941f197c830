"""The KPI family's metric declarations: summary, revenue over time, sales, conversion,
funnel."""

from __future__ import annotations

from ecomanalytics.catalogue import (
    ORDER_REVENUE_TEXT,
    SESSION_FILTERS,
    MetricDefinition,
    Parameter,
)

ORDER_FILTER_RULES = (
    "source and device are the order's (a refund's: its order's), country is the "
    "customer's. With category, the money counts only the lines of that category: "
    "gross sales Σ quantity × unit_price − Σ line discount − Σ refund-line amount of "
    "those lines (refund date), shipping and taxes 0 (they are the order's), so "
    "total_sales = net_sales; and the order counts (orders, all orders, completed "
    "orders, customers) count the orders with at least one line of it."
)
SESSION_FILTER_RULES = (
    "source, device and country are the session's; sessions have no category, so "
    "category is rejected with 400."
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

SUMMARY = MetricDefinition(
    id="kpi.summary",
    title="KPI summary",
    unit="mixed",
    endpoint="/api/kpi/summary/",
    function="kpi.metrics.kpi_summary",
    summary=(
        "Revenue, orders, average order value, completion rate and customers of the "
        "window, and of the equal window just before it."
    ),
    definition=(
        ORDER_REVENUE_TEXT
        + "Over the orders placed in the window (local days [start, end]): revenue "
        "as above, its returns those of the refunds given in the window; orders = "
        "the number of revenue orders placed; average_order_value = revenue ÷ "
        "orders, 0 without orders; completion_rate = completed_orders ÷ all_orders, "
        "where all_orders counts every status (pending, cancelled and refunded "
        "included), null without orders; customers = distinct customers with at "
        "least one revenue order. previous holds the same keys, with its own start "
        "and end, for the window of the same number of days ending the day before "
        "start; without start/end the window is the data span and previous is the "
        "equal span before it (no orders: completion_rate null). Example: a "
        "completed 100.00, a paid 50.00, a shipped 30.00, a cancelled 70.00, a "
        "refunded 40.00 and a pending 20.00 order give revenue 180.00, orders 3, "
        "average order value 60.00, completion rate 1 ÷ 6. With terms: a completed "
        "order of gross 100.00 with a 10.00 discount, 5.00 shipping and 8.00 tax, "
        "partly refunded 20.00 within the window, gives net_sales 70.00, "
        "gross_sales 100.00, total_sales 83.00."
    ),
    filter_rules=ORDER_FILTER_RULES,
    figures={
        "revenue": (
            "Net sales by default (setting REVENUE_MEASURE): gross sales (quantity × "
            "unit price) − discounts of the revenue orders (paid, shipped or "
            "completed) placed in the period − returns refunded in it. "
            "gross_sales: before discounts and returns; total_sales: + shipping and "
            "taxes. With a category filter, only that category's lines."
        ),
        "orders": "Revenue orders (paid, shipped or completed) placed in the period.",
        "average_order_value": (
            "Revenue (as the card) ÷ orders in the period; 0 when there are no orders."
        ),
        "completion_rate": (
            "Completed orders ÷ all orders placed in the period, whatever their "
            "status (cancelled and refunded included); unknown without orders."
        ),
        "customers": (
            "Distinct customers with at least one revenue order placed in the period."
        ),
    },
)

CHART_COMPARE = Parameter(
    name="compare",
    description=(
        "add the buckets of a compared window, aligned by position (compared[i] "
        "beside results[i]): previous_period = the window of the same number of "
        "days ending the day before start, previous_year = the same dates a year "
        "earlier (February 29 becomes February 28); its own partial flags, and "
        "compare_start/compare_end name its dates; none adds nothing"
    ),
    default="none",
    choices=("none", "previous_period", "previous_year"),
)

REVENUE = MetricDefinition(
    id="kpi.revenue",
    title="Revenue over time",
    unit="money",
    endpoint="/api/kpi/revenue/",
    function="kpi.metrics.revenue_over_time",
    summary="Revenue, revenue orders and average order value per day, week or month.",
    definition=(
        ORDER_REVENUE_TEXT
        + "One row per bucket touching the window, oldest first, zero-filled. Per "
        "bucket, over revenue orders placed both in the bucket and in the window "
        "and the refunds given both in the bucket and in the window: revenue, "
        "orders (placed) and average_order_value as in the summary. partial is true "
        "when the bucket's last day is today or later (shop time zone), or when the "
        "bucket starts before start or ends after end, so its numbers cover only "
        "part of it. An order placed at 2025-01-31 23:59 in New York (2025-02-01 "
        "04:59 UTC) counts in January; refunded on 2025-02-01, its return counts in "
        "February."
    ),
    filter_rules=ORDER_FILTER_RULES,
    parameters=(GRANULARITY, CHART_COMPARE),
)

SALES = MetricDefinition(
    id="kpi.sales",
    title="Sales breakdown",
    unit="money",
    endpoint="/api/kpi/sales/",
    function="kpi.metrics.sales_breakdown",
    summary=(
        "Gross sales, discounts, returns, net sales, shipping, taxes and total sales "
        "of the window, of the window before it and per day, week or month."
    ),
    definition=(
        "Shopify's Sales report: gross_sales − discounts − returns = net_sales; "
        "net_sales + shipping + taxes = total_sales. Gross sales = Σ order.total (Σ "
        "quantity × unit_price of the lines), discounts = Σ order.discount, shipping "
        "= Σ order.shipping, taxes = Σ order.tax over the revenue orders (status "
        "paid, shipped or completed) placed in the period; returns = Σ refund.amount "
        "of the refunds of revenue orders whose refunded_at falls in the period (the "
        "refund date, shop time zone), whenever the order was placed; orders = "
        "revenue orders placed. An order refunded in full has status refunded and "
        "counts nowhere, nor do its refunds. totals covers the window, previous the "
        "window of the same number of days ending the day before start, with its "
        "own start and end; results every bucket touching the window, oldest first, "
        "zero-filled, over the days both in the bucket and in the window, partial "
        "as in revenue over time. revenue_measure names the measure the other "
        "endpoints call revenue (setting REVENUE_MEASURE). Example: an order placed "
        "2025-01-31 23:30 in New York, gross 100.00, discount 10.00, shipping 5.00, "
        "tax 8.00, refunded 20.00 on 2025-02-01 gives January gross 100.00, "
        "discounts 10.00, net 90.00, total 103.00 and February returns 20.00, net "
        "−20.00."
    ),
    filter_rules=ORDER_FILTER_RULES,
    parameters=(GRANULARITY,),
)

CONVERSION = MetricDefinition(
    id="kpi.conversion",
    title="Conversion by traffic source",
    unit="rate",
    endpoint="/api/kpi/conversion/",
    function="kpi.metrics.conversion_by_source",
    summary="Share of the sessions started in the window that have a purchase event.",
    definition=(
        "A session belongs to the window when started_at (its first event) falls in "
        "it; all of its events count, even after the window. Per traffic source with "
        "at least one session in the window, most sessions first, then by source "
        "name: sessions; converted_sessions = sessions with a purchase event, "
        "whatever became of the order afterwards; conversion_rate = "
        "converted_sessions ÷ sessions. overall holds the same three numbers over all "
        "sessions of the window; its conversion_rate is null without sessions."
    ),
    filters=SESSION_FILTERS,
    filter_rules=SESSION_FILTER_RULES,
)

FUNNEL_BREAKDOWN = Parameter(
    name="breakdown",
    description=(
        "the session dimension to split the funnel by: the whole funnel per value "
        "of the session's own traffic source, device or country, in groups; none "
        "gives the overall funnel alone"
    ),
    default="none",
    choices=("none", "source", "device", "country"),
)

FUNNEL_UNIT = Parameter(
    name="unit",
    description=(
        "what the funnel counts: session = web sessions, each on its own; customer "
        "= known customers across their sessions, each step within window_days of "
        "their first session in the window"
    ),
    default="session",
    choices=("session", "customer"),
)

WINDOW_DAYS = Parameter(
    name="window_days",
    description=(
        "unit=customer only: the conversion window, days of 24 hours after the "
        "customer's first session in the window within which every later step "
        "must happen"
    ),
    default=14,
    minimum=1,
    maximum=90,
)

CUSTOMER_FUNNEL_TEXT = (
    "unit=customer, PostHog's funnel of persons with a conversion window: the same "
    "steps counted in known customers across their sessions. Only sessions linked "
    "to a customer (WebSession.customer) count; anonymous_sessions = the sessions "
    "started in the window, matching the filters, without a customer, which are "
    "left out (known_sessions = those with one). Each session contributes, per "
    "step, its first event of the step's type (product_view, add_to_cart, "
    "begin_checkout, purchase, as in the session funnel), whatever the order of "
    "its events. A customer enters at t0 = the start (started_at, its first "
    "event) of their first session started in the window (local days [start, "
    "end], shop time zone); the sessions that count for them are those started "
    "from t0 to t0 + window_days × 24 h (window_days 1 to 90, default 14), so a "
    "session started before t0 does not count, even with events after t0. Step "
    "k's time is the earliest of those sessions' first times of step k at or "
    "after step k−1's time (t0 for product_view) and at most t0 + window_days × "
    "24 h; the customer is at step k when there is one. Equal times count as in "
    "order; later steps may fall after the window's end (end), within the "
    "conversion window, as PostHog counts them. Across sessions a step may come "
    "from another session than the step before; within a session only its first "
    "event of each step counts, so, unlike the session funnel, a session whose "
    "add_to_cart precedes its first product_view does not reach add_to_cart "
    "through a later add_to_cart of its own (that keeps the roll-up at one row "
    "per session, with the same numbers as the raw tables). A purchase event "
    "counts whatever became of its order (cancelled or refunded too), as in the "
    "session funnel. Filters select sessions: source, device and country are "
    "those of the session the event is in, t0's session included. Per step: "
    "customers; conversion_from_start = customers at the step ÷ customers at "
    "session; conversion_from_previous = customers at the step ÷ customers at "
    "the step before, 1.0 for session; null without customers. No money per "
    "step (orders and revenue are null): a customer may buy several times within "
    "the conversion window, and which of those orders would belong to the "
    "funnel is not defined (PostHog's funnels count persons only). breakdown "
    "does not combine with unit=customer (400 naming breakdown: a customer's "
    "sessions have several sources and devices), nor window_days with "
    "unit=session (400 naming window_days). Example, window January: a "
    "customer's session on Jan 30 12:00 views a product, their session on Feb 2 "
    "adds it to cart, begins checkout and buys; with window_days 14 the customer "
    "counts at every step, with window_days 2 at session and product_view only "
    "(Feb 2 lies more than 48 h after t0)."
)

FUNNEL = MetricDefinition(
    id="kpi.funnel",
    title="Checkout funnel",
    unit="rate",
    endpoint="/api/kpi/funnel/",
    function="kpi.metrics.funnel",
    summary=(
        "Sessions of the window reaching each step, in order: product view, add to "
        "cart, begin checkout, purchase; or known customers, within a conversion "
        "window."
    ),
    definition=(
        "Steps session → product_view → add_to_cart → begin_checkout → purchase, over "
        "the sessions of the window (as for conversion). Closed and sequential, as "
        "PostHog's ordered funnels: a session reaches step k when it has events of "
        "steps 2..k at non-decreasing times in that order. Each step's time is the "
        "session's earliest event of that type at or after the previous step's time; "
        "other events in between are allowed, and no step may be skipped, so an "
        "add_to_cart before the first product_view does not count. Equal timestamps "
        "count as in order. conversion_from_start = sessions at the step ÷ sessions "
        "at session; conversion_from_previous = sessions at the step ÷ sessions at "
        "the step before, 1.0 for session. Without sessions the rates are null. "
        "Money per step (as Shopify's net sales; REVENUE_MEASURE, net_sales by "
        "default): orders = the revenue orders (status paid, shipped or completed) "
        "that the purchase events (SessionEvent.order) of the sessions at the step "
        "link, counted once per purchase event; revenue = their revenue measure: "
        "Σ order total − Σ discount (+ shipping + tax for total_sales) of those "
        "orders, − Σ amount of their refunds given in the window (refund date, "
        "shop time zone; the session may have started before the window), as the "
        "revenue cards date returns; revenue_per_session = revenue ÷ sessions at "
        "the step (0 without sessions). A purchase event whose session skipped a "
        "step counts its order at the steps the session reached. Value left "
        "behind, at add_to_cart and begin_checkout only (null at the other "
        "steps): abandoned_sessions = the sessions at the step without any "
        "purchase event; abandoned_cart_units = their add_to_cart events; "
        "abandoned_cart_value = Σ list price of those events' products. An event "
        "has no quantity, so each add_to_cart event counts as one unit at the "
        "product's current list price (Product.list_price), every add_to_cart "
        "event of the session (also one before its first product_view). "
        "breakdown=source|device|country gives groups: the same funnel per value "
        "of that dimension of the session (its own, not the customer's), values "
        "sorted, only values with sessions in the window; steps stays the overall "
        "funnel. Example: two sessions add a 30.00 product to cart, one buys it "
        "(order 30.00): add_to_cart sessions 2, revenue 30.00, revenue per session "
        "15.00, abandoned_sessions 1, abandoned_cart_value 30.00. "
        + CUSTOMER_FUNNEL_TEXT
    ),
    filters=SESSION_FILTERS,
    filter_rules=SESSION_FILTER_RULES,
    parameters=(FUNNEL_BREAKDOWN, FUNNEL_UNIT, WINDOW_DAYS),
)


DISCOUNT_FILTERS = ("start", "end", "source", "device", "country")

DISCOUNTS = MetricDefinition(
    id="kpi.discounts",
    title="Discount codes",
    unit="mixed",
    endpoint="/api/kpi/discounts/",
    function="kpi.metrics.discount_codes",
    summary=(
        "Orders, customers and sales per discount code of the window, beside the "
        "orders without a code."
    ),
    definition=(
        "Over the revenue orders (status paid, shipped or completed) placed in the "
        "window (local days [start, end], shop time zone), grouped by the order's "
        "discount codes: the codes as the order stores them, upper case, sorted and "
        'joined by ", ". An order with several codes counts once, in the row of '
        'its combination ("FREESHIP, SUMMER10" is a row of its own, not part of '
        "FREESHIP's or SUMMER10's), so every order lies in exactly one row and the "
        "rows add up to the window's totals; the orders without a code form the "
        "row with code null. Per row: orders = its revenue orders placed in the "
        "window; customers = distinct customers of those orders; new_customers = "
        "those customers whose first revenue order ever (placed_at, then id: the "
        "acquisition order of the cohort metrics) is one of those orders; "
        "returning_customers = customers − new_customers; gross_sales = Σ order "
        "total (quantity × unit price of the lines); discounts = Σ order discount; "
        "returns = Σ refund amount over the refunds given in the window (the "
        "refund's local day, whatever the order's date) of the row's revenue "
        "orders; net_sales = gross_sales − discounts − returns; discount_rate = "
        "discounts ÷ gross_sales (weighted by money, null without gross sales); "
        "average_order_value = net_sales ÷ orders (0 without orders); order_share "
        "= orders ÷ the window's revenue orders (the top-level orders, the sum of "
        "the rows' orders; null when it is 0). A code whose orders lie outside the window but were "
        "refunded in it is listed with orders 0 and its returns. Cancelled, "
        "pending and refunded orders count nowhere, nor do their refunds (an order "
        "refunded in full has status refunded). Rows are sorted by orders "
        "descending, then code, null last; a window without revenue orders or "
        "refunds has no rows. revenue_measure names what the other endpoints call "
        "revenue (REVENUE_MEASURE); this report gives every term by name whatever "
        "it is. "
        "Example: in March, SUMMER10 orders of 100.00 (discount 10.00, the "
        "customer's first order) and 50.00 (discount 5.00, a returning customer's), "
        "and a 20.00 refund on April 2 of the first: March's SUMMER10 row has "
        "orders 2, customers 2, new_customers 1, returning_customers 1, "
        "gross_sales 150.00, discounts 15.00, returns 0, net_sales 135.00, "
        "discount_rate 0.1, average_order_value 67.50; April's has orders 0 and "
        "returns 20.00."
    ),
    filters=DISCOUNT_FILTERS,
    filter_rules=(
        "source and device are the order's (for returns, the refunded order's), "
        "country is the customer's; category does not apply (a code discounts "
        "orders, not lines) and is rejected with 400."
    ),
)

COMPARE = Parameter(
    name="compare",
    description=(
        "the window compared with: previous_period = the window of the same number "
        "of days ending the day before start; previous_year = the same dates a year "
        "earlier (February 29 becomes February 28)"
    ),
    default="previous_period",
    choices=("previous_period", "previous_year"),
)

REVENUE_CHANGE = MetricDefinition(
    id="kpi.revenue_change",
    title="Why revenue changed",
    unit="money",
    endpoint="/api/kpi/revenue-change/",
    function="kpi.metrics.revenue_change",
    summary=(
        "The revenue change against the compared window split into traffic, "
        "conversion and order-value effects, overall and per traffic source."
    ),
    definition=(
        ORDER_REVENUE_TEXT
        + "In each of the window and the compared window (compare): revenue as "
        "above; orders = revenue orders placed in it; sessions = web sessions "
        "started in it (started_at, shop time zone), with the same filters. No "
        "link between orders and sessions is needed: revenue = sessions × "
        "orders_per_session × average_order_value exactly, where orders_per_session "
        "= orders ÷ sessions and average_order_value = revenue ÷ orders. The change "
        "R1 − R0 (current minus compared) is split by the log-mean Divisia index "
        "(LMDI-I): effect = L(R1, R0) × ln(x1 ÷ x0) for x = sessions "
        "(traffic_effect), orders_per_session (conversion_effect) and "
        "average_order_value (order_value_effect), with the logarithmic mean L(a, "
        "b) = (a − b) ÷ (ln a − ln b) and L(a, a) = a. The three add up to the "
        "change exactly: they are computed with 40 significant digits, traffic and "
        "conversion rounded half up to cents, and order value is the change minus "
        "those two rounded effects. orders_effect = traffic_effect + "
        "conversion_effect. Each share = effect ÷ change (null when the change is "
        "0); change_rate = change ÷ the compared revenue (null when it is 0). "
        "method is lmdi when every factor is positive in both windows. Zero-factor "
        "rule (method zero_factor): when a factor is 0, negative or undefined in "
        "one of the windows, its logarithm is undefined, and the whole change goes "
        "to the first such factor in the order traffic, conversion, order value; "
        "the other effects are 0. So no sessions in one window: all to traffic; "
        "sessions but no orders: all to conversion; orders but revenue ≤ 0 (net "
        "sales can be negative when returns exceed sales): all to order value. "
        "Sessions unknown: when a window has orders but no sessions (orders "
        "imported without their web sessions), orders per session is undefined; "
        "sessions_known is false, traffic_effect and conversion_effect (and their "
        "shares) are null, and the change splits into orders_effect = L(R1, R0) × "
        "ln(orders1 ÷ orders0), rounded, and order_value_effect = the rest, with "
        "the same zero-factor rule over (orders, order value). By source: orders "
        "are attributed to the order's own traffic_source column (never through a "
        "session), sessions to the session's, so a source with orders but no "
        "sessions (imported orders) gets sessions_known false in its row. results "
        "has one row per source with sessions, orders or refunds in either window, "
        "largest absolute change first, then by source: its previous and current "
        "figures, change, effects (each source its own decomposition, by the rules "
        "above) and contribution = the source's change ÷ the total change (null "
        "when that is 0). The rows' revenues, sessions, orders and changes add up "
        "to the totals; their effects need not add up to the total's effects, the "
        "difference being the shift of sessions between sources of different "
        "conversion and order value. Example: 100 sessions, 2 orders, 200.00 "
        "before; 150 sessions, 3 orders, 240.00 now: change 40.00, L = 40 ÷ ln 1.2 "
        "= 219.39…, traffic 219.39… × ln 1.5 = 88.96, conversion 219.39… × ln 1 = "
        "0.00, order value 40.00 − 88.96 = −48.96."
    ),
    filters=SESSION_FILTERS,
    filter_rules=(
        "source and device are the order's and the session's; country is the "
        "order's customer's and the session's; sessions have no category, so "
        "category is rejected with 400."
    ),
    parameters=(COMPARE,),
)

CONVERSION_BREAKDOWN = Parameter(
    name="breakdown",
    description=(
        "source adds one zero-filled series per traffic source (the session's) "
        "with sessions in the window, in sources; none gives the overall series "
        "alone"
    ),
    default="none",
    choices=("none", "source"),
)

CONVERSION_OVER_TIME = MetricDefinition(
    id="kpi.conversion_over_time",
    title="Conversion over time",
    unit="rate",
    endpoint="/api/kpi/conversion-over-time/",
    function="kpi.metrics.conversion_over_time",
    summary="Sessions, converted sessions and conversion rate per day, week or month.",
    definition=(
        "Per bucket of the sessions' start (started_at, its first event, shop "
        "time zone), every bucket touching the window listed, oldest first, "
        "zero-filled, over the sessions started both in the bucket and in the "
        "window: sessions; converted_sessions = those with a purchase event, "
        "whatever became of the order; conversion_rate = converted_sessions ÷ "
        "sessions, null without sessions. partial as in revenue over time: the "
        "bucket's last day is today or later, or it reaches outside the window. "
        "A session started 2025-01-31 23:50 in New York that purchases after "
        "midnight counts in January."
    ),
    filters=SESSION_FILTERS,
    filter_rules=SESSION_FILTER_RULES,
    parameters=(GRANULARITY, CONVERSION_BREAKDOWN, CHART_COMPARE),
)

CHECKOUT_LIST_TEXT = (
    "The latest abandoned checkouts of known customers, for recovery e-mails: the "
    "sessions started in the window (shop time zone) with a customer that reached "
    "the funnel's begin_checkout step without any purchase event, newest first "
    "(started_at, then session id descending). Per session: its external id, "
    "start, source and device; the customer's external id; email, given to staff "
    "users only (null for the others); products = its add_to_cart events per "
    "product (sku, name, list price, units = events), sorted by sku; cart_units "
    "and cart_value = Σ units and Σ units × list price. Keyset pages: limit rows "
    "(1 to 100, default 50); next_cursor, when more rows follow, is passed back as "
    "cursor (microseconds since 1970 of the last row's start, a dot, its id). "
    "Read from the raw tables (a list of sessions has no roll-up)."
)

ABANDONED_CHECKOUTS = MetricDefinition(
    id="kpi.abandoned_checkouts",
    title="Abandoned checkouts",
    unit="mixed",
    endpoint="/api/kpi/abandoned-checkouts/",
    function="kpi.metrics.abandoned_checkouts",
    summary=(
        "Sessions that began checkout without a purchase per day, week or month, "
        "their rate and cart value."
    ),
    definition=(
        "Per bucket of the sessions' start (shop time zone), every bucket touching "
        "the window listed, zero-filled, partial as in revenue over time: "
        "checkouts = sessions that reached the funnel's begin_checkout step "
        "(closed and sequential, as the funnel: product_view, add_to_cart, "
        "begin_checkout in that order); abandoned_checkouts = those without any "
        "purchase event; abandonment_rate = abandoned_checkouts ÷ checkouts, null "
        "without checkouts; abandoned_cart_units = the add_to_cart events of the "
        "abandoned sessions, each one unit (an event has no quantity); "
        "abandoned_cart_value = Σ the list price (Product.list_price) of those "
        "events' products. Example: a session adds a 30.00 and a 50.00 product, "
        "begins checkout and leaves; another buys: checkouts 2, abandoned 1, rate "
        "0.5, 2 units, 80.00. The list at /api/kpi/abandoned-checkout-list/: "
        + CHECKOUT_LIST_TEXT
    ),
    filters=SESSION_FILTERS,
    filter_rules=SESSION_FILTER_RULES,
    parameters=(GRANULARITY,),
)

LIST_LIMIT = Parameter(
    name="limit",
    description="rows per page",
    default=50,
    minimum=1,
    maximum=100,
)

ABANDONED_CHECKOUT_LIST = MetricDefinition(
    id="kpi.abandoned_checkout_list",
    title="Abandoned checkouts of known customers",
    unit="count",
    endpoint="/api/kpi/abandoned-checkout-list/",
    function="kpi.metrics.abandoned_checkout_list",
    summary="The latest abandoned checkouts of known customers, paginated.",
    definition=CHECKOUT_LIST_TEXT,
    # cursor is free text (a next_cursor given back), not a Parameter of choices.
    filters=(*SESSION_FILTERS, "cursor"),
    filter_rules=SESSION_FILTER_RULES,
    parameters=(LIST_LIMIT,),
)

TIME_TO_CONVERT = MetricDefinition(
    id="kpi.time_to_convert",
    title="Time to convert",
    unit="mixed",
    endpoint="/api/kpi/time-to-convert/",
    function="kpi.metrics.time_to_convert",
    summary=(
        "How long the sessions of the window took from each funnel step to the "
        "next, and from session start to purchase: percentiles and a histogram."
    ),
    definition=(
        "Over the sessions started in the window (as for conversion), per "
        "transition, in this order: product_view → add_to_cart, add_to_cart → "
        "begin_checkout, begin_checkout → purchase (the funnel's consecutive "
        "steps) and session → purchase. A session makes a funnel transition k → "
        "k + 1 when it reaches step k + 1 of the funnel (closed and sequential, "
        "as the funnel counts it), and its duration runs from its time at step k "
        "to its time at step k + 1, the funnel's step times: a step's time is the "
        "session's earliest event of that type at or after the previous step's "
        "time (product_view: its earliest product_view). So an add_to_cart before "
        "the first product_view does not count, and the session's first "
        "add_to_cart at or after it does. session → purchase: the sessions with a "
        "purchase event (as conversion counts them, whatever steps they skipped), "
        "from WebSession.started_at to the earliest purchase event; a purchase "
        "before started_at counts as 0 seconds. Durations are whole seconds: both "
        "timestamps truncated to the second (seconds since 1970, UTC), then "
        "subtracted. Each duration is then rounded down to its grid point: whole "
        "seconds below 60 s, 5-second steps from 60 s to below 300 s, 30-second "
        "steps from 300 s to below 1,800 s, 5-minute (300 s) steps from 1,800 s to "
        "below 21,600 s (6 h), whole hours (3,600 s) from 21,600 s on (so 61 s and "
        "64 s are 60 s, 899 s is 870 s, 7,499 s is 7,200 s). Per transition: "
        "sessions = the sessions that made it; p25, median, p75 and p90 = "
        "nearest-rank percentiles of the rounded durations, in seconds: the value "
        "at rank ceil(p × n) (p = 0.25, 0.5, 0.75, 0.9; n = sessions) of the "
        "durations sorted ascending, null when n is 0; histogram = sessions per "
        "bucket <1m [0, 60 s), 1-5m [60, 300), 5-15m [300, 900), 15-30m [900, "
        "1,800), 30-60m [1,800, 3,600), 1-6h [3,600, 21,600), >6h [21,600, ∞): "
        "each bucket includes its lower edge, so a transition of exactly 60 s is in "
        "1-5m. Every edge is a grid point, so the rounding never moves a duration "
        "to another bucket. The grid keeps the roll-up at one row per (day, "
        "transition, grid point), and both paths round alike, so they answer "
        "identically. Example: view → cart durations 30 s, 61 s, 64 s and 400 s "
        "round to 30, 60, 60 and 390: n = 4, p25 = rank 1 = 30, median = rank 2 = "
        "60, p75 = rank 3 = 60, p90 = rank 4 = 390; histogram <1m 1, 1-5m 2, 5-15m "
        "1. Transitions are listed even without sessions (zeros, null "
        "percentiles); PostHog's funnels report time to convert between steps the "
        "same way, over the conversions made."
    ),
    filters=SESSION_FILTERS,
    filter_rules=SESSION_FILTER_RULES,
)

METRICS = (
    SUMMARY,
    REVENUE,
    SALES,
    CONVERSION,
    FUNNEL,
    DISCOUNTS,
    REVENUE_CHANGE,
    CONVERSION_OVER_TIME,
    ABANDONED_CHECKOUTS,
    ABANDONED_CHECKOUT_LIST,
    TIME_TO_CONVERT,
)
