"""benchmarks/RESULTS.md: one section per (backend, size), replaced when re-measured.

Each section carries its headline figures as a JSON comment, from which the comparison
table at the top is rebuilt, so runs at several sizes and on several backends add up.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .dataset import Dataset
from .http_load import Measurement, ServerMemory
from .machine import Machine

TITLE = "# Benchmark results"
INTRO = """\
Written by `python manage.py bench` (`make bench`); docs/scaling.md reads them.
Each section is one database size on one backend; a new run replaces the section of the
same size and backend and keeps the others. Latencies are measured through gunicorn
(2 sync workers) on 127.0.0.1 with the response cache off (METRICS_CACHE_SECONDS=0),
one request at a time after one warm-up request, on a new connection each; p95 is the
nearest-rank 95th percentile.
"""
SECTION = re.compile(
    r"<!-- bench-section (?P<key>\S+) -->\n.*?<!-- /bench-section -->\n", re.DOTALL
)
SUMMARY = re.compile(r"<!-- bench-summary (?P<json>\{.*?\}) -->")


@dataclass(frozen=True, slots=True)
class BenchRun:
    orders_asked: int
    requests: int
    dataset: Dataset
    machine: Machine
    measurements: list[Measurement]
    # The admin's change lists: endpoint is the table, filter the page and its query.
    admin_measurements: list[Measurement]
    admin_requests: int
    skipped_filters: dict[str, list[str]]  # endpoint -> filters it does not accept
    filter_values: dict[str, str]
    server_memory: ServerMemory
    # 1-minute load average before and after the HTTP load: other work on the machine
    # (load above the number of cores) inflates every latency.
    load_average: tuple[float, float]
    measured_at: str  # ISO timestamp
    command: str
    endpoint_patterns: tuple[str, ...] = ()  # --endpoints; empty: every endpoint

    @property
    def key(self) -> str:
        only = "-only" if self.endpoint_patterns else ""
        return f"{self.dataset.vendor}{only}-{self.orders_asked}"


def render_section(run: BenchRun) -> str:
    data = run.dataset
    rows = data.rows
    lines = [
        f"<!-- bench-section {run.key} -->",
        f"## {run.orders_asked:,} orders on {run.machine.database}"
        + (
            f", endpoints matching {', '.join(run.endpoint_patterns)}"
            if run.endpoint_patterns
            else ""
        ),
        "",
        f"<!-- bench-summary {json.dumps(_summary(run), sort_keys=True)} -->",
        f"Measured {run.measured_at} with `{run.command}`.",
        "",
        f"Machine: {run.machine.cores} cores ({run.machine.cpu_model}), "
        f"{run.machine.memory_gib:.1f} GiB RAM, {run.machine.os}, "
        f"Python {run.machine.python}, Django {run.machine.django}, "
        f"{run.machine.database}.",
        "",
        "### Data",
        "",
    ]
    if data.generation is not None:
        seconds = data.generation.seconds
        lines += [
            f"One `generate_data` run for {data.customers_asked:,} customers "
            f"(the generator makes {data.orders_per_customer:.2f} orders per customer "
            f"with these options, measured on a small shop) took {seconds:.1f} s; "
            f"peak RSS of the generator process: {data.generation.peak_rss_mib:.0f} MiB. "
            "Every table is written by that one run, so a table's rows/s is its rows "
            "divided by the whole run's time (the roll-up refresh is not part of it: "
            "it is timed on its own below).",
            "",
            "| table | rows | rows/s |",
            "|---|---:|---:|",
        ]
        lines += [
            f"| {table} | {count:,} | {count / seconds:,.0f} |"
            for table, count in rows.items()
        ]
        total = sum(rows.values())
        lines.append(f"| **all** | **{total:,}** | **{total / seconds:,.0f}** |")
    else:
        lines += [
            "Existing database reused (--keep): not generated in this run.",
            "",
            "| table | rows |",
            "|---|---:|",
        ]
        lines += [f"| {table} | {count:,} |" for table, count in rows.items()]
    refresh = (
        f"{data.refresh_seconds:.1f} s"
        if data.refresh_seconds is not None
        else "not run by this bench (--no-refresh)"
    )
    values = ", ".join(f"{name}={value}" for name, value in run.filter_values.items())
    lines += [
        "",
        f"Roll-up refresh: {refresh}{_fits(data.fit_seconds)}. "
        f"Database size: {data.size_mib:,.1f} MiB.",
        "",
        "### Latency",
        "",
        f"{run.requests} requests per row (fewer where the n column says so). "
        f"Filter values: {values}. 1-minute load average before / after the "
        f"requests: {run.load_average[0]:.1f} / {run.load_average[1]:.1f} "
        f"on {run.machine.cores} cores.",
        "",
        "| endpoint | filter | n | median ms | p95 ms | non-200 |",
        "|---|---|---:|---:|---:|---|",
    ]
    for m in run.measurements:
        errors = f"{m.errors} ({m.statuses})" if m.errors else "0"
        lines.append(
            f"| {m.endpoint} | {m.filter} | {m.requests} | {m.median_ms:,.1f} "
            f"| {m.p95_ms:,.1f} | {errors} |"
        )
    skipped = [
        f"{endpoint}: {', '.join(filters)}"
        for endpoint, filters in run.skipped_filters.items()
        if filters
    ]
    memory = run.server_memory
    lines += [
        "",
        "Filters an endpoint does not accept (400 naming the parameter), not measured: "
        + ("; ".join(skipped) if skipped else "none")
        + ".",
        "",
        *_admin_table(run),
        "",
        f"Server peak RSS (VmHWM) after the load: {memory.workers_peak_mib:.0f} MiB "
        f"summed over {memory.workers} workers, master {memory.master_peak_mib:.0f} MiB.",
        "<!-- /bench-section -->",
        "",
    ]
    return "\n".join(lines)


def _admin_table(run: BenchRun) -> list[str]:
    lines = [
        "### Admin",
        "",
        "The Django admin's change list of every shop table, through the same server, "
        "logged in as the bench's superuser through the admin's login form: the first "
        "page unfiltered, with one list filter (its commonest value among the newest "
        "rows), one month of the date hierarchy (the newest row's), an exact search "
        "for a recent row and page 5. "
        f"{run.admin_requests} requests per row after one warm-up request (fewer where "
        "the n column says so); a page is left out when its admin has no such filter, "
        "hierarchy or search, or the table fewer than five pages.",
        "",
        "| table | page | n | median ms | p95 ms | non-200 |",
        "|---|---|---:|---:|---:|---|",
    ]
    for m in run.admin_measurements:
        errors = f"{m.errors} ({m.statuses})" if m.errors else "0"
        lines.append(
            f"| {m.endpoint} | {m.filter} | {m.requests} | {m.median_ms:,.1f} "
            f"| {m.p95_ms:,.1f} | {errors} |"
        )
    if not run.admin_measurements:
        lines.append("| - | no shop model is registered in the admin | | | | |")
    return lines


def write_results(run: BenchRun, *, path: Path) -> str:
    """Put the run's section into `path`, replacing the same key; return the section."""
    section = render_section(run)
    _write_sections({run.key: section}, path=path)
    return section


