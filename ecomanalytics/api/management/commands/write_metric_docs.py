"""Render the metric catalogue into docs/metrics.md (--check: fail when it is stale)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecomanalytics.api.catalogue import DOCS_PATH, render_metrics_docs


class Command(BaseCommand):
    help = "Write the metric definitions of the catalogue into docs/metrics.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit with an error when docs/metrics.md is stale.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        current = DOCS_PATH.read_text(encoding="utf-8")
        rendered = render_metrics_docs(current)
        if options["check"]:
            if rendered != current:
                raise CommandError(
                    f"{DOCS_PATH} is stale: run `python manage.py write_metric_docs`."
                )
            self.stdout.write(f"{DOCS_PATH} is current.")
            return
        DOCS_PATH.write_text(rendered, encoding="utf-8")
        self.stdout.write(f"Wrote the metric definitions into {DOCS_PATH}.")
