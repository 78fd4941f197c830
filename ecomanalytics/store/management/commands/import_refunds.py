"""Import refunds, one row per refund or per returned line of a refund."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ecomanalytics.store.importing.command import run_import
from ecomanalytics.store.importing.refunds import import_refunds_file


class Command(BaseCommand):
    help = (
        "Import refunds of known orders from a CSV file (docs/importing.md). Known "
        "refund ids are replaced when they changed; nothing is written when a row is "
        "invalid unless --skip-invalid is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows; write the rejected ones to FILE.rejected.csv.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        run_import(
            self,
            lambda: import_refunds_file(
                options["file"],
                skip_invalid=options["skip_invalid"],
                progress=not options["no_progress"],
            ),
        )
