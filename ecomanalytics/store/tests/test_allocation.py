"""Splitting money to the cent: order discounts over lines, refunds over returned lines.

Hand-computed throughout: each exact share is rounded down and the cents left over go
to the largest remainders.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from ecomanalytics.store.cents import split_cents
from ecomanalytics.store.discounts import (
    DiscountError,
    normalised_discount_codes,
    split_order_discount,
)
from ecomanalytics.store.generation.terms import split_by_group
from ecomanalytics.store.refunds import (
    AllocatedLine,
    LineTerms,
    OrderTerms,
    RefundError,
    RefundProblem,
    allocate_refund,
    settled_status,
    units_by_item,
)

# An order of 2 x 19.90 (discount 8.07) and 1 x 9.50 (discount 1.93), shipping 4.90:
# nets 31.73 and 7.57, paid 49.30 - 10.00 + 4.90 = 44.20.
SHIRTS = LineTerms(item=1, sku="TSHIRT", quantity=2, gross=3980, discount=807)
MUG = LineTerms(item=2, sku="MUG", quantity=1, gross=950, discount=193)
ORDER = OrderTerms(
    gross=4930, discount=1000, shipping=490, tax=0, refunded=0, lines=(SHIRTS, MUG)
)


def test_ten_split_three_ways_gives_the_left_over_cent_to_the_first():
    assert split_cents(1000, [1, 1, 1]) == [334, 333, 333]


def test_a_zero_weight_gets_nothing_and_fractions_are_exact():
    assert split_cents(100, [Fraction(1, 3), 0, Fraction(2, 3)]) == [33, 0, 67]


def test_an_order_discount_is_split_by_line_value_to_the_cent():
    # 10.00 over 39.80 and 9.50: 807.30 and 192.70 -> 807 + 192 = 999, the cent left
    # goes to the larger remainder (0.70)
    assert split_order_discount(1000, [3980, 950]) == [807, 193]


def test_lines_keep_their_own_discount_and_share_the_rest_of_the_order():
    # 5.00 of which the first line has 1.00 of its own: 4.00 over what is left of the
    # lines, 9.00 and 5.00: 257.14 and 142.86 -> 257 + 143
    assert split_order_discount(500, [1000, 500], [100, 0]) == [357, 143]


def test_no_line_is_discounted_beyond_its_value():
    # the whole of a line's value, and nothing of the line that costs nothing
    assert split_order_discount(1500, [1000, 0, 500]) == [1000, 0, 500]


@pytest.mark.parametrize(
    ("discount", "gross", "own", "reason"),
    [
        (
            1001,
            [600, 400],
            None,
            "the discount 10.01 is larger than the order's lines (10.00)",
        ),
        (
            100,
            [600, 400],
            [80, 30],
            "the lines' discounts add up to 1.10, more than the order's discount 1.00",
        ),
        (
            100,
            [600, 400],
            [700, 0],
            "a line's discount is larger than the line's value",
        ),
    ],
)
def test_a_discount_that_does_not_fit_is_refused(discount, gross, own, reason):
    with pytest.raises(DiscountError) as refused:
        split_order_discount(discount, gross, own)
    assert refused.value.args[0] == reason


def test_discount_codes_become_one_sorted_upper_case_value():
    assert normalised_discount_codes(" summer20,WELCOME10, Summer20 ,") == (
        "SUMMER20, WELCOME10"
    )
    assert normalised_discount_codes("") == ""


def test_a_money_only_refund_goes_to_every_line_by_net_value():
    # 10.00 over nets 31.73 and 7.57: 807.38 and 192.62 -> 807 + 193, 0 units each
    assert allocate_refund(ORDER, 1000) == [
        AllocatedLine(item=1, quantity=0, amount=807),
        AllocatedLine(item=2, quantity=0, amount=193),
    ]


def test_returned_units_take_their_part_of_the_line_value():
    # one shirt of two weighs 31.73 / 2 = 15.865, the mug 7.57: 20.00 -> 1353.96 and
    # 646.04 -> 1353 + 646 = 1999, the cent left to the shirt
    assert allocate_refund(ORDER, 2000, {1: 1, 2: 1}) == [
        AllocatedLine(item=1, quantity=1, amount=1354),
        AllocatedLine(item=2, quantity=1, amount=646),
    ]


def test_a_refund_of_everything_paid_includes_shipping_and_is_allowed():
    lines = allocate_refund(ORDER, 4420, {1: 2, 2: 1})
    assert sum(line.amount for line in lines) == 4420


def test_a_refund_above_what_is_left_is_an_error():
    # given 10.00 refunded before
    refunded = ORDER.with_refund(1000, [AllocatedLine(1, 1, 1000)])

    # when 34.21 more is refunded, then
    with pytest.raises(RefundError) as refused:
        allocate_refund(refunded, 3421)
    assert refused.value.problems == (
        RefundProblem(
            "amount",
            "34.21 is more than what is left to refund: 44.20 paid less 10.00 "
            "refunded before leaves 34.20",
        ),
    )
    # and exactly what is left is fine
    assert sum(line.amount for line in allocate_refund(refunded, 3420)) == 3420


def test_units_above_what_was_bought_and_not_returned_are_errors():
    # given one shirt returned before
    refunded = ORDER.with_refund(1000, [AllocatedLine(1, 1, 1000)])

    # when two more shirts, a mug and an unknown sku are returned
    units, problems = units_by_item(refunded, {"TSHIRT": 2, "MUG": 1, "HAT": 1})

    # then the mug can be, the others cannot
    assert units == {1: 1, 2: 1}
    assert problems == [
        RefundProblem(
            "quantity",
            "2 x TSHIRT returned, but the order bought 2 and 1 returned before",
            "TSHIRT",
        ),
        RefundProblem("sku", "the order has no line of HAT", "HAT"),
    ]
    with pytest.raises(RefundError, match="2 x TSHIRT returned, but 1 of 2 can"):
        allocate_refund(refunded, 500, {1: 2})


def test_a_sku_on_two_lines_returns_from_the_first_line_first():
    order = OrderTerms(
        gross=3000,
        discount=0,
        shipping=0,
        tax=0,
        refunded=0,
        lines=(
            LineTerms(item=7, sku="CAP", quantity=1, gross=1000, discount=0),
            LineTerms(item=8, sku="CAP", quantity=2, gross=2000, discount=0),
        ),
    )

    assert units_by_item(order, {"CAP": 2}) == ({7: 1, 8: 1}, [])


def test_lines_discounted_in_full_share_a_refund_by_units():
    order = OrderTerms(
        gross=1000,
        discount=1000,
        shipping=300,
        tax=0,
        refunded=0,
        lines=(
            LineTerms(item=1, sku="A", quantity=1, gross=500, discount=500),
            LineTerms(item=2, sku="B", quantity=3, gross=500, discount=500),
        ),
    )

    # the shipping given back, 3.00, over 1 + 3 units
    assert allocate_refund(order, 300, {1: 1, 2: 3}) == [
        AllocatedLine(1, 1, 75),
        AllocatedLine(2, 3, 225),
    ]


def test_an_order_refunded_in_full_becomes_refunded():
    assert settled_status("completed", refunded=4420, paid=4420) == "refunded"
    assert settled_status("completed", refunded=4419, paid=4420) == "completed"
    assert settled_status("cancelled", refunded=4420, paid=4420) == "cancelled"


def test_the_generator_splits_arrays_as_split_cents_does():
    # given two orders' totals and their lines' weights (the second order has a line
    # that weighs nothing, the third only lines that weigh nothing: split equally)
    totals = np.asarray([1000, 500, 100])
    group = np.asarray([0, 0, 0, 1, 1, 2, 2, 2])
    weights = np.asarray([1, 1, 1, 3, 0, 0, 0, 0])

    # when / then
    assert split_by_group(totals, group, weights).tolist() == [
        334,
        333,
        333,
        500,
        0,
        34,
        33,
        33,
    ]
    # and on random orders, exactly as split_cents
    rng = np.random.default_rng(5)
    sizes = rng.integers(1, 6, 300)
    group = np.repeat(np.arange(300), sizes)
    weights = rng.integers(0, 5000, len(group))
    totals = rng.integers(0, 100_000, 300)
    expected = []
    for order in range(300):
        order_weights = weights[group == order].tolist()
        expected += split_cents(
            int(totals[order]),
            order_weights if sum(order_weights) else [1] * len(order_weights),
        )
    assert split_by_group(totals, group, weights).tolist() == expected
