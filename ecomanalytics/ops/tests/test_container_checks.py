"""The health checks of the Dockerfile and docker-compose.yml, run as written (outside
Docker) against a gunicorn on 127.0.0.1."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import yaml

from .site import BASE_DIR, Site

CONTAINER_PORT = "127.0.0.1:8000"


def _dockerfile_check() -> list[str]:
    text = (BASE_DIR / "Dockerfile").read_text()
    found = re.search(r"^HEALTHCHECK [^\n]*\\\n\s+CMD (\[[^\n]*\])$", text, re.M)
    assert found, "the Dockerfile has a HEALTHCHECK"
    return json.loads(found.group(1))  # the exec form is a JSON array


def _compose_check() -> list[str]:
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    return test[1:]


def _run(command: list[str], site: Site) -> int:
    port = site.url.removeprefix("http://")
    argv = [part.replace(CONTAINER_PORT, port) for part in command]
    assert argv[0] == "python"
    argv[0] = sys.executable
    return subprocess.run(argv, capture_output=True, timeout=30).returncode


def test_both_health_checks_pass_on_a_running_site(site: Site) -> None:
    # when
    with site.serving(workers=1):
        codes = (_run(_dockerfile_check(), site), _run(_compose_check(), site))
        readyz = site.get("/readyz")

    # then
    assert codes == (0, 0)
    assert readyz.status == 200
    assert readyz.json()["status"] == "ready"


def test_without_a_database_the_site_lives_but_is_not_ready(
    site_without_database: Site,
) -> None:
    # when
    site = site_without_database
    with site.serving(workers=1):
        codes = (_run(_dockerfile_check(), site), _run(_compose_check(), site))
        healthz, readyz = site.get("/healthz"), site.get("/readyz")

    # then: the container stays up (liveness), compose reports it not ready
    assert codes == (0, 1)
    assert (healthz.status, healthz.json()) == (200, {"status": "ok"})
    assert (readyz.status, readyz.json()) == (
        503,
        {
            "status": "unavailable",
            "database": {"ok": False, "error": "OperationalError"},
        },
    )
    assert "secret" not in readyz.body.decode()


def test_compose_refuses_to_start_without_a_secret_key() -> None:
    # given: compose's ${VAR:?message} is the POSIX shell's; let sh expand it
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    value = compose["services"]["web"]["environment"]["SECRET_KEY"]

    # when
    unset = subprocess.run(
        ["sh", "-c", f"echo {value}"], capture_output=True, text=True, env={}
    )
    given = subprocess.run(
        ["sh", "-c", f"echo {value}"],
        capture_output=True,
        text=True,
        env={"SECRET_KEY": "k3y"},
    )

    # then
    assert unset.returncode != 0
    assert "SECRET_KEY is required" in unset.stderr
    assert (given.returncode, given.stdout) == (0, "k3y\n")
