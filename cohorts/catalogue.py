"""The cohort family's metric declarations: retention and repeat purchase."""

from __future__ import annotations

from ecomanalytics.catalogue import ORDER_FILTERS, MetricDefinition, Parameter

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

METRICS = (RETENTION, REPEAT_PURCHASE)
