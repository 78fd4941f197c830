"""The API's rules across parameters, taught to schemathesis (SCHEMATHESIS_HOOKS).

OpenAPI states each parameter on its own; two rules join two of them, and are stated
in docs/api.md and in the 400 they give: `end` is not before `start`, and a series
has at most MAX_BUCKETS buckets. Generated queries are mapped onto them before they
are sent (both bounds swapped, the end pulled in), so positive_data_acceptance tests
everything else; the 400s of both rules have tests of their own (test_params.py).
The mapping only moves values that are valid dates already, so a query that breaks
the schema elsewhere still breaks it.

The planning endpoints add rules of their own (demand/serializers.py, tested in
demand/tests): ABC's a_share + b_share is at most 99; the forecast's scope=category
needs a category (and no sku), scope=product a sku, and a monthly horizon is at
most 12; a sku without a scope means scope=product.
planning_query maps generated queries onto them the same way. The customer value's
horizon other than 12 months takes no other parameter but format (cohorts/
serializers.py, tested in cohorts/tests/test_value_horizons.py): customer_value_query
drops them. The funnel's window_days needs unit=customer, and unit=customer takes no
breakdown (kpi/serializers.py, tested in kpi/tests/test_customer_funnel.py):
funnel_query drops the one that does not apply.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import django
import schemathesis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomanalytics.settings")
django.setup()

from ecomanalytics.api.params import (  # noqa: E402  (after django.setup())
    _ISO_DAY,
    BUCKET_COUNTERS,
    MAX_BUCKETS,
)


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not _ISO_DAY.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _bucketed(context: Any) -> bool:
    """The operation returns a series (it has a granularity, default month)."""
    operation = getattr(context, "operation", None)
    names = {getattr(p, "name", None) for p in getattr(operation, "query", ())}
    return "granularity" in names


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def planning_query(query: dict[str, Any]) -> dict[str, Any]:
    """A query moved inside the planning endpoints' rules across parameters."""
    query = dict(query)
    a_share, b_share = _as_int(query.get("a_share")), _as_int(query.get("b_share"))
    a_share = 80 if a_share is None else a_share
    if a_share + (15 if b_share is None else b_share) > 99 and a_share <= 98:
        query["b_share"] = 99 - a_share
    scope = query.get("scope")
    if scope == "category":
        query.setdefault("category", "Shoes")
        query.pop("sku", None)
    if scope == "product":
        query.setdefault("sku", "SKU-1")
    horizon = _as_int(query.get("horizon"))
    if horizon is not None and horizon > 12 and query.get("grain") != "week":
        query["horizon"] = 12
    return query


def customer_value_query(path: str, query: dict[str, Any]) -> dict[str, Any]:
    """A query moved inside the customer value's rule: months other than 12 alone."""
    months = _as_int(query.get("months"))
    if not path.endswith("/cohorts/customer-value/") or months in (None, 12):
        return query
    return {name: query[name] for name in ("months", "format") if name in query}


def funnel_query(path: str, query: dict[str, Any]) -> dict[str, Any]:
    """A query moved inside the funnel's units: window_days only with unit=customer,
    breakdown only without it."""
    if not path.endswith("/kpi/funnel/"):
        return query
    dropped = "breakdown" if query.get("unit") == "customer" else "window_days"
    return {name: value for name, value in query.items() if name != dropped}


@schemathesis.hook
def map_query(context: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    if not query:
        return query
    path = str(getattr(getattr(context, "operation", None), "path", ""))
    query = funnel_query(path, customer_value_query(path, planning_query(query)))
    start, end = _day(query.get("start")), _day(query.get("end"))
    bucketed = _bucketed(context)
    # An open bound of a series is the data span's, which the generator cannot
    # know: close it on the other bound (a one-day period).
    if bucketed and ("start" in query) != ("end" in query) and (start or end):
        start = end = start or end
    if start is None or end is None:
        return query
    if end < start:
        start, end = end, start
    count = BUCKET_COUNTERS.get(query.get("granularity", "month"))
    if bucketed and count is not None:
        while count(start, end) > MAX_BUCKETS:
            end = start + (end - start) / 2
    return {**query, "start": start.isoformat(), "end": end.isoformat()}
