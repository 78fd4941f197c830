"""Roll-up tables: the shop's data pre-aggregated at the grains the metrics need.

Grains, and why (docs/metrics.md, "Roll-ups"):
- Every fact is keyed by the order's, refund's or session's **local day** (settings.TIME_ZONE at
  build time, kept in RollupState.time_zone), with its ISO week and month copied
  alongside, so any window of whole local days is a range of rows and any bucket a
  GROUP BY on one column.
- The dimensions are exactly the filters: traffic source, device, country (the
  customer's for orders, the session's for sessions) and, where lines count, the
  product's category. Counts and sums are additive across days and dimension values;
  an order lies on one day, so "orders with a line of the category" adds up too.
- Month rows: each table also holds each month's sums (grain "m"), so a long window
  reads one row per month and level for its whole months, day rows only at its edges.
- Grouping sets: besides the rows of each (source, device, country) found in the
  data, each table holds the same facts with any of those dimensions collapsed to
  ALL ("*"), and the category facts also for all categories at once (category NULL).
  A query reads exactly one level (the filters given, ALL for the others), so an
  unfiltered query reads one row per day and status instead of every combination:
  the rows a query scans grow with the days of its window, not with the data.
  The order and session facts keep every combination; the category and product
  facts, many times larger, keep no filter and each single dimension only (with two
  of source, device, country their metrics read the raw tables).
- Distinct customers are not additive: the KPI `customers` and the products' `buyers`
  are sums of chain links (ChainLinks, below), cohorts sums of CohortCell rows, for no
  filter or one. With more filters, cohorts read one row per customer and one per
  (customer, active month), and `customers`/`buyers` are counted on the raw tables.
"""

from collections.abc import Callable
from typing import Final, TypedDict

from django.db import models

from ecomanalytics.store.models import Category, Customer, Product

# TypedDicts, so that mypy checks the keywords they spread into the fields (as
# store.models.MONEY does).


class _MoneySum(TypedDict):
    max_digits: int
    decimal_places: int


class _Loose(TypedDict):
    on_delete: Callable[..., None]
    db_constraint: bool
    related_name: str


class _Unindexed(_Loose):
    db_index: bool


MONEY_SUM: Final = _MoneySum(max_digits=20, decimal_places=2)
# Roll-up rows point at the shop's rows without constraints: they are rebuilt from
# them, never edited, and a constraint would only slow the bulk INSERT ... SELECT.
LOOSE: Final = _Loose(
    on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
)
# Without an index of its own: the tables' composite indexes lead with the grouping
# level, and a single-column index only tempts PostgreSQL's planner into nested loops
# over whole levels (89 ms instead of 2 ms for a category's top products).
UNINDEXED: Final = _Unindexed(**LOOSE, db_index=False)
# The value of a collapsed dimension in the roll-up rows that add up all its values.
ALL = "*"
DIMENSIONS = ("traffic_source", "device", "country")
# The sales terms the line facts (categories, products) keep: lines have no shipping
# or taxes, those are the order's (OrderDay keeps every term).
LINE_SALES_TERMS = ("gross_sales", "discounts", "returns")


class RollupState(models.Model):
    """The one row describing the roll-ups: when they were built, and every setting
    baked into their rows at build time (refresh.baked_settings()).

    The highest ids of the raw tables at the refresh are a cheap fingerprint (index
    probes): when rows were loaded since and no refresh followed, they differ and the
    metrics answer from the raw tables.
    """

    refreshed_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    # Comma-separated, sorted: which statuses the chain links and cohorts counted.
    revenue_statuses = models.CharField(max_length=255, default="")
    last_customer_id = models.BigIntegerField(default=0)
    last_order_id = models.BigIntegerField(default=0)
    last_item_id = models.BigIntegerField(default=0)
    last_session_id = models.BigIntegerField(default=0)
    last_event_id = models.BigIntegerField(default=0)
    last_refund_id = models.BigIntegerField(default=0)
    last_refund_line_id = models.BigIntegerField(default=0)
    # Set by a load inside its own transaction, so it commits with the rows; cleared
    # by the refresh that has rolled them up. While set, the roll-ups keep answering
    # (as they were, flagged as refreshing) rather than sending metrics to the raw
    # tables for the minute a refresh takes: status.rollup_status.
    refresh_pending_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"roll-ups of {self.refreshed_at:%Y-%m-%d %H:%M} ({self.time_zone})"


