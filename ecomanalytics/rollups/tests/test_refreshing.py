"""Between a load's commit and the end of its refresh the roll-ups keep answering.

fixtures/orders_generic.csv gives February (New York) one revenue order, A-1002 at
28.50. The second import adds A-2001, 2 x 10.00 = 20.00 on February 14: February's
revenue goes from 28.50 to 48.50 once its refresh has committed, and not before.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from ecomanalytics.rollups.models import RollupState
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.state import mark_refresh_pending, settle_pending
from ecomanalytics.rollups.status import rollup_status
from ecomanalytics.store.importing.orders import import_orders_file
from ecomanalytics.store.models import Order

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
FEBRUARY = "/api/kpi/summary/?start=2025-02-01&end=2025-02-28"
A_FEBRUARY_ORDER = (
    "order_id,placed_at,customer_id,status,sku,quantity,unit_price\n"
    "A-2001,2025-02-14T12:00:00,C-2,paid,MUG-WHITE,2,10.00\n"
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rolled_up_shop(settings, django_capture_on_commit_callbacks) -> None:
    settings.ROLLUPS_ENABLED = True
    with django_capture_on_commit_callbacks(execute=True):
        import_orders_file(FIXTURES / "orders_generic.csv")
    assert RollupState.objects.get().refresh_pending_since is None


@pytest.fixture
def second_import(tmp_path, django_capture_on_commit_callbacks):
    """The second import, committed; returns its refresh, not yet run."""
    csv = tmp_path / "february.csv"
    csv.write_text(A_FEBRUARY_ORDER, encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        import_orders_file(csv)
    assert Order.objects.filter(external_id="A-2001").exists()

    def run_refresh() -> None:
        for callback in after_commit:
            callback()

    return run_refresh


@pytest.mark.usefixtures("rolled_up_shop")
def test_an_import_awaiting_its_refresh_is_answered_from_the_rollups_as_they_were(
    api_client, second_import
):
    # when: the import's rows are in and its refresh has not committed
    response = api_client.get(FEBRUARY)

    # then: the roll-ups answer the numbers of their last refresh, and say so
    assert response.status_code == 200
    assert response["X-Metrics-Source"] == "rollup"
    assert response["X-Rollups-Refreshing"] == "true"
    assert (response.json()["revenue"], response.json()["orders"]) == (28.5, 1)
    options = api_client.get("/api/filters/").json()
    assert options["rollups_refreshing"] is True

    # when the refresh commits
    second_import()
    response = api_client.get(FEBRUARY)

    # then: the new numbers, from the roll-ups, no longer flagged
    assert response["X-Metrics-Source"] == "rollup"
    assert "X-Rollups-Refreshing" not in response
    assert (response.json()["revenue"], response.json()["orders"]) == (48.5, 2)
    assert RollupState.objects.get().refresh_pending_since is None
    assert api_client.get("/api/filters/").json()["rollups_refreshing"] is False


@pytest.mark.usefixtures("rolled_up_shop")
def test_a_load_killed_before_its_refresh_stops_holding_the_rollups_after_the_grace(
    api_client, settings, second_import
):
    # given the import's refresh never ran (the process was killed), long ago
    settings.ROLLUPS_PENDING_GRACE_SECONDS = 900
    RollupState.objects.update(
        refresh_pending_since=timezone.now() - timedelta(seconds=901)
    )

    # when
    response = api_client.get(FEBRUARY)

    # then: the raw tables answer, with the imported order
    assert response["X-Metrics-Source"] == "raw"
    assert "X-Rollups-Refreshing" not in response
    assert response.json()["revenue"] == 48.5


@pytest.mark.usefixtures("rolled_up_shop")
def test_rollups_built_under_another_time_zone_are_not_served_while_refreshing(
    api_client, settings, second_import
):
    # given the shop's time zone changed since the roll-ups were built
    settings.TIME_ZONE = "UTC"

    # then: their days are not the shop's days any more; the raw tables answer
    assert rollup_status().usable is False
    assert api_client.get(FEBRUARY)["X-Metrics-Source"] == "raw"


@pytest.mark.usefixtures("rolled_up_shop")
def test_a_load_marked_after_a_refresh_began_stays_pending_after_it(second_import):
    # given a refresh that started before the latest load marked itself
    started = timezone.now() - timedelta(seconds=5)
    refresh_rollups()
    mark_refresh_pending("default")

    # when that (earlier) refresh settles
    settle_pending("default", started)

    # then: the later load's refresh is still to come
    assert RollupState.objects.get().refresh_pending_since is not None


@pytest.mark.usefixtures("rolled_up_shop")
def test_rows_beyond_the_recorded_fingerprint_stay_pending(second_import):
    # given the pending import's rows are not in the roll-ups' fingerprint
    RollupState.objects.update(refresh_pending_since=timezone.now())

    # when a refresh from before the import settles
    settle_pending("default", timezone.now())

    # then: the mark stays until a refresh has read those rows
    assert RollupState.objects.get().refresh_pending_since is not None


def test_an_admin_edit_marks_the_refresh_pending_with_its_own_commit(
    settings, rolled_up_shop, django_capture_on_commit_callbacks
):
    # given
    order = Order.objects.get(external_id="A-1002")

    # when the edit is saved, its refresh not yet run
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        order.status = "cancelled"
        order.save()

    # then the mark is in, and the refresh clears it
    assert RollupState.objects.get().refresh_pending_since is not None
    for callback in after_commit:
        callback()
    assert RollupState.objects.get().refresh_pending_since is None
