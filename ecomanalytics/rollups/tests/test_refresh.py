"""Refreshing the roll-ups: hand-built edge cases, incremental refresh, staleness,
admin edits, the time zone, the command and the response headers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from cohorts.metrics import CohortRepeatPurchase, repeat_purchase
from demand.metrics import CategoryMonth, sales_by_category, top_products
from ecomanalytics.filters import MetricFilters
from ecomanalytics.rollups.local_time import (
    LocalDate,
    MonthStart,
    WeekStart,
    offset_spans,
)
from ecomanalytics.rollups.models import (
    DIMENSIONS,
    CategoryDay,
    OrderDay,
    ProductDay,
    RollupState,
    SessionDay,
)
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.rollups.status import answered_by, metrics_path, use_rollups
from ecomanalytics.store.data_version import bump_data_version
from ecomanalytics.store.models import Customer, Order, SessionEvent, WebSession
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
    WebSessionFactory,
)
from kpi.metrics import (
    KpiFigures,
    RevenuePeriod,
    SessionTotals,
    conversion_by_source,
    funnel,
    kpi_summary,
    revenue_over_time,
)

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def rollups_on(settings):
    settings.ROLLUPS_ENABLED = True
    return settings


@pytest.fixture
def month_edges():
    """Orders at 23:59 on Jan 31 and 00:00 on Feb 1, New York; one refunded."""
    shoes = ProductFactory(category=CategoryFactory(name="Shoes"), sku="SHOE")
    hats = ProductFactory(category=CategoryFactory(name="Hats"), sku="HAT")
    ann = CustomerFactory(country="US")
    bob = CustomerFactory(country="FR")
    OrderFactory(
        customer=ann,
        placed_at=local(2025, 1, 31, 23, 59),
        lines=[(shoes, 2, "10.00"), (hats, 1, "5.00")],
    )
    OrderFactory(
        customer=ann, placed_at=local(2025, 2, 1, 0, 0), lines=[(shoes, 1, "10.00")]
    )
    OrderFactory(
        customer=bob,
        placed_at=local(2025, 2, 1, 0, 0),
        status="refunded",
        lines=[(hats, 3, "5.00")],
    )
    WebSessionFactory(started_at=local(2025, 1, 31, 23, 59), country="US")
    WebSessionFactory(
        started_at=local(2025, 2, 1, 0, 0),
        country="FR",
        events=[("purchase", local(2025, 2, 1, 0, 5))],
    )


def test_local_days_and_statuses_in_the_order_facts(month_edges):
    # when
    refresh_rollups()

    # then: days are New York days; the refunded order is its own status row
    assert sorted(
        finest(OrderDay).values_list("day", "month", "country", "status", "orders")
    ) == [
        (date(2025, 1, 31), date(2025, 1, 1), "US", "completed", 1),
        (date(2025, 2, 1), date(2025, 2, 1), "FR", "refunded", 1),
        (date(2025, 2, 1), date(2025, 2, 1), "US", "completed", 1),
    ]
    assert sorted(
        one_dimension(CategoryDay, "country")
        .exclude(category=None)
        .values_list("day", "category__name", "units", "gross_sales")
    ) == [
        (date(2025, 1, 31), "Hats", 1, Decimal("5.00")),
        (date(2025, 1, 31), "Shoes", 2, Decimal("20.00")),
        (date(2025, 2, 1), "Hats", 3, Decimal("15.00")),
        (date(2025, 2, 1), "Shoes", 1, Decimal("10.00")),
    ]
    # a purchase without the steps before it converts but does not reach the step
    assert sorted(
        finest(SessionDay).values_list("day", "sessions", "converted", "purchase")
    ) == [(date(2025, 1, 31), 1, 0, 0), (date(2025, 2, 1), 1, 1, 0)]


def test_grouping_levels_add_up_the_dimensions(month_edges):
    # when
    refresh_rollups()

    # then: the all-sources/devices/countries level of February, per status
    assert sorted(
        OrderDay.objects.filter(
            grain="d", day=date(2025, 2, 1), traffic_source="*", device="*", country="*"
        ).values_list("status", "orders", "gross_sales")
    ) == [("completed", 1, Decimal("10.00")), ("refunded", 1, Decimal("15.00"))]
    # and all categories of January's completed order: units and revenue, no orders
    assert list(
        CategoryDay.objects.filter(
            grain="d", day=date(2025, 1, 31), category=None, country="*", device="*"
        )
        .exclude(traffic_source="*")
        .values_list("traffic_source", "orders", "units", "gross_sales")
    ) == [("organic", None, 3, Decimal("25.00"))]


def test_product_and_category_facts_keep_single_dimensions_only(
    month_edges, rollups_on
):
    # when
    refresh_rollups()

    # then: no product or category row has two dimensions set
    for model in (ProductDay, CategoryDay):
        for dimension in DIMENSIONS:
            others = [other for other in DIMENSIONS if other != dimension]
            assert not (
                model.objects.exclude(**{others[0]: "*"})
                .exclude(**{others[1]: "*"})
                .exists()
            ), (model.__name__, others)
    # and: US sales of Shoes by country alone, from the roll-ups
    one = MetricFilters(
        start=date(2025, 1, 1), end=date(2025, 2, 28), country="US", category="Shoes"
    )
    assert [(p.sku, p.units, p.buyers) for p in top_products(filters=one)] == [
        ("SHOE", 3, 1)
    ]
    assert answered_by.get() == "rollup"
    # and: with a device as well, the raw tables answer, with the same figures
    two = MetricFilters(
        start=one.start, end=one.end, country="US", device="desktop", category="Shoes"
    )
    with metrics_path("rollup"):
        assert [(p.sku, p.units) for p in top_products(filters=two)] == [("SHOE", 3)]
        assert answered_by.get() == "raw"
        kpi_summary(filters=two)
        assert answered_by.get() == "raw"
        kpi_summary(
            filters=MetricFilters(
                start=one.start, end=one.end, country="US", device="desktop"
            )
        )
        assert answered_by.get() == "rollup"


def test_month_rows_sum_the_days_of_each_month(month_edges):
    # given a second January order on another day
    OrderFactory(customer=CustomerFactory(country="US"), placed_at=local(2025, 1, 2))

    # when
    refresh_rollups()

    # then: one January row for all sources, devices and countries, week left empty
    assert list(
        OrderDay.objects.filter(
            grain="m", traffic_source="*", device="*", country="*", status="completed"
        )
        .order_by("day")
        .values_list("day", "week", "month", "orders", "gross_sales")
    ) == [
        (date(2025, 1, 1), None, date(2025, 1, 1), 2, Decimal("25.00")),
        (date(2025, 2, 1), None, date(2025, 2, 1), 1, Decimal("10.00")),
    ]


def test_rolled_up_answers_at_a_month_boundary(month_edges):
    # given
    refresh_rollups()
    february = MetricFilters(start=date(2025, 2, 1), end=date(2025, 2, 28))

    # when
    with metrics_path("rollup"):
        summary = kpi_summary(filters=february)
        months = revenue_over_time(
            filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 2, 28))
        )
        hats = sales_by_category(filters=MetricFilters(category="Hats"))
        conversion = conversion_by_source(filters=february)

    # then: the 23:59 order is January's; the refunded order counts in no revenue
    assert summary.current == KpiFigures(
        start=date(2025, 2, 1),
        end=date(2025, 2, 28),
        revenue=Decimal("10.00"),
        orders=1,
        average_order_value=Decimal("10.00"),
        completed_orders=1,
        all_orders=2,
        completion_rate=0.5,
        customers=1,
    )
    assert summary.previous.revenue == Decimal("25.00")
    assert months.results == [
        RevenuePeriod("2025-01", Decimal("25.00"), 1, Decimal("25.00"), False),
        RevenuePeriod("2025-02", Decimal("10.00"), 1, Decimal("10.00"), False),
    ]
    assert hats == [CategoryMonth(date(2025, 1, 1), "Hats", 1, Decimal("5.00"))]
    assert conversion.overall.sessions == 1
    assert conversion.overall.converted_sessions == 1


def test_refunded_first_order_is_no_acquisition(month_edges):
    # given: bob's only order was refunded
    refresh_rollups()

    # when
    with metrics_path("rollup"):
        result = repeat_purchase(filters=MetricFilters())

    # then: only ann, acquired in January, who ordered twice
    assert result == [CohortRepeatPurchase(date(2025, 1, 1), 1, 1, 1.0)]


def test_incremental_refresh_equals_a_full_rebuild(month_edges):
    # given rolled-up data, then a new order on Feb 15 and one on Mar 3, not rolled up
    refresh_rollups()
    january_rows = sorted(
        OrderDay.objects.filter(day__lt=date(2025, 2, 1)).values_list("pk", flat=True)
    )
    shoes = ProductFactory(category=CategoryFactory(name="Shoes"), sku="SHOE-2")
    carl = CustomerFactory(country="DE")
    OrderFactory(
        customer=carl, placed_at=local(2025, 2, 15, 9), lines=[(shoes, 4, "2.50")]
    )
    OrderFactory(
        customer=carl, placed_at=local(2025, 3, 3, 9), lines=[(shoes, 1, "2.50")]
    )

    # when: only the days from Feb 10 are rebuilt (and the months from February)
    report = refresh_rollups(since=date(2025, 2, 10))
    incremental = facts_snapshot()

    # then: January's rows were kept as they were, and a full rebuild agrees
    assert report.since == date(2025, 2, 10)
    assert (
        sorted(
            OrderDay.objects.filter(day__lt=date(2025, 2, 1)).values_list(
                "pk", flat=True
            )
        )
        == january_rows
    )
    refresh_rollups()
    assert facts_snapshot() == incremental
    with metrics_path("rollup"):
        rolled_up = repeat_purchase(filters=MetricFilters())
    with metrics_path("raw"):
        assert rolled_up == repeat_purchase(filters=MetricFilters())


def finest(model):
    """The day rows of each (source, device, country, category) found in the data."""
    rows = model.objects.filter(grain="d").exclude(traffic_source="*")
    rows = rows.exclude(device="*")
    rows = rows.exclude(country="*")
    return rows.exclude(category=None) if model is CategoryDay else rows


def one_dimension(model, kept: str):
    """The day rows of each value of one dimension, the others collapsed."""
    collapsed = {dimension: "*" for dimension in DIMENSIONS if dimension != kept}
    return model.objects.filter(grain="d", **collapsed).exclude(**{kept: "*"})


def facts_snapshot() -> dict[str, object]:
    from ecomanalytics.rollups.models import ActiveMonth, CustomerCohort

    return {
        "orders": sorted(
            OrderDay.objects.values_list(
                "day",
                "traffic_source",
                "device",
                "country",
                "status",
                "orders",
                "gross_sales",
            )
        ),
        "categories": sorted(
            CategoryDay.objects.values_list(
                "grain",
                "day",
                "category_id",
                "country",
                "status",
                "orders",
                "units",
                "gross_sales",
            ),
            key=repr,  # the all-categories rows hold NULLs
        ),
        "cohorts": sorted(
            CustomerCohort.objects.values_list(
                "customer_id", "acquired_day", "acquisition_source", "revenue_orders"
            )
        ),
        "active": sorted(ActiveMonth.objects.values_list("member_id", "month")),
    }


def test_data_loaded_without_refresh_is_answered_raw(month_edges, rollups_on):
    # given current roll-ups
    refresh_rollups()
    assert use_rollups()

    # when a loader that does not mark a refresh as pending writes an order (no
    # signals: its customer is bulk-created too) and bumps the data version
    (customer,) = Customer.objects.bulk_create(
        [Customer(external_id="LATE", signed_up_at=local(2025, 2, 2))]
    )
    Order.objects.bulk_create(
        [
            Order(
                external_id="LATE",
                customer=customer,
                placed_at=local(2025, 2, 2),
                status="paid",
                traffic_source="email",
                device="mobile",
                total=Decimal("99.00"),
            )
        ]
    )
    bump_data_version()

    # then the raw tables answer, with the new order
    summary = kpi_summary(filters=MetricFilters(start=date(2025, 2, 1)))
    assert answered_by.get() == "raw"
    assert summary.current.revenue == Decimal("109.00")


def test_admin_edit_refreshes_the_days_it_touches(
    month_edges, rollups_on, django_capture_on_commit_callbacks
):
    # given current roll-ups
    refresh_rollups()
    moved = Order.objects.get(placed_at=local(2025, 1, 31, 23, 59))

    # when an order is moved (an ORM save, as the admin does) from January to March
    with django_capture_on_commit_callbacks(execute=True):
        moved.placed_at = local(2025, 3, 10)
        moved.save()
        moved.save()

    # then the roll-ups followed, and still answer
    assert use_rollups()
    months = revenue_over_time(
        filters=MetricFilters(start=date(2025, 1, 1), end=date(2025, 3, 31))
    )
    assert [(period.period, period.revenue) for period in months.results] == [
        ("2025-01", Decimal("0.00")),
        ("2025-02", Decimal("10.00")),
        ("2025-03", Decimal("25.00")),
    ]
    assert answered_by.get() == "rollup"


def test_another_time_zone_is_answered_raw(month_edges, rollups_on):
    # given roll-ups built in New York
    refresh_rollups()

    # when the shop moves to UTC
    rollups_on.TIME_ZONE = "UTC"
    bump_data_version()

    # then the roll-ups' local days no longer apply
    assert not use_rollups()
    # and a partial refresh rebuilds everything in the new zone
    assert refresh_rollups(since=date(2025, 2, 1)).since is None
    assert RollupState.objects.get().time_zone == "UTC"
    assert use_rollups()


def test_refresh_rollups_command(month_edges):
    # given built roll-ups, then lost rows
    call_command("refresh_rollups", verbosity=0)
    OrderDay.objects.all().delete()

    # when
    call_command("refresh_rollups", "--since", "2025-02-01", verbosity=0)

    # then only February was rebuilt
    assert list(
        finest(OrderDay).values("day").annotate(n=Count("pk")).values_list("day", "n")
    ) == [(date(2025, 2, 1), 2)]
    assert finest(OrderDay).aggregate(revenue=Sum("gross_sales"))["revenue"] == Decimal(
        "25.00"
    )


def test_refresh_rollups_command_times_each_step_when_verbose(month_edges, capsys):
    # when
    call_command("refresh_rollups", verbosity=2)

    # then every step is listed with its seconds, after the summary line
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Roll-ups refreshed in full in ")
    steps = [line.split()[0] for line in lines[1:]]
    # the funnel facts before the session facts, which are summed from them
    assert steps[:5] == [
        "OrderDay",
        "CategoryDay",
        "ProductDay",
        "FunnelDay",
        "SessionDay",
    ]
    assert {"CustomerCohort", "CohortCell"} <= set(steps)
    assert all(line.rstrip().endswith(" s") for line in lines[1:])


def test_refresh_rollups_command_rejects_a_bad_date():
    with pytest.raises(CommandError, match="--since"):
        call_command("refresh_rollups", "--since", "2025-02-30", verbosity=0)


def test_metric_responses_say_which_path_answered(month_edges, rollups_on, api_client):
    # given no roll-ups yet
    url = "/api/kpi/summary/?start=2025-02-01&end=2025-02-28"

    # when / then: raw, and no refresh time
    response = api_client.get(url)
    assert response.status_code == 200
    assert response["X-Metrics-Source"] == "raw"
    assert "X-Rollups-Refreshed-At" not in response

    # when the roll-ups are built
    refresh_rollups()
    response = api_client.get(url)

    # then
    refreshed_at = RollupState.objects.get().refreshed_at
    assert response["X-Metrics-Source"] == "rollup"
    assert response["X-Rollups-Refreshed-At"] == refreshed_at.isoformat()
    assert response.json()["revenue"] == 10.0


def test_filter_options_tell_when_the_rollups_were_refreshed(rollups_on, api_client):
    # given
    refresh_rollups()

    # when
    response = api_client.get("/api/filters/")

    # then
    refreshed_at = RollupState.objects.get().refreshed_at
    assert response.status_code == 200
    stated = datetime.fromisoformat(response.json()["rollups_refreshed_at"])
    assert stated == refreshed_at


def test_an_orm_added_event_reaches_the_rolled_up_conversion_and_funnel(
    month_edges, rollups_on, django_capture_on_commit_callbacks
):
    # given current roll-ups; the session at 23:59 on Jan 31 has no events
    refresh_rollups()
    landing = WebSession.objects.get(started_at=local(2025, 1, 31, 23, 59))
    january_31 = MetricFilters(start=date(2025, 1, 31), end=date(2025, 1, 31))

    # when a product view and a purchase are added through the ORM (as the admin does)
    with django_capture_on_commit_callbacks(execute=True):
        for event_type in ("product_view", "purchase"):
            SessionEvent.objects.create(
                session=landing,
                event_type=event_type,
                occurred_at=local(2025, 2, 1, 0, 1),
            )

    # then the session's stored progress, and so the roll-ups, followed: it
    # converted and reached product_view, then skipped to the purchase
    rolled_up = (conversion_by_source(filters=january_31), funnel(filters=january_31))
    assert answered_by.get() == "rollup"
    assert rolled_up[0].overall == SessionTotals(1, 1, 1.0)
    assert [step.sessions for step in rolled_up[1].steps] == [1, 1, 0, 0, 0]
    with metrics_path("raw"):
        assert rolled_up == (
            conversion_by_source(filters=january_31),
            funnel(filters=january_31),
        )


def test_new_york_offset_changes_are_found_to_the_second():
    # when
    changes, offsets = offset_spans("America/New_York")

    # then: 2025's changes at 2:00 local, between the EST and EDT offsets
    assert [
        (change, offsets[number], offsets[number + 1])
        for number, change in enumerate(changes)
        if change.year == 2025
    ] == [
        (datetime(2025, 3, 9, 7, tzinfo=UTC), -5 * 3600, -4 * 3600),
        (datetime(2025, 11, 2, 6, tzinfo=UTC), -4 * 3600, -5 * 3600),
    ]
    assert offset_spans("UTC") == ((), (0,))


@pytest.mark.parametrize(
    "started_at",
    [
        # either side of the spring and autumn changes, to the second and below
        datetime(2025, 3, 9, 6, 59, 59, 999999, tzinfo=UTC),
        datetime(2025, 3, 9, 7, tzinfo=UTC),
        datetime(2025, 11, 2, 5, 59, 59, tzinfo=UTC),
        datetime(2025, 11, 2, 6, tzinfo=UTC),
        # local midnights: 04:00 UTC in summer, 05:00 UTC in winter
        datetime(2025, 7, 1, 3, 59, 59, tzinfo=UTC),
        datetime(2025, 7, 1, 4, tzinfo=UTC),
        datetime(2025, 12, 31, 4, 59, 59, tzinfo=UTC),
        datetime(2026, 1, 1, 5, tzinfo=UTC),
        # outside the precomputed changes: Django's per-row conversion
        datetime(1985, 6, 1, 3, 30, tzinfo=UTC),
        datetime(2080, 6, 1, 3, 30, tzinfo=UTC),
    ],
)
def test_local_date_week_and_month_in_sql_are_the_shops(started_at):
    # given
    WebSessionFactory(started_at=started_at)

    # when
    day = LocalDate("started_at", tzinfo=NEW_YORK)
    row = WebSession.objects.annotate(
        day=day, week=WeekStart(day), month=MonthStart(day)
    ).values_list("day", "week", "month")

    # then
    local_day = started_at.astimezone(NEW_YORK).date()
    assert list(row) == [
        (
            local_day,
            local_day - timedelta(days=local_day.weekday()),
            local_day.replace(day=1),
        )
    ]


@pytest.mark.django_db(transaction=True)
def test_a_refresh_outside_a_transaction_leaves_no_work_for_autovacuum(month_edges):
    from django.db import connection

    # when: a refresh run as the command runs it, in autocommit
    refresh_rollups()

    # then: on PostgreSQL the new roll-up rows are vacuumed (all-visible pages, no
    # autovacuum pass over them later); on SQLite the tables are analyzed
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables "
                "WHERE relname LIKE 'rollups_%%' AND last_vacuum IS NULL"
            )
            assert cursor.fetchall() == []
        else:
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
            assert "rollups_productday" in {row[0] for row in cursor.fetchall()}
