"""manage.py fit_forecasts: fit the stored forecasts by hand (the refresh does it
after each roll-up refresh)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demand.stored_forecasts import (
    DEFAULT_TOP_PRODUCTS,
    MAX_TOP_PRODUCTS,
    fit_stored_forecasts,
)


class Command(BaseCommand):
    help = (
        "Fit the forecasts of the shop, each category and the top products, for "
        "revenue and units, monthly and weekly; only series whose history changed "
        "unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--top",
            type=int,
            default=DEFAULT_TOP_PRODUCTS,
            choices=range(1, MAX_TOP_PRODUCTS + 1),
            metavar=f"1..{MAX_TOP_PRODUCTS}",
            help="products forecast, by revenue over the last 12 complete months",
        )
        parser.add_argument(
            "--force", action="store_true", help="refit every series of the set"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = fit_stored_forecasts(
            top=options["top"],
            force=options["force"],
            progress=options["verbosity"] > 0,
        )
        self.stdout.write(
            f"{report.series} series: {report.fitted} fitted, {report.unchanged} "
            f"unchanged, {report.removed} removed in {report.seconds:.1f} s"
        )
