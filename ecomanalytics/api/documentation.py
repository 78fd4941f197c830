"""A metric endpoint's OpenAPI summary and description, from its declaration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.utils import extend_schema

from ..catalogue import MetricDefinition

COMMON_RESPONSE_RULES = (
    "Money is a JSON number in the shop's currency, rounded to cents. Rates are "
    "unrounded fractions, each given with the counts it is computed from, and null "
    "where the denominator is 0."
)

F = TypeVar("F", bound=Callable[..., Any])


def documented(metric: MetricDefinition, **schema: Any) -> Callable[[F], F]:
    """extend_schema with the metric's title and definition as summary and description."""
    return extend_schema(
        summary=metric.title,
        description=f"{metric.description()}\n\n{COMMON_RESPONSE_RULES}",
        **schema,
    )
