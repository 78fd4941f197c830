"""The synthetic data generator: determinism, flush, counts and the data's invariants."""

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Min, Q, Sum

from ecomanalytics.store.columns import column_name
from ecomanalytics.store.data_version import data_version
from ecomanalytics.store.generation.run import GenerationReport, generate_data
from ecomanalytics.store.generation.writer import flush_shop
from ecomanalytics.store.models import (
    Category,
    Customer,
    Order,
    OrderItem,
    Product,
    Refund,
    RefundLine,
    SessionEvent,
    WebSession,
)
from ecomanalytics.store.session_progress import refresh_session_progress

NOW = datetime(2025, 11, 20, 15, 30, tzinfo=UTC)
# A small shop (three batches) for the invariants, generated once for the module.
SMALL: dict[str, Any] = {
    "customers": 300,
    "months": 12,
    "seed": 7,
    "now": NOW,
    "batch_customers": 120,
}
# A tiny one for the tests that generate several times.
TINY: dict[str, Any] = {
    "customers": 80,
    "months": 6,
    "seed": 7,
    "now": NOW,
    "batch_customers": 50,
}

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker) -> Iterator[GenerationReport]:
    """SMALL, committed once; the tests only read it (or roll back what they write)."""
    with django_db_blocker.unblock():
        report = generate_data(**SMALL, flush=True)
    yield report
    with django_db_blocker.unblock():
        flush_shop()


def _fingerprint() -> dict[str, Any]:
    """Counts per table and sums that change with any generated value."""
    return {
        "customers": Customer.objects.count(),
        "orders": Order.objects.aggregate(
            n=Count("id"), total=Sum("total"), first=Min("placed_at")
        ),
        "items": OrderItem.objects.aggregate(
            n=Count("id"), units=Sum("quantity"), products=Sum("product_id")
        ),
        "sessions": WebSession.objects.aggregate(
            n=Count("id"), anonymous=Count("id", filter=Q(customer=None))
        ),
        "events": SessionEvent.objects.values("event_type")
        .annotate(n=Count("id"))
        .order_by("event_type")
        .values_list("event_type", "n")
        .distinct(),
        "statuses": sorted(Order.objects.values_list("status").annotate(n=Count("id"))),
    }


def _snapshot() -> dict[str, Any]:
    result = _fingerprint()
    result["events"] = list(result["events"])
    return result


def test_same_seed_gives_same_data():
    # given a first run
    generate_data(**TINY, flush=True)
    first = _snapshot()

    # when the shop is generated again with the same seed
    generate_data(**TINY, flush=True)

    # then counts and sums are identical
    assert _snapshot() == first


def test_a_seed_gives_the_pinned_data():
    # given a seed, sizes and now; when generated
    generate_data(**TINY, flush=True)

    # then the data is what it has always been for them (on every backend: the
    # writers differ, the values may not)
    assert _snapshot() == {
        "customers": 80,
        "orders": {
            "n": 97,
            "total": Decimal("12151.66"),
            "first": datetime(2025, 6, 2, 8, 41, 39, tzinfo=UTC),
        },
        "items": {"n": 185, "units": 271, "products": 26903},
        "sessions": {"n": 2910, "anonymous": 2628},
        "events": [
            ("add_to_cart", 550),
            ("begin_checkout", 259),
            ("page_view", 2910),
            ("product_view", 3141),
            ("purchase", 97),
        ],
        "statuses": [
            ("cancelled", 5),
            ("completed", 79),
            ("paid", 1),
            ("refunded", 5),
            ("shipped", 7),
        ],
    }


def test_another_seed_gives_other_data():
    generate_data(**TINY, flush=True)
    first = _snapshot()

    generate_data(**{**TINY, "seed": 8}, flush=True)

    assert _snapshot() != first