class DayFact(models.Model):
    """Facts of one local day (grain "d"), or of a whole month (grain "m": day is the
    month's first day, week is NULL). Month rows are the sums of the month's day rows:
    a window reads day rows for its partial months and month rows for the others."""

    # A database default: the INSERT ... SELECT of the day rows leaves it out.
    grain = models.CharField(max_length=1, default="d", db_default="d")
    day = models.DateField()
    week = models.DateField(null=True)  # the Monday of the day's ISO week
    month = models.DateField()  # the first of the day's month
    traffic_source = models.CharField(max_length=16)
    device = models.CharField(max_length=16)
    country = models.CharField(max_length=64)

    class Meta:
        abstract = True


# Each table's index, (dimensions..., day): one grouping level and a range of days is
# an index range scan.


class OrderDay(DayFact):
    """Orders placed, their units and sales terms per (local day, source, device,
    country, status); returns on the local day of the refund (with its order's
    dimensions and status), so a refund-only day has a row with orders 0 and gross
    sales 0. Every combination of the dimensions is kept (unlike CategoryDay), so the
    shop's units of any filters are read here."""

    status = models.CharField(max_length=16)
    orders = models.PositiveIntegerField()
    units = models.PositiveBigIntegerField(default=0)  # Σ quantity of the lines
    gross_sales = models.DecimalField(**MONEY_SUM)  # Σ order total
    discounts = models.DecimalField(**MONEY_SUM)
    returns = models.DecimalField(**MONEY_SUM)  # Σ refund amount
    shipping = models.DecimalField(**MONEY_SUM)
    taxes = models.DecimalField(**MONEY_SUM)

    class Meta:
        indexes = [models.Index(fields=[*DIMENSIONS, "grain", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.traffic_source}/{self.device}/{self.country}"


class CategoryDay(DayFact):
    """Per (local day, category, source, device, country, status): orders with ≥1 line
    of the category, units, gross sales (Σ quantity x unit price) and discounts of
    those lines; returns and returned units of the refund lines returning them, on the
    refund's local day."""

    # NULL: all categories, for units and revenue only.
    category = models.ForeignKey(Category, null=True, **UNINDEXED)
    status = models.CharField(max_length=16)
    # Orders with a line of the category; NULL for all categories, where orders with
    # lines in two categories would count twice (the order facts count orders).
    orders = models.PositiveIntegerField(null=True)
    units = models.PositiveBigIntegerField()
    gross_sales = models.DecimalField(**MONEY_SUM)
    discounts = models.DecimalField(**MONEY_SUM)
    returns = models.DecimalField(**MONEY_SUM)
    returned_units = models.PositiveBigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=[*DIMENSIONS, "grain", "category", "day"]),
            # Every category at once: the category column's "not null" is a range,
            # so the index above cannot narrow by day and each row of the level
            # would be read (20 ms against 1.6 ms at 1M orders on SQLite).
            models.Index(fields=[*DIMENSIONS, "grain", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.traffic_source}/{self.device}/{self.country}"


class ProductDay(DayFact):
    """Units, gross sales and discounts of revenue orders' lines per (local day,
    product, source, device, country); returns and returned units on the refund's
    local day."""

    product = models.ForeignKey(Product, **UNINDEXED)
    units = models.PositiveBigIntegerField()
    gross_sales = models.DecimalField(**MONEY_SUM)
    discounts = models.DecimalField(**MONEY_SUM)
    returns = models.DecimalField(**MONEY_SUM)
    returned_units = models.PositiveBigIntegerField()

    class Meta:
        indexes = [models.Index(fields=[*DIMENSIONS, "grain", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.traffic_source}/{self.device}/{self.country}"


class SessionDay(DayFact):
    """Sessions per (local day of their start, source, device, country): how many,
    how many converted (a purchase event), how many reached each funnel step."""

    sessions = models.PositiveIntegerField()
    converted = models.PositiveIntegerField()
    product_view = models.PositiveIntegerField()
    add_to_cart = models.PositiveIntegerField()
    begin_checkout = models.PositiveIntegerField()
    purchase = models.PositiveIntegerField()

    class Meta:
        # Device and country first: grouping by source reads every source's rows of a
        # device and country level as one range.
        indexes = [
            models.Index(fields=["device", "country", "traffic_source", "grain", "day"])
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.traffic_source}/{self.device}/{self.country}"


class FunnelDay(DayFact):
    """Sessions per (local day of their start, source, device, country, furthest
    funnel step reached, WebSession.funnel_step) with the money of the funnel: the
    revenue orders their purchase events link (sales terms on the session's day,
    returns on the refund's day with the session's dimensions and step) and, of the
    sessions without a purchase, the add-to-cart events at the products' list price.
    Sessions at step k are the rows with funnel_step >= k (funnel_facts)."""

    funnel_step = models.PositiveSmallIntegerField()
    sessions = models.PositiveIntegerField()
    unconverted_sessions = models.PositiveIntegerField()  # no purchase event
    cart_units = models.PositiveIntegerField()  # their add_to_cart events
    cart_value = models.DecimalField(**MONEY_SUM)  # Σ list price of those events
    orders = models.PositiveIntegerField()  # revenue orders of purchase events
    gross_sales = models.DecimalField(**MONEY_SUM)
    discounts = models.DecimalField(**MONEY_SUM)
    returns = models.DecimalField(**MONEY_SUM)
    shipping = models.DecimalField(**MONEY_SUM)
    taxes = models.DecimalField(**MONEY_SUM)

    class Meta:
        indexes = [
            models.Index(fields=["device", "country", "traffic_source", "grain", "day"])
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.traffic_source}/{self.device}/{self.country}"


class ProductFunnelDay(DayFact):
    """Per (local day of the session's start, product, the session's source, device,
    country): the sessions with a product_view event of the product, with an
    add_to_cart event of it, and with a purchase event whose order has a line of it.
    Each counts a session once per product, on the day it started, so the counts add
    up across days and dimension values. Levels as the product facts: no filter and
    each single one of source, device, country (product_funnel_facts)."""

    product = models.ForeignKey(Product, **UNINDEXED)
    views = models.PositiveIntegerField()
    carts = models.PositiveIntegerField()
    purchases = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=[*DIMENSIONS, "grain", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.product_id}"


class TimeToConvertDay(DayFact):
    """Sessions per (local day of their start, level, funnel transition, duration
    grid point): how many sessions started on the day made the transition in a time
    that rounds down to `seconds` on the grid of ttc_facts.GRID. A session lies on one
    day and makes each transition once, so the counts add up across days and
    dimension values. Levels as the product facts: no filter and each single one of
    source, device, country (ttc_facts)."""

    transition = models.PositiveSmallIntegerField()  # index in ttc_facts.TRANSITIONS
    seconds = models.PositiveIntegerField()  # the duration's grid point
    sessions = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=[*DIMENSIONS, "grain", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.transition} {self.seconds}s"


class BasketDay(DayFact):
    """Revenue orders per (local day of the order, source, device, country: the
    order's and its customer's) and per product pair bought together in them:
    first and second set, first < second: orders with lines of both; second NULL:
    orders with a line of first; both NULL: orders with any line. An order lies on
    one day, so the counts add up across days and dimension values. No threshold:
    the day rows are at most the orders' distinct product pairs, the month rows at
    most the pairs bought in the month, and any window's counts are exact. Levels
    as the product facts (basket_facts)."""

    first = models.ForeignKey(Product, null=True, **UNINDEXED)
    second = models.ForeignKey(Product, null=True, **UNINDEXED)
    orders = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=[*DIMENSIONS, "grain", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.first_id}+{self.second_id}"


class CustomerCohort(models.Model):
    """One row per customer: cohort anchors and acquisition, for cohort metrics.

    acquisition = the first revenue order ever (placed_at, then id); null fields when
    the customer has none. last_order_at (any status) tells an incremental refresh
    which customers a deleted or moved order may have touched.
    """

    customer = models.OneToOneField(
        Customer, primary_key=True, **LOOSE | {"related_name": "cohort_fact"}
    )
    country = models.CharField(max_length=64)
    signup_day = models.DateField()
    signup_month = models.DateField()
    acquisition_order_id = models.BigIntegerField(null=True)
    acquired_day = models.DateField(null=True)
    acquisition_month = models.DateField(null=True)
    # Blank when the customer has no revenue order (no acquisition).
    acquisition_source = models.CharField(max_length=16, blank=True)
    acquisition_device = models.CharField(max_length=16, blank=True)
    revenue_orders = models.PositiveIntegerField()
    last_order_at = models.DateTimeField(null=True)
    # Which refresh wrote the row: its dependent rows are built for that refresh's rows.
    stamp = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["acquired_day"]),
            # acquired_day too: the RFM prospects as of a day (signed up by then,
            # acquired after or never) are counted from the index alone, 75 -> 12
            # ms at 100k orders on SQLite.
            models.Index(fields=["signup_day", "acquired_day"]),
        ]

    def __str__(self) -> str:
        return f"customer {self.customer_id}"


class AcquisitionCategory(models.Model):
    """The categories of a customer's acquisition order's lines."""

    # Named so a cohort row's categories read as member.acquisition_categories.
    member = models.ForeignKey(
        CustomerCohort, **LOOSE | {"related_name": "acquisition_categories"}
    )
    category = models.ForeignKey(Category, **LOOSE)

    class Meta:
        indexes = [models.Index(fields=["category", "member"])]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.category_id}"


class ActiveMonth(models.Model):
    """A (customer, local month) in which the customer placed a revenue order."""

    member = models.ForeignKey(CustomerCohort, **LOOSE)
    month = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["member", "month"])]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.month:%Y-%m}"


