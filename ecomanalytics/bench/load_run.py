"""`manage.py bench --load`: the concurrent load shapes, with the cache off and on, and
once beside an import; written to benchmarks/RESULTS.md (one section per database).

Each shape runs against its own gunicorn (2 sync workers, as the Dockerfile runs it)
on 127.0.0.1, started with the response cache off (METRICS_CACHE_SECONDS=0) or on
(300 s), so a shape's cache state is the process's, not a leftover. Clients log in
through the admin's login form and send the session cookie, as the dashboard does.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from django.db.models import Max
from django.utils import timezone

from ecomanalytics.periods import local_date
from ecomanalytics.store.models import Customer, Order, Product

from .admin_load import admin_login
from .concurrent_load import (
    LoadResult,
    Request,
    dashboard_views,
    describe,
    saturation,
    staff_load,
)
from .dataset import (
    BENCH_USERNAME,
    MANAGE_PY,
    bench_admin_password,
    build_dataset,
    child_environment,
    close_bench_connection,
    filter_values,
    open_bench_connection,
)
from .http_load import (
    Endpoint,
    FilterCase,
    Server,
    accepts,
    discover_endpoints,
    gunicorn_server,
)
from .load_report import (
    CACHE_ON_SECONDS,
    ImportRun,
    LoadOptions,
    LoadRun,
    render_load_section,
)
from .machine import describe_machine
from .report import write_section
from .runner import BenchOptions, filter_cases, scratch_database_url

# The import beside the load waits this long after the load starts, so the first
# views run on current roll-ups; and may take this long before the bench stops it.
IMPORT_DELAY_SECONDS = 5.0
IMPORT_TIMEOUT_SECONDS = 900


def run_load_bench(
    options: BenchOptions, load: LoadOptions, *, say: Callable[[str], None]
) -> LoadRun:
    database_url = options.database_url or scratch_database_url(options.orders)
    log = options.output.with_name(f"{options.output.stem}-load-{options.orders}.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    say(f"Building a shop of about {options.orders:,} orders ({database_url}).")
    dataset = build_dataset(
        database_url=database_url,
        orders=options.orders,
        generator=options.generator,
        keep=options.keep,
        replace_data=options.replace_data or options.database_url is None,
        log=log,
    )
    alias = open_bench_connection(database_url)
    try:
        password = bench_admin_password(database_alias=alias)
        cases = filter_cases(
            database_alias=alias, values=dict(filter_values(database_alias=alias))
        )
        last = Order.objects.using(alias).aggregate(last=Max("placed_at"))["last"]
        last_day = local_date(last).isoformat() if last else None
        machine = describe_machine(database_alias=alias)
        import_file = log.with_name(f"load-import-{options.orders}.csv")
        import_orders = _write_import_file(
            import_file, database_alias=alias, orders=load.import_orders, last=last
        )
    finally:
        close_bench_connection()

    endpoints = discover_endpoints()
    staff: list[LoadResult] = []
    steps: dict[bool, list[LoadResult]] = {}
    load_before = os.getloadavg()[0]
    views: list[list[Request]] = []
    for cache in (False, True):
        with _serving(database_url, log, cache, password) as (server, headers):
            if not views:
                views = dashboard_views(
                    endpoints,
                    cases,
                    last_day=last_day,
                    accepted=_accepted_pairs(server, endpoints, cases, headers),
                )
                say(
                    f"{len(views)} dashboard views of up to "
                    f"{max(map(len, views))} requests each."
                )
            say(
                f"Staff load, cache {'on' if cache else 'off'}: {load.users} users, "
                f"{load.think_seconds:g} s between views, {load.seconds:g} s."
            )
            result = staff_load(
                server,
                views,
                headers=headers,
                users=load.users,
                think_seconds=load.think_seconds,
                seconds=load.seconds,
                cache=cache,
                seed=load.seed,
            )
            say(describe(result))
            staff.append(result)
            say(f"Saturation, cache {'on' if cache else 'off'}:")
            steps[cache] = saturation(
                server,
                [request for view in views for request in view],
                headers=headers,
                step_seconds=load.step_seconds,
                cache=cache,
                seed=load.seed,
                say=say,
            )
    during_import = import_run = None
    if import_orders:
        with _serving(database_url, log, False, password) as (server, headers):
            say(
                f"Staff load, cache off, while importing {import_orders:,} orders "
                "(and refreshing the roll-ups)."
            )
            during_import, import_run = _staff_load_during_import(
                server,
                views,
                headers=headers,
                load=load,
                database_url=database_url,
                import_file=import_file,
                orders=import_orders,
                log=log,
            )
            say(describe(during_import))
            say(f"  import: {import_run.seconds:.1f} s, exit {import_run.returncode}")
    load_after = os.getloadavg()[0]

    run = LoadRun(
        key=f"load-{dataset.vendor}-{options.orders}",
        title=f"Load at {options.orders:,} orders on {machine.database}",
        options=load,
        machine_line=(
            f"{machine.cores} cores ({machine.cpu_model}), {machine.memory_gib:.1f} GiB "
            f"RAM, Python {machine.python}, Django {machine.django}, "
            f"{machine.database}; {dataset.rows['orders']:,} orders, "
            f"{sum(dataset.rows.values()):,} rows."
        ),
        staff=staff,
        saturation=steps,
        during_import=during_import,
        import_run=import_run,
        load_average=(load_before, load_after),
        views=len(views),
        requests_per_view=max(map(len, views)) if views else 0,
        measured_at=timezone.now().isoformat(timespec="seconds"),
        command=options.command,
    )
    write_section(run.key, render_load_section(run), path=options.output)
    return run


@contextmanager
def _serving(
    database_url: str, log: Path, cache: bool, password: str
) -> Iterator[tuple[Server, dict[str, str]]]:
    with gunicorn_server(
        database_url=database_url,
        log=log,
        cache_seconds=CACHE_ON_SECONDS if cache else 0,
    ) as server:
        headers = admin_login(server, username=BENCH_USERNAME, password=password)
        yield server, {**headers, "Accept": "application/json"}


def _accepted_pairs(
    server: Server,
    endpoints: Sequence[Endpoint],
    cases: Sequence[FilterCase],
    headers: Mapping[str, str],
) -> set[tuple[str, str]]:
    """(endpoint, filter) pairs the endpoint takes (sessions have no category)."""
    return {
        (endpoint.name, case.name)
        for endpoint in endpoints
        for case in cases
        if accepts(server, endpoint, case, headers)
    }


def _staff_load_during_import(
    server: Server,
    views: list[list[Request]],
    *,
    headers: dict[str, str],
    load: LoadOptions,
    database_url: str,
    import_file: Path,
    orders: int,
    log: Path,
) -> tuple[LoadResult, ImportRun]:
    """The staff load, with `manage.py import_orders` started IMPORT_DELAY_SECONDS
    in; the load goes on until the import (and its refresh) has ended, at least
    load.seconds, at most IMPORT_TIMEOUT_SECONDS."""
    outcome: dict[str, ImportRun] = {}

    def run_import() -> None:
        time.sleep(IMPORT_DELAY_SECONDS)
        started = time.perf_counter()
        try:
            completed = subprocess.run(
                [
                    sys.executable,
                    str(MANAGE_PY),
                    "import_orders",
                    "--no-progress",
                    "--wait",
                    "60",
                    str(import_file),
                ],
                env=child_environment(database_url=database_url),
                cwd=MANAGE_PY.parent,
                capture_output=True,
                text=True,
                timeout=IMPORT_TIMEOUT_SECONDS,
                check=False,
            )
            code, text = completed.returncode, completed.stdout + completed.stderr
        except subprocess.TimeoutExpired:
            code, text = -1, f"stopped after {IMPORT_TIMEOUT_SECONDS} s"
        with log.open("a") as out:
            out.write(text)
        outcome["import"] = ImportRun(
            orders=orders,
            seconds=time.perf_counter() - started,
            returncode=code,
            output="\n".join(text.strip().splitlines()[-12:]),
        )

    importer = threading.Thread(target=run_import, daemon=True)
    importer.start()
    # Run the load in slices until the import has ended (and for load.seconds at least).
    slices: list[LoadResult] = []
    started = time.monotonic()
    while True:
        slices.append(
            staff_load(
                server,
                views,
                headers=headers,
                users=load.users,
                think_seconds=load.think_seconds,
                seconds=load.seconds,
                cache=False,
                seed=load.seed + len(slices),
                shape="staff, during an import",
            )
        )
        done = not importer.is_alive()
        if done or time.monotonic() - started > IMPORT_TIMEOUT_SECONDS:
            break
    importer.join(timeout=IMPORT_TIMEOUT_SECONDS)
    return _merged(slices), outcome.get(
        "import", ImportRun(orders, 0.0, -1, "did not finish")
    )


def _merged(slices: list[LoadResult]) -> LoadResult:
    """One result of consecutive slices (percentiles weighted by requests)."""
    if len(slices) == 1:
        return slices[0]
    total = sum(s.requests for s in slices) or 1

    def weighted(attribute: str) -> float:
        return sum(getattr(s, attribute) * s.requests for s in slices) / total

    seconds = sum(s.seconds for s in slices)
    first = slices[0]
    return LoadResult(
        shape=first.shape,
        cache=first.cache,
        clients=first.clients,
        seconds=seconds,
        requests=sum(s.requests for s in slices),
        errors=sum(s.errors for s in slices),
        statuses=", ".join(sorted({x for s in slices for x in s.statuses.split(", ")})),
        p50_ms=weighted("p50_ms"),
        p95_ms=max(s.p95_ms for s in slices),
        p99_ms=max(s.p99_ms for s in slices),
        throughput=sum(s.requests for s in slices) / seconds if seconds else 0.0,
        cache_hits=sum(s.cache_hits for s in slices),
        raw_answers=sum(s.raw_answers for s in slices),
        views=sum(s.views for s in slices),
        failures=tuple(f for s in slices for f in s.failures)[:5],
        note=f"{len(slices)} consecutive runs of {first.seconds:.0f} s; p50 is their "
        "request-weighted mean, p95 and p99 their maximum",
    )


def _write_import_file(
    path: Path, *, database_alias: str, orders: int, last: datetime | None
) -> int:
    """A generic orders CSV of `orders` new orders over the last 30 days of the data,
    for existing customers and products (so the refresh is from those days on)."""
    if not orders or last is None:
        return 0
    customers = list(
        Customer.objects.using(database_alias)
        .order_by("-pk")
        .values_list("external_id", flat=True)[:500]
    )
    skus = list(
        Product.objects.using(database_alias)
        .order_by("pk")
        .values_list("sku", flat=True)[:50]
    )
    if not customers or not skus:
        return 0
    end = last  # the newest order's moment
    stamp = int(time.time())
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["order_id", "placed_at", "customer_id", "status", "sku", "quantity",
             "unit_price"]
        )  # fmt: skip
        for number in range(orders):
            placed = end - timedelta(minutes=(number * 30 * 24 * 60) // orders)
            writer.writerow(
                [
                    f"LOAD-{stamp}-{number}",
                    placed.isoformat(),
                    customers[number % len(customers)],
                    "paid",
                    skus[number % len(skus)],
                    1 + number % 3,
                    "19.99",
                ]
            )
    return orders
