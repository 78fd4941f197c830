"""One benchmark run: build the database, serve it, time every endpoint, write the report."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from fnmatch import fnmatch
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from ecomanalytics.periods import local_date
from ecomanalytics.store.models import Order

from .admin_load import (
    AdminPage,
    admin_login,
    admin_pages,
    measure_admin_page,
    requests_per_page,
)
from .dataset import (
    BENCH_USERNAME,
    BenchDataError,
    GeneratorOptions,
    bench_admin_password,
    bench_token,
    build_dataset,
    close_bench_connection,
    filter_values,
    open_bench_connection,
)
from .http_load import (
    FilterCase,
    Measurement,
    Server,
    accepts,
    discover_endpoints,
    gunicorn_server,
    measure,
    token_headers,
)
from .machine import describe_machine
from .report import BenchRun, write_results

BENCHMARKS_DIR = Path(settings.BASE_DIR) / "benchmarks"
DEFAULT_OUTPUT = BENCHMARKS_DIR / "RESULTS.md"
PERIOD_DAYS = 90


@dataclass(frozen=True, slots=True)
class BenchOptions:
    orders: int
    requests: int
    database_url: str | None  # None: a scratch SQLite file under benchmarks/
    generator: GeneratorOptions
    keep: bool
    replace_data: bool
    output: Path
    max_seconds_per_case: float | None
    command: str
    refresh: bool = True  # False: --keep --no-refresh measures the roll-ups as they are
    endpoint_patterns: tuple[str, ...] = ()  # shell patterns; empty: every endpoint


def scratch_database_url(orders: int) -> str:
    return f"sqlite:///{BENCHMARKS_DIR / f'bench-{orders}.sqlite3'}"


def run_bench(options: BenchOptions, *, say: Callable[[str], None]) -> BenchRun:
    database_url = options.database_url or scratch_database_url(options.orders)
    log = options.output.with_name(f"{options.output.stem}-{options.orders}.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    say(f"Building a shop of about {options.orders:,} orders ({database_url}).")
    dataset = build_dataset(
        database_url=database_url,
        orders=options.orders,
        generator=options.generator,
        keep=options.keep,
        refresh=options.refresh,
        replace_data=options.replace_data or options.database_url is None,
        log=log,
    )
    say(f"Rows: {dataset.rows}")
    alias = open_bench_connection(database_url)
    try:
        token = bench_token(database_alias=alias)
        password = bench_admin_password(database_alias=alias)
        pages = admin_pages(database_alias=alias)
        values = dict(filter_values(database_alias=alias))
        cases = filter_cases(database_alias=alias, values=values)
        machine = describe_machine(database_alias=alias)
    finally:
        close_bench_connection()

    endpoints = [
        endpoint
        for endpoint in discover_endpoints()
        if not options.endpoint_patterns
        or any(fnmatch(endpoint.name, pattern) for pattern in options.endpoint_patterns)
    ]
    if not endpoints:
        raise BenchDataError(
            f"No endpoint matches {', '.join(options.endpoint_patterns)}."
        )
    measurements: list[Measurement] = []
    skipped: dict[str, list[str]] = {}
    say(f"Measuring {len(endpoints)} endpoints through gunicorn (log: {log}).")
    load_before = os.getloadavg()[0]
    headers = token_headers(token)
    with gunicorn_server(database_url=database_url, log=log) as server:
        for endpoint in endpoints:
            skipped[endpoint.name] = []
            for case in cases:
                # The probe doubles as the case's warm-up request.
                if not accepts(server, endpoint, case, headers):
                    skipped[endpoint.name].append(case.name)
                    continue
                result = measure(
                    server,
                    endpoint,
                    case,
                    headers=headers,
                    requests=options.requests,
                    max_seconds=options.max_seconds_per_case,
                )
                say(_line(result, endpoint_width=28, filter_width=11))
                measurements.append(result)
        load_after = os.getloadavg()[0]
        say(
            f"Measuring {len(pages)} admin change-list pages, logged in as "
            f"{BENCH_USERNAME!r}."
        )
        admin = measure_admin(server, pages, password=password, options=options)
        for result in admin:
            say(_line(result, endpoint_width=14, filter_width=48))
        server_memory = server.memory()

    run = BenchRun(
        orders_asked=options.orders,
        requests=options.requests,
        dataset=dataset,
        machine=machine,
        measurements=measurements,
        admin_measurements=admin,
        admin_requests=requests_per_page(options.requests),
        skipped_filters=skipped,
        filter_values={
            "start/end": _period_label(cases),
            **values,
        },
        server_memory=server_memory,
        load_average=(load_before, load_after),
        measured_at=timezone.now().isoformat(timespec="seconds"),
        command=options.command,
        endpoint_patterns=options.endpoint_patterns,
    )
    write_results(run, path=options.output)
    return run


def measure_admin(
    server: Server, pages: list[AdminPage], *, password: str, options: BenchOptions
) -> list[Measurement]:
    """Each admin page through the server, logged in as the bench's superuser."""
    headers = admin_login(server, username=BENCH_USERNAME, password=password)
    return [
        measure_admin_page(
            server,
            page,
            headers=headers,
            requests=options.requests,
            max_seconds=options.max_seconds_per_case,
        )
        for page in pages
    ]


def _line(result: Measurement, *, endpoint_width: int, filter_width: int) -> str:
    return (
        f"  {result.endpoint:<{endpoint_width}} {result.filter:<{filter_width}} "
        f"median {result.median_ms:8.1f} ms  p95 {result.p95_ms:8.1f} ms"
        + (f"  non-200: {result.statuses}" if result.errors else "")
    )


def filter_cases(*, database_alias: str, values: dict[str, str]) -> list[FilterCase]:
    """Unfiltered, the last 90 days of the data, and each filter kind on its own."""
    cases = [FilterCase("unfiltered", {})]
    last = Order.objects.using(database_alias).aggregate(last=Max("placed_at"))["last"]
    if last is not None:
        end = local_date(last)
        start = end - timedelta(days=PERIOD_DAYS - 1)
        cases.append(
            FilterCase(
                "start/end", {"start": start.isoformat(), "end": end.isoformat()}
            )
        )
    cases += [FilterCase(name, {name: value}) for name, value in values.items()]
    return cases


def _period_label(cases: list[FilterCase]) -> str:
    for case in cases:
        if case.name == "start/end":
            return f"{case.params['start']}..{case.params['end']} (last {PERIOD_DAYS} days of data)"
    return "n/a (no orders)"