# Distinct customers do not add up across days: a customer who ordered on two days of
# a window is one customer. They are counted from *chains* instead: each (customer,
# local day with a revenue order) is one link whose `previous` is the customer's
# previous such day (NULL for the first). A customer has an order in [a, b] exactly
# when one link has its day in [a, b] and its previous day before a (the first link
# inside the window), so the distinct count is a sum of link counts over day rows and
# previous days: rows that grow with the days, never with the customers.
#
# Rows are kept for no filter and for each single filter (one dimension or, where it
# applies, one category): with two filters or more the metrics count on finer tables.
#
# `previous` comes at two precisions (previous_grain): "d" keeps the exact previous
# day, "m" only its month's first day. A query needs the exact day only for previous
# days in the month of the window's start (the other months are wholly before or
# after it), so it reads the few "d" rows of that month and the "m" rows otherwise.
# Month rows (grain "m") keep only links whose previous day is before their month:
# the others never start a window that covers the whole month.


class ChainLinks(models.Model):
    """Links of revenue-order days per level; see the comment above."""

    grain = models.CharField(max_length=1)
    day = models.DateField()  # grain "m": the month's first day
    previous_grain = models.CharField(max_length=1)
    previous = models.DateField(null=True)
    traffic_source = models.CharField(max_length=16)
    device = models.CharField(max_length=16)
    country = models.CharField(max_length=64)
    links = models.PositiveIntegerField()

    class Meta:
        abstract = True


