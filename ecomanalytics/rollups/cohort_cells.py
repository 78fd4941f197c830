"""Building CohortCell: cohort sizes and active customers summed per anchor day.

Read from the per-customer cohort rows (CustomerCohort, ActiveMonth and
AcquisitionCategory, built just before), one grouped INSERT ... SELECT per cohort
anchor, level and kind of row. A customer's cells move whenever any of their orders
does, wherever their anchor day lies, so every refresh rebuilds the table whole; it
reads one row per customer (and per active month), not the orders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from django.db import connections
from django.db.models import F, Sum, Value

from ecomanalytics.store.columns import column_name

from .dimensions import DAY, MONTH
from .inserts import execute_insert, insert_select
from .models import (
    ALL,
    AcquisitionCategory,
    ActiveMonth,
    CohortCell,
    CustomerCohort,
)

# cohort_by code: (anchor day column, cohort month column) of CustomerCohort.
ANCHORS = {
    "f": ("acquired_day", "acquisition_month"),
    "s": ("signup_day", "signup_month"),
}
# Level: (source, device, country, category) expressions over the cohort row `c` and
# the acquisition category `a`, and the condition a customer must meet to count.
_ALL = f"'{ALL}'"
LEVELS = {
    "all": (_ALL, _ALL, _ALL, "NULL", ""),
    "source": (
        "c.acquisition_source",
        _ALL,
        _ALL,
        "NULL",
        "c.acquisition_source <> ''",
    ),
    "device": (
        _ALL,
        "c.acquisition_device",
        _ALL,
        "NULL",
        "c.acquisition_device <> ''",
    ),
    "country": (_ALL, _ALL, "c.country", "NULL", ""),
    "category": (_ALL, _ALL, _ALL, "a.category_id", ""),
}


def _statements(quote: Callable[[str], str]) -> Iterator[str]:
    cohort = quote(CustomerCohort._meta.db_table)
    active = quote(ActiveMonth._meta.db_table)
    categories = quote(AcquisitionCategory._meta.db_table)
    member = quote(column_name(ActiveMonth, "member"))
    customer = quote(column_name(CustomerCohort, "customer"))
    columns = ", ".join(
        quote(column_name(CohortCell, name))
        for name in (
            "cohort_by",
            "grain",
            "day",
            "month",
            "active_month",
            "traffic_source",
            "device",
            "country",
            "category",
            "customers",
            "repeat_customers",
        )
    )
    active_month = f"m.{quote('month')}"
    for code, (anchor_day, cohort_month) in ANCHORS.items():
        for source, device, country, category, condition in LEVELS.values():
            joins = ""
            if category != "NULL":
                joins = (
                    f" JOIN {categories} a ON a.{quote(column_name(AcquisitionCategory, 'member'))}"
                    f" = c.{customer}"
                )
            where = f"c.{quote(anchor_day)} IS NOT NULL"
            if condition:
                where += f" AND {condition}"
            level = f"{source}, {device}, {country}, {category}"
            # PostgreSQL refuses constants in GROUP BY: group by the columns only.
            # Rows in the order of the table's index (inserts.clustered_order).
            grouped = ", ".join(
                column
                for column in (source, device, country, category)
                if column.startswith(("c.", "a."))
            )
            anchor = f"c.{quote(anchor_day)}, c.{quote(cohort_month)}"
            order = ", ".join(filter(None, (grouped, anchor)))
            yield (
                f"INSERT INTO {quote(CohortCell._meta.db_table)} ({columns}) "
                f"SELECT '{code}', '{DAY}', {anchor}, NULL, {level}, COUNT(*), "
                f"SUM(CASE WHEN c.{quote('revenue_orders')} >= 2 THEN 1 ELSE 0 END) "
                f"FROM {cohort} c{joins} WHERE {where} "
                f"GROUP BY {', '.join(filter(None, (anchor, grouped)))} "
                f"ORDER BY {order}"
            )
            yield (
                f"INSERT INTO {quote(CohortCell._meta.db_table)} ({columns}) "
                f"SELECT '{code}', '{DAY}', {anchor}, {active_month}, {level}, "
                f"COUNT(*), NULL "
                f"FROM {cohort} c JOIN {active} m ON m.{member} = c.{customer}{joins} "
                f"WHERE {where} "
                f"GROUP BY {', '.join(filter(None, (anchor, active_month, grouped)))} "
                f"ORDER BY {order}"
            )


def rebuild_cohort_cells(using: str) -> int:
    CohortCell.objects.using(using).delete()
    quote = connections[using].ops.quote_name
    written = sum(execute_insert(using, statement) for statement in _statements(quote))
    return written + _month_rows(using)


def _month_rows(using: str) -> int:
    query = (
        CohortCell.objects.using(using)
        .order_by()
        .filter(grain=DAY)
        .values(
            "cohort_by",
            "month",
            "active_month",
            "traffic_source",
            "device",
            "country",
            "category",
        )
        .annotate(
            total_customers=Sum("customers"),
            total_repeat=Sum("repeat_customers"),
            first_day=F("month"),
            month_grain=Value(MONTH),
        )
    )
    renamed = {
        "total_customers": "customers",
        "total_repeat": "repeat_customers",
        "first_day": "day",
        "month_grain": "grain",
    }
    return insert_select(CohortCell, query, using, renamed)


def cohort_cell_steps(
    since: date | None, using: str
) -> Iterator[tuple[str, Callable[[], int]]]:
    """The refresh step of CohortCell (whole, whatever `since`)."""
    del since  # see the module docstring
    yield "CohortCell", lambda: rebuild_cohort_cells(using)
