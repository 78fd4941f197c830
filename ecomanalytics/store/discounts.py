"""An order's discount: its codes as one value, and its split across the order's lines.

Shopify records a discount on the order and allocates it across the line items (its
sales reports show product sales net of it); the importers and the generator do the
same, so that product and category sales are net of the discounts too
(docs/metrics.md, "Sales").
"""

from __future__ import annotations

from collections.abc import Sequence

from .cents import from_cents, split_cents

# Order.discount_codes' max_length.
MAX_CODES_LENGTH = 255


class DiscountError(ValueError):
    """A discount that cannot be split; args[0] is the reason, one sentence."""


def normalised_discount_codes(text: str) -> str:
    """The codes of a comma-separated list, upper case, each once, sorted, joined by
    ", "; blank when there is none. "summer20, welcome10" -> "SUMMER20, WELCOME10"."""
    codes = sorted({code.strip().upper() for code in text.split(",")} - {""})
    joined = ", ".join(codes)
    if len(joined) > MAX_CODES_LENGTH:
        raise DiscountError(f"is longer than {MAX_CODES_LENGTH} characters")
    return joined


def split_order_discount(
    discount: int, gross: Sequence[int], own: Sequence[int] | None = None
) -> list[int]:
    """Each line's discount in cents: its own (own, when the file gives lines their
    discounts) plus its share of the rest of the order's discount.

    discount: the order's whole discount; gross: each line's quantity x unit price;
    own: the discount each line already carries (0 when None). The rest, discount -
    Σ own, is split in proportion to what is left of each line (gross - own), so no
    line is discounted beyond its gross. The result adds up to discount exactly.
    DiscountError when the lines' own discounts exceed the order's, or the rest exceeds
    what is left of the lines.
    """
    own = list(own) if own is not None else [0] * len(gross)
    if any(
        line_own > line_gross for line_own, line_gross in zip(own, gross, strict=True)
    ):
        raise DiscountError("a line's discount is larger than the line's value")
    rest = discount - sum(own)
    if rest < 0:
        raise DiscountError(
            f"the lines' discounts add up to {from_cents(sum(own))}, more than the "
            f"order's discount {from_cents(discount)}"
        )
    if rest == 0:
        return own
    room = [
        line_gross - line_own for line_gross, line_own in zip(gross, own, strict=True)
    ]
    if rest > sum(room):
        raise DiscountError(
            f"the discount {from_cents(discount)} is larger than the order's lines "
            f"({from_cents(sum(gross))})"
        )
    return [
        line_own + share
        for line_own, share in zip(own, split_cents(rest, room), strict=True)
    ]
