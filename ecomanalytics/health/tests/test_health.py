"""/healthz and /readyz: what an orchestrator sees, whole JSON bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone

from ecomanalytics.health import views
from ecomanalytics.rollups.models import RollupState
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.status import forget_status


@pytest.fixture(autouse=True)
def _look_at_the_migrations_again(monkeypatch: Any) -> None:
    monkeypatch.setattr(views, "_migrations_applied", False)


@pytest.fixture
def rollups_on(settings: Any) -> None:
    settings.ROLLUPS_ENABLED = True


def test_healthz_answers_without_the_database() -> None:
    # when: no django_db mark, so any query would raise
    response = Client().get("/healthz")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_roll_ups_never_refreshed(rollups_on: None) -> None:
    # when
    response = Client().get("/readyz")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": {"ok": True, "vendor": _vendor()},
        "migrations": {"ok": True, "unapplied": []},
        "rollups": {"enabled": True, "state": "never refreshed", "usable": False},
    }


@pytest.mark.django_db
def test_readyz_reports_the_roll_ups_state_and_age(
    rollups_on: None, time_machine: Any
) -> None:
    # given: roll-ups refreshed at noon, then an order loaded without a refresh
    time_machine.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False)
    refresh_rollups()
    time_machine.move_to(datetime(2026, 3, 2, 12, 10, tzinfo=UTC), tick=False)
    current = Client().get("/readyz").json()["rollups"]
    RollupState.objects.update(last_order_id=-1)  # as if a bulk load came since
    forget_status()

    # when
    stale = Client().get("/readyz").json()["rollups"]

    # then
    assert current == {
        "enabled": True,
        "state": "current",
        "usable": True,
        "refreshed_at": "2026-03-02T12:00:00+00:00",
        "age_seconds": 600,
    }
    assert stale == {**current, "state": "stale", "usable": False}

    # when a load marks its refresh as pending (its rows are in, the refresh runs)
    RollupState.objects.update(refresh_pending_since=timezone.now())
    forget_status()
    refreshing = Client().get("/readyz").json()["rollups"]

    # then the roll-ups answer as they were, and say a refresh is under way
    assert refreshing == {**current, "state": "refreshing", "usable": True}


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_is_missing() -> None:
    # given
    MigrationRecorder.Migration.objects.filter(
        app="ops", name="0002_shared_cache_table"
    ).delete()

    # when
    response = Client().get("/readyz")

    # then
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": {"ok": True, "vendor": _vendor()},
        "migrations": {"ok": False, "unapplied": ["ops.0002_shared_cache_table"]},
    }


def _vendor() -> str:
    return connection.vendor
