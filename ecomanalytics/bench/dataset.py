"""Build the benchmark's database: migrate, generate, refresh roll-ups, count, measure.

Every step that writes runs `manage.py` as a subprocess pointed at the benchmark database
with DATABASE_URL, so the generator is timed and its peak memory read exactly as a user
would run it, and the developer's own database is never touched. This process reads the
benchmark database through an extra connection alias, "bench".
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import environ
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import get_commands
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Count, QuerySet
from rest_framework.authtoken.models import Token

from ecomanalytics.store.models import (
    Category,
    Customer,
    Order,
    OrderItem,
    Product,
    SessionEvent,
    WebSession,
)

BENCH_DB_ALIAS = "bench"
CALIBRATION_DB_ALIAS = "bench-calibration"
BENCH_USERNAME = "bench"
MANAGE_PY = Path(settings.BASE_DIR) / "manage.py"

# Tables in the order the report lists them.
COUNTED_MODELS = {
    "customers": Customer,
    "categories": Category,
    "products": Product,
    "orders": Order,
    "order items": OrderItem,
    "web sessions": WebSession,
    "session events": SessionEvent,
}

# The generator's orders per customer is measured on a small shop of at most this many
# customers (fewer for a tiny target, so a smoke run is not dominated by calibration).
CALIBRATION_CUSTOMERS = 400
MODEL_FITS = ("fit_customer_value", "fit_forecasts")


class BenchDataError(RuntimeError):
    """The benchmark cannot build or use its database; the message says why."""


@dataclass(frozen=True, slots=True)
class GeneratorOptions:
    months: int | None
    seed: int
    sessions_per_order: float | None

    def arguments(self, *, customers: int) -> list[str]:
        args = ["--customers", str(customers), "--seed", str(self.seed), "--flush"]
        if self.months is not None:
            args += ["--months", str(self.months)]
        if self.sessions_per_order is not None:
            args += ["--sessions-per-order", str(self.sessions_per_order)]
        return args


@dataclass(frozen=True, slots=True)
class ChildRun:
    seconds: float
    peak_rss_mib: float  # the child's own peak resident set (ru_maxrss of wait4)


@dataclass(frozen=True, slots=True)
class Dataset:
    database_url: str
    vendor: str  # "sqlite" or "postgresql"
    generated: bool  # False with --keep on an existing database
    customers_asked: int | None
    orders_per_customer: float | None  # from the calibration run
    generation: ChildRun | None
    rows: dict[str, int]
    refresh_seconds: float | None  # None: no refresh_rollups command
    fit_seconds: dict[str, float]  # per model-fit command, run after the refresh
    size_mib: float


def child_environment(*, database_url: str) -> dict[str, str]:
    """The environment of every manage.py/gunicorn child: production mode, bench DB."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE=settings.SETTINGS_MODULE or "ecomanalytics.settings",
        # Production mode: DEBUG keeps every SQL statement in memory and would distort
        # both the timings and the peak memory.
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(40),
        PYTHONUNBUFFERED="1",
        # Plain HTTP on 127.0.0.1, as docker-compose's demo: production's HTTPS
        # defaults would redirect every request and keep the session cookie off.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
    )
    # The benchmark measures one database; a replica would read other data.
    env.pop("ANALYTICS_DATABASE_URL", None)
    return env


def run_manage(
    arguments: Sequence[str],
    *,
    database_url: str,
    log: Path | None = None,
    environment: dict[str, str] | None = None,
) -> ChildRun:
    """Run `manage.py ARGUMENTS` as a child; time it and read its own peak RSS."""
    output = log.open("ab") if log else subprocess.DEVNULL
    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            [sys.executable, str(MANAGE_PY), *arguments],
            env=child_environment(database_url=database_url) | (environment or {}),
            cwd=MANAGE_PY.parent,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        # wait4 gives this child's rusage alone, unlike RUSAGE_CHILDREN (the maximum
        # over every child so far, the migrate run included).
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if not isinstance(output, int):  # a log file, not DEVNULL
            output.close()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:] if log else ""
        raise BenchDataError(
            f"manage.py {' '.join(arguments)} failed (exit {process.returncode}).\n{tail}"
        )
    return ChildRun(seconds=seconds, peak_rss_mib=usage.ru_maxrss / 1024)


