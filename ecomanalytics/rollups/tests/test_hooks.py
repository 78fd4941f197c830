"""The refresh tells the model fits when it has committed, and only when asked to;
the stored aggregates (rollups_committed) after every refresh."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from ecomanalytics.rollups.hooks import rollups_committed, rollups_refreshed
from ecomanalytics.rollups.models import RollupState
from ecomanalytics.rollups.refresh import refresh_rollups

pytestmark = pytest.mark.django_db(transaction=True)


def _listen() -> list[dict[str, Any]]:
    heard: list[dict[str, Any]] = []

    def receiver(sender: object, **kwargs: Any) -> None:
        # The fits read the new roll-ups, so they must be committed by now.
        kwargs.pop("signal")
        heard.append({**kwargs, "state_seen": RollupState.objects.exists()})

    rollups_refreshed.connect(receiver, weak=False, dispatch_uid="test-hooks")
    return heard


@pytest.fixture
def heard():
    yield _listen()
    rollups_refreshed.disconnect(dispatch_uid="test-hooks")


def test_refresh_announces_itself_after_commit_when_fits_are_on(settings, heard):
    settings.FIT_MODELS_ON_REFRESH = True
    refresh_rollups()
    assert heard == [
        {"since": None, "using": "default", "progress": False, "state_seen": True}
    ]
    assert not transaction.get_connection().in_atomic_block


def test_refresh_stays_quiet_when_fits_are_off(settings, heard):
    settings.FIT_MODELS_ON_REFRESH = False
    refresh_rollups()
    assert heard == []


def test_a_failing_fit_is_logged_and_the_refresh_still_returns(settings, caplog):
    # given a fit that fails
    settings.FIT_MODELS_ON_REFRESH = True

    def broken_fit(sender: object, **kwargs: Any) -> None:
        raise ValueError("no repeat buyers")

    rollups_refreshed.connect(broken_fit, weak=False, dispatch_uid="test-broken")
    try:
        # when
        report = refresh_rollups()
    finally:
        rollups_refreshed.disconnect(dispatch_uid="test-broken")

    # then the refresh stands, and the log says which fit failed and why
    assert report.since is None
    assert RollupState.objects.exists()
    failed = [r for r in caplog.records if "failed after the refresh" in r.message]
    assert [r.exc_info[1].args for r in failed if r.exc_info] == [("no repeat buyers",)]


def test_the_stored_aggregates_follow_every_refresh_when_fits_are_off(settings):
    # given
    settings.FIT_MODELS_ON_REFRESH = False
    heard: list[dict[str, Any]] = []

    def receiver(sender: object, **kwargs: Any) -> None:
        kwargs.pop("signal")
        heard.append({**kwargs, "state_seen": RollupState.objects.exists()})

    rollups_committed.connect(receiver, weak=False, dispatch_uid="test-committed")
    try:
        # when
        refresh_rollups()
    finally:
        rollups_committed.disconnect(dispatch_uid="test-committed")
    # then
    assert heard == [
        {"since": None, "using": "default", "progress": False, "state_seen": True}
    ]
