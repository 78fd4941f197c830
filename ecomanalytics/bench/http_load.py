"""Serve the benchmark database with gunicorn on 127.0.0.1 and time the metric endpoints.

Endpoints are discovered from the API router, so a new metric is measured without
touching this file; QUERY_VARIANTS adds the variants of an endpoint that read other
tables (returns by product). Requests are sent one at a time: the numbers are the latency one
dashboard user sees, not the throughput of the server.
"""

from __future__ import annotations

import http.client
import json
import math
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.urls import reverse

from .dataset import MANAGE_PY, child_environment

if TYPE_CHECKING:
    from rest_framework.decorators import ViewSetAction

WORKERS = 2
READY_TIMEOUT_SECONDS = 60
# A heavy metric on a large shop may take long; gunicorn must not kill the worker.
WORKER_TIMEOUT_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str  # "kpi/summary", or with its query "demand/returns?by=product"
    path: str  # "/api/kpi/summary/"
    query: tuple[tuple[str, str], ...] = ()  # sent with every filter case

    def params(self, case: FilterCase) -> dict[str, str]:
        return {**dict(self.query), **case.params}


# Endpoint variants measured besides the defaults: another parameter value that
# reads other tables (the product facts instead of the category facts).
QUERY_VARIANTS: dict[str, tuple[dict[str, str], ...]] = {
    "demand/returns": ({"by": "product"},),
    # The customer funnel chains the per-session roll-up, not the funnel facts.
    "kpi/funnel": ({"unit": "customer"},),
    # Stored series of the other grain and metric; a source forces an on-demand fit.
    "demand/forecast": (
        {"grain": "week", "metric": "units"},
        {"source": "email"},
    ),
}


@dataclass(frozen=True, slots=True)
class FilterCase:
    name: str  # "unfiltered", "start/end", "source", ...
    params: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Measurement:
    endpoint: str
    filter: str
    requests: int
    median_ms: float
    p95_ms: float
    errors: int  # responses other than 200
    statuses: str  # e.g. "200" or "200, 500"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float  # from sending the request until the body is read


@dataclass(frozen=True, slots=True)
class ServerMemory:
    workers_peak_mib: float  # sum of the workers' VmHWM
    master_peak_mib: float
    workers: int


def discover_endpoints() -> list[Endpoint]:
    """Every list-level GET action of every viewset registered on the API router,
    and the filter values the dashboard asks for first (/api/filters/)."""
    from ecomanalytics.api.urls import router

    endpoints = [Endpoint(name="filters", path=reverse("filter-options"))]
    for prefix, viewset, basename in router.registry:
        for extra_action in viewset.get_extra_actions():
            # @action sets these attributes on the function; the stubs name them.
            action = cast("ViewSetAction[Any]", extra_action)
            if action.detail or "get" not in action.mapping:
                continue
            name = f"{prefix}/{action.url_path}"
            path = reverse(f"{basename}-{action.url_name}")
            endpoints.append(Endpoint(name=name, path=path))
            for query in QUERY_VARIANTS.get(name, ()):
                endpoints.append(
                    Endpoint(
                        name=f"{name}?{urlencode(query)}",
                        path=path,
                        query=tuple(sorted(query.items())),
                    )
                )
    return sorted(endpoints, key=lambda endpoint: endpoint.name)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        timeout: float = WORKER_TIMEOUT_SECONDS,
    ) -> Response:
        """One request on a new connection, timed until the body is read."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            started = time.perf_counter()
            connection.request(method, url, body=body, headers=dict(headers))
            response = connection.getresponse()
            content = response.read()
            return Response(
                status=response.status,
                headers=response.headers,
                body=content,
                seconds=time.perf_counter() - started,
            )
        finally:
            connection.close()

    def get(
        self,
        path: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        timeout: float = WORKER_TIMEOUT_SECONDS,
    ) -> Response:
        url = f"{path}?{urlencode(params)}" if params else path
        return self.request("GET", url, headers=headers, timeout=timeout)

    def memory(self) -> ServerMemory:
        """Peak resident memory (VmHWM) of the master and its workers, right now."""
        workers = _children(self.process.pid)
        return ServerMemory(
            workers_peak_mib=sum(_peak_rss_mib(pid) for pid in workers),
            master_peak_mib=_peak_rss_mib(self.process.pid),
            workers=len(workers),
        )


@contextmanager
def gunicorn_server(
    *, database_url: str, log: Path, cache_seconds: int = 0
) -> Iterator[Server]:
    """gunicorn with 2 sync workers on a free 127.0.0.1 port, stopped on the way out.

    cache_seconds: the response cache (METRICS_CACHE_SECONDS); 0 measures the queries.
    """
    port = free_port()
    env = child_environment(database_url=database_url)
    # Measure the queries (not the response cache, unless asked), not the throttle.
    env.update(
        METRICS_CACHE_SECONDS=str(cache_seconds), API_THROTTLE_RATE="1000000/second"
    )
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ecomanalytics.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                f"--workers={WORKERS}",
                f"--timeout={WORKER_TIMEOUT_SECONDS}",
                "--log-level=warning",
            ],
            env=env,
            cwd=MANAGE_PY.parent,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def token_headers(token: str) -> dict[str, str]:
    """The headers of an API client authenticated by its token."""
    return {"Authorization": f"Token {token}", "Accept": "application/json"}


def accepts(
    server: Server, endpoint: Endpoint, case: FilterCase, headers: Mapping[str, str]
) -> bool:
    """Whether the endpoint takes the case's parameters (an unknown one is a 400)."""
    response = server.get(endpoint.path, endpoint.params(case), headers)
    if response.status != 400:
        return True
    try:
        rejected = set(json.loads(response.body))
    except (ValueError, TypeError):
        return True
    return not rejected & set(case.params)


def measure(
    server: Server,
    endpoint: Endpoint,
    case: FilterCase,
    *,
    headers: Mapping[str, str],
    requests: int,
    max_seconds: float | None,
) -> Measurement:
    """`requests` sequential GETs; fewer if max_seconds runs out.

    Call it after a warm-up request of the same case (accepts() is one): the first
    request of a worker pays for imports, connection setup and cold pages.
    """
    seconds: list[float] = []
    statuses: list[int] = []
    started = time.perf_counter()
    for _ in range(requests):
        response = server.get(endpoint.path, endpoint.params(case), headers)
        seconds.append(response.seconds)
        statuses.append(response.status)
        if max_seconds is not None and time.perf_counter() - started > max_seconds:
            break
    return Measurement(
        endpoint=endpoint.name,
        filter=case.name,
        requests=len(seconds),
        median_ms=statistics.median(seconds) * 1000,
        p95_ms=percentile(seconds, 95) * 1000,
        errors=sum(status != 200 for status in statuses),
        statuses=", ".join(str(status) for status in sorted(set(statuses))),
    )


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest value with `percent`% of values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with {server.process.returncode}:\n"
                + server.log.read_text(errors="replace")[-3000:]
            )
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen within {READY_TIMEOUT_SECONDS} s")


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name in parentheses may hold spaces: split after it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _peak_rss_mib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return 0.0
