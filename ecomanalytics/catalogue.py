"""The shape of a metric declaration: what every metric app's catalogue.py declares.

Each metric is declared once (after Zulip's CountStat): its id, title, unit, the
filters and parameters it takes, and its written definition. The API's OpenAPI
descriptions and root listing, the dashboard's ⓘ texts and docs/metrics.md are all
rendered from these declarations (ecomanalytics.api.catalogue gathers them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["money", "count", "rate", "mixed"]
ParameterValue = str | int

# The text of the filters, once: each metric names the ones it accepts.
FILTER_TEXT = {
    "start": "first day of the window (inclusive), YYYY-MM-DD, shop time zone",
    "end": "last day of the window (inclusive), YYYY-MM-DD, shop time zone",
    "source": "traffic source",
    "device": "device",
    "country": "customer country",
    "category": "product category name",
}
ORDER_FILTERS = ("start", "end", "source", "device", "country", "category")

# What revenue is, once for every metric that reports it (docs/metrics.md, "Sales").
REVENUE_MEASURE_TEXT = (
    "Revenue is the REVENUE_MEASURE setting, named by the X-Revenue-Measure response "
    "header: net_sales (the default) = gross sales − discounts − returns; "
    "gross_sales = gross sales alone; total_sales = net sales + shipping + taxes. "
)
ORDER_REVENUE_TEXT = REVENUE_MEASURE_TEXT + (
    "Over the revenue orders (status paid, shipped or completed) placed in the "
    "period: gross sales = Σ order.total (Σ quantity × unit_price of its lines), "
    "discounts = Σ order.discount, shipping = Σ order.shipping, taxes = Σ order.tax; "
    "returns = Σ refund.amount of the refunds of revenue orders whose refunded_at "
    "falls in the period (the refund date, shop time zone), whenever the order was "
    "placed. An order refunded in full has status refunded: neither it nor its "
    "refunds count anywhere. "
)
LINE_REVENUE_TEXT = REVENUE_MEASURE_TEXT + (
    "Over the lines of revenue orders (status paid, shipped or completed) placed in "
    "the period: gross sales = Σ quantity × unit_price, discounts = Σ line discount "
    "(the line's share of the order's); returns = Σ refund-line amount of those "
    "orders' refund lines whose refund's refunded_at falls in the period (the refund "
    "date, shop time zone). Lines carry no shipping or taxes (the order's), so a "
    "product's or category's total_sales = its net_sales. "
)
SESSION_FILTERS = ("start", "end", "source", "device", "country")


@dataclass(frozen=True, slots=True)
class Parameter:
    """A query parameter beyond the filters, with its allowed values and default."""

    name: str
    description: str
    default: ParameterValue
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return f"an integer from {self.minimum} to {self.maximum}"


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    """One metric: everything a reader needs to recompute it from the raw tables."""

    id: str  # "<family>.<name>", e.g. "kpi.summary"
    title: str
    unit: Unit
    endpoint: str  # the API path that serves it
    function: str  # the public typed function, e.g. "kpi.metrics.kpi_summary"
    summary: str  # one line: the API root, the dashboard's ⓘ text
    definition: str  # numerator, denominator, statuses, time zone, edge cases
    filters: tuple[str, ...] = ORDER_FILTERS
    filter_rules: str = ""  # how each accepted filter applies
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)
    # The figures a response reports that a reader sees on their own (the KPI
    # cards): response key -> its one-line definition.
    figures: dict[str, str] = field(default_factory=dict)

    def description(self) -> str:
        """The endpoint's OpenAPI description: the whole definition, in prose."""
        parts = [self.definition]
        if self.filter_rules:
            parts.append("Filters: " + self.filter_rules)
        for parameter in self.parameters:
            parts.append(
                f"{parameter.name}: {parameter.description} "
                f"({parameter.allowed()}; default {parameter.default})."
            )
        return "\n\n".join(parts)

    def markdown(self) -> str:
        """The metric's section of docs/metrics.md."""
        lines = [
            f"#### {self.title} (`{self.endpoint}`, `{self.function}`)",
            "",
            f"*{self.summary}* Unit: {self.unit}. Id: `{self.id}`.",
            "",
            self.definition,
            "",
            "Filters: " + ", ".join(f"`{name}`" for name in self.filters) + ".",
        ]
        if self.filter_rules:
            lines[-1] += " " + self.filter_rules
        if self.figures:
            lines.append("")
            lines += [f"- `{key}`: {text}" for key, text in self.figures.items()]
        if self.parameters:
            lines += [
                "",
                "| parameter | allowed | default | meaning |",
                "|---|---|---|---|",
            ]
            lines += [
                f"| `{p.name}` | {p.allowed()} | `{p.default}` | {p.description} |"
                for p in self.parameters
            ]
        return "\n".join(lines)