class CustomerLinks(ChainLinks):
    """Chains of each customer's days with a revenue order (with a category: with a
    line of the category). Answers the KPI `customers`."""

    category = models.ForeignKey(Category, null=True, **UNINDEXED)  # NULL: all

    class Meta:
        indexes = [
            models.Index(
                fields=[*DIMENSIONS, "category", "grain", "previous_grain", "day"],
                name="rollups_customer_links_day",
            ),
            models.Index(
                fields=[*DIMENSIONS, "category", "previous_grain", "previous"],
                name="rollups_customer_links_prev",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} after {self.previous}"


class ProductLinks(ChainLinks):
    """Chains of each customer's days with a revenue-order line of a product. Answers
    the top products' `buyers`."""

    product = models.ForeignKey(Product, **UNINDEXED)

    class Meta:
        indexes = [
            models.Index(
                fields=[*DIMENSIONS, "product", "grain", "previous_grain", "day"],
                name="rollups_product_links_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.day} after {self.previous}"


class CohortCell(models.Model):
    """Cohort sizes and active customers, summed per (cohort anchor day, active month).

    cohort_by: "f" (first revenue order) or "s" (signup). One row per anchor day
    (grain "d") or anchor month (grain "m", day = its first day), active month and
    level; active_month NULL: the cohort's size row, which also counts the customers
    with two revenue orders or more. Levels as the links: no filter, or one of the
    acquisition's source, device or category, or the customer's country.
    """

    cohort_by = models.CharField(max_length=1)
    grain = models.CharField(max_length=1)
    day = models.DateField()
    month = models.DateField()  # the cohort: the anchor day's month
    active_month = models.DateField(null=True)
    traffic_source = models.CharField(max_length=16)
    device = models.CharField(max_length=16)
    country = models.CharField(max_length=64)
    category = models.ForeignKey(Category, null=True, **UNINDEXED)  # NULL: all
    customers = models.PositiveIntegerField()
    repeat_customers = models.PositiveIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["cohort_by", *DIMENSIONS, "category", "grain", "day"],
                name="rollups_cohort_cell_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cohort_by} {self.day} → {self.active_month}"


class DiscountDay(DayFact):
    """Money of orders per (local day, source, device, country, status, discount codes).

    discount_codes is the order's value (blank: none; a combination is one value).
    Orders, new-customer orders (the customer's acquisition order, as
    CustomerCohort has it), gross sales and discounts lie on the order's local day;
    returns (Σ refund amounts) on the refund's, so a day's orders and its refunds are
    written as separate rows of the same keys, and every read sums them. Levels as the
    category and product facts: no filter and each single one of source, device,
    country (with two of them the discount-codes report reads the raw tables).
    """

    status = models.CharField(max_length=16)
    discount_codes = models.CharField(max_length=255)
    orders = models.PositiveIntegerField()
    new_customer_orders = models.PositiveIntegerField()
    gross_sales = models.DecimalField(**MONEY_SUM)
    discounts = models.DecimalField(**MONEY_SUM)
    returns = models.DecimalField(**MONEY_SUM)

    class Meta:
        indexes = [models.Index(fields=[*DIMENSIONS, "grain", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.discount_codes or '(no code)'}"


class DiscountLinks(ChainLinks):
    """Chains of each customer's days with a revenue order of one discount-codes
    value (blank: without a code). Answers the discount-codes report's `customers`."""

    discount_codes = models.CharField(max_length=255)

    class Meta:
        # Without the codes: the report reads every code of a window at once.
        indexes = [
            models.Index(
                fields=[*DIMENSIONS, "grain", "previous_grain", "day"],
                name="rollups_discount_links_day",
            ),
            models.Index(
                fields=[*DIMENSIONS, "previous_grain", "previous"],
                name="rollups_discount_links_prev",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.discount_codes}: {self.day} after {self.previous}"


class CustomerDay(models.Model):
    """A customer's revenue per local day: the revenue orders placed that day and their
    sales terms, and the returns of refunds given that day on the customer's revenue
    orders (a refund-only day has orders 0). Read with the customer's CustomerCohort
    row (`member`: acquisition, filters), it answers the customer-value metrics
    (cohorts: new vs returning, lifetime value, RFM, the model's per-customer
    summary) without a per-customer lookup of the first order."""

    member = models.ForeignKey(CustomerCohort, **UNINDEXED)
    day = models.DateField()
    week = models.DateField()  # the Monday of the day's ISO week
    month = models.DateField()  # the first of the day's month
    orders = models.PositiveIntegerField()
    gross_sales = models.DecimalField(**MONEY_SUM)
    discounts = models.DecimalField(**MONEY_SUM)
    returns = models.DecimalField(**MONEY_SUM)
    shipping = models.DecimalField(**MONEY_SUM)
    taxes = models.DecimalField(**MONEY_SUM)

    class Meta:
        # Per customer (RFM, the model's summary) a range of the first index; per
        # window (new vs returning) a range of the second. Both carry orders, so
        # the window's returning customer rate reads the indexes alone: 57 -> 20 ms
        # for a 90-day window at 100k orders on SQLite.
        indexes = [
            models.Index(
                fields=["member", "day", "orders"], name="rollups_customer_day_member"
            ),
            models.Index(
                fields=["day", "member", "orders"], name="rollups_customer_day_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.day}"


class CustomerFunnelSession(models.Model):
    """One row per web session of a known customer (WebSession.customer set): its
    start, dimensions and the time of its first event of each funnel step, NULL
    without one (customer_funnel_facts). The id is the session's. Times are
    microseconds since 1970-01-01 UTC, so the customer funnel's "at most N days after
    the first session" is an integer addition on every database. About one row per
    known session instead of one per event; anonymous sessions are counted from
    SessionDay."""

    customer = models.ForeignKey(Customer, **UNINDEXED)
    traffic_source = models.CharField(max_length=16)
    device = models.CharField(max_length=16)
    country = models.CharField(max_length=64)
    started_us = models.BigIntegerField()
    viewed_us = models.BigIntegerField(null=True)  # first product_view
    carted_us = models.BigIntegerField(null=True)  # first add_to_cart
    checkout_us = models.BigIntegerField(null=True)  # first begin_checkout
    purchased_us = models.BigIntegerField(null=True)  # first purchase

    class Meta:
        indexes = [
            # The window's sessions are a range of starts; written in this order.
            models.Index(fields=["started_us"]),
            # Each entered customer's sessions within the conversion window.
            models.Index(fields=["customer", "started_us"]),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} of customer {self.customer_id}"
