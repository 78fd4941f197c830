"""A PostgreSQL cluster a test may stop and start: its own, never the test run's."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SECONDS = 60


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@dataclass
class Cluster:
    directory: Path
    as_owner: list[str]

    @property
    def url(self) -> str:
        return f"postgres://postgres@/site?host={self.directory}"

    def _ctl(self, *arguments: str) -> None:
        subprocess.run(
            [
                *self.as_owner,
                _binary("pg_ctl") or "pg_ctl",
                "-D",
                str(self.directory / "data"),
                *arguments,
            ],
            check=True,
            capture_output=True,
            timeout=SECONDS,
        )

    def start(self) -> None:
        self._ctl(
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "-o",
            f"-k {self.directory} -c listen_addresses='' -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")


@contextmanager
def own_postgres() -> Iterator[Cluster]:
    initdb = _binary("initdb")
    if initdb is None or _binary("pg_ctl") is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl)")
    directory = Path(tempfile.mkdtemp(prefix="ecomanalytics-own-pg-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(directory, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(directory, as_owner)
    try:
        subprocess.run(
            [
                *as_owner,
                initdb,
                "-D",
                str(directory / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
            timeout=SECONDS,
        )
        cluster.start()
        subprocess.run(
            [
                *as_owner,
                _binary("createdb") or "createdb",
                "-h",
                str(directory),
                "-U",
                "postgres",
                "site",
            ],
            check=True,
            capture_output=True,
            timeout=SECONDS,
        )
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster._ctl("-m", "immediate", "stop")
        shutil.rmtree(directory, ignore_errors=True)
