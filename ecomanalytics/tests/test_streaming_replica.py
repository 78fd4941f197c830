"""The read-replica router against a real streaming replica of the test database.

"analytics" is a hot standby of the primary (streaming_replica.py), so a row reaches
it only once WAL replay has applied it; the tests pause replay to make it lag.

fixtures/orders_generic.csv, in the test shop's New York time, has one revenue order
in February 2025: A-1002 on February 1 (completed, 3 x 9.50 = 28.50, customer C-2),
beside A-1003 (cancelled) and A-1004 (refunded).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext

from ecomanalytics.ops.read_snapshot import SNAPSHOT_SQL, replica_snapshot
from ecomanalytics.store.importing.orders import import_orders_file
from ecomanalytics.store.models import Order
from ecomanalytics.store.tests.factories import OrderFactory

from .streaming_replica import StreamingReplica, replica_of_the_test_database

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FEBRUARY = "/api/kpi/summary/?start=2025-02-01&end=2025-02-28"
HEADER = "order_id,placed_at,customer_id,status,sku,quantity,unit_price\n"
# The tables of the shop's rows and of their roll-ups.
SHOP_ROWS = re.compile(r'"(store|rollups)_')
DATA_VERSION = re.compile(r"\bops_dataversion\b")

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "analytics"])


@pytest.fixture
def replica(settings) -> Iterator[StreamingReplica]:
    # given: the router settings.py installs when ANALYTICS_DATABASE_URL is set,
    # roll-ups on, nothing cached from another test
    settings.DATABASE_ROUTERS = ["ecomanalytics.db_router.AnalyticsReplicaRouter"]
    settings.ROLLUPS_ENABLED = True
    cache.clear()
    with replica_of_the_test_database() as streaming:
        yield streaming


def _orders_file(directory: Path, name: str, *rows: str) -> Path:
    path = directory / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
    return path


def _reading(table: re.Pattern[str], captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured if table.search(query["sql"])]


def test_the_analytics_database_is_a_streaming_standby(replica) -> None:
    # when
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), state FROM pg_stat_replication")
        primary = cursor.fetchall()
    with connections["analytics"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        standby_in_recovery = cursor.fetchone()[0]

    # then
    assert (primary, standby_in_recovery) == ([(False, "streaming")], True)


def test_metrics_read_the_standby_and_imports_write_the_primary(
    replica, api_client
) -> None:
    # when: the shop's first import (it builds the roll-ups), then a summary
    with CaptureQueriesContext(connections["analytics"]) as import_on_replica:
        import_orders_file(FIXTURES / "orders_generic.csv")
    replica.wait_for_replay()
    with (
        CaptureQueriesContext(connections["analytics"]) as read_on_replica,
        CaptureQueriesContext(connections["default"]) as read_on_primary,
    ):
        response = api_client.get(FEBRUARY)

    # then: the import and its refresh read no shop row on the replica (only the
    # data version, to forget the roll-up status cached under it)
    assert _reading(SHOP_ROWS, import_on_replica) == []
    # and the summary read the rows, their roll-ups and the data version on the
    # replica only, in one snapshot
    assert (response["X-Metrics-Source"], response.json()["revenue"]) == (
        "rollup",
        28.5,
    )
    on_primary = _reading(SHOP_ROWS, read_on_primary) + _reading(
        DATA_VERSION, read_on_primary
    )
    assert on_primary == []
    statements = [query["sql"] for query in read_on_replica if query["sql"] != "BEGIN"]
    assert statements[0] == SNAPSHOT_SQL
    assert [
        len(_reading(table, read_on_replica)) > 0 for table in (SHOP_ROWS, DATA_VERSION)
    ] == [True, True]


def test_a_load_shows_on_the_replica_only_once_replayed(
    replica, api_client, settings, tmp_path
) -> None:
    # given: a cached February summary of 28.50
    settings.METRICS_CACHE_SECONDS = 300
    import_orders_file(FIXTURES / "orders_generic.csv")
    replica.wait_for_replay()
    before = api_client.get(FEBRUARY)
    assert (before.json()["revenue"], before["X-Cache"]) == (28.5, "miss")

    # when: a $100 February order is loaded while the replica lags behind
    with replica.replay_paused():
        import_orders_file(
            _orders_file(
                tmp_path,
                "late.csv",
                "A-2001,2025-02-14T12:00:00,C-4,paid,MUG-WHITE,1,100.00",
            )
        )
        primary_has_it = Order.objects.using("default").filter(external_id="A-2001")
        lagging = [api_client.get(FEBRUARY) for _ in range(2)]
    replayed = replica.wait_for_replay()
    after = api_client.get(FEBRUARY)

    # then: once replayed, the new numbers at once, not an answer the lagging
    # replica computed and left cached under the primary's new data version
    assert primary_has_it.exists()
    assert replayed < 5
    assert (
        after.json()["revenue"],
        after.json()["orders"],
        after["X-Metrics-Source"],
        after["X-Cache"],
    ) == (128.5, 2, "rollup", "miss")
    assert after["ETag"] != before["ETag"]
    # and until then the replica's own consistent answer: its old numbers from its
    # roll-ups, under its old data version, hence from the cache
    assert [
        (answer.json()["revenue"], answer["X-Metrics-Source"], answer["X-Cache"])
        for answer in lagging
    ] == [(28.5, "rollup", "hit"), (28.5, "rollup", "hit")]


def test_imports_read_the_primary_while_the_replica_lags(
    replica, api_client, tmp_path
) -> None:
    # when: an order is imported, then imported again as cancelled, while the replica
    # has neither
    with replica.replay_paused():
        first = import_orders_file(
            _orders_file(
                tmp_path, "a.csv", "A-3001,2025-02-14T12:00:00,C-5,paid,HAT,1,50.00"
            )
        )
        again = import_orders_file(
            _orders_file(
                tmp_path,
                "b.csv",
                "A-3001,2025-02-14T12:00:00,C-5,cancelled,HAT,1,50.00",
            )
        )
    replica.wait_for_replay()
    summary = api_client.get(FEBRUARY)

    # then: the second import found the order on the primary and updated it, and the
    # roll-ups its refresh built on the primary answer on the replica
    counts = ("orders_created", "orders_updated")
    assert [[report.counts[name] for name in counts] for report in (first, again)] == [
        [1, 0],
        [0, 1],
    ]
    assert (
        summary["X-Metrics-Source"],
        summary.json()["revenue"],
        summary.json()["all_orders"],
    ) == ("rollup", 0.0, 1)


def test_a_request_reads_one_snapshot_of_the_replica(replica) -> None:
    # when: an order reaches the replica in the middle of a request's snapshot
    with replica_snapshot():
        at_start = Order.objects.count()
        OrderFactory(external_id="O-MID-REQUEST")
        replica.wait_for_replay()
        later_in_the_request = Order.objects.count()
    next_request = Order.objects.count()

    # then
    assert (at_start, later_in_the_request, next_request) == (0, 0, 1)
