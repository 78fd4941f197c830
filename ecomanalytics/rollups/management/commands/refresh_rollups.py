"""python manage.py refresh_rollups [--since YYYY-MM-DD]: rebuild the metric roll-ups."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecomanalytics.rollups.refresh import refresh_rollups


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--since: {value!r} is not a YYYY-MM-DD date") from error


class Command(BaseCommand):
    help = (
        "Rebuild the roll-up tables the metrics answer from: all of them, or the "
        "local days from --since on (data loaded or edited since that day)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            type=_day,
            default=None,
            help="Rebuild only the days from this local date (YYYY-MM-DD) on.",
        )

    def handle(self, *args: Any, since: date | None, **options: Any) -> None:
        report = refresh_rollups(since=since, progress=options["verbosity"] > 0)
        rows = ", ".join(f"{name} {count}" for name, count in report.rows.items())
        scope = f"from {report.since}" if report.since else "in full"
        self.stdout.write(
            f"Roll-ups refreshed {scope} in {report.seconds:.1f} s: {rows} rows."
        )
        if options["verbosity"] > 1:
            for name, seconds in report.step_seconds.items():
                self.stdout.write(f"  {name:<24} {seconds:8.2f} s")
