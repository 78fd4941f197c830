"""The money terms of generated orders: discount codes, shipping, taxes and refunds.

Array for array the rules of the importers and of store.refunds: an order's discount
is split over its lines in proportion to their gross value, a refund over its lines
in proportion to their net value, each exact to the cent by the largest remainder
(ties to the earlier line), as store.cents.split_cents does. Drawn from their own
random stream, so the rows the seed gave before (customers, orders, lines, sessions)
stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import shapes

DAY = 86_400
CODES = ("", *(campaign.code for campaign in shapes.CAMPAIGNS))
# Order status codes (generator._STATUSES): the revenue ones, and refunded.
REVENUE_CODES = (1, 2, 3)
REFUNDED_CODE = 5


def split_by_group(
    totals: np.ndarray, group: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """totals[g] (cents) split over the items of each group g by their weights.

    Each part is its exact share rounded down; a group's cents left over go one each
    to its items with the largest remainders, ties to the earlier item. A group whose
    weights are all 0 is split equally.
    """
    count = len(group)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    weight_sums = np.zeros(len(totals), dtype=np.int64)
    np.add.at(weight_sums, group, weights)
    weights = np.where(weight_sums[group] > 0, weights, 1)
    np.add.at(weight_sums, group, np.where(weight_sums[group] > 0, 0, 1))
    numerators = totals[group] * weights
    parts, remainders = np.divmod(numerators, weight_sums[group])
    left_over = totals - np.bincount(group, weights=parts, minlength=len(totals))
    by_remainder = np.lexsort((np.arange(count), -remainders, group))
    sorted_groups = group[by_remainder]
    rank = np.arange(count) - np.searchsorted(sorted_groups, sorted_groups)
    parts[by_remainder[rank < left_over.astype(np.int64)[sorted_groups]]] += 1
    return parts


@dataclass(frozen=True, slots=True)
class OrderTerms:
    """Per order: code (into CODES), discount, shipping and tax in cents; per line:
    its discount."""

    code: np.ndarray
    discount: np.ndarray
    shipping: np.ndarray
    tax: np.ndarray
    line_discount: np.ndarray

    def paid(self, gross: np.ndarray) -> np.ndarray:
        return gross - self.discount + self.shipping + self.tax


@dataclass(frozen=True, slots=True)
class Refunds:
    """Refunds (by order index) and their lines (by line index)."""

    order: np.ndarray
    refunded_at: np.ndarray
    amount: np.ndarray
    line_refund: np.ndarray  # index into the refunds
    line: np.ndarray  # index into the batch's lines
    line_quantity: np.ndarray
    line_amount: np.ndarray


def draw_terms(
    rng: np.random.Generator,
    *,
    order_customer: np.ndarray,
    order_month: np.ndarray,
    order_country: np.ndarray,
    gross: np.ndarray,
    line_order: np.ndarray,
    line_gross: np.ndarray,
) -> OrderTerms:
    """Codes by campaign, discounts split over the lines, shipping and taxes.

    Orders are in time order, so a customer's n-th order in the batch is their n-th.
    """
    count = len(gross)
    by_customer = np.lexsort((np.arange(count), order_customer))
    ordinal = np.empty(count, dtype=np.int64)
    sorted_customers = order_customer[by_customer]
    ordinal[by_customer] = np.arange(count) - np.searchsorted(
        sorted_customers, sorted_customers
    )
    offered = {
        "first": ordinal == 0,
        "loyal": ordinal >= 3,
        "summer": np.isin(order_month, shapes.SUMMER_MONTHS),
    }
    draws = rng.random((count, len(shapes.CAMPAIGNS)))
    code = np.zeros(count, dtype=np.int64)
    depth_bp = np.zeros(count, dtype=np.int64)
    for index, campaign in reversed(list(enumerate(shapes.CAMPAIGNS))):
        # The first campaign in the list that applies wins: later ones are set first.
        takes = offered[campaign.offered_to] & (draws[:, index] < campaign.uptake)
        code[takes] = index + 1
        depth_bp[takes] = round(campaign.depth * 10_000)
    discount = _rounded_share(gross, depth_bp)
    after_discount = gross - discount
    shipping = np.where(
        after_discount < shapes.FREE_SHIPPING_FROM_CENTS,
        shapes.FLAT_SHIPPING_CENTS,
        0,
    ).astype(np.int64)
    rates = np.asarray(
        [
            shapes.TAX_RATE_BASIS_POINTS.get(country, 0)
            for country, _ in shapes.COUNTRIES
        ],
        dtype=np.int64,
    )
    tax = _rounded_share(after_discount + shipping, rates[order_country])
    return OrderTerms(
        code=code,
        discount=discount,
        shipping=shipping,
        tax=tax,
        line_discount=split_by_group(discount, line_order, line_gross),
    )


def _rounded_share(cents: np.ndarray, basis_points: np.ndarray) -> np.ndarray:
    """cents x basis_points / 10,000, rounded half up."""
    return (cents * basis_points + 5_000) // 10_000


def draw_refunds(
    rng: np.random.Generator,
    *,
    status: np.ndarray,
    placed_at: np.ndarray,
    paid: np.ndarray,
    now: int,
    line_order: np.ndarray,
    line_quantity: np.ndarray,
    line_net: np.ndarray,
) -> Refunds:
    """Full refunds of the refunded orders, partial ones of a few revenue orders."""
    count = len(status)
    age_days = (now - placed_at) / DAY
    full = status == REFUNDED_CODE
    partial = (
        np.isin(status, REVENUE_CODES)
        & (age_days > shapes.PARTIAL_REFUND_MIN_AGE_DAYS)
        & (rng.random(count) < shapes.PARTIAL_REFUND_SHARE)
    )
    returns = partial & (rng.random(count) < shapes.RETURN_SHARE)
    lines_per_order = np.bincount(line_order, minlength=count)
    first_line = np.cumsum(lines_per_order) - lines_per_order
    returned_line = first_line + (rng.random(count) * lines_per_order).astype(np.int64)
    returned_line = np.minimum(returned_line, len(line_order) - 1)
    returned_units = 1 + (rng.random(count) * line_quantity[returned_line]).astype(
        np.int64
    )
    returned_units = np.minimum(returned_units, line_quantity[returned_line])
    return_amount = (
        line_net[returned_line] * returned_units * 2 + line_quantity[returned_line]
    ) // (2 * line_quantity[returned_line])
    money_share = rng.uniform(*shapes.MONEY_ONLY_REFUND, count)
    money_amount = np.maximum(np.round(paid * money_share).astype(np.int64), 1)
    amount = np.where(full, paid, np.where(returns, return_amount, money_amount))
    # A partial refund gives back less than was paid, and something.
    refunded = full | (partial & (amount > 0) & (amount < paid))
    delay = rng.uniform(*shapes.REFUND_DELAY_DAYS, count) * DAY
    refunded_at = placed_at + delay.astype(np.int64)
    late = refunded_at > now
    refunded_at[late] = placed_at[late] + (
        rng.random(late.sum()) * (now - placed_at[late])
    ).astype(np.int64)

    orders = np.flatnonzero(refunded)
    refund_of_order = np.full(count, -1, dtype=np.int64)
    refund_of_order[orders] = np.arange(len(orders))
    line_refund = refund_of_order[line_order]
    kind_returns = returns[line_order]
    spread = (line_refund >= 0) & ~kind_returns
    spread_lines = np.flatnonzero(spread)
    one_line = orders[returns[orders]]
    lines = np.concatenate([spread_lines, returned_line[one_line]])
    refund_index = np.concatenate(
        [line_refund[spread_lines], refund_of_order[one_line]]
    )
    quantity = np.concatenate(
        [
            np.where(full[line_order[spread_lines]], line_quantity[spread_lines], 0),
            returned_units[one_line],
        ]
    )
    line_amount = np.concatenate(
        [
            split_by_group(
                amount[orders],
                refund_index[: len(spread_lines)],
                line_net[spread_lines],
            ),
            amount[one_line],
        ]
    )
    by_refund = np.argsort(refund_index, kind="stable")
    return Refunds(
        order=orders,
        refunded_at=refunded_at[orders],
        amount=amount[orders],
        line_refund=refund_index[by_refund],
        line=lines[by_refund],
        line_quantity=quantity[by_refund],
        line_amount=line_amount[by_refund],
    )
