"""The sentence the dashboard's ⓘ texts use to say which money "revenue" is."""

from __future__ import annotations

from ecomanalytics.money import MEASURE_TERMS, RevenueMeasure

# The signs a reader expects in a formula, not the hyphen and the letter x.
MINUS = "\u2212"


def _words(name: str) -> str:
    return name.replace("_", " ")


def revenue_measure_sentence(measure: RevenueMeasure) -> str:
    """The sentence for a measure, e.g. for net sales "Revenue here is net sales:
    gross sales - discounts - returns." (with minus signs), built from the measure's
    terms (money.MEASURE_TERMS) so the text follows the setting."""
    terms = MEASURE_TERMS[measure]
    if len(terms) == 1:
        # A measure of one term explains itself by what it leaves out.
        return (
            f"Revenue here is {_words(measure)}: quantity \u00d7 unit price of the lines, "
            "before discounts and returns."
        )
    (first, _), *rest = terms.items()
    formula = " ".join(
        [_words(first)]
        + [f"{'+' if sign > 0 else MINUS} {_words(term)}" for term, sign in rest]
    )
    return f"Revenue here is {_words(measure)}: {formula}."
