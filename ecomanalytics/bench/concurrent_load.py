"""Concurrent load on the metric endpoints: staff opening dashboard views, and
closed-loop clients stepped up until the throughput stops rising.

Every run is bounded in time and in requests and stops by itself; all traffic goes
to the gunicorn the bench started on 127.0.0.1. Clients are threads of this process
sending each request on a new connection (gunicorn's sync workers close every
connection after one response, as a browser's requests to them are served). On a
2-core machine the clients share the cores with the server: the report gives the
load average beside the numbers.

- **Staff load** (open loop): `users` staff, each opening a dashboard view (one
  request to every metric endpoint, with one filter kind and one date range, as the
  dashboard's panels ask), then thinking 0.5-1.5 x `think_seconds` before the next.
  The users start spread over one think time, as they would arrive.
- **Saturation** (closed loop): 1, 2, 4, ... clients each sending the next request
  as soon as the previous answered, `step_seconds` per step, until a step raises the
  throughput by less than 5 % (or the last step). Latency there is mostly queueing:
  clients / throughput.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from .http_load import Endpoint, FilterCase, Response, Server, percentile

# Hard bounds of any one run, whatever the options: it stops at whichever comes first.
MAX_RUN_SECONDS = 900
MAX_REQUESTS_PER_RUN = 200_000
REQUEST_TIMEOUT_SECONDS = 60
SATURATION_STEPS = (1, 2, 4, 8, 16, 32, 64)
# A step that raises the throughput by less than this has found the plateau.
PLATEAU_GAIN = 1.05
OK_STATUSES = frozenset({200, 304})
MAX_FAILURES = 5
# Date ranges a staff member picks, relative to the last day of the data.
VIEW_DAYS = (30, 90, 365, None)  # None: all time


@dataclass(frozen=True, slots=True)
class Request:
    endpoint: str
    path: str
    params: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Sample:
    started: float  # seconds since the run began
    seconds: float
    status: int  # 0: no answer (connection refused, timeout)
    cache_hit: bool
    raw_answer: bool  # X-Metrics-Source: raw


@dataclass(frozen=True, slots=True)
class LoadResult:
    shape: str  # "staff", "saturation 8 clients", ...
    cache: bool
    clients: int
    seconds: float
    requests: int
    errors: int  # not 200 (or 304), or no answer
    statuses: str
    p50_ms: float
    p95_ms: float
    p99_ms: float
    throughput: float  # requests per second
    cache_hits: int
    raw_answers: int
    views: int = 0  # staff: dashboard views opened
    note: str = ""
    # The first few failed requests: status, path and query, the answer's start.
    failures: tuple[str, ...] = ()


@dataclass
class _Recorder:
    """Samples of one run, from many threads; stops the run at its bounds."""

    deadline: float
    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def running(self) -> bool:
        return (
            time.monotonic() < self.deadline
            and len(self.samples) < MAX_REQUESTS_PER_RUN
        )

    def send(
        self, server: Server, request: Request, headers: Mapping[str, str]
    ) -> None:
        began = time.monotonic()
        try:
            answer: Response | None = server.get(
                request.path,
                request.params,
                headers,
                timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except OSError:
            answer = None
        sample = Sample(
            started=began - self.started,
            seconds=answer.seconds if answer else time.monotonic() - began,
            status=answer.status if answer else 0,
            cache_hit=bool(answer and answer.headers.get("X-Cache") == "hit"),
            raw_answer=bool(answer and answer.headers.get("X-Metrics-Source") == "raw"),
        )
        with self.lock:
            self.samples.append(sample)
            if sample.status not in OK_STATUSES and len(self.failures) < MAX_FAILURES:
                body = answer.body[:160].decode(errors="replace") if answer else ""
                self.failures.append(
                    f"{sample.status} {request.path}?{urlencode(request.params)} {body}"
                )


def dashboard_views(
    endpoints: Sequence[Endpoint],
    cases: Sequence[FilterCase],
    *,
    last_day: str | None,
    accepted: Collection[tuple[str, str]],
) -> list[list[Request]]:
    """Every filter kind with every date range: one request per endpoint each.

    accepted: the (endpoint name, filter case name) pairs an endpoint takes; an
    endpoint is asked without the parameters it does not take (the funnel without a
    category, the filter choices without any), as the dashboard asks it.
    """
    windows: list[dict[str, str]] = [{}]
    if last_day is not None:
        end = date.fromisoformat(last_day)
        windows = [
            {}
            if days is None
            else {
                "start": (end - timedelta(days=days - 1)).isoformat(),
                "end": end.isoformat(),
            }
            for days in VIEW_DAYS
        ]
    views = []
    for case in cases:
        if case.name == "start/end":
            continue  # the windows cover it
        for window in windows:
            # As the dashboard asks: every endpoint, with the parameters it takes.
            view = [
                Request(
                    endpoint.name,
                    endpoint.path,
                    {
                        **(window if (endpoint.name, "start/end") in accepted else {}),
                        **(
                            case.params
                            if (endpoint.name, case.name) in accepted
                            else {}
                        ),
                    },
                )
                for endpoint in endpoints
            ]
            views.append(view)
    return views


def staff_load(
    server: Server,
    views: Sequence[Sequence[Request]],
    *,
    headers: Mapping[str, str],
    users: int,
    think_seconds: float,
    seconds: float,
    cache: bool,
    seed: int,
    shape: str = "staff",
    note: str = "",
) -> LoadResult:
    """`users` threads opening views for `seconds` (no view starts after that)."""
    recorder = _Recorder(deadline=time.monotonic() + min(seconds, MAX_RUN_SECONDS))
    opened = [0] * users

    def user(number: int) -> None:
        rng = random.Random(seed * 1_000 + number)
        time.sleep(rng.uniform(0, think_seconds))  # arrivals spread over one think
        while recorder.running():
            for request in rng.choice(views):
                recorder.send(server, request, headers)
            opened[number] += 1
            pause = rng.uniform(0.5, 1.5) * think_seconds
            time.sleep(max(0.0, min(pause, recorder.deadline - time.monotonic())))

    _run_threads(user, users)
    return _result(
        recorder,
        shape=shape,
        cache=cache,
        clients=users,
        views=sum(opened),
        note=note,
    )


def closed_loop(
    server: Server,
    requests: Sequence[Request],
    *,
    headers: Mapping[str, str],
    clients: int,
    seconds: float,
    cache: bool,
    seed: int,
) -> LoadResult:
    """`clients` threads sending requests back to back for `seconds`."""
    recorder = _Recorder(deadline=time.monotonic() + min(seconds, MAX_RUN_SECONDS))

    def client(number: int) -> None:
        rng = random.Random(seed * 1_000 + number)
        while recorder.running():
            recorder.send(server, rng.choice(requests), headers)

    _run_threads(client, clients)
    return _result(
        recorder,
        shape=f"saturation, {clients} client{'s' if clients > 1 else ''}",
        cache=cache,
        clients=clients,
    )


def saturation(
    server: Server,
    requests: Sequence[Request],
    *,
    headers: Mapping[str, str],
    step_seconds: float,
    cache: bool,
    seed: int,
    steps: Sequence[int] = SATURATION_STEPS,
    say: Callable[[str], None] = lambda line: None,
) -> list[LoadResult]:
    """Closed-loop steps until the throughput stops rising by PLATEAU_GAIN."""
    results: list[LoadResult] = []
    for clients in steps:
        result = closed_loop(
            server,
            requests,
            headers=headers,
            clients=clients,
            seconds=step_seconds,
            cache=cache,
            seed=seed,
        )
        say(describe(result))
        best = max((r.throughput for r in results), default=0.0)
        results.append(result)
        if best and result.throughput < best * PLATEAU_GAIN:
            break
    return results


def peak(results: Sequence[LoadResult]) -> LoadResult:
    return max(results, key=lambda result: result.throughput)


def describe(result: LoadResult) -> str:
    return (
        f"  {result.shape:<26} cache {'on ' if result.cache else 'off'} "
        f"{result.requests:6d} requests {result.throughput:7.1f}/s  "
        f"p50 {result.p50_ms:7.1f}  p95 {result.p95_ms:7.1f}  p99 {result.p99_ms:7.1f} ms"
        f"  errors {result.errors}"
    )


def _run_threads(target: Callable[[int], None], count: int) -> None:
    threads = [
        threading.Thread(target=target, args=(number,), daemon=True)
        for number in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Each request is bounded by its timeout, each run by its deadline.
        thread.join(timeout=MAX_RUN_SECONDS + REQUEST_TIMEOUT_SECONDS)


def _result(
    recorder: _Recorder,
    *,
    shape: str,
    cache: bool,
    clients: int,
    views: int = 0,
    note: str = "",
) -> LoadResult:
    samples = list(recorder.samples)
    elapsed = max(
        (sample.started + sample.seconds for sample in samples), default=0.0
    ) or (time.monotonic() - recorder.started)
    seconds = [sample.seconds for sample in samples] or [0.0]
    return LoadResult(
        shape=shape,
        cache=cache,
        clients=clients,
        seconds=elapsed,
        requests=len(samples),
        errors=sum(sample.status not in OK_STATUSES for sample in samples),
        statuses=", ".join(str(s) for s in sorted({x.status for x in samples})),
        p50_ms=statistics.median(seconds) * 1000,
        p95_ms=percentile(seconds, 95) * 1000,
        p99_ms=percentile(seconds, 99) * 1000,
        throughput=len(samples) / elapsed if elapsed else 0.0,
        cache_hits=sum(sample.cache_hit for sample in samples),
        raw_answers=sum(sample.raw_answer for sample in samples),
        views=views,
        note=note,
        failures=tuple(recorder.failures),
    )
