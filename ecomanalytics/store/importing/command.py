"""What the import commands share: printing a report, turning failures into sentences,
and waiting for another import (--wait)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError, CommandParser

from .locking import one_import_at_a_time
from .parsing import ImportFileError
from .report import ImportReport
from .rollups import CommitNotice, commit_notices

INTERRUPTED_BEFORE_COMMIT = (
    "Import interrupted: nothing was written (the transaction was rolled back)."
)
INTERRUPTED_AFTER_COMMIT = (
    "Interrupted during the roll-up refresh: the imported rows were committed (see "
    "above). Until the next refresh the metrics read the raw tables, with the same "
    "numbers; run manage.py refresh_rollups, or let the next import catch up."
)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a positive number of seconds"
        )
    return seconds


def add_wait_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--wait",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="When another import is running, wait up to SECONDS for it to finish "
        "(its roll-up refresh included) instead of refusing at once.",
    )


@contextmanager
def import_slot(command: BaseCommand, wait_seconds: float) -> Iterator[None]:
    """Hold the import lock for a command's whole run, waiting when asked to."""

    def say_waiting() -> None:
        command.stderr.write(
            f"Another import is running; waiting up to {wait_seconds:g} s for it "
            "to finish."
        )

    with one_import_at_a_time(wait_seconds=wait_seconds, on_wait=say_waiting):
        yield


def run_import(
    command: BaseCommand, run: Callable[[], ImportReport], *, wait_seconds: float = 0
) -> None:
    """Run an import, print its report; bad files and invalid rows end in CommandError."""
    notice: CommitNotice | None = None
    try:
        with (
            import_slot(command, wait_seconds),
            commit_notices(command.stdout.write) as notice,
        ):
            report = run()
    except ImportFileError as error:
        raise CommandError(str(error)) from None
    except KeyboardInterrupt:
        committed = notice is not None and notice.committed
        raise CommandError(
            INTERRUPTED_AFTER_COMMIT if committed else INTERRUPTED_BEFORE_COMMIT
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