def write_section(key: str, section: str, *, path: Path) -> None:
    """Put a section written elsewhere (the load shapes) into `path`, under `key`.

    `section` starts with `<!-- bench-section KEY -->` and ends with
    `<!-- /bench-section -->`; it carries no bench-summary, so the comparison table
    leaves it out.
    """
    _write_sections({key: section}, path=path)


def merge_results(*, source: Path, path: Path) -> None:
    """Copy every section of another results file (a run with its own --output) in."""
    _write_sections(
        {m["key"]: m.group(0) for m in SECTION.finditer(source.read_text())}, path=path
    )


def _write_sections(new_sections: dict[str, str], *, path: Path) -> None:
    """Rewrite `path` with the new sections in place of those of the same key. The
    text written by hand after a section (up to the next) is its notes: they stay
    with it, and go with it when a new run replaces it, since they speak of the
    numbers above them."""
    existing = path.read_text() if path.exists() else ""
    found = list(SECTION.finditer(existing))
    sections: dict[str, str] = {}
    for number, match in enumerate(found):
        notes_end = found[number + 1].start() if number + 1 < len(found) else None
        notes = existing[match.end() : notes_end].strip("\n")
        sections[match["key"]] = match.group(0) + (f"\n{notes}\n" if notes else "")
    sections.update(new_sections)
    ordered = sorted(sections.items(), key=lambda item: _sort_key(item[0]))
    body = [TITLE, "", INTRO, _comparison([text for _, text in ordered]), ""]
    body += [text for _, text in ordered]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(body))


def _summary(run: BenchRun) -> dict[str, object]:
    ok = [m for m in run.measurements if m.requests]
    generation = run.dataset.generation
    return {
        "key": run.key,
        "database": run.machine.database,
        "orders": run.dataset.rows["orders"],
        "rows": sum(run.dataset.rows.values()),
        "generation_s": round(generation.seconds, 1) if generation else None,
        "generator_rss_mib": round(generation.peak_rss_mib) if generation else None,
        "size_mib": round(run.dataset.size_mib, 1),
        "median_of_medians_ms": round(sorted(m.median_ms for m in ok)[len(ok) // 2], 1)
        if ok
        else None,
        "slowest_p95_ms": round(max(m.p95_ms for m in ok), 1) if ok else None,
        "slowest": max(ok, key=lambda m: m.p95_ms).endpoint if ok else None,
        "server_rss_mib": round(run.server_memory.workers_peak_mib),
        "measured_at": run.measured_at,
    }


def _comparison(sections: list[str]) -> str:
    lines = [
        "## Comparison",
        "",
        "| backend | orders | rows | generation s | generator RSS MiB | DB MiB "
        "| median of medians ms | slowest p95 ms | slowest endpoint | server RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for text in sections:
        match = SUMMARY.search(text)
        if not match:
            continue
        s = json.loads(match["json"])
        lines.append(
            f"| {s['database']} | {s['orders']:,} | {s['rows']:,} "
            f"| {_or_dash(s['generation_s'])} | {_or_dash(s['generator_rss_mib'])} "
            f"| {s['size_mib']:,} | {_or_dash(s['median_of_medians_ms'])} "
            f"| {_or_dash(s['slowest_p95_ms'])} | {s['slowest'] or '-'} "
            f"| {s['server_rss_mib']} |"
        )
    return "\n".join(lines) + "\n"


def _or_dash(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def _sort_key(key: str) -> tuple[str, int]:
    vendor, _, orders = key.rpartition("-")
    return vendor, int(orders) if orders.isdigit() else 0


def _fits(seconds: dict[str, float]) -> str:
    if not seconds:
        return ""
    timed = ", ".join(f"{command} {value:.1f} s" for command, value in seconds.items())
    return f" (model fits run after it, timed apart: {timed})"
