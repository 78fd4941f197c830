"""Benchmark the metric endpoints at a given shop size; see ecomanalytics/bench/."""

import shlex
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecomanalytics.bench.dataset import BenchDataError, GeneratorOptions
from ecomanalytics.bench.runner import DEFAULT_OUTPUT, BenchOptions, run_bench

QUICK_ORDERS = 300
QUICK_REQUESTS = 3


class Command(BaseCommand):
    help = (
        "Generate a shop of --orders orders (a scratch SQLite file under benchmarks/, "
        "or --database-url), time every metric endpoint through gunicorn on 127.0.0.1, "
        "and write the results to benchmarks/RESULTS.md. Several --orders values "
        "record one section per size."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--orders",
            type=int,
            nargs="+",
            default=[100_000],
            help="Target number of orders; several values benchmark each size in turn.",
        )
        parser.add_argument("--requests", type=int, default=50)
        parser.add_argument(
            "--quick",
            action="store_true",
            help=f"Smoke run: {QUICK_ORDERS} orders, {QUICK_REQUESTS} requests.",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Reuse the database if it already holds orders.",
        )
        parser.add_argument(
            "--database-url",
            default=None,
            help="Benchmark this database (it is flushed) instead of a scratch SQLite "
            "file under benchmarks/.",
        )
        parser.add_argument(
            "--replace-data",
            action="store_true",
            help="Allow flushing a database that holds data the bench did not make.",
        )
        parser.add_argument("--months", type=int, default=None)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--sessions-per-order", type=float, default=None)
        parser.add_argument(
            "--max-seconds-per-case",
            type=float,
            default=None,
            help="Stop timing an endpoint/filter pair after this many seconds.",
        )
        parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)

    def handle(self, *args: Any, **options: Any) -> None:
        orders = [QUICK_ORDERS] if options["quick"] else options["orders"]
        requests = QUICK_REQUESTS if options["quick"] else options["requests"]
        if min(orders) < 1 or requests < 1:
            raise CommandError("--orders and --requests must be positive.")
        generator = GeneratorOptions(
            months=options["months"],
            seed=options["seed"],
            sessions_per_order=options["sessions_per_order"],
        )
        for size in orders:
            try:
                run_bench(
                    BenchOptions(
                        orders=size,
                        requests=requests,
                        database_url=options["database_url"],
                        generator=generator,
                        keep=options["keep"],
                        replace_data=options["replace_data"],
                        output=options["output"],
                        max_seconds_per_case=options["max_seconds_per_case"],
                        command=shlex.join(["manage.py", *sys.argv[1:]]),
                    ),
                    say=self.stdout.write,
                )
            except BenchDataError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Results: {options['output']}"))
        self.stdout.write(options["output"].read_text())
