"""Import web-session events, one row per event; sessions are built from them."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ecomanalytics.store.importing.command import add_wait_argument, run_import
from ecomanalytics.store.importing.events import import_events_file


class Command(BaseCommand):
    help = (
        "Import web-session events from a CSV file (docs/importing.md). Events already "
        "stored are skipped; nothing is written when a row is invalid unless "
        "--skip-invalid is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows; write the rejected ones to FILE.rejected.csv.",
        )
        parser.add_argument("--no-progress", action="store_true")
        add_wait_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        run_import(
            self,
            lambda: import_events_file(
                options["file"],
                skip_invalid=options["skip_invalid"],
                progress=not options["no_progress"],
            ),
            wait_seconds=options["wait"],
        )