def test_flush_replaces_and_no_flush_appends():
    # given a generated shop
    first = generate_data(**TINY, flush=True)

    # when generating again without --flush, rows are appended
    generate_data(**TINY)
    assert Customer.objects.count() == 2 * first.rows["Customer"]
    assert Order.objects.count() == 2 * first.rows["Order"]
    # the catalogue is reused, not duplicated
    assert Product.objects.count() == first.rows["Product"]

    # and with --flush the shop holds one run's rows again
    generate_data(**TINY, flush=True)
    assert Customer.objects.count() == first.rows["Customer"]
    assert Order.objects.count() == first.rows["Order"]
    assert SessionEvent.objects.count() == first.rows["SessionEvent"]


def test_report_counts_every_table(shop):
    report = shop

    assert report.rows == {
        "Category": Category.objects.count(),
        "Product": Product.objects.count(),
        "Customer": Customer.objects.count(),
        "Order": Order.objects.count(),
        "OrderItem": OrderItem.objects.count(),
        "WebSession": WebSession.objects.count(),
        "SessionEvent": SessionEvent.objects.count(),
        "Refund": Refund.objects.count(),
        "RefundLine": RefundLine.objects.count(),
    }
    assert report.rows["Customer"] == SMALL["customers"]
    assert report.rows["Category"] >= 8
    assert report.rows["Product"] >= 200
    assert report.total_rows == sum(report.rows.values())
    # about 30 sessions per order
    assert 25 <= report.rows["WebSession"] / report.rows["Order"] <= 35


def test_the_load_leaves_every_index_and_setting_as_it_found_them(shop):
    # given the shop, loaded outside a transaction: its secondary indexes were dropped
    # and rebuilt (on PostgreSQL two at a time, on SQLite with fsync off meanwhile)
    models = [Customer, Order, OrderItem, WebSession, SessionEvent, Refund, RefundLine]

    def indexes(model) -> dict[str, list[str]]:
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(
                cursor, model._meta.db_table
            )
        return {name: found["columns"] for name, found in found.items()}

    # then each model's declared indexes and foreign-key indexes are there
    for model in models:
        present = indexes(model)
        for index in model._meta.indexes:
            assert present[index.name] == [
                column_name(model, name) for name in index.fields
            ]
        for field in model._meta.concrete_fields:
            if field.is_relation:
                assert [field.column] in present.values(), field
    # and SQLite syncs again (the settings ask for NORMAL: 1; OFF is 0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone() == (1,)


def test_order_totals_equal_their_lines(shop):
    line_money = ExpressionWrapper(
        F("items__quantity") * F("items__unit_price"), output_field=DecimalField()
    )
    orders = Order.objects.annotate(lines_total=Sum(line_money), lines=Count("items"))

    assert orders.filter(lines=0).count() == 0
    mismatched = [
        (order.external_id, order.total, order.lines_total)
        for order in orders
        if round(order.lines_total, 2) != order.total
    ]
    assert mismatched == []


def test_every_order_has_a_matching_purchase_session(shop):
    purchases = SessionEvent.objects.filter(event_type="purchase")
    assert purchases.count() == Order.objects.count()
    assert purchases.filter(order=None).count() == 0
    assert purchases.values("order").distinct().count() == Order.objects.count()
    mismatched = purchases.exclude(
        session__traffic_source=F("order__traffic_source"),
        session__device=F("order__device"),
        session__customer=F("order__customer"),
    )
    assert mismatched.count() == 0
    # the purchase is the session's last event, at the order's time
    assert purchases.exclude(occurred_at=F("order__placed_at")).count() == 0


def test_funnel_loses_sessions_at_every_step(shop):
    def sessions_with(event_type: str) -> int:
        return (
            SessionEvent.objects.filter(event_type=event_type)
            .values("session")
            .distinct()
            .count()
        )

    steps = [
        WebSession.objects.count(),
        sessions_with("product_view"),
        sessions_with("add_to_cart"),
        sessions_with("begin_checkout"),
        sessions_with("purchase"),
    ]
    assert steps == sorted(steps, reverse=True)
    assert len(set(steps)) == len(steps), steps
    # every session starts with its page_view, and has several events on average
    assert sessions_with("page_view") == steps[0]
    assert SessionEvent.objects.count() > 2 * steps[0]
    first_events = WebSession.objects.annotate(first=Min("events__occurred_at"))
    assert first_events.exclude(first=F("started_at")).count() == 0


