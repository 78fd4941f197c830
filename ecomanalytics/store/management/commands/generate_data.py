"""Generate a synthetic shop: customers, catalogue, orders, sessions and their events."""

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ecomanalytics.store.generation import shapes
from ecomanalytics.store.generation.run import generate_data


class Command(BaseCommand):
    help = (
        "Generate realistic synthetic shop data (growth, Q4 seasonality, weekly cycle, "
        "churn and comebacks, a leaking funnel). The same seed gives the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=5000)
        parser.add_argument(
            "--months",
            type=int,
            default=36,
            help=(
                "Months ending with the current one; 36 by default, so that the "
                "forecasts have two yearly cycles before their backtest."
            ),
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--flush", action="store_true", help="Empty the shop's tables first."
        )
        parser.add_argument(
            "--sessions-per-order",
            type=float,
            default=shapes.DEFAULT_SESSIONS_PER_ORDER,
            help="Web sessions per order (30 = 3.3 %% session conversion).",
        )
        parser.add_argument(
            "--now",
            type=_aware_datetime,
            help="Where the data ends (ISO 8601; default: now). The same seed and "
            "--now give the same data; without --now the last partial day moves.",
        )
        parser.add_argument(
            "--batch-customers",
            type=int,
            default=5000,
            help="Customers per batch (one transaction each); bounds memory.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = generate_data(
            customers=options["customers"],
            months=options["months"],
            seed=options["seed"],
            sessions_per_order=options["sessions_per_order"],
            flush=options["flush"],
            batch_customers=options["batch_customers"],
            now=options["now"],
            progress=options["verbosity"] > 0,
        )
        for model, count in report.rows.items():
            self.stdout.write(f"{model:>14}: {count:>12,} rows")
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.total_rows:,} rows in {report.seconds:.1f} s "
                f"({report.rows_per_second:,.0f} rows/s)"
            )
        )


def _aware_datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
