"""Fixtures of the API tests: the metric routes found at runtime, a small shop, clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ecomanalytics.api.permissions import ANALYSTS_GROUP
from ecomanalytics.api.urls import router
from ecomanalytics.api.viewsets import MetricViewSet
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    WebSessionFactory,
)

if TYPE_CHECKING:  # the protocol of @action's methods exists in the stubs only
    from rest_framework.decorators import ViewSetAction


@dataclass(frozen=True)
class MetricRoute:
    basename: str
    url_path: str
    url_name: str

    @property
    def url(self) -> str:
        return reverse(f"{self.basename}-{self.url_name}")

    def __str__(self) -> str:
        return f"{self.basename}-{self.url_path}"


def metric_routes() -> list[MetricRoute]:
    """Every GET list action of every MetricViewSet in the API router.

    Read at runtime, so an endpoint added later is covered by every test that uses it.
    """
    routes = []
    for _prefix, viewset, basename in router.registry:
        if not issubclass(viewset, MetricViewSet):
            continue
        # get_extra_actions() returns the @action methods; the stubs type them as
        # plain views, without the attributes @action gives them.
        actions = cast("list[ViewSetAction[Any]]", viewset.get_extra_actions())
        for action in actions:
            if action.detail or "get" not in action.mapping:
                continue
            routes.append(MetricRoute(basename, action.url_path, action.url_name))
    return routes


METRIC_ROUTES = metric_routes()


def parametrize_metric_routes(function: Any) -> Any:
    if not METRIC_ROUTES:
        return pytest.mark.skip(reason="no metric endpoint is registered yet")(function)
    return pytest.mark.parametrize("route", METRIC_ROUTES, ids=str)(function)


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """The locmem cache outlives the test database: start every test without it."""
    cache.clear()


@pytest.fixture
def cache_enabled(settings: Any) -> None:
    settings.METRICS_CACHE_SECONDS = 300


@pytest.fixture
def frozen_now(time_machine: Any) -> None:
    """Mid-2025, shop time: every month of the shop below has ended."""
    time_machine.move_to(datetime(2025, 6, 15, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def shop(db: None) -> None:
    """Two customers, orders across the January/February boundary in New York, sessions.

    Feb 1 2025 04:59 UTC is Jan 31 23:59 in New York (EST, UTC-5).
    """
    shoes = CategoryFactory(name="Shoes")
    hats = CategoryFactory(name="Hats")
    sneaker = ProductFactory(sku="SKU-SNEAKER", category=shoes)
    cap = ProductFactory(sku="SKU-CAP", category=hats)
    ada = CustomerFactory(external_id="C-ADA", country="US")
    bob = CustomerFactory(external_id="C-BOB", country="DE")
    OrderFactory(
        customer=ada,
        placed_at=datetime(2025, 1, 15, 12, tzinfo=UTC),
        status="completed",
        lines=[(sneaker, 2, "40.00"), (cap, 1, "12.50")],
    )
    OrderFactory(
        customer=bob,
        placed_at=datetime(2025, 2, 1, 4, 59, tzinfo=UTC),
        status="paid",
        traffic_source="email",
        device="mobile",
        lines=[(cap, 3, "12.50")],
    )
    OrderFactory(
        customer=ada,
        placed_at=datetime(2025, 3, 2, 15, tzinfo=UTC),
        status="shipped",
        lines=[(sneaker, 1, "40.00")],
    )
    OrderFactory(
        customer=bob,
        placed_at=datetime(2025, 3, 5, 9, tzinfo=UTC),
        status="cancelled",
        lines=[(sneaker, 1, "40.00")],
    )
    WebSessionFactory(
        started_at=datetime(2025, 1, 15, 11, tzinfo=UTC),
        events=[
            ("product_view", datetime(2025, 1, 15, 11, 1, tzinfo=UTC)),
            ("add_to_cart", datetime(2025, 1, 15, 11, 2, tzinfo=UTC)),
            ("begin_checkout", datetime(2025, 1, 15, 11, 3, tzinfo=UTC)),
            ("purchase", datetime(2025, 1, 15, 11, 4, tzinfo=UTC)),
        ],
    )
    WebSessionFactory(
        started_at=datetime(2025, 2, 1, 4, tzinfo=UTC),
        traffic_source="email",
        events=[("product_view", datetime(2025, 2, 1, 4, 1, tzinfo=UTC))],
    )


def _user(username: str, **fields: Any) -> User:
    return User.objects.create_user(
        username=username, password="pw-" + username, **fields
    )


@pytest.fixture
def analyst(db: None) -> User:
    user = _user("ana")
    user.groups.add(Group.objects.get_or_create(name=ANALYSTS_GROUP)[0])
    return user


@pytest.fixture
def outsider(db: None) -> User:
    """Authenticated, but neither staff nor an analyst."""
    return _user("otto")


@pytest.fixture
def staff_token(staff_user: User) -> Token:
    return Token.objects.create(user=staff_user)


@pytest.fixture
def token_client(staff_token: Token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {staff_token.key}")
    return client
