"""Synthetic shop data as a pure function of a seed: numpy arrays, batch by batch.

Nothing here touches the database. `generate_catalogue` draws the categories and
products; `generate_batches` then yields, for each batch of customers, the rows of every
table as column arrays (`TableRows`), with ids assigned from `NextIds`. The same seed,
sizes and `now` give the same rows, whatever the database.

The story of a customer: signs up (growth trend, Q4 seasonality, weekly and daily
cycles); most buy within days; after each order a customer comes back with their own
probability (Beta-distributed loyalty, so retention decays, then flattens), usually
after a few weeks, sometimes after a lapse of months (churn and comeback).

Web sessions, about `sessions_per_order` per order:
- every order has one purchasing session with the order's source and device, whose
  events run page_view -> product_view and add_to_cart per line -> begin_checkout ->
  purchase (SessionEvent.order points at the order) and end at the order's time;
- logged-in customers browse without buying before their orders, registered customers
  who never buy visit a few times, and anonymous visitors fill the rest of the budget;
  these browsing sessions stop at every funnel step with the probabilities in shapes,
  so each step has fewer sessions than the one before.
Sources and devices of buying and browsing sessions are drawn so that traffic follows
the traffic mix while conversion differs by source and device (shapes.Mix).

Money terms (generation/terms.py): discount codes by campaign, each order's discount
split over its lines, shipping below a free-shipping threshold, taxes by the
customer's country; a full refund for every refunded order, and partial refunds
(units of a line sent back, or money only) for a few revenue orders, some days after
the order and never after now. They are drawn from their own random stream
(terms_rng), so everything else a seed gave stays the same.

Raw page views are not stored one per page: a session's landing page is its single
page_view event (the session's start). The funnel only needs the product_view,
add_to_cart, begin_checkout and purchase events, which are all stored, so one page_view
per session keeps the funnel's semantics at a fraction of the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from . import shapes
from .terms import CODES, OrderTerms, Refunds, draw_refunds, draw_terms

DAY = 86_400
EVENT_TYPES = ("page_view", "product_view", "add_to_cart", "begin_checkout", "purchase")
PAGE_VIEW, PRODUCT_VIEW, ADD_TO_CART, BEGIN_CHECKOUT, PURCHASE = range(5)


# --- Rows -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One column of generated rows, in a form cheap to keep and to convert per chunk.

    kind: "int"; "bool"; "nullable_int" (-1 stands for NULL); "time" (UTC epoch seconds);
    "cents" (money in cents); "label" (codes into `labels`); "format" (`fmt % value`
    of non-negative ints, e.g. external ids from ids).
    """

    kind: str
    values: np.ndarray
    labels: tuple[str, ...] = ()
    fmt: str = ""


@dataclass(frozen=True, slots=True)
class TableRows:
    """Rows for one model's table: its field names mapped to columns of equal length."""

    model: str  # model name in the store app, e.g. "Order"
    columns: dict[str, Column]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())).values)


@dataclass(slots=True)
class NextIds:
    """The next free primary key of each generated table; batches take ranges from it."""

    customer: int = 1
    order: int = 1
    orderitem: int = 1
    websession: int = 1
    sessionevent: int = 1
    refund: int = 1
    refundline: int = 1

    def is_fresh(self) -> bool:
        """Whether every generated table is empty (nothing has been written yet)."""
        return {
            self.customer,
            self.order,
            self.orderitem,
            self.websession,
            self.sessionevent,
            self.refund,
            self.refundline,
        } == {1}

    def take(self, table: str, count: int) -> np.ndarray:
        first = getattr(self, table)
        setattr(self, table, first + count)
        return np.arange(first, first + count, dtype=np.int64)


