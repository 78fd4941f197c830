"""What an import did: the summary the command prints and the admin page shows."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ...ops.spreadsheet import neutralise_formula
from .parsing import RowError

# The report lists this many errors; the rejected-rows CSV holds them all.
MAX_LISTED_ERRORS = 200


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of one import.

    written is False when the file had invalid rows and --skip-invalid was not given:
    then nothing was written and errors says why.
    """

    kind: str
    source: str
    rows_read: int
    written: bool
    counts: dict[str, int] = field(default_factory=dict)
    errors: tuple[RowError, ...] = ()
    error_count: int = 0
    rejected_rows: int = 0
    rejected_file: str = ""
    seconds: float = 0.0

    def summary_lines(self) -> list[str]:
        lines = [f"{self.kind} import of {self.source}: {self.rows_read} rows read"]
        if self.written:
            lines.extend(
                f"  {name.replace('_', ' ')}: {value}"
                for name, value in self.counts.items()
            )
        else:
            lines.append("  nothing was written")
        if self.error_count:
            lines.append(f"  invalid rows: {self.error_count}")
        if self.rejected_rows:
            lines.append(f"  rejected rows: {self.rejected_rows}")
        if self.rejected_file:
            lines.append(f"  rejected rows written to {self.rejected_file}")
        lines.append(f"  time: {self.seconds:.1f} s")
        return lines


class ErrorLog:
    """Collects row errors: every bad line's reason, and the first few errors to list."""

    def __init__(self) -> None:
        self.listed: list[RowError] = []
        self.reason_by_line: dict[int, str] = {}
        self.count = 0

    def add(self, error: RowError) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append(error)
        if error.line not in self.reason_by_line:
            column = f"{error.column}: " if error.column else ""
            self.reason_by_line[error.line] = f"{column}{error.reason}"

    def __bool__(self) -> bool:
        return self.count > 0


def rejected_path_for(source: Path) -> Path:
    """orders.csv -> orders.rejected.csv, next to the input."""
    return source.with_name(f"{source.stem}.rejected.csv")


class RejectedWriter:
    """Writes rejected rows as they were, with their line number and reason appended.

    A cell a spreadsheet would run as a formula gets a leading "'" (ops/spreadsheet.py):
    the file is meant to be opened, fixed and imported again.
    """

    def __init__(self, path: Path, header: Iterable[str]) -> None:
        self.path = path
        self.count = 0
        self._file = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(
            [*map(neutralise_formula, header), "rejected_line", "rejected_reason"]
        )

    def write(self, line: int, cells: list[str], reason: str) -> None:
        self.count += 1
        self._writer.writerow(
            [*map(neutralise_formula, cells), line, neutralise_formula(reason)]
        )

    def close(self) -> None:
        self._file.close()
