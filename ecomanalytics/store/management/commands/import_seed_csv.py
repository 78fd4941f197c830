"""Import the data/raw folder of the seed project this one replaces."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecomanalytics.store.importing.command import add_wait_argument, import_slot
from ecomanalytics.store.importing.parsing import ImportFileError
from ecomanalytics.store.importing.rollups import commit_notices
from ecomanalytics.store.importing.seed_csv import import_seed_folder


class Command(BaseCommand):
    help = (
        "Import the seed project's data/raw folder (categories, products, users, "
        "orders, order_items, sessions CSV files; docs/importing.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--skip-invalid", action="store_true")
        parser.add_argument("--no-progress", action="store_true")
        add_wait_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with (
                import_slot(self, options["wait"]),
                commit_notices(self.stdout.write),
            ):
                reports = import_seed_folder(
                    options["directory"],
                    skip_invalid=options["skip_invalid"],
                    progress=not options["no_progress"],
                )
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        for report in reports:
            for row_error in report.errors:
                self.stderr.write(str(row_error))
            for line in report.summary_lines():
                self.stdout.write(line)
        if not all(report.written for report in reports):
            raise CommandError(
                "The seed folder has invalid rows: nothing was written. Fix them, or "
                "re-run with --skip-invalid."
            )
