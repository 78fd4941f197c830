"""Health endpoints for orchestrators and load balancers, JSON, no login.

- /healthz (liveness): the process answers; touches no database, so a database outage
  does not get healthy workers restarted.
- /readyz (readiness): the database answers, every migration is applied, and the
  roll-ups' state and age; 503 when the database or a migration is missing. Stale
  roll-ups do not make the site unready: the metrics then answer, with the same
  numbers, from the raw tables.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..rollups.status import rollup_status, rollups_enabled

logger = logging.getLogger(__name__)

# Once every migration was found applied, this process does not look again: the plan
# reads every migration file (about 40 ms), and applied migrations stay applied.
_migrations_applied = False


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {}
    try:
        checks["database"] = _database()
        checks["migrations"] = _migrations()
        if checks["migrations"]["ok"]:
            checks["rollups"] = _rollups()
    except DatabaseError as error:
        # The message may name hosts or users: the log has it, the body only the kind.
        logger.warning("readyz: the database is not usable: %s", error)
        checks = {"database": {"ok": False, "error": type(error).__name__}}
    ready = "rollups" in checks
    body = {"status": "ready" if ready else "unavailable", **checks}
    return JsonResponse(body, status=200 if ready else 503)


def _database() -> dict[str, Any]:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _migrations() -> dict[str, Any]:
    global _migrations_applied
    if _migrations_applied:
        return {"ok": True, "unapplied": []}
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    unapplied = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    _migrations_applied = not unapplied
    return {"ok": not unapplied, "unapplied": unapplied}


def _state_of(usable: bool, refreshing: bool) -> str:
    if refreshing:
        return "refreshing"
    return "current" if usable else "stale"


def _rollups() -> dict[str, Any]:
    if not rollups_enabled():
        return {"enabled": False, "state": "disabled"}
    status = rollup_status()
    if status.refreshed_at is None:
        return {"enabled": True, "state": "never refreshed", "usable": False}
    age = (timezone.now() - status.refreshed_at).total_seconds()
    return {
        "enabled": True,
        # current: the metrics read the roll-ups; refreshing: data was loaded since
        # and its refresh is under way, the roll-ups answer as they were; stale: data
        # was loaded and no refresh is coming (or the shop's time zone changed), the
        # raw tables answer.
        "state": _state_of(status.usable, status.refreshing),
        "usable": status.usable,
        "refreshed_at": status.refreshed_at.isoformat(),
        "age_seconds": round(age),
    }