# --- Calendar -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Calendar:
    """The generated window's local days, as UTC epoch seconds, and their weights."""

    now: int
    day_starts: np.ndarray  # local midnights: every day of the window, then tomorrow
    day_month: np.ndarray  # calendar month (1..12) of each day
    traffic: np.ndarray  # probability of each day for sign-ups and visits
    repeat_acceptance: np.ndarray  # season x weekday of each day, scaled to max 1
    hourly: np.ndarray = field(
        default_factory=lambda: np.asarray(shapes.HOURLY) / sum(shapes.HOURLY)
    )

    @property
    def start(self) -> int:
        return int(self.day_starts[0])

    @property
    def days(self) -> int:
        return len(self.day_starts) - 1

    def day_of(self, moments: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.day_starts, moments, side="right") - 1

    def sample_times(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Moments up to now following the traffic's trend, seasons and cycles."""
        return self.time_in_day(rng, rng.choice(self.days, count, p=self.traffic))

    def time_in_day(self, rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
        """A moment on each given local day, by the hourly profile, never after now."""
        seconds = rng.choice(24, len(days), p=self.hourly) * 3600 + rng.integers(
            0, 3600, len(days)
        )
        starts = self.day_starts[days]
        moments = np.minimum(starts + seconds, self.day_starts[days + 1] - 1)
        late = moments > self.now
        if late.any():
            elapsed = self.now - starts[late]
            moments[late] = starts[late] + (rng.random(late.sum()) * elapsed).astype(
                np.int64
            )
        return moments


def build_calendar(*, now: datetime, months: int, tz: ZoneInfo) -> Calendar:
    """The local days of the `months` calendar months ending with now's month."""
    local_now = now.astimezone(tz)
    month_index = local_now.year * 12 + local_now.month - 1 - (months - 1)
    first = date(month_index // 12, month_index % 12 + 1, 1)
    days = [
        first + timedelta(days=offset)
        for offset in range((local_now.date() - first).days + 2)
    ]
    day_starts = np.asarray(
        [int(datetime.combine(day, time.min, tzinfo=tz).timestamp()) for day in days],
        dtype=np.int64,
    )
    days = days[:-1]
    months_in = np.asarray(
        [(d.year - first.year) * 12 + d.month - first.month + d.day / 31 for d in days]
    )
    season = np.asarray([shapes.SEASONALITY[d.month] for d in days])
    weekday = np.asarray([shapes.WEEKDAY[d.weekday()] for d in days])
    traffic = shapes.MONTHLY_GROWTH**months_in * season * weekday
    now_seconds = int(now.timestamp())
    # Today has only happened up to now.
    traffic[-1] *= (now_seconds - day_starts[-2]) / (day_starts[-1] - day_starts[-2])
    acceptance = season * weekday
    return Calendar(
        now=now_seconds,
        day_starts=day_starts,
        day_month=np.asarray([d.month for d in days]),
        traffic=traffic / traffic.sum(),
        repeat_acceptance=acceptance / acceptance.max(),
    )


# --- Catalogue ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Categories and products; `popularity` is each product's share of sales."""

    category_names: tuple[str, ...]
    skus: tuple[str, ...]
    product_names: tuple[str, ...]
    product_category: np.ndarray  # index into category_names
    price_cents: np.ndarray
    popularity: np.ndarray


def generate_catalogue(rng: np.random.Generator) -> Catalogue:
    """The categories of shapes.CATEGORIES with log-normal prices, Zipf popularity."""
    names: list[str] = []
    product_category: list[int] = []
    prices: list[np.ndarray] = []
    for index, category in enumerate(shapes.CATEGORIES):
        adjectives = rng.choice(shapes.PRODUCT_ADJECTIVES, category.products)
        singular = category.name.split(" & ")[0].rstrip("s")
        names += [
            f"{adjective} {singular} {number}"
            for number, adjective in enumerate(adjectives, start=1)
        ]
        product_category += [index] * category.products
        prices.append(
            category.median_price
            * rng.lognormal(0.0, category.price_spread, category.products)
        )
    price_cents = np.maximum(np.round(np.concatenate(prices) * 100), 99).astype(
        np.int64
    )
    # Popularity ranks are shuffled so best sellers are spread over the categories.
    ranks = rng.permutation(len(names)) + 1
    popularity = 1.0 / ranks**shapes.POPULARITY_EXPONENT
    return Catalogue(
        category_names=tuple(category.name for category in shapes.CATEGORIES),
        skus=tuple(f"SKU-{number:05d}" for number in range(1, len(names) + 1)),
        product_names=tuple(names),
        product_category=np.asarray(product_category),
        price_cents=price_cents,
        popularity=popularity / popularity.sum(),
    )


# --- Batches --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """What to generate; the randomness comes from the numpy Generator passed along."""

    customers: int
    months: int
    now: datetime
    tz: ZoneInfo
    sessions_per_order: float = shapes.DEFAULT_SESSIONS_PER_ORDER
    batch_customers: int = 5000


def generate_batches(
    *,
    plan: Plan,
    rng: np.random.Generator,
    terms_rng: np.random.Generator,
    product_ids: np.ndarray,
    catalogue: Catalogue,
    ids: NextIds,
) -> Iterator[list[TableRows]]:
    """Rows of each batch of customers, in foreign-key order (customers first).

    product_ids: the database ids of catalogue's products, in catalogue order.
    terms_rng: the stream the money terms are drawn from (see the module docstring).
    """
    calendar = build_calendar(now=plan.now, months=plan.months, tz=plan.tz)
    remaining = plan.customers
    while remaining > 0:
        size = min(plan.batch_customers, remaining)
        remaining -= size
        yield _batch(
            rng=rng,
            terms_rng=terms_rng,
            size=size,
            calendar=calendar,
            catalogue=catalogue,
            product_ids=product_ids,
            ids=ids,
            sessions_per_order=plan.sessions_per_order,
        )


COUNTRY_CODES = tuple(code for code, _ in shapes.COUNTRIES)
COUNTRY_SHARE = np.asarray([share for _, share in shapes.COUNTRIES])
COUNTRY_SHARE /= COUNTRY_SHARE.sum()


# --- One batch ------------------------------------------------------------------------
# A batch is drawn in steps, each from the same rng in a fixed order: the steps only
# name the stages of one sequence of draws, so a seed gives the same rows as ever.


@dataclass(frozen=True, slots=True)
class _Customers:
    ids: np.ndarray
    signed_up: np.ndarray
    country: np.ndarray  # codes into COUNTRY_CODES
    buyer: np.ndarray  # whether the customer ever buys (if time allows)
    loyalty: np.ndarray  # probability of ordering again after each order


@dataclass(frozen=True, slots=True)
class _Orders:
    """The batch's orders, by time; customer holds indexes into the batch's customers."""

    customer: np.ndarray
    placed_at: np.ndarray
    ids: np.ndarray
    source: np.ndarray
    device: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return len(self.placed_at)


@dataclass(frozen=True, slots=True)
class _Lines:
    order: np.ndarray  # indexes into the batch's orders
    product: np.ndarray  # indexes into the catalogue
    quantity: np.ndarray
    unit_cents: np.ndarray
    order_total_cents: np.ndarray  # per order, not per line

    def __len__(self) -> int:
        return len(self.order)


@dataclass(frozen=True, slots=True)
class _Browsing:
    """Sessions without a purchase; customer is an index into the batch or -1."""

    customer: np.ndarray
    start: np.ndarray
    country: np.ndarray
    source: np.ndarray
    device: np.ndarray

    def __len__(self) -> int:
        return len(self.customer)


@dataclass(frozen=True, slots=True)
class _Events:
    """Every session's events, grouped by session (purchasing sessions first)."""

    session: np.ndarray  # index into the batch's sessions
    event_type: np.ndarray
    product: np.ndarray  # index into the catalogue or -1
    order: np.ndarray  # index into the batch's orders or -1
    occurred_at: np.ndarray
    session_started_at: np.ndarray  # per session
    funnel_step: np.ndarray  # per session: the last step reached


def _batch(
    *,
    rng: np.random.Generator,
    terms_rng: np.random.Generator,
    size: int,
    calendar: Calendar,
    catalogue: Catalogue,
    product_ids: np.ndarray,
    ids: NextIds,
    sessions_per_order: float,
) -> list[TableRows]:
    customers = _draw_customers(rng, size, calendar, ids)
    orders = _draw_orders(rng, customers, calendar, ids)
    acquisition, has_order = _draw_acquisition(rng, size, orders)
    lines = _draw_lines(rng, orders, calendar, catalogue)
    browsing = _draw_browsing(
        rng, customers, orders, has_order, calendar, sessions_per_order
    )
    events = _draw_events(rng, orders, lines, browsing, calendar, catalogue)
    terms, refunds = _draw_money_terms(terms_rng, customers, orders, lines, calendar)
    return _tables(
        customers,
        acquisition,
        orders,
        lines,
        browsing,
        events,
        product_ids,
        ids,
        money=(terms, refunds),
    )


def _draw_money_terms(
    rng: np.random.Generator,
    customers: _Customers,
    orders: _Orders,
    lines: _Lines,
    calendar: Calendar,
) -> tuple[OrderTerms, Refunds]:
    line_gross = lines.quantity * lines.unit_cents
    terms = draw_terms(
        rng,
        order_customer=orders.customer,
        order_month=calendar.day_month[calendar.day_of(orders.placed_at)],
        order_country=customers.country[orders.customer],
        gross=lines.order_total_cents,
        line_order=lines.order,
        line_gross=line_gross,
    )
    refunds = draw_refunds(
        rng,
        status=orders.status,
        placed_at=orders.placed_at,
        paid=terms.paid(lines.order_total_cents),
        now=calendar.now,
        line_order=lines.order,
        line_quantity=lines.quantity,
        line_net=line_gross - terms.line_discount,
    )
    return terms, refunds


def _draw_customers(
    rng: np.random.Generator, size: int, calendar: Calendar, ids: NextIds
) -> _Customers:
    return _Customers(
        ids=ids.take("customer", size),
        signed_up=calendar.sample_times(rng, size),
        country=rng.choice(len(COUNTRY_CODES), size, p=COUNTRY_SHARE),
        buyer=rng.random(size) < shapes.BUYER_SHARE,
        loyalty=rng.beta(*shapes.RETURN_BETA, size),
    )


def _draw_orders(
    rng: np.random.Generator, customers: _Customers, calendar: Calendar, ids: NextIds
) -> _Orders:
    """Each customer's purchase times, then the batch's orders sorted by time."""
    now, size = calendar.now, len(customers.ids)
    lag = (rng.exponential(shapes.FIRST_ORDER_LAG_DAYS * DAY, size)).astype(np.int64)
    first_order = customers.signed_up + 60 + lag
    who = np.flatnonzero(customers.buyer & (first_order <= now))
    when = first_order[who]
    order_customer_parts, order_time_parts = [], []
    while who.size:
        order_customer_parts.append(who)
        order_time_parts.append(when)
        again = rng.random(who.size) < customers.loyalty[who]
        who = who[again]
        when = _next_order_time(rng, calendar, when[again])
        who, when = who[when <= now], when[when <= now]
    order_customer = np.concatenate([*order_customer_parts, np.empty(0, np.int64)])
    placed_at = np.concatenate([*order_time_parts, np.empty(0, np.int64)])
    by_time = np.argsort(placed_at, kind="stable")
    order_customer, placed_at = order_customer[by_time], placed_at[by_time]
    orders = len(placed_at)
    return _Orders(
        customer=order_customer,
        placed_at=placed_at,
        ids=ids.take("order", orders),
        source=rng.choice(
            len(shapes.SOURCES.values), orders, p=shapes.SOURCES.buyer_share()
        ),
        device=rng.choice(
            len(shapes.DEVICES.values), orders, p=shapes.DEVICES.buyer_share()
        ),
        status=_statuses(rng, (now - placed_at) / DAY),
    )


def _draw_acquisition(
    rng: np.random.Generator, size: int, orders: _Orders
) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's acquisition channel, and whether they have an order.

    A buyer's channel is the source of their first order; the others' follow the
    traffic mix.
    """
    acquisition = rng.choice(
        len(shapes.SOURCES.values),
        size,
        p=np.asarray(shapes.SOURCES.traffic_share) / sum(shapes.SOURCES.traffic_share),
    )
    buyers, first_order_index = np.unique(orders.customer, return_index=True)
    acquisition[buyers] = orders.source[first_order_index]
    has_order = np.zeros(size, dtype=bool)
    has_order[buyers] = True
    return acquisition, has_order


def _draw_lines(
    rng: np.random.Generator, orders: _Orders, calendar: Calendar, catalogue: Catalogue
) -> _Lines:
    """Each order's lines; part of Q4's lines are discounted."""
    count = len(orders)
    lines_per_order = 1 + np.minimum(
        rng.poisson(shapes.EXTRA_LINES_MEAN, count), shapes.MAX_LINES - 1
    )
    line_order = np.repeat(np.arange(count), lines_per_order)
    lines = len(line_order)
    line_product = rng.choice(len(catalogue.popularity), lines, p=catalogue.popularity)
    quantity = np.minimum(
        rng.geometric(shapes.QUANTITY_GEOMETRIC_P, lines), shapes.MAX_QUANTITY
    )
    unit_cents = catalogue.price_cents[line_product]
    in_q4 = calendar.day_month[calendar.day_of(orders.placed_at[line_order])] >= 10
    discounted = in_q4 & (rng.random(lines) < shapes.Q4_DISCOUNTED_SHARE)
    discount = rng.uniform(*shapes.Q4_DISCOUNT, lines)
    unit_cents = np.where(
        discounted, np.round(unit_cents * (1 - discount)).astype(np.int64), unit_cents
    )
    total_cents = (
        np.bincount(line_order, weights=quantity * unit_cents, minlength=count)
        .round()
        .astype(np.int64)
    )
    return _Lines(
        order=line_order,
        product=line_product,
        quantity=quantity,
        unit_cents=unit_cents,
        order_total_cents=total_cents,
    )


def _draw_browsing(
    rng: np.random.Generator,
    customers: _Customers,
    orders: _Orders,
    has_order: np.ndarray,
    calendar: Calendar,
    sessions_per_order: float,
) -> _Browsing:
    """Sessions without a purchase: buyers before their orders, registered customers
    who never buy, then anonymous visitors up to the batch's session budget."""
    now, count = calendar.now, len(orders)
    browsing_budget = round(count * (sessions_per_order - 1))
    known_mean = min(shapes.KNOWN_BROWSING_PER_ORDER, 0.25 * (sessions_per_order - 1))
    before_order = np.repeat(np.arange(count), rng.poisson(known_mean, count))
    known_customer = orders.customer[before_order]
    known_start = orders.placed_at[before_order] - rng.integers(
        3600, 20 * DAY, len(before_order)
    )
    never_bought = np.flatnonzero(~has_order)
    visits = np.repeat(
        never_bought, rng.poisson(shapes.NON_BUYER_SESSIONS, len(never_bought))
    )
    visit_start = customers.signed_up[visits] + rng.integers(0, 60 * DAY, len(visits))
    visits, visit_start = visits[visit_start <= now], visit_start[visit_start <= now]
    known_customer = np.concatenate([known_customer, visits])
    known_start = np.maximum(np.concatenate([known_start, visit_start]), calendar.start)
    anonymous = max(0, browsing_budget - len(known_customer))
    browse_customer = np.concatenate([known_customer, np.full(anonymous, -1)])
    browse_start = np.concatenate([known_start, calendar.sample_times(rng, anonymous)])
    browsing = len(browse_customer)
    return _Browsing(
        customer=browse_customer,
        start=browse_start,
        country=np.where(
            browse_customer >= 0,
            customers.country[np.maximum(browse_customer, 0)],
            rng.choice(len(COUNTRY_CODES), browsing, p=COUNTRY_SHARE),
        ),
        source=rng.choice(
            len(shapes.SOURCES.values),
            browsing,
            p=shapes.SOURCES.browser_share(sessions_per_order),
        ),
        device=rng.choice(
            len(shapes.DEVICES.values),
            browsing,
            p=shapes.DEVICES.browser_share(sessions_per_order),
        ),
    )


def _draw_events(
    rng: np.random.Generator,
    orders: _Orders,
    lines: _Lines,
    browsing: _Browsing,
    calendar: Calendar,
    catalogue: Catalogue,
) -> _Events:
    """Events step by step in funnel order; sessions 0..orders-1 are the purchasing
    ones, whose events end at their order's time."""
    count, browsers = len(orders), len(browsing)
    sessions = count + browsers
    products = len(catalogue.popularity)
    views = rng.random(browsers) < shapes.BROWSER_REACHES_PRODUCT_VIEW
    carts = views & (rng.random(browsers) < shapes.BROWSER_REACHES_ADD_TO_CART)
    checkouts = carts & (rng.random(browsers) < shapes.BROWSER_REACHES_CHECKOUT)
    product_views = np.where(
        views, rng.geometric(shapes.PRODUCT_VIEWS_GEOMETRIC_P, browsers), 0
    )
    browse_view_session = count + np.repeat(np.arange(browsers), product_views)
    browse_cart_session = count + np.flatnonzero(carts)
    steps = [
        (PAGE_VIEW, np.arange(sessions), None, None),
        (PRODUCT_VIEW, lines.order, lines.product, None),
        (
            PRODUCT_VIEW,
            browse_view_session,
            rng.choice(products, len(browse_view_session), p=catalogue.popularity),
            None,
        ),
        (ADD_TO_CART, lines.order, lines.product, None),
        (
            ADD_TO_CART,
            browse_cart_session,
            rng.choice(products, len(browse_cart_session), p=catalogue.popularity),
            None,
        ),
        (BEGIN_CHECKOUT, np.arange(count), None, None),
        (BEGIN_CHECKOUT, count + np.flatnonzero(checkouts), None, None),
        (PURCHASE, np.arange(count), None, np.arange(count)),
    ]
    event_session = np.concatenate([session for _, session, _, _ in steps])
    event_type = np.concatenate(
        [np.full(len(session), step) for step, session, _, _ in steps]
    )
    event_product = np.concatenate(
        [
            np.full(len(session), -1) if product is None else product
            for _, session, product, _ in steps
        ]
    )
    event_order = np.concatenate(
        [
            np.full(len(session), -1) if order is None else order
            for _, session, _, order in steps
        ]
    )
    grouped = np.argsort(event_session, kind="stable")
    event_session, event_type = event_session[grouped], event_type[grouped]
    event_product, event_order = event_product[grouped], event_order[grouped]
    events_per_session = np.bincount(event_session, minlength=sessions)
    first_event = np.cumsum(events_per_session) - events_per_session
    gaps = shapes.EVENT_GAP_MIN_SECONDS + rng.exponential(
        shapes.EVENT_GAP_MEAN_SECONDS, len(event_session)
    ).astype(np.int64)
    gaps[first_event] = 0
    elapsed = np.cumsum(gaps)
    offset = elapsed - np.repeat(elapsed[first_event], events_per_session)
    duration = offset[first_event + events_per_session - 1]
    # A purchasing session ends with the order; a browsing one starts when drawn.
    started_at = np.concatenate([orders.placed_at - duration[:count], browsing.start])
    occurred_at = np.minimum(
        np.repeat(started_at, events_per_session) + offset, calendar.now
    )
    # Stored funnel progress (see store.session_progress), known from the steps drawn
    # above: events are laid out in funnel order at non-decreasing times, so every
    # purchasing session reaches the purchase step and a browsing one stops where
    # its draws stopped.
    funnel_step = np.concatenate(
        [np.full(count, PURCHASE), views.astype(np.int64) + carts + checkouts]
    )
    return _Events(
        session=event_session,
        event_type=event_type,
        product=event_product,
        order=event_order,
        occurred_at=occurred_at,
        session_started_at=started_at,
        funnel_step=funnel_step,
    )


def _nullable_ids(ids: np.ndarray, indexes: np.ndarray) -> np.ndarray:
    """ids[index] for each index, -1 (NULL) where the index is -1."""
    return np.where(indexes >= 0, ids[np.maximum(indexes, 0)], -1)


def _tables(
    customers: _Customers,
    acquisition: np.ndarray,
    orders: _Orders,
    lines: _Lines,
    browsing: _Browsing,
    events: _Events,
    product_ids: np.ndarray,
    ids: NextIds,
    *,
    money: tuple[OrderTerms, Refunds],
) -> list[TableRows]:
    """The batch's rows per table, in foreign-key order, with their primary keys."""
    sources, devices = shapes.SOURCES.values, shapes.DEVICES.values
    session_ids = ids.take("websession", len(orders) + len(browsing))
    customer_ids, order_ids = customers.ids, orders.ids
    item_ids = ids.take("orderitem", len(lines))
    terms, refunds = money
    refund_ids = ids.take("refund", len(refunds.order))
    return [
        TableRows(
            "Customer",
            {
                "id": Column("int", customer_ids),
                "external_id": Column("format", customer_ids, fmt="C%08d"),
                "email": Column("format", customer_ids, fmt="customer%d@example.com"),
                "signed_up_at": Column("time", customers.signed_up),
                "country": Column("label", customers.country, labels=COUNTRY_CODES),
                "acquisition_channel": Column("label", acquisition, labels=sources),
            },
        ),
        TableRows(
            "Order",
            {
                "id": Column("int", order_ids),
                "external_id": Column("format", order_ids, fmt="O%09d"),
                "customer_id": Column("int", customer_ids[orders.customer]),
                "placed_at": Column("time", orders.placed_at),
                "status": Column("label", orders.status, labels=_STATUSES),
                "traffic_source": Column("label", orders.source, labels=sources),
                "device": Column("label", orders.device, labels=devices),
                "total": Column("cents", lines.order_total_cents),
                "discount": Column("cents", terms.discount),
                "shipping": Column("cents", terms.shipping),
                "tax": Column("cents", terms.tax),
                "discount_codes": Column("label", terms.code, labels=CODES),
            },
        ),
        TableRows(
            "OrderItem",
            {
                "id": Column("int", item_ids),
                "order_id": Column("int", order_ids[lines.order]),
                "product_id": Column("int", product_ids[lines.product]),
                "quantity": Column("int", lines.quantity),
                "unit_price": Column("cents", lines.unit_cents),
                "discount": Column("cents", terms.line_discount),
            },
        ),
        TableRows(
            "Refund",
            {
                "id": Column("int", refund_ids),
                "external_id": Column("format", refund_ids, fmt="R%09d"),
                "order_id": Column("int", order_ids[refunds.order]),
                "refunded_at": Column("time", refunds.refunded_at),
                "amount": Column("cents", refunds.amount),
            },
        ),
        TableRows(
            "RefundLine",
            {
                "id": Column("int", ids.take("refundline", len(refunds.line))),
                "refund_id": Column("int", refund_ids[refunds.line_refund]),
                "item_id": Column("int", item_ids[refunds.line]),
                "quantity": Column("int", refunds.line_quantity),
                "amount": Column("cents", refunds.line_amount),
            },
        ),
        TableRows(
            "WebSession",
            {
                "id": Column("int", session_ids),
                "external_id": Column("format", session_ids, fmt="S%010d"),
                "customer_id": Column(
                    "nullable_int",
                    _nullable_ids(
                        customer_ids,
                        np.concatenate([orders.customer, browsing.customer]),
                    ),
                ),
                "started_at": Column("time", events.session_started_at),
                "traffic_source": Column(
                    "label",
                    np.concatenate([orders.source, browsing.source]),
                    labels=sources,
                ),
                "device": Column(
                    "label",
                    np.concatenate([orders.device, browsing.device]),
                    labels=devices,
                ),
                "country": Column(
                    "label",
                    np.concatenate(
                        [customers.country[orders.customer], browsing.country]
                    ),
                    labels=COUNTRY_CODES,
                ),
                "funnel_step": Column("int", events.funnel_step),
                "converted": Column("bool", np.arange(len(session_ids)) < len(orders)),
            },
        ),
        TableRows(
            "SessionEvent",
            {
                "id": Column("int", ids.take("sessionevent", len(events.session))),
                "session_id": Column("int", session_ids[events.session]),
                "event_type": Column("label", events.event_type, labels=EVENT_TYPES),
                "occurred_at": Column("time", events.occurred_at),
                "product_id": Column(
                    "nullable_int", _nullable_ids(product_ids, events.product)
                ),
                "order_id": Column(
                    "nullable_int", _nullable_ids(order_ids, events.order)
                ),
            },
        ),
    ]


def _next_order_time(
    rng: np.random.Generator, calendar: Calendar, last: np.ndarray
) -> np.ndarray:
    """When each customer orders again; after calendar's end (so > now) when too late.

    Gaps are exponential with occasional long lapses; a drawn day is accepted with its
    season x weekday weight, else pushed on by a few days, which lifts Q4 and the busy
    weekdays the way real repeat purchases are lifted.
    """
    count = len(last)
    lapse = rng.random(count) < shapes.LAPSE_SHARE
    gap_days = np.where(
        lapse,
        rng.uniform(*shapes.LAPSE_DAYS, count),
        0.5 + rng.exponential(shapes.REPEAT_GAP_MEAN_DAYS, count),
    )
    candidate = last + (gap_days * DAY).astype(np.int64)
    end = int(calendar.day_starts[-1])
    for _ in range(4):
        inside = candidate < end
        day = calendar.day_of(np.minimum(candidate, end - 1))
        rejected = inside & (rng.random(count) >= calendar.repeat_acceptance[day])
        candidate = candidate + np.where(
            rejected, (rng.exponential(4.0, count) * DAY).astype(np.int64), 0
        )
    inside = candidate < end
    moments = np.full(count, end, dtype=np.int64)
    moments[inside] = calendar.time_in_day(rng, calendar.day_of(candidate[inside]))
    return moments


_STATUSES = ("pending", "paid", "shipped", "completed", "cancelled", "refunded")


def _statuses(rng: np.random.Generator, age_days: np.ndarray) -> np.ndarray:
    """Status codes (into _STATUSES) by age: recent orders are still on their way."""
    count = len(age_days)
    status = np.empty(count, dtype=np.int64)
    lower = 0.0
    for upper, names, weights in shapes.STATUS_BY_AGE:
        in_band = (age_days >= lower) & (age_days < upper)
        codes = np.asarray([_STATUSES.index(name) for name in names])
        status[in_band] = rng.choice(codes, in_band.sum(), p=weights)
        lower = upper
    draw = rng.random(count)
    refund_share = np.where(
        age_days > 14,
        shapes.REFUNDED_SHARE_OLD,
        np.where(age_days > 3, shapes.REFUNDED_SHARE_RECENT, 0.0),
    )
    status[draw < shapes.CANCELLED_SHARE + refund_share] = _STATUSES.index("refunded")
    status[draw < shapes.CANCELLED_SHARE] = _STATUSES.index("cancelled")
    return status
