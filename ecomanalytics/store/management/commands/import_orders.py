"""Import orders, one row per order line: generic CSV or Shopify's orders export."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ecomanalytics.store.importing.command import add_wait_argument, run_import
from ecomanalytics.store.importing.orders import ORDER_PARSERS, import_orders_file


class Command(BaseCommand):
    help = (
        "Import orders from a CSV file with one row per order line (docs/importing.md). "
        "Known orders are updated; nothing is written when a row is invalid unless "
        "--skip-invalid is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", choices=sorted(ORDER_PARSERS), default="generic"
        )
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
            lambda: import_orders_file(
                options["file"],
                file_format=options["format"],
                skip_invalid=options["skip_invalid"],
                progress=not options["no_progress"],
            ),
            wait_seconds=options["wait"],
        )