def open_bench_connection(database_url: str, alias: str = BENCH_DB_ALIAS) -> str:
    """Register a database as an extra connection alias of this process."""
    config = environ.Env.db_url_config(database_url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {})["timeout"] = 30
    if alias in connections.settings:
        close_bench_connection(alias)
        with contextlib.suppress(AttributeError):  # never opened in this thread
            del connections[alias]
    # configure_settings fills in Django's defaults (TIME_ZONE, TEST, ...).
    connections.settings[alias] = connections.configure_settings(
        {DEFAULT_DB_ALIAS: config}
    )[DEFAULT_DB_ALIAS]
    return alias


def close_bench_connection(alias: str = BENCH_DB_ALIAS) -> None:
    if alias in connections.settings:
        connections[alias].close()


def sqlite_path(database_url: str) -> Path | None:
    config = environ.Env.db_url_config(database_url)
    if config["ENGINE"] != "django.db.backends.sqlite3":
        return None
    return Path(config["NAME"])


def build_dataset(
    *,
    database_url: str,
    orders: int,
    generator: GeneratorOptions,
    keep: bool,
    replace_data: bool,
    log: Path,
    refresh: bool = True,
) -> Dataset:
    """A database with about `orders` orders, freshly generated unless `keep`.

    replace_data: flush the database even if the bench did not build it (the scratch
    SQLite files under benchmarks/ are the bench's own).
    """
    if "generate_data" not in get_commands():
        raise BenchDataError("The generate_data command is not installed.")
    path = sqlite_path(database_url)
    alias = open_bench_connection(database_url)
    reuse = keep and _has_orders(alias)
    customers = ratio = generation = None
    if not reuse:
        _refuse_foreign_data(alias, replace_data=replace_data)
        if path is not None:
            close_bench_connection()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            path.parent.mkdir(parents=True, exist_ok=True)
        run_manage(["migrate", "--noinput"], database_url=database_url, log=log)
        # The bench user marks the database as the bench's own, even if a run fails.
        bench_token(database_alias=open_bench_connection(database_url))
        ratio = calibrate_orders_per_customer(
            generator=generator,
            customers=min(CALIBRATION_CUSTOMERS, max(100, orders // 2)),
            log=log,
        )
        customers = max(1, math.ceil(orders / ratio))
        # The refresh is timed on its own below: generate_data must not run one.
        generation = run_manage(
            ["generate_data", *generator.arguments(customers=customers)],
            database_url=database_url,
            log=log,
            environment={"ROLLUPS_ENABLED": "0"},
        )
    else:
        # A kept database may predate the roll-up tables of this version.
        run_manage(["migrate", "--noinput"], database_url=database_url, log=log)
    refresh_seconds = None
    fit_seconds: dict[str, float] = {}
    if refresh and "refresh_rollups" in get_commands():
        # The model fits have budgets of their own (docs/scaling.md): the refresh is
        # timed without them, and each fit after it; -v2 logs each step's time.
        refresh_seconds = run_manage(
            ["refresh_rollups", "-v2"],
            database_url=database_url,
            log=log,
            environment={"FIT_MODELS_ON_REFRESH": "0"},
        ).seconds
        for command in MODEL_FITS:
            if command in get_commands():
                fit_seconds[command] = run_manage(
                    [command], database_url=database_url, log=log
                ).seconds
    close_bench_connection()  # see the generator's writes from a fresh connection
    return Dataset(
        database_url=database_url,
        vendor=connections[alias].vendor,
        generated=not reuse,
        customers_asked=customers,
        orders_per_customer=ratio,
        generation=generation,
        rows=count_rows(database_alias=alias),
        refresh_seconds=refresh_seconds,
        fit_seconds=fit_seconds,
        size_mib=database_size_mib(database_alias=alias, sqlite_file=path),
    )


def calibrate_orders_per_customer(
    *, generator: GeneratorOptions, customers: int, log: Path
) -> float:
    """Orders per customer of the generator with these options, on a small SQLite shop."""
    with tempfile.TemporaryDirectory(prefix="ecomanalytics-calibration-") as scratch:
        url = f"sqlite:///{scratch}/calibration.sqlite3"
        run_manage(["migrate", "--noinput"], database_url=url, log=log)
        run_manage(
            ["generate_data", *generator.arguments(customers=customers)],
            database_url=url,
            log=log,
        )
        alias = open_bench_connection(url, CALIBRATION_DB_ALIAS)
        try:
            orders = Order.objects.using(alias).count()
        finally:
            close_bench_connection(alias)
    if orders == 0:
        raise BenchDataError("The generator made no orders in the calibration run.")
    return orders / customers


def count_rows(*, database_alias: str) -> dict[str, int]:
    return {
        table: model._default_manager.using(database_alias).count()
        for table, model in COUNTED_MODELS.items()
    }


def database_size_mib(*, database_alias: str, sqlite_file: Path | None) -> float:
    if sqlite_file is not None:
        files = [Path(f"{sqlite_file}{suffix}") for suffix in ("", "-wal")]
        return sum(f.stat().st_size for f in files if f.exists()) / 1024**2
    with connections[database_alias].cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0] / 1024**2


def bench_token(*, database_alias: str) -> str:
    """The API token of the benchmark's staff user, created if missing."""
    user, _ = User.objects.db_manager(database_alias).get_or_create(
        username=BENCH_USERNAME, defaults={"is_staff": True}
    )
    token, _ = Token.objects.using(database_alias).get_or_create(user=user)
    return token.key


def bench_admin_password(*, database_alias: str) -> str:
    """Make the benchmark's user a superuser with a new random password; return it.

    The admin timings log in through the admin's own login form, as staff do; the
    password lives only as long as this run.
    """
    user, _ = User.objects.db_manager(database_alias).get_or_create(
        username=BENCH_USERNAME
    )
    password = secrets.token_urlsafe(24)
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save(
        using=database_alias,
        update_fields=["is_staff", "is_superuser", "is_active", "password"],
    )
    return password


def _has_orders(alias: str) -> bool:
    try:
        return Order.objects.using(alias).exists()
    except DatabaseError:  # no tables yet: nothing to keep
        return False


def _refuse_foreign_data(alias: str, *, replace_data: bool) -> None:
    """Never flush a database the benchmark did not build, unless told to."""
    if replace_data or not _has_orders(alias):
        return
    if User.objects.using(alias).filter(username=BENCH_USERNAME).exists():
        return
    raise BenchDataError(
        "The benchmark database holds orders the benchmark did not generate "
        f"({connections[alias].settings_dict['NAME']}). Pass --keep to measure them, "
        "--replace-data to replace them, or point --database-url elsewhere."
    )


def filter_values(*, database_alias: str) -> Mapping[str, str]:
    """Filter values that select a realistic share of the data: the commonest ones."""
    orders = Order.objects.using(database_alias)
    values = {
        "source": _commonest(orders, "traffic_source"),
        "device": _commonest(orders, "device"),
        "country": _commonest(Customer.objects.using(database_alias), "country"),
        "category": _commonest(
            OrderItem.objects.using(database_alias), "product__category__name"
        ),
    }
    return {name: value for name, value in values.items() if value}


def _commonest(queryset: QuerySet, field: str) -> str | None:
    row = (
        queryset.exclude(**{field: ""})
        .values(field)
        .annotate(rows=Count("id"))
        .order_by("-rows", field)
        .first()
    )
    return row[field] if row else None
