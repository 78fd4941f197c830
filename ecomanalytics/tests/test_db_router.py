"""The read-replica router, against two database aliases.

In the test settings "analytics" is a test mirror of "default" (the same database behind a
second connection), as a streaming replica is in production: rows committed on the
primary can be read back through the replica alias. These decisions hold on any
database; test_streaming_replica.py checks them against a real PostgreSQL hot standby,
with its lag.
"""

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext

from ecomanalytics.db_router import AnalyticsReplicaRouter
from ecomanalytics.ops.models import DataVersion
from ecomanalytics.store.models import Order
from ecomanalytics.store.tests.factories import OrderFactory

BOTH_DATABASES = ["default", "analytics"]


@pytest.fixture
def replica_router(settings) -> None:
    # given: the router settings.py installs when ANALYTICS_DATABASE_URL is set
    settings.DATABASE_ROUTERS = ["ecomanalytics.db_router.AnalyticsReplicaRouter"]


@pytest.mark.django_db(transaction=True, databases=BOTH_DATABASES)
@pytest.mark.usefixtures("replica_router")
def test_shop_data_is_written_to_the_primary_and_read_from_the_replica() -> None:
    # when
    order = OrderFactory(external_id="O-REPLICA")
    with (
        CaptureQueriesContext(connections["analytics"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        read_back = list(Order.objects.values_list("external_id", flat=True))

    # then
    assert order._state.db == "default"
    assert read_back == ["O-REPLICA"]
    assert (len(on_replica), len(on_primary)) == (1, 0)


@pytest.mark.django_db(transaction=True, databases=BOTH_DATABASES)
@pytest.mark.usefixtures("replica_router")
def test_auth_reads_stay_on_the_primary() -> None:
    # given
    User.objects.create_user(username="analyst")

    # when
    with CaptureQueriesContext(connections["analytics"]) as on_replica:
        usernames = list(User.objects.values_list("username", flat=True))

    # then: a login just written must be visible, whatever the replica's lag
    assert (usernames, len(on_replica)) == (["analyst"], 0)


@pytest.mark.django_db(transaction=True, databases=BOTH_DATABASES)
@pytest.mark.usefixtures("replica_router")
def test_reads_inside_a_primary_transaction_stay_on_the_primary() -> None:
    # when: an importer reads what it has just written, in its transaction
    with transaction.atomic(), CaptureQueriesContext(connections["analytics"]) as rq:
        OrderFactory(external_id="O-IN-TX")
        seen = list(Order.objects.values_list("external_id", flat=True))

    # then
    assert (seen, len(rq)) == (["O-IN-TX"], 0)


@pytest.mark.django_db(transaction=True, databases=BOTH_DATABASES)
@pytest.mark.usefixtures("replica_router")
def test_relations_of_an_object_from_the_primary_are_read_on_the_primary() -> None:
    # given
    OrderFactory(external_id="O-REL", customer__external_id="C-REL")
    order = Order.objects.using("default").get()

    # when
    with CaptureQueriesContext(connections["analytics"]) as on_replica:
        customer_id = order.customer.external_id

    # then
    assert (customer_id, len(on_replica)) == ("C-REL", 0)


def test_the_data_version_is_read_with_the_shop_data_and_the_shared_cache_not(
    settings,
) -> None:
    # given: the shared cache (API throttles) is the database cache, whose rows
    # must be read where they are written
    settings.DATABASE_ROUTERS = ["ecomanalytics.db_router.AnalyticsReplicaRouter"]
    shared_cache = caches["shared"]

    # when
    read_aliases = {
        "data version": router.db_for_read(DataVersion),
        "shared cache": router.db_for_read(shared_cache.cache_model_class),  # type: ignore[attr-defined]
    }

    # then
    assert read_aliases == {"data version": "analytics", "shared cache": "default"}


def test_writes_and_migrations_go_to_the_primary_only() -> None:
    # given
    replica_router = AnalyticsReplicaRouter()

    # when
    decisions = {
        "write": replica_router.db_for_write(Order),
        "migrate default": replica_router.allow_migrate("default", "store"),
        "migrate analytics": replica_router.allow_migrate("analytics", "store"),
        "relation": replica_router.allow_relation(Order(), Order()),
    }

    # then
    assert decisions == {
        "write": "default",
        "migrate default": True,
        "migrate analytics": False,
        "relation": True,
    }


def test_without_a_replica_everything_reads_the_primary(monkeypatch, settings) -> None:
    # given: no ANALYTICS_DATABASE_URL, hence no "analytics" alias
    monkeypatch.delitem(settings.DATABASES, "analytics")

    # when
    read_alias = AnalyticsReplicaRouter().db_for_read(Order)

    # then
    assert read_alias == "default"


def test_settings_install_no_router_without_a_replica() -> None:
    # the test settings define the alias but not ANALYTICS_DATABASE_URL
    assert router.routers == []
