"""The load shapes' section of benchmarks/RESULTS.md (`manage.py bench --load`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .concurrent_load import PLATEAU_GAIN, LoadResult, peak

# The response cache of the "cache on" runs (METRICS_CACHE_SECONDS), as in production.
CACHE_ON_SECONDS = 300


@dataclass(frozen=True, slots=True)
class LoadOptions:
    users: int = 50
    think_seconds: float = 10.0
    seconds: float = 60.0  # per staff run
    step_seconds: float = 10.0  # per saturation step
    import_orders: int = 2_000
    seed: int = 42


@dataclass(frozen=True, slots=True)
class ImportRun:
    orders: int
    seconds: float
    returncode: int
    output: str  # the command's last lines


@dataclass(frozen=True, slots=True)
class LoadRun:
    key: str  # "load-sqlite-100000"
    title: str
    options: LoadOptions
    machine_line: str
    staff: list[LoadResult]
    saturation: dict[bool, list[LoadResult]]  # cache on? -> steps
    during_import: LoadResult | None
    import_run: ImportRun | None
    load_average: tuple[float, float]
    views: int  # distinct dashboard views in the mix
    requests_per_view: int
    measured_at: str
    command: str


HEADER = (
    "| shape | cache | clients | s | requests | errors | p50 ms | p95 ms | p99 ms "
    "| req/s | cache hits | raw answers |"
)
RULE = "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"


def _row(result: LoadResult) -> str:
    errors = f"{result.errors} ({result.statuses})" if result.errors else "0"
    return (
        f"| {result.shape} | {'on' if result.cache else 'off'} | {result.clients} "
        f"| {result.seconds:.0f} | {result.requests:,} | {errors} "
        f"| {result.p50_ms:,.1f} | {result.p95_ms:,.1f} | {result.p99_ms:,.1f} "
        f"| {result.throughput:,.1f} | {result.cache_hits:,} | {result.raw_answers:,} |"
    )


def _table(results: Sequence[LoadResult]) -> list[str]:
    lines = [HEADER, RULE, *(_row(result) for result in results)]
    failures = [f for result in results for f in result.failures]
    if failures:
        lines += ["", "First failed requests:", ""]
        lines += [f"- `{failure}`" for failure in failures[:5]]
    return lines


def render_load_section(run: LoadRun) -> str:
    options = run.options
    lines = [
        f"<!-- bench-section {run.key} -->",
        f"## {run.title}",
        "",
        f"Measured {run.measured_at} with `{run.command}`.",
        "",
        f"Machine: {run.machine_line} 1-minute load average before / after: "
        f"{run.load_average[0]:.1f} / {run.load_average[1]:.1f} (the load clients "
        "run on the same cores as the server).",
        "",
        "gunicorn with 2 sync workers on 127.0.0.1, one server per row group, the "
        f"response cache off (METRICS_CACHE_SECONDS=0) or on ({CACHE_ON_SECONDS} s, "
        "local memory per worker); clients log in as staff and send the session "
        "cookie, one new connection per request. Latencies are per request, "
        "nearest-rank percentiles; errors are answers other than 200 or no answer; "
        "raw answers are those the raw tables answered (X-Metrics-Source: raw).",
        "",
        "### Staff load",
        "",
        f"{options.users} users; each opens a dashboard view (one request to each of "
        f"the {run.requests_per_view} metric endpoints, one after another, with one "
        f"filter kind and one date range drawn from {run.views} such views), then "
        f"waits {options.think_seconds * 0.5:g}-{options.think_seconds * 1.5:g} s; "
        f"{options.seconds:g} s per run.",
        "",
        *_table(run.staff),
        "",
        "### Saturation",
        "",
        "Closed-loop clients (each sends its next request when the last answered), "
        "drawn from the same requests, stepped up "
        f"{' -> '.join(str(r.clients) for r in run.saturation.get(False, []))} "
        f"clients, {options.step_seconds:g} s per step, until a step raised the "
        f"throughput by less than {round((PLATEAU_GAIN - 1) * 100)} %.",
        "",
    ]
    for cache, steps in sorted(run.saturation.items()):
        if not steps:
            continue
        best = peak(steps)
        lines += [
            f"Cache {'on' if cache else 'off'}: peak {best.throughput:,.1f} requests/s "
            f"at {best.clients} clients, p50 {best.p50_ms:,.1f} ms, p95 "
            f"{best.p95_ms:,.1f} ms.",
            "",
            *_table(steps),
            "",
        ]
    lines += ["### During an import", ""]
    if run.during_import is None or run.import_run is None:
        lines.append("Not run (no import file: the shop has no orders).")
    else:
        imported = run.import_run
        lines += [
            f"The staff load (cache off) while `manage.py import_orders` loads "
            f"{imported.orders:,} new orders over the last 30 days of the data and "
            f"refreshes the roll-ups from that day: the import took "
            f"{imported.seconds:.1f} s (exit {imported.returncode}).",
            "",
            *_table([run.during_import]),
            "",
            f"{run.during_import.note}." if run.during_import.note else "",
            "",
            "The import's output:",
            "",
            "```",
            imported.output,
            "```",
        ]
    lines += ["<!-- /bench-section -->", ""]
    return "\n".join(lines)
