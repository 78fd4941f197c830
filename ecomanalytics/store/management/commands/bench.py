"""Benchmark the metric endpoints at a given shop size; see ecomanalytics/bench/."""

import shlex
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecomanalytics.bench.dataset import BenchDataError, GeneratorOptions
from ecomanalytics.bench.load_report import LoadOptions
from ecomanalytics.bench.load_run import run_load_bench
from ecomanalytics.bench.runner import DEFAULT_OUTPUT, BenchOptions, run_bench

QUICK_ORDERS = 300
QUICK_REQUESTS = 3
# --load --quick: a smoke run of every shape in about a minute.
QUICK_LOAD = LoadOptions(
    users=5, think_seconds=1, seconds=5, step_seconds=2, import_orders=50
)


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
            "--no-refresh",
            action="store_true",
            help="With --keep: measure the roll-ups as they stand, without the full "
            "refresh (and model fits) before the measurements.",
        )
        parser.add_argument(
            "--endpoints",
            action="append",
            default=[],
            metavar="PATTERN",
            help="Measure only the endpoints whose name matches this shell pattern "
            "(e.g. 'kpi/sales*'; repeatable). The section is written apart from the "
            "full run's, under the key VENDOR-only-ORDERS.",
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
        load = parser.add_argument_group(
            "load",
            "--load: instead of one request at a time, concurrent load through "
            "gunicorn (2 workers): staff opening dashboard views, then closed-loop "
            "saturation, with the response cache off and on, and the staff load "
            "once more beside an import (ecomanalytics/bench/concurrent_load.py).",
        )
        defaults = LoadOptions()
        load.add_argument("--load", action="store_true")
        load.add_argument("--load-users", type=int, default=defaults.users)
        load.add_argument(
            "--load-think-seconds", type=float, default=defaults.think_seconds
        )
        load.add_argument(
            "--load-seconds",
            type=float,
            default=defaults.seconds,
            help="Length of each staff-load run.",
        )
        load.add_argument(
            "--load-step-seconds",
            type=float,
            default=defaults.step_seconds,
            help="Length of each saturation step.",
        )
        load.add_argument(
            "--load-import-orders",
            type=int,
            default=defaults.import_orders,
            help="Orders the import beside the load writes (0: no such run).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        orders = [QUICK_ORDERS] if options["quick"] else options["orders"]
        requests = QUICK_REQUESTS if options["quick"] else options["requests"]
        if min(orders) < 1 or requests < 1:
            raise CommandError("--orders and --requests must be positive.")
        if options["no_refresh"] and not options["keep"]:
            raise CommandError("--no-refresh needs --keep (a new shop is refreshed).")
        generator = GeneratorOptions(
            months=options["months"],
            seed=options["seed"],
            sessions_per_order=options["sessions_per_order"],
        )
        for size in orders:
            bench_options = BenchOptions(
                orders=size,
                requests=requests,
                database_url=options["database_url"],
                generator=generator,
                keep=options["keep"],
                refresh=not options["no_refresh"],
                endpoint_patterns=tuple(options["endpoints"]),
                replace_data=options["replace_data"],
                output=options["output"],
                max_seconds_per_case=options["max_seconds_per_case"],
                command=shlex.join(["manage.py", *sys.argv[1:]]),
            )
            try:
                if options["load"]:
                    run_load_bench(
                        bench_options,
                        self._load_options(options),
                        say=self.stdout.write,
                    )
                else:
                    run_bench(bench_options, say=self.stdout.write)
            except BenchDataError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Results: {options['output']}"))
        self.stdout.write(options["output"].read_text())

    @staticmethod
    def _load_options(options: dict[str, Any]) -> LoadOptions:
        if options["quick"]:
            return QUICK_LOAD
        load = LoadOptions(
            users=options["load_users"],
            think_seconds=options["load_think_seconds"],
            seconds=options["load_seconds"],
            step_seconds=options["load_step_seconds"],
            import_orders=options["load_import_orders"],
            seed=options["seed"],
        )
        if min(load.users, load.seconds, load.step_seconds) <= 0:
            raise CommandError(
                "--load-users and the --load-*-seconds must be positive."
            )
        return load
