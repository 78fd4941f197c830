"""A real site for tests that need separate processes: its own database, manage.py
commands and a gunicorn on 127.0.0.1, every step bounded in time.

The database is a fresh SQLite file, or a fresh database on the PostgreSQL server of
the test run when DATABASE_URL names one (bin/with-postgres), dropped afterwards.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parents[3]
COMMAND_SECONDS = 120
START_SECONDS = 30
REQUEST_SECONDS = 10


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Site:
    env: dict[str, str]
    directory: Path
    url: str = ""
    access_log: Path | None = None
    _server: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def manage(
        self, *arguments: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def popen_manage(self, *arguments: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "manage.py", *arguments],
            cwd=BASE_DIR,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def python(self, code: str) -> str:
        """Run code with Django set up, in a separate process; its stdout."""
        return self.manage("shell", "--no-imports", "-c", code).stdout.strip()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_SECONDS) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    @contextmanager
    def serving(self, workers: int = 2) -> Iterator[Site]:
        """gunicorn as the Dockerfile runs it, on a free port of 127.0.0.1."""
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.access_log = self.directory / "access.log"
        # The worker's pid on each access line tells which worker answered.
        self._server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "ecomanalytics.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                str(self.access_log),
                "--access-logformat",
                '%(p)s "%(r)s" %(s)s %({x-cache}o)s',
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.directory / "gunicorn.log", "wb"),  # noqa: SIM115
        )
        try:
            self._wait_until_up()
            yield self
        finally:
            self._server.terminate()
            try:
                self._server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait(timeout=10)

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self._server is not None
            if self._server.poll() is not None:
                raise AssertionError(
                    "gunicorn exited:\n"
                    + (self.directory / "gunicorn.log").read_text(errors="replace")
                )
            try:
                self.get("/accounts/login/")
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer within {START_SECONDS} s")

    def ask_each_worker(
        self, path: str, headers: dict[str, str], times: int = 3
    ) -> list[Answer]:
        """Ask `path` `times` times of each of two sync workers, one after the other.

        A sync worker that accepted a connection without a full request waits for it,
        so a half-sent request keeps one worker busy while the other answers.
        """
        first_held, second_held = self._hold_a_worker(), self._hold_a_worker()
        first_held.close()  # its worker is free, the other still waits
        answers = [self.get(path, headers) for _ in range(times)]
        first_held = self._hold_a_worker()  # taken by that same worker
        second_held.close()
        answers += [self.get(path, headers) for _ in range(times)]
        first_held.close()
        return answers

    def _hold_a_worker(self) -> socket.socket:
        port = int(self.url.rsplit(":", 1)[1])
        held = socket.create_connection(("127.0.0.1", port), timeout=REQUEST_SECONDS)
        held.sendall(b"GET /healthz HTTP/1.1\r\n")
        time.sleep(0.3)  # until a worker has accepted it
        return held

    def worker_pids(self) -> list[str]:
        """The worker pid of every access-log line so far, in order."""
        assert self.access_log is not None
        lines = self.access_log.read_text().splitlines()
        return [line.split(" ", 1)[0] for line in lines]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def site_database(directory: Path) -> Iterator[str]:
    """A DATABASE_URL of an empty database of the engine the test run uses."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{directory / 'site.sqlite3'}"
        return
    import psycopg2
    from psycopg2 import sql

    name = sql.Identifier(f"ecomanalytics_site_{uuid.uuid4().hex[:12]}")
    config = environ.Env.db_url_config(url)
    server = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"],
        "password": config["PASSWORD"],
        **config["OPTIONS"],  # ?host=/socket/directory
    }
    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True
    prefix, _, query = url.partition("?")
    site_url = f"{prefix.rsplit('/', 1)[0]}/{name.string}" + (
        f"?{query}" if query else ""
    )
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
        try:
            yield site_url
        finally:
            with admin.cursor() as cursor:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name)
                )
    finally:
        admin.close()
