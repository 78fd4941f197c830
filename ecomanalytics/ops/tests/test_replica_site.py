"""A site reading a real streaming replica: gunicorn and imports as deployed.

The site's database lives on the test run's primary, so the run's standby
(`WITH_STANDBY=1 bin/with-postgres`) replicates it; ANALYTICS_DATABASE_URL names it
there, and settings.py installs the replica router as in production. The site commits
synchronously, as production does (the test run's primary does not), so the lag
measured is replication's, not the throwaway cluster's.

The test measures what issue 18 asks of a replica: after a one-day import of 3,000
orders, how long until the standby has replayed it and the dashboard's summary shows
it, and that no answer in between mixes old and new numbers. The figures are logged
(ecomanalytics.ops.tests.test_replica_site, INFO) and kept as test properties.
"""

from __future__ import annotations

import csv
import logging
import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import environ
import psycopg2
import pytest

from ecomanalytics.tests.streaming_replica import standby_url

from .conftest import site_env
from .site import Answer, Site, site_database

logger = logging.getLogger(__name__)

MARCH = "/api/kpi/summary/?start=2025-03-01&end=2025-03-31"
REVENUE_STATUSES = ("paid", "shipped", "completed")
STATUSES = (*REVENUE_STATUSES, "completed", "paid", "cancelled", "refunded")
HEADER = [
    "order_id",
    "placed_at",
    "customer_id",
    "status",
    "sku",
    "quantity",
    "unit_price",
    "category",
    "country",
    "traffic_source",
    "device",
]
POLL_SECONDS = 0.2
VISIBLE_WITHIN_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Figures:
    """What a summary of March shows: revenue and revenue orders."""

    revenue: float
    orders: int


@dataclass
class OrdersFile:
    path: Path
    revenue: Decimal = Decimal("0.00")
    revenue_orders: int = 0


def _write_orders(
    path: Path, *, days: list[datetime], per_day: int, first_id: int, seed: int
) -> OrdersFile:
    """`per_day` orders on each day (12:00-20:00 UTC, one local day in the
    Americas and Europe), 1-3 lines each, over 5,000 customers and 200 products."""
    rng = random.Random(seed)
    written = OrdersFile(path)
    with path.open("w", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(HEADER)
        order_id = first_id
        for day in days:
            for _ in range(per_day):
                order_id += 1
                placed_at = day + timedelta(seconds=rng.randrange(8 * 3600))
                status = rng.choice(STATUSES)
                customer = rng.randrange(5_000)
                source = rng.choice(["organic", "email", "paid_search", "social"])
                device = rng.choice(["desktop", "mobile", "tablet"])
                total = Decimal("0.00")
                for _line in range(rng.randint(1, 3)):
                    product = rng.randrange(200)
                    quantity = rng.randint(1, 3)
                    price = Decimal(rng.randrange(500, 9_000)) / 100
                    total += quantity * price
                    rows.writerow(
                        [
                            f"R-{order_id}",
                            placed_at.isoformat(),
                            f"C-{customer}",
                            status,
                            f"SKU-{product:03d}",
                            quantity,
                            f"{price:.2f}",
                            f"Category {product % 12}",
                            ["US", "GB", "DE", "FR", "CA"][customer % 5],
                            source,
                            device,
                        ]
                    )
                if status in REVENUE_STATUSES:
                    written.revenue += total
                    written.revenue_orders += 1
    return written


@dataclass
class ReplicatedDatabase:
    """The site's database through plain connections: on the primary, on the
    standby, and a second one on the primary for the watcher's thread."""

    primary: psycopg2.extensions.connection
    standby: psycopg2.extensions.connection
    monitor: psycopg2.extensions.connection

    def position(self) -> str:
        """Where the primary's WAL ends, flushed (one synchronous commit that
        writes WAL flushes every commit before it)."""
        with self.primary.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SET LOCAL synchronous_commit = on")
            cursor.execute("SELECT pg_logical_emit_message(true, 'replica-site', '')")
            cursor.execute("COMMIT")
        return _row(self.primary, "SELECT pg_current_wal_flush_lsn()::text")[0]

    def replayed(self, position: str) -> bool:
        sql = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
        return _row(self.standby, sql, position)[0]

    def wait_for_replay(self, position: str | None = None) -> float:
        target = position or self.position()
        started = time.perf_counter()
        while not self.replayed(target):
            if time.perf_counter() - started > 30:
                raise AssertionError(f"the standby did not replay {target} in 30 s")
            time.sleep(0.001)
        return time.perf_counter() - started

    def wal_bytes_since(self, position: str) -> int:
        sql = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)::bigint"
        return _row(self.primary, sql, position)[0]

    def rollups_committed_at(self) -> datetime:
        """When the last refresh recorded the roll-up state, just before its commit."""
        return _row(self.primary, "SELECT refreshed_at FROM rollups_rollupstate")[0]


