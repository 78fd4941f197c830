"""The rows the KPI queries return, on the raw path and the roll-up path alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ecomanalytics.money import SalesTerms


@dataclass(frozen=True, slots=True)
class OrderTotals:
    """The order counts and sales terms of one window."""

    # Of revenue orders (with a category: that category's lines): sales of the orders
    # placed in the window, returns of the refunds given in it.
    terms: SalesTerms
    orders: int  # revenue orders placed
    all_orders: int  # orders of any status
    completed_orders: int
    customers: int  # distinct customers with a revenue order


NO_ORDERS = OrderTotals(
    terms=SalesTerms(), orders=0, all_orders=0, completed_orders=0, customers=0
)


@dataclass(frozen=True, slots=True)
class BucketTotals:
    """Sales terms and revenue orders of one day, week or month with revenue orders
    placed or refunds given."""

    bucket: date  # the bucket's first local day
    terms: SalesTerms
    orders: int  # revenue orders placed


@dataclass(frozen=True, slots=True)
class SourceSessions:
    source: str
    sessions: int
    converted: int  # sessions with a purchase event


@dataclass(frozen=True, slots=True)
class CodeTotals:
    """Revenue orders and money of one discount-codes value in one window."""

    code: str  # Order.discount_codes; "" for the orders without a code
    orders: int  # revenue orders placed in the window
    customers: int  # distinct customers of those orders
    new_customers: int  # those orders that are their customer's first revenue order
    gross_sales: Decimal
    discounts: Decimal
    returns: Decimal  # refunds given in the window, whenever the order was placed


@dataclass(frozen=True, slots=True)
class SourceOrders:
    """Revenue orders and sales terms of one traffic source (the order's) in one of
    several named windows: sales of the orders placed in it, returns of the refunds
    given in it."""

    window: str
    source: str
    terms: SalesTerms
    orders: int


@dataclass(frozen=True, slots=True)
class SourceVisits:
    """Sessions of one traffic source (the session's) started in one named window."""

    window: str
    source: str
    sessions: int


@dataclass(frozen=True, slots=True)
class FunnelMoney:
    """The sessions that got exactly as far as one funnel step (WebSession.funnel_step,
    0 = session .. 4 = purchase), in one breakdown group, and their money."""

    group: str  # the breakdown dimension's value; "" without a breakdown
    furthest_step: int
    sessions: int
    unconverted_sessions: int  # without a purchase event
    cart_units: int  # add_to_cart events of the unconverted sessions
    cart_value: Decimal  # Σ their products' list prices
    orders: int  # revenue orders their purchase events link
    terms: SalesTerms  # of those orders; returns of their refunds given in the window


@dataclass(frozen=True, slots=True)
class CustomerFunnelFigures:
    """The customer funnel of one window: known customers at each step, and the
    sessions started in the window (matching the filters) with and without one."""

    reached: tuple[int, ...]  # customers at session, product_view .. purchase
    known_sessions: int  # sessions of known customers started in the window
    anonymous_sessions: int  # sessions without a customer, left out


@dataclass(frozen=True, slots=True)
class BucketSessions:
    """Sessions started in one bucket (of one source, or "" for all sources)."""

    bucket: date  # the bucket's first local day
    source: str
    sessions: int
    converted: int  # with a purchase event


@dataclass(frozen=True, slots=True)
class BucketCheckouts:
    """The sessions started in one bucket that reached the funnel's begin_checkout
    step, and those of them without a purchase event with their carts."""

    bucket: date
    checkouts: int
    abandoned: int
    cart_units: int
    cart_value: Decimal


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    """An abandoned checkout of a known customer: the session and its customer."""

    session_id: int
    session: str  # WebSession.external_id
    started_at: datetime
    source: str
    device: str
    customer: str  # Customer.external_id
    email: str


@dataclass(frozen=True, slots=True)
class CartLine:
    """The add_to_cart events of one session for one product."""

    session_id: int
    sku: str
    name: str
    list_price: Decimal
    units: int  # add_to_cart events


@dataclass(frozen=True, slots=True)
class TransitionDurations:
    """The sessions that made one funnel transition in a time that rounds down to
    one grid point (rollups.ttc_facts.GRID)."""

    transition: int  # index in rollups.ttc_facts.TRANSITIONS
    seconds: int  # the grid point
    sessions: int
