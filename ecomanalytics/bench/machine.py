"""What the benchmark ran on: cores, memory, Python, Django and the database server."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

import django
from django.db import connections


@dataclass(frozen=True, slots=True)
class Machine:
    cores: int
    cpu_model: str
    memory_gib: float
    os: str
    python: str
    django: str
    database: str  # vendor and server version, e.g. "PostgreSQL 15.18"


def describe_machine(*, database_alias: str) -> Machine:
    return Machine(
        cores=os.cpu_count() or 0,
        cpu_model=_proc_field("/proc/cpuinfo", "model name") or platform.processor(),
        memory_gib=_memory_gib(),
        os=platform.platform(terse=True),
        python=platform.python_version(),
        django=django.get_version(),
        database=database_version(database_alias=database_alias),
    )


def database_version(*, database_alias: str) -> str:
    connection = connections[database_alias]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
    return connection.display_name


def _proc_field(path: str, field: str) -> str:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return ""
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip() == field:
            return value.strip()
    return ""


def _memory_gib() -> float:
    mem_total = _proc_field("/proc/meminfo", "MemTotal")  # "24576000 kB"
    if not mem_total:
        return 0.0
    return int(mem_total.split()[0]) / 1024**2
