"""A newcomer's first hour on the command line: make run's .env, one line per log
record, a favicon, and production still refusing to start without a key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

BASE_DIR = Path(settings.BASE_DIR)


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_writes_a_development_env_once(tmp_path: Path) -> None:
    # given a fresh clone's Makefile, no .env
    shutil.copy(BASE_DIR / "Makefile", tmp_path / "Makefile")

    # when make run's .env step runs twice
    first = subprocess.run(
        ["make", ".env"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    written = (tmp_path / ".env").read_text()
    subprocess.run(["make", ".env"], cwd=tmp_path, capture_output=True, check=True)

    # then DEBUG=1 and a generated key, kept as it is the second time
    assert "Wrote .env for local development" in first.stdout
    lines = dict(line.split("=", 1) for line in written.splitlines() if "=" in line)
    assert lines["DEBUG"] == "1"
    assert len(lines["SECRET_KEY"]) >= 50
    assert (tmp_path / ".env").read_text() == written


def test_production_settings_refuse_to_start_without_a_key() -> None:
    # given no DEBUG and no SECRET_KEY, and no .env read (a server has none)
    result = _python(
        "import environ\n"
        "environ.Env.read_env = classmethod(lambda *args, **kwargs: None)\n"
        "import ecomanalytics.settings\n"
    )

    # then
    assert result.returncode == 1
    assert "ImproperlyConfigured: Set the SECRET_KEY environment variable" in (
        result.stderr
    )


def test_each_log_line_is_printed_once() -> None:
    # given the development settings, as make run starts them
    result = _python(
        "import django, logging\n"
        "django.setup()\n"
        "logging.getLogger('django.request').warning('Not Found: /favicon.ico')\n"
        "logging.getLogger('django.utils.autoreload').info("
        "'Watching for file changes with StatReloader')\n",
        DEBUG="1",
        SECRET_KEY="test-only",
        DJANGO_SETTINGS_MODULE="ecomanalytics.settings",
    )

    # then each record is one line (Django's console handler and ours printed two),
    # in the request log's format: time, level, logger, [request id], message
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith(" WARNING django.request [-] Not Found: /favicon.ico")
    assert lines[1].endswith(
        " INFO django.utils.autoreload [-] Watching for file changes with StatReloader"
    )


def test_the_favicon_is_served(client: Client) -> None:
    # when a browser asks for /favicon.ico (the admin and the API pages have no link)
    response = client.get("/favicon.ico")

    # then it is sent to the static icon, a real ICO file
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.ico"
    assert (BASE_DIR / "static" / "favicon.ico").read_bytes()[:4] == b"\0\0\1\0"