@dataclass(frozen=True, slots=True)
class LagSample:
    bytes_behind: int
    replay_lag_seconds: float | None  # None: nothing to replay lately


def _sample_lag(primary: psycopg2.extensions.connection) -> LagSample:
    """How far the standby is behind, as the primary's walsender sees it."""
    behind, lag = _row(
        primary,
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,"
        " extract(epoch FROM replay_lag)::float FROM pg_stat_replication",
    )
    return LagSample(max(behind, 0), lag)


def _row(
    connection: psycopg2.extensions.connection, sql: str, *parameters: str
) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        row = cursor.fetchone()
    assert row is not None, sql
    return row


def _connect(url: str) -> psycopg2.extensions.connection:
    config = environ.Env.db_url_config(url)
    connection = psycopg2.connect(
        dbname=config["NAME"], user=config["USER"], host=config["OPTIONS"]["host"]
    )
    connection.autocommit = True
    return connection


@dataclass(frozen=True, slots=True)
class ReplicatedSite:
    site: Site
    database: ReplicatedDatabase
    headers: dict[str, str]  # a staff user's token


@pytest.fixture
def replicated_site(tmp_path: Path) -> Iterator[ReplicatedSite]:
    """A migrated site on the primary, reading the standby, and a staff token."""
    standby = standby_url()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("a streaming replica needs PostgreSQL: run `make test-postgres`")
    with site_database(tmp_path) as primary_url:
        name = environ.Env.db_url_config(primary_url)["NAME"]
        standby_host = environ.Env.db_url_config(standby)["OPTIONS"]["host"]
        replica_url = f"postgres://postgres@/{name}?host={standby_host}"
        env = site_env(f"{primary_url}&options=-c%20synchronous_commit%3Don")
        env["ANALYTICS_DATABASE_URL"] = replica_url
        site = Site(env=env, directory=tmp_path)
        site.manage("migrate", "--noinput")
        token = site.python(
            "from django.contrib.auth.models import User; "
            "from ecomanalytics.api.tokens import issue_token; "
            "User.objects.create_user('staff', is_staff=True); "
            "print(issue_token(username='staff')[0].key)"
        )
        database = ReplicatedDatabase(
            _connect(primary_url), _connect(replica_url), _connect(primary_url)
        )
        try:
            yield ReplicatedSite(site, database, {"Authorization": f"Token {token}"})
        finally:
            for connection in (database.primary, database.standby, database.monitor):
                connection.close()


