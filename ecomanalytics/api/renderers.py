"""CSV for spreadsheets and BI tools: the same numbers as the JSON, one row per result.

How a JSON body becomes rows (docs/api.md, "CSV"):
- an object without lists of objects (a summary) is one row; nested objects become
  prefixed columns: {"revenue": 1, "previous": {"revenue": 2}} -> revenue, previous_revenue;
- an object holding one list of objects (buckets, steps, cohorts, products) gives one
  row per item; the object's other fields (the period, the granularity) are repeated
  as leading columns;
- an object holding several such lists gives one row per item of each, in long format,
  with a leading `table` column naming the list;
- a top-level list gives one row per item;
- a list of numbers becomes numbered columns: retention -> month_0 .. month_N-1, any
  other name -> name_0 .. name_N-1; a list of objects nested in a row stays JSON text.
null is an empty cell, booleans are true/false, dates ISO 8601; a text a spreadsheet would
run as a formula (= + - @ tab CR first) starts with "'" (ops/spreadsheet.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder

from ..ops.spreadsheet import neutralise_formula

# Lists of numbers whose columns read better under another name than name_k.
INDEXED_COLUMN_NAMES = {"retention": "month_{}"}

Row = dict[str, Any]


def _is_table(value: Any) -> bool:
    """A list of objects: rows of a result (an empty list is an empty table)."""
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str | bytes)
        and all(isinstance(item, Mapping) for item in value)
    )


def _flatten(record: Mapping[str, Any], prefix: str = "") -> Row:
    row: Row = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            row.update(_flatten(value, prefix=f"{name}_"))
        elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
            if value and all(isinstance(item, Mapping) for item in value):
                row[name] = json.dumps(value, cls=JSONEncoder)
            else:
                pattern = INDEXED_COLUMN_NAMES.get(str(key), f"{name}_{{}}")
                if prefix and str(key) in INDEXED_COLUMN_NAMES:
                    pattern = f"{prefix}{pattern}"
                for index, item in enumerate(value):
                    row[pattern.format(index)] = item
        else:
            row[name] = value
    return row


def flatten_to_rows(data: Any) -> list[Row]:
    """The rows a JSON body becomes in CSV (see the module docstring)."""
    if isinstance(data, Mapping):
        tables = [key for key, value in data.items() if _is_table(value)]
        context = _flatten({k: v for k, v in data.items() if k not in tables})
        if not tables:
            return [context]
        rows: list[Row] = []
        for table in tables:
            label = {"table": table} if len(tables) > 1 else {}
            rows.extend({**label, **context, **_flatten(item)} for item in data[table])
        return rows
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        return [
            _flatten(item) if isinstance(item, Mapping) else {"value": item}
            for item in data
        ]
    return [{"value": data}]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return neutralise_formula(value)


def rows_to_csv(rows: list[Row]) -> str:
    columns = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({name: _cell(row.get(name)) for name in columns} for row in rows)
    return buffer.getvalue()


class CSVRenderer(BaseRenderer):
    """text/csv, chosen by ?format=csv or Accept: text/csv; sent as an attachment."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        view = renderer_context.get("view")
        if response is not None and response.status_code < 400:
            get_filename = getattr(view, "get_csv_filename", None)
            filename = get_filename(data) if get_filename else "export.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        if data is None:
            return b""
        return rows_to_csv(flatten_to_rows(data)).encode(self.charset)
