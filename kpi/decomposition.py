"""The log-mean Divisia (LMDI) split of a revenue change into three factors.

revenue = sessions x orders per session x average order value, exactly, in each
period. Between a previous period 0 and a current period 1 the change R1 - R0 is the
sum of one effect per factor, effect_i = L(R1, R0) x ln(x_i1 / x_i0), where
L(a, b) = (a - b) / (ln a - ln b) and L(a, a) = a is the logarithmic mean. The
logarithms ask every factor to be positive in both periods; the zero-factor rule
below covers the other cases. Definition: kpi.catalogue.REVENUE_CHANGE.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Literal

from ecomanalytics.money import ZERO_MONEY, money

# Enough digits that the logarithms round to the same cents on every platform.
EXACT = Context(prec=40)

Method = Literal["lmdi", "zero_factor"]


@dataclass(frozen=True, slots=True)
class PeriodVolume:
    """What one period's revenue is made of."""

    sessions: int
    orders: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class Effects:
    """The change split per factor, in cents; they add up to the change exactly.

    traffic and conversion are None when the sessions cannot explain the orders (a
    period with orders but no sessions): then orders (= traffic + conversion when
    known) and order_value carry the whole change.
    """

    change: Decimal
    traffic: Decimal | None
    conversion: Decimal | None
    orders: Decimal
    order_value: Decimal
    method: Method

    @property
    def sessions_known(self) -> bool:
        return self.traffic is not None


def sessions_explain_orders(*periods: PeriodVolume) -> bool:
    """False when a period has orders but no sessions (orders imported without
    events): orders per session is then undefined, and so are traffic and conversion."""
    return not any(period.orders and not period.sessions for period in periods)


def decompose(previous: PeriodVolume, current: PeriodVolume) -> Effects:
    """The LMDI effects of previous → current, or the zero-factor rule's.

    Rounding: the effects are computed exactly (Decimal, 40 digits), the first ones
    rounded to cents, and the last (order value) is the change minus the rounded
    others, so the sum is the change to the cent.
    """
    change = current.revenue - previous.revenue
    if sessions_explain_orders(previous, current):
        factors = _three_factors(previous, current)
        traffic, conversion, order_value = _split(change, previous, current, factors)
        return Effects(
            change=change,
            traffic=traffic,
            conversion=conversion,
            orders=traffic + conversion,
            order_value=order_value,
            method=_method(factors),
        )
    factors = _two_factors(previous, current)
    orders, order_value = _split(change, previous, current, factors)
    return Effects(
        change=change,
        traffic=None,
        conversion=None,
        orders=orders,
        order_value=order_value,
        method=_method(factors),
    )


# A factor's values in (previous, current), None where the factor is not positive
# (zero, negative or undefined) in that period.
Factor = tuple[Decimal | None, Decimal | None]


def _three_factors(previous: PeriodVolume, current: PeriodVolume) -> list[Factor]:
    return [
        (_positive_count(previous.sessions), _positive_count(current.sessions)),
        (_per_session(previous), _per_session(current)),
        (_order_value(previous), _order_value(current)),
    ]


def _two_factors(previous: PeriodVolume, current: PeriodVolume) -> list[Factor]:
    return [
        (_positive_count(previous.orders), _positive_count(current.orders)),
        (_order_value(previous), _order_value(current)),
    ]


def _positive_count(count: int) -> Decimal | None:
    return Decimal(count) if count > 0 else None


def _per_session(period: PeriodVolume) -> Decimal | None:
    if period.sessions <= 0 or period.orders <= 0:
        return None
    return EXACT.divide(Decimal(period.orders), Decimal(period.sessions))


def _order_value(period: PeriodVolume) -> Decimal | None:
    if period.orders <= 0 or period.revenue <= 0:
        return None
    return EXACT.divide(period.revenue, Decimal(period.orders))


def _method(factors: list[Factor]) -> Method:
    positive = all(value is not None for factor in factors for value in factor)
    return "lmdi" if positive else "zero_factor"


def _split(
    change: Decimal,
    previous: PeriodVolume,
    current: PeriodVolume,
    factors: list[Factor],
) -> list[Decimal]:
    """Each factor's effect in cents, the last one the rest of the change."""
    exact = _exact_effects(change, previous, current, factors)
    rounded = [money(effect) for effect in exact[:-1]]
    return [*rounded, change - sum(rounded, ZERO_MONEY)]


def _exact_effects(
    change: Decimal,
    previous: PeriodVolume,
    current: PeriodVolume,
    factors: list[Factor],
) -> list[Decimal]:
    """LMDI when every factor is positive in both periods. Otherwise the zero-factor
    rule: the whole change goes to the first factor (in the order given) that is not
    positive in one of the periods, the others get 0; the factors after it are
    undefined or follow from it (no orders: no order value)."""
    zero = Decimal(0)
    for index, (before, after) in enumerate(factors):
        if before is None or after is None:
            return [
                change if position == index else zero
                for position in range(len(factors))
            ]
    weight = _log_mean(current.revenue, previous.revenue)
    return [
        EXACT.multiply(weight, EXACT.ln(EXACT.divide(after, before)))  # type: ignore[arg-type]
        for before, after in factors
    ]


def _log_mean(a: Decimal, b: Decimal) -> Decimal:
    """L(a, b) = (a - b) / (ln a - ln b); L(a, a) = a. Both positive."""
    if a == b:
        return a
    return EXACT.divide(a - b, EXACT.subtract(EXACT.ln(a), EXACT.ln(b)))