@dataclass
class Watcher:
    """In a thread, every POLL_SECONDS: asks the summary, and the primary how far
    the standby is behind (on a connection of its own)."""

    site: Site
    headers: dict[str, str]
    monitor: psycopg2.extensions.connection
    answers: list[tuple[datetime, Answer]] = field(default_factory=list)
    lag: list[LagSample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Watcher:
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.lag.append(_sample_lag(self.monitor))
            answer = self.site.get(MARCH, self.headers)
            self.answers.append((datetime.now(UTC), answer))
            self._stop.wait(POLL_SECONDS)

    def first_showing(self, figures: Figures) -> datetime | None:
        for moment, answer in self.answers:
            if _figures(answer) == figures:
                return moment
        return None


def _figures(answer: Answer) -> Figures:
    body = answer.json()
    return Figures(revenue=body["revenue"], orders=body["orders"])


def test_a_one_day_import_reaches_the_replica_whole(
    replicated_site: ReplicatedSite, tmp_path: Path, record_property
) -> None:
    site, database = replicated_site.site, replicated_site.database
    headers = replicated_site.headers
    # given: March 25 to 29 of a shop, 20 orders a day, imported (the first import
    # builds the roll-ups), and the replica caught up
    history = _write_orders(
        tmp_path / "history.csv",
        days=[datetime(2025, 3, day, 12, tzinfo=UTC) for day in range(25, 30)],
        per_day=20,
        first_id=0,
        seed=1,
    )
    site.manage("import_orders", "--no-progress", str(history.path))
    database.wait_for_replay()
    day = _write_orders(
        tmp_path / "march-30.csv",
        days=[datetime(2025, 3, 30, 12, tzinfo=UTC)],
        per_day=3_000,
        first_id=100_000,
        seed=2,
    )
    old = Figures(float(history.revenue), history.revenue_orders)
    new = Figures(
        float(history.revenue + day.revenue),
        history.revenue_orders + day.revenue_orders,
    )

    with site.serving(workers=2):
        assert _figures(site.get(MARCH, headers)) == old

        # when: one day of 3,000 orders is imported, the summary asked all along
        before = database.position()
        with Watcher(site, headers, database.monitor) as watcher:
            started = time.perf_counter()
            site.manage("import_orders", "--no-progress", str(day.path))
            import_seconds = time.perf_counter() - started
            replay_seconds = database.wait_for_replay()
            deadline = time.perf_counter() + VISIBLE_WITHIN_SECONDS
            while watcher.first_showing(new) is None and time.perf_counter() < deadline:
                time.sleep(POLL_SECONDS)
            time.sleep(2 * POLL_SECONDS)  # an answer or two after the new numbers
        wal_bytes = database.wal_bytes_since(before)
        committed_at = database.rollups_committed_at()

    # then: every answer is the old day's numbers or the new day's, never a mix
    # (between the orders' commit and the refresh's, the raw tables may answer the
    # new ones); the roll-ups show the new day within 10 s of their commit
    shown = watcher.first_showing(new)
    answered = [(_figures(answer), answer) for _, answer in watcher.answers]
    assert {figures for figures, _ in answered} <= {old, new}
    assert shown is not None, "the new day never showed on the replica"
    last_figures, last_answer = answered[-1]
    assert (last_figures, last_answer.headers["X-Metrics-Source"]) == (new, "rollup")
    rollups_shown = next(
        moment
        for moment, answer in watcher.answers
        if _figures(answer) == new and answer.headers["X-Metrics-Source"] == "rollup"
    )
    assert (rollups_shown - committed_at).total_seconds() < VISIBLE_WITHIN_SECONDS
    lags = [sample.replay_lag_seconds or 0.0 for sample in watcher.lag]
    figures = {
        "import_and_refresh_seconds": round(import_seconds, 2),
        "wal_megabytes": round(wal_bytes / 2**20, 1),
        "max_megabytes_behind": round(
            max(sample.bytes_behind for sample in watcher.lag) / 2**20, 2
        ),
        "max_replay_lag_ms": round(max(lags) * 1000, 1),
        "replayed_after_import_ms": round(replay_seconds * 1000, 1),
        "rollups_on_replica_after_commit_s": round(
            (rollups_shown - committed_at).total_seconds(), 2
        ),
        "lag_samples": len(watcher.lag),
    }
    for name, value in figures.items():
        record_property(name, value)
    logger.info("replica after a one-day import of 3,000 orders: %s", figures)
