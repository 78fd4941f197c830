"""CSV cells a spreadsheet will not run as formulas (CSV injection, OWASP).

Excel, LibreOffice and Google Sheets run a cell that starts with = + - @ (and, in some
versions, a tab or carriage return) as a formula: `=HYPERLINK(...)` or
`@SUM(1+1)*cmd|' /C calc'!A0` in a customer's name would run on the analyst's machine.
Such a cell is written with a leading apostrophe, which spreadsheets show as text and
hide. A plain number ("-12.50", "+3") is left alone: it is read as a number, not run.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_formula(value: Any) -> Any:
    """The value, or for a text that a spreadsheet would run, that text after a "'"."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value
