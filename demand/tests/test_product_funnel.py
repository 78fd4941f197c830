"""The product funnel on both paths across a New York month boundary, its roll-up's
incremental refresh, and the two paths on a generated shop."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from demand.product_analyses import ProductFunnelRow, product_funnel
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.models import ProductFunnelDay
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.tests.test_equivalence import (  # noqa: F401
    assert_same_on_random_filters,
    shop,
)
from ecomanalytics.store.models import Product
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    SessionEventFactory,
    WebSessionFactory,
)

NEW_YORK = ZoneInfo("America/New_York")


def local(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=NEW_YORK)


def window(first: date, last: date, **filters: str) -> MetricFilters:
    return MetricFilters(start=first, end=last, **filters)


def session(started_at: datetime, events: list[tuple], **dimensions: str) -> None:
    """A session and its events, a minute apart from its start."""
    web_session = WebSessionFactory(started_at=started_at, **dimensions)
    for minute, (event_type, extra) in enumerate(events, start=1):
        SessionEventFactory(
            session=web_session,
            event_type=event_type,
            occurred_at=started_at.replace(second=minute),
            **extra,
        )


def view(product: Product) -> tuple:
    return ("product_view", {"product": product})


def cart(product: Product) -> tuple:
    return ("add_to_cart", {"product": product})


@pytest.fixture
def month_edge(db) -> dict[str, Product]:
    """Shoes A "Runner", B "Sock"; Hats D "Beanie". Sessions (New York):
    s1 Jan 31 23:30 organic/desktop/US (Feb 1 in UTC): views A, carts A, purchases
       order o (lines A and B), which was cancelled later: still a purchase
    s2 Feb 1 00:30 organic/mobile/US: views A twice, views B
    s3 Feb 14 email/desktop/CA: views B, carts B
    s4 Jan 10 organic/desktop/US: views D
    """
    shoes, hats = CategoryFactory(name="Shoes"), CategoryFactory(name="Hats")
    a = ProductFactory(sku="A", name="Runner", category=shoes)
    b = ProductFactory(sku="B", name="Sock", category=shoes)
    d = ProductFactory(sku="D", name="Beanie", category=hats)
    order = OrderFactory(
        customer=CustomerFactory(country="US"),
        placed_at=local(1, 31, 23, 40),
        status="cancelled",
        lines=[(a, 1, "10"), (b, 2, "5")],
    )
    session(
        local(1, 31, 23, 30),
        [view(a), cart(a), ("purchase", {"order": order})],
    )
    session(local(2, 1, 0, 30), [view(a), view(a), view(b)], device="mobile")
    session(local(2, 14), [view(b), cart(b)], traffic_source="email", country="CA")
    session(local(1, 10), [view(d)])
    return {"a": a, "b": b, "d": d}


def test_sessions_count_in_the_month_they_started(answer, month_edge):
    # when: January's and February's whole months (month rows) and a window cut
    # inside both (day rows)
    answer.refresh()
    january = answer(
        product_funnel,
        refresh=False,
        filters=window(date(2025, 1, 1), date(2025, 1, 31)),
    )
    across = answer(
        product_funnel,
        refresh=False,
        filters=window(date(2025, 1, 15), date(2025, 2, 10)),
    )
    february = answer(
        product_funnel,
        refresh=False,
        filters=window(date(2025, 2, 1), date(2025, 2, 28)),
    )

    # then: s1 is January's (it started on Jan 31 in New York), with all its events;
    # B was bought in s1 without a view or cart of it
    assert january == [
        ProductFunnelRow("A", "Runner", "Shoes", 1, 1, 1, 1.0, 1.0),
        ProductFunnelRow("D", "Beanie", "Hats", 1, 0, 0, 0.0, None),
        ProductFunnelRow("B", "Sock", "Shoes", 0, 0, 1, None, None),
    ]
    # s1 and s2 view A (s2 twice: one session)
    assert across == [
        ProductFunnelRow("A", "Runner", "Shoes", 2, 1, 1, 0.5, 1.0),
        ProductFunnelRow("B", "Sock", "Shoes", 1, 0, 1, 0.0, None),
    ]
    assert february == [
        ProductFunnelRow("B", "Sock", "Shoes", 2, 1, 0, 0.5, 0.0),
        ProductFunnelRow("A", "Runner", "Shoes", 1, 0, 0, 0.0, None),
    ]


def test_one_filter_from_the_facts_two_from_the_raw_tables(answer, month_edge):
    # given
    february = (date(2025, 2, 1), date(2025, 2, 28))
    answer.refresh()

    # when
    mobile = answer(
        product_funnel, refresh=False, filters=window(*february, device="mobile")
    )
    canada = answer(
        product_funnel, refresh=False, filters=window(*february, country="CA")
    )
    email_desktop = answer(
        product_funnel,
        refresh=False,
        raw_by_design=True,
        filters=window(*february, source="email", device="desktop"),
    )
    hats = answer(
        product_funnel,
        refresh=False,
        filters=window(date(2025, 1, 1), date(2025, 2, 28), category="Hats"),
    )

    # then
    assert mobile == [
        ProductFunnelRow("A", "Runner", "Shoes", 1, 0, 0, 0.0, None),
        ProductFunnelRow("B", "Sock", "Shoes", 1, 0, 0, 0.0, None),
    ]
    assert canada == [ProductFunnelRow("B", "Sock", "Shoes", 1, 1, 0, 1.0, 0.0)]
    assert email_desktop == canada
    assert hats == [ProductFunnelRow("D", "Beanie", "Hats", 1, 0, 0, 0.0, None)]


def test_filters_matching_nothing_and_an_empty_window(answer, month_edge):
    # given
    answer.refresh()

    # when
    france = answer(product_funnel, refresh=False, filters=MetricFilters(country="FR"))
    unknown_category = answer(
        product_funnel, refresh=False, filters=MetricFilters(category="Socks")
    )
    march = answer(
        product_funnel,
        refresh=False,
        filters=window(date(2025, 3, 1), date(2025, 3, 31)),
    )

    # then
    assert france == unknown_category == march == []


def test_no_data_has_no_window(answer, db):
    # when / then
    assert answer(product_funnel, answered=None, filters=MetricFilters()) == []


def facts() -> list[tuple]:
    columns = [
        field.attname
        for field in ProductFunnelDay._meta.concrete_fields
        if not field.primary_key
    ]
    return sorted(ProductFunnelDay.objects.values_list(*columns), key=repr)


def test_incremental_refresh_equals_a_full_build(month_edge):
    # given rolled-up data; then, not rolled up: a session of Feb 20, and one of
    # Feb 12 loaded late
    refresh_rollups()
    january = sorted(
        ProductFunnelDay.objects.filter(day__lt=date(2025, 2, 1)).values_list(
            "pk", flat=True
        )
    )
    session(local(2, 20), [view(month_edge["a"]), cart(month_edge["a"])])
    session(local(2, 12), [view(month_edge["d"])], device="tablet")

    # when: the days from Feb 10 are rebuilt (and February's month rows)
    refresh_rollups(since=date(2025, 2, 10))
    incremental = facts()

    # then: January's rows were kept as they were, and a full build agrees
    assert (
        sorted(
            ProductFunnelDay.objects.filter(day__lt=date(2025, 2, 1)).values_list(
                "pk", flat=True
            )
        )
        == january
    )
    refresh_rollups()
    assert facts() == incremental
    assert sorted(
        ProductFunnelDay.objects.filter(
            grain="m", day=date(2025, 2, 1), traffic_source="*", device="*", country="*"
        ).values_list("product__sku", "views", "carts", "purchases")
    ) == [("A", 2, 1, 0), ("B", 2, 1, 0), ("D", 1, 0, 0)]


@pytest.mark.django_db
def test_both_paths_agree_on_a_generated_shop(shop):  # noqa: F811
    # when / then: no filter and one filter from the facts, two from the raw tables
    answered = assert_same_on_random_filters(14, product_funnel, limit=100)
    assert answered["rollup"] > 0