def test_sources_and_devices_convert_at_different_rates(shop):
    def conversion(field: str) -> dict[str, float]:
        rows = WebSession.objects.values(field).annotate(
            sessions=Count("id", distinct=True),
            bought=Count("id", filter=Q(events__event_type="purchase"), distinct=True),
        )
        return {row[field]: row["bought"] / row["sessions"] for row in rows}

    sources = conversion("traffic_source")
    devices = conversion("device")
    assert set(sources) == {
        "organic",
        "paid_search",
        "social",
        "email",
        "direct",
        "referral",
    }
    assert set(devices) == {"desktop", "mobile", "tablet"}
    assert sources["email"] > sources["social"] * 2
    assert devices["desktop"] > devices["mobile"] * 1.5


def test_statuses_anonymous_sessions_and_no_future(shop):
    statuses = dict(Order.objects.values_list("status").annotate(n=Count("id")))
    assert statuses.get("cancelled", 0) > 0
    assert statuses.get("refunded", 0) > 0
    assert statuses["completed"] > Order.objects.count() / 2
    # recent orders are still on their way
    assert Order.objects.filter(status__in=["pending", "paid", "shipped"]).exists()
    assert WebSession.objects.filter(customer=None).exists()
    assert not Order.objects.filter(placed_at__gt=NOW).exists()
    assert not SessionEvent.objects.filter(occurred_at__gt=NOW).exists()
    assert not Customer.objects.filter(signed_up_at__gt=NOW).exists()


def test_customers_come_back_after_month_three(shop):
    # customers with an order at least three calendar months after their first one
    first_orders = Customer.objects.annotate(first=Min("orders__placed_at")).filter(
        first__isnull=False
    )
    returning = [
        customer
        for customer in first_orders.prefetch_related("orders")
        if any(
            (order.placed_at.year - customer.first.year) * 12
            + order.placed_at.month
            - customer.first.month
            >= 3
            for order in customer.orders.all()
        )
    ]
    assert len(returning) > first_orders.count() / 20


