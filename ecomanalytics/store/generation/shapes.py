"""The shapes of the synthetic shop: how much of everything, when, and how it converts.

Every number that gives the generated data its character lives here, so a reader can
tune the shop without reading the generator. Shares are relative weights (normalised
where used); "relative conversion" multiplies a source's or device's share of the
purchasing sessions against its share of all traffic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# --- Calendar ---------------------------------------------------------------------

# Monthly growth of new sign-ups and traffic (about 2x over two years).
MONTHLY_GROWTH = 1.03

# Q4 seasonality (calendar month 1..12 -> multiplier): Black Friday and Christmas.
SEASONALITY: dict[int, float] = {
    1: 0.85,
    2: 0.85,
    3: 0.95,
    4: 0.95,
    5: 1.0,
    6: 0.95,
    7: 0.9,
    8: 0.9,
    9: 1.0,
    10: 1.1,
    11: 1.45,
    12: 1.6,
}

# Weekly cycle (Monday=0 .. Sunday=6): busiest early in the week and on Sunday evening.
WEEKDAY: tuple[float, ...] = (1.15, 1.1, 1.05, 1.0, 0.9, 0.75, 1.05)

# Hour of the local day (0..23): quiet nights, a lunch peak and an evening peak.
HOURLY: tuple[float, ...] = (
    0.3,
    0.2,
    0.12,
    0.1,
    0.1,
    0.15,
    0.35,
    0.7,
    1.0,
    1.1,
    1.2,
    1.3,
    1.5,
    1.4,
    1.2,
    1.15,
    1.15,
    1.25,
    1.5,
    1.8,
    2.0,
    1.8,
    1.2,
    0.6,
)

# --- Traffic ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mix:
    """Values with their share of all traffic and their relative conversion."""

    values: tuple[str, ...]
    traffic_share: tuple[float, ...]
    relative_conversion: tuple[float, ...]

    def buyer_share(self) -> np.ndarray:
        """Share of each value among purchasing sessions."""
        weights = np.asarray(self.traffic_share) * np.asarray(self.relative_conversion)
        return weights / weights.sum()

    def browser_share(self, sessions_per_order: float) -> np.ndarray:
        """Share of each value among the sessions that do not buy.

        Chosen so that all sessions together follow traffic_share: of every
        `sessions_per_order` sessions one buys (buyer_share), the rest browse.
        """
        traffic = np.asarray(self.traffic_share) / sum(self.traffic_share)
        weights = sessions_per_order * traffic - self.buyer_share()
        weights = np.maximum(weights, 0.01 * traffic)
        return weights / weights.sum()


SOURCES = Mix(
    values=("organic", "paid_search", "social", "email", "direct", "referral"),
    traffic_share=(0.30, 0.22, 0.18, 0.07, 0.15, 0.08),
    relative_conversion=(1.0, 1.3, 0.45, 2.2, 1.6, 0.9),
)

DEVICES = Mix(
    values=("desktop", "mobile", "tablet"),
    traffic_share=(0.38, 0.55, 0.07),
    relative_conversion=(1.6, 0.65, 1.0),
)

COUNTRIES: tuple[tuple[str, float], ...] = (
    ("US", 0.38),
    ("GB", 0.12),
    ("DE", 0.11),
    ("FR", 0.08),
    ("CA", 0.07),
    ("AU", 0.05),
    ("NL", 0.05),
    ("ES", 0.04),
    ("IT", 0.04),
    ("SE", 0.03),
    ("PL", 0.02),
    ("JP", 0.01),
)

# About 30 sessions per order: 3.3 % of sessions convert.
DEFAULT_SESSIONS_PER_ORDER = 30.0

# Sessions that do not buy: the share reaching each funnel step given the previous one.
BROWSER_REACHES_PRODUCT_VIEW = 0.58
BROWSER_REACHES_ADD_TO_CART = 0.24
BROWSER_REACHES_CHECKOUT = 0.42
# Product views of a viewing session: geometric(p), about 1 / 0.55 = 1.8 views.
PRODUCT_VIEWS_GEOMETRIC_P = 0.55
# Logged-in browsing sessions before each order (Poisson mean, capped by the budget).
KNOWN_BROWSING_PER_ORDER = 1.5
# Registered customers who never buy still visit a few times after signing up.
NON_BUYER_SESSIONS = 2.0
# Seconds between two events of a session: 8 s + exponential(50 s).
EVENT_GAP_MIN_SECONDS = 8
EVENT_GAP_MEAN_SECONDS = 50

# --- Customers and their orders -----------------------------------------------------

# Share of registered customers who ever buy.
BUYER_SHARE = 0.8
# Days from sign-up to the first order (exponential mean).
FIRST_ORDER_LAG_DAYS = 3.0
# Probability of ordering again after each order, per customer: Beta(a, b). The mix of
# loyal and one-off customers makes retention curves decay, then flatten.
RETURN_BETA = (2.2, 2.4)
# Days between two orders: mostly exponential(mean), sometimes a long lapse (churn, then
# a comeback months later).
REPEAT_GAP_MEAN_DAYS = 42.0
LAPSE_SHARE = 0.15
LAPSE_DAYS = (120.0, 420.0)

# Lines per order: 1 + Poisson(mean), capped; quantity per line: geometric.
EXTRA_LINES_MEAN = 0.8
MAX_LINES = 6
QUANTITY_GEOMETRIC_P = 0.7  # 70 % of lines have quantity 1
MAX_QUANTITY = 10
# Q4 promotions: this share of Q4 lines is sold at a discount drawn from the range.
Q4_DISCOUNTED_SHARE = 0.35
Q4_DISCOUNT = (0.10, 0.30)

# Order status by age in days: (age limit, statuses, weights); cancellations and refunds
# are drawn first.
CANCELLED_SHARE = 0.04
REFUNDED_SHARE_OLD = 0.06  # orders older than 14 days
REFUNDED_SHARE_RECENT = 0.01  # orders 3 to 14 days old
STATUS_BY_AGE: tuple[tuple[float, tuple[str, ...], tuple[float, ...]], ...] = (
    (1.0, ("pending", "paid"), (0.4, 0.6)),
    (3.0, ("paid", "shipped"), (0.5, 0.5)),
    (14.0, ("shipped", "completed"), (0.55, 0.45)),
    (float("inf"), ("completed",), (1.0,)),
)

# --- Catalogue ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryShape:
    name: str
    products: int
    median_price: float  # in the shop's currency
    price_spread: float  # sigma of the log-normal price


CATEGORIES: tuple[CategoryShape, ...] = (
    CategoryShape("Apparel", 42, 35.0, 0.5),
    CategoryShape("Shoes", 26, 80.0, 0.4),
    CategoryShape("Electronics", 30, 120.0, 0.8),
    CategoryShape("Home & Kitchen", 34, 30.0, 0.7),
    CategoryShape("Beauty", 28, 22.0, 0.5),
    CategoryShape("Sports & Outdoors", 24, 55.0, 0.7),
    CategoryShape("Books", 30, 15.0, 0.35),
    CategoryShape("Toys & Games", 22, 28.0, 0.6),
    CategoryShape("Grocery", 20, 9.0, 0.45),
    CategoryShape("Jewelry", 14, 95.0, 0.8),
)

# Sales popularity of the products: Zipf weights 1 / rank**s; with s=1.15 the top 20 %
# of the products take about 80 % of the units (Pareto).
POPULARITY_EXPONENT = 1.15

PRODUCT_ADJECTIVES: Sequence[str] = (
    "Classic",
    "Essential",
    "Premium",
    "Everyday",
    "Compact",
    "Deluxe",
    "Eco",
    "Pro",
    "Smart",
    "Vintage",
    "Urban",
    "Travel",
)

# --- Money terms ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Campaign:
    """A discount code: its depth (share of the order's gross), the orders it is
    offered to ("first": a customer's first order, "loyal": the fourth and later,
    "summer": June to August) and the share of those that use it."""

    code: str
    depth: float
    offered_to: str
    uptake: float


# Together about a fifth of the orders carry a code (the first applicable one).
CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign("WELCOME10", 0.10, "first", 0.20),
    Campaign("VIP15", 0.15, "loyal", 0.30),
    Campaign("SUMMER20", 0.20, "summer", 0.30),
)
SUMMER_MONTHS = (6, 7, 8)

# Shipping: a flat fee below the free-shipping threshold (on the order's value after
# its discount), in cents.
FLAT_SHIPPING_CENTS = 490
FREE_SHIPPING_FROM_CENTS = 5000

# Sales tax or VAT by the customer's country, charged on top of the prices (and of
# shipping), in basis points (1 % = 100).
TAX_RATE_BASIS_POINTS: dict[str, int] = {
    "US": 700,
    "GB": 2000,
    "DE": 1900,
    "FR": 2000,
    "CA": 1300,
    "AU": 1000,
    "NL": 2100,
    "ES": 2100,
    "IT": 2200,
    "SE": 2500,
    "PL": 2300,
    "JP": 1000,
}

# Refunds. An order with status refunded is refunded in full (everything it paid, each
# line's units sent back); this share of the revenue orders older than a few days gets
# a partial refund, of which RETURN_SHARE send units of one line back (the line's net
# value for them) and the rest are money only (a share of what was paid, spread over
# the lines with no units).
PARTIAL_REFUND_SHARE = 0.04
PARTIAL_REFUND_MIN_AGE_DAYS = 3.0
RETURN_SHARE = 0.6
MONEY_ONLY_REFUND = (0.05, 0.30)  # share of what was paid
# Days from the order to its refund (uniform), never after the data's end.
REFUND_DELAY_DAYS = (1.0, 21.0)
