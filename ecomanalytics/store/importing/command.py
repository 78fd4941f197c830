"""What the import commands share: printing a report and turning failures into sentences."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from .parsing import ImportFileError
from .report import ImportReport


def run_import(command: BaseCommand, run: Callable[[], ImportReport]) -> None:
    """Run an import, print its report; bad files and invalid rows end in CommandError."""
    try:
        report = run()
    except ImportFileError as error:
        raise CommandError(str(error)) from None
    except KeyboardInterrupt:
        raise CommandError(
            "Import interrupted: nothing was written (the transaction was rolled back)."
        ) from None
    for row_error in report.errors:
        command.stderr.write(str(row_error))
    if report.error_count > len(report.errors):
        command.stderr.write(f"... and {report.error_count - len(report.errors)} more")
    for line in report.summary_lines():
        command.stdout.write(line)
    if not report.written:
        raise CommandError(
            f"{report.error_count} invalid rows: nothing was written. Fix them, or "
            "re-run with --skip-invalid to import the valid rows and write the "
            "rejected ones to a .rejected.csv file next to the input."
        )