def test_orders_grow_and_peak_in_q4():
    # (few sessions: only orders matter here)
    generate_data(
        **{**SMALL, "customers": 600, "months": 24},
        sessions_per_order=2,
        flush=True,
    )

    def orders_between(start: datetime, end: datetime) -> int:
        return Order.objects.filter(placed_at__gte=start, placed_at__lt=end).count()

    # the second year has more orders than the first
    assert orders_between(
        datetime(2024, 11, 1, tzinfo=UTC), datetime(2025, 11, 1, tzinfo=UTC)
    ) > orders_between(
        datetime(2023, 12, 1, tzinfo=UTC), datetime(2024, 11, 1, tzinfo=UTC)
    )
    # December 2024 beats the September before it
    assert orders_between(
        datetime(2024, 12, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    ) > orders_between(
        datetime(2024, 9, 1, tzinfo=UTC), datetime(2024, 10, 1, tzinfo=UTC)
    )


def test_command_generates_and_bumps_the_data_version(capsys):
    # given
    version = data_version()

    # when
    call_command(
        "generate_data",
        "--customers=50",
        "--months=3",
        "--seed=1",
        "--flush",
        "--sessions-per-order=10",
        "--now=2025-11-20T15:30:00+00:00",
        verbosity=0,
    )

    # then
    assert Customer.objects.count() == 50
    assert Order.objects.latest("placed_at").placed_at <= NOW
    assert data_version() > version
    assert 7 <= WebSession.objects.count() / Order.objects.count() <= 13
    assert "rows/s" in capsys.readouterr().out


def test_stored_funnel_progress_equals_its_recomputation_from_the_events(shop):
    # given the generated shop, with funnel_step and converted written at load time
    def stored() -> list[tuple[int, int, bool]]:
        return list(
            WebSession.objects.order_by("pk").values_list(
                "pk", "funnel_step", "converted"
            )
        )

    generated = stored()

    # when both are recomputed from the events (rolled back after the test)
    updated = refresh_session_progress()

    # then nothing changed, and every step and both outcomes occur
    assert updated == len(generated) == shop.rows["WebSession"]
    assert stored() == generated
    assert {step for _, step, _ in generated} == {0, 1, 2, 3, 4}
    assert {(step == 4, converted) for _, step, converted in generated} == {
        (True, True),
        (False, False),
    }


LINE_GROSS = ExpressionWrapper(
    F("quantity") * F("unit_price"), output_field=DecimalField()
)


def test_the_demo_data_has_every_money_term(shop):
    # given the generated shop
    orders = Order.objects.all()
    count = orders.count()

    # then about a fifth of the orders carry one of the campaigns' codes, each used
    codes = dict(
        orders.exclude(discount_codes="")
        .values_list("discount_codes")
        .annotate(n=Count("id"))
    )
    assert set(codes) == {"WELCOME10", "VIP15", "SUMMER20"}
    assert 0.15 <= sum(codes.values()) / count <= 0.25
    # at their depths, 10 to 20 % of the gross (to the cent); no code, no discount
    depths = {
        (order.discount_codes, round(order.discount / order.total, 2))
        for order in orders.exclude(discount_codes="")
    }
    assert {code for code, _ in depths} == set(codes)
    assert depths <= {
        ("WELCOME10", Decimal("0.10")),
        ("VIP15", Decimal("0.15")),
        ("SUMMER20", Decimal("0.20")),
    }
    assert not orders.filter(discount_codes="").exclude(discount=0).exists()
    # shipping below the free-shipping threshold only
    assert set(orders.values_list("shipping", flat=True)) == {
        Decimal("0.00"),
        Decimal("4.90"),
    }
    assert not orders.filter(shipping=0, total__lt=50).exists()
    # taxes by the customer's country: 7 % in the US, 19 % in Germany
    for country, rate in (("US", Decimal("0.07")), ("DE", Decimal("0.19"))):
        order = orders.filter(customer__country=country).first()
        assert order is not None
        taxed = order.total - order.discount + order.shipping
        assert order.tax == (taxed * rate).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    # full refunds of the refunded orders, partial ones of 3-5 % of the others
    refunded = orders.filter(status="refunded")
    assert refunded.exists()
    assert Refund.objects.filter(order__status="refunded").count() == refunded.count()
    revenue = orders.filter(status__in=["paid", "shipped", "completed"])
    partial = Refund.objects.filter(order__status__in=["paid", "shipped", "completed"])
    assert 0.02 <= partial.count() / revenue.count() <= 0.06
    # both kinds: units sent back, and money only
    assert partial.filter(lines__quantity__gt=0).exists()
    assert partial.exclude(lines__quantity__gt=0).exists()


def test_the_money_terms_add_up(shop):
    # (sums compared in Python, to the cent: SQLite sums decimals as floats)
    def cents(value: Decimal | None) -> Decimal:
        return round(value or Decimal(0), 2)

    # Σ line discounts = the order's discount, none above its line's gross
    orders = Order.objects.annotate(line_discounts=Sum("items__discount"))
    assert [
        order.external_id
        for order in orders
        if cents(order.line_discounts) != order.discount
    ] == []
    assert not OrderItem.objects.filter(discount__gt=LINE_GROSS).exists()
    # Σ a refund's lines = the refund, units no more than bought
    refunds = Refund.objects.annotate(lines_amount=Sum("lines__amount"))
    assert refunds.count() > 0
    assert [
        refund.external_id
        for refund in refunds
        if cents(refund.lines_amount) != refund.amount
    ] == []
    assert not RefundLine.objects.filter(quantity__gt=F("item__quantity")).exists()
    # refunds no more than paid: everything paid for a refunded order
    for order in Order.objects.filter(refunds__isnull=False).annotate(
        refunded=Sum("refunds__amount")
    ):
        paid = order.total - order.discount + order.shipping + order.tax
        assert cents(order.refunded) <= paid
        assert (cents(order.refunded) == paid) == (order.status == "refunded"), order
    # after the order, never after the data's end
    assert not Refund.objects.filter(refunded_at__lt=F("order__placed_at")).exists()
    assert not Refund.objects.filter(refunded_at__gt=NOW).exists()
