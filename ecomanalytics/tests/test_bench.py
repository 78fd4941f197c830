"""The benchmark end to end at a tiny size: generator, gunicorn, every endpoint, the
admin's change lists, report; and which admin pages it times.

The end-to-end test runs `manage.py bench` as a user would (a child process with its
own SQLite file and gunicorn on 127.0.0.1), so it takes about half a minute; the
subprocess timeout keeps a hung server from hanging the suite.
"""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Max, Min

from ecomanalytics.bench.admin_load import AdminPage, admin_pages, shop_model_admins
from ecomanalytics.bench.concurrent_load import Request as LoadRequest
from ecomanalytics.bench.concurrent_load import dashboard_views
from ecomanalytics.bench.http_load import (
    Endpoint,
    FilterCase,
    discover_endpoints,
    percentile,
)
from ecomanalytics.bench.report import write_section
from ecomanalytics.store.admin import with_indexed_dates
from ecomanalytics.store.models import Category, Order
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    SessionEventFactory,
    WebSessionFactory,
)

# The smoke bench runs two model-fit children too (about 12 s each, mostly imports);
# it took about 5 min beside the other pytest worker and 443 s at a load of 6.
BENCH_TIMEOUT_SECONDS = 720


def run_bench(
    arguments: list[str], *, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the bench as a child in a process group of its own; on timeout kill the
    whole group, so the gunicorn it started does not outlive the test."""
    process = subprocess.Popen(
        arguments,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"the bench ran over {timeout:.0f} s:\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(arguments, process.returncode, stdout, stderr)


def test_notes_written_under_a_section_survive_other_runs(tmp_path: Path) -> None:
    # given a results file with notes under its two sections
    def section(key: str, text: str) -> str:
        return f"<!-- bench-section {key} -->\n{text}\n<!-- /bench-section -->\n"

    results = tmp_path / "RESULTS.md"
    results.write_text(
        "old title\n\n"
        + section("sqlite-100", "first run")
        + "\nWhy the first run was slow.\n\n"
        + section("sqlite-200", "second run")
        + "\nA note on the second.\n"
    )
    # when another size is written, then the first is replaced
    write_section("sqlite-300", section("sqlite-300", "third run"), path=results)
    kept = results.read_text()
    write_section("sqlite-100", section("sqlite-100", "first, again"), path=results)
    replaced = results.read_text()
    # then every note stays under its section until that section is measured again
    assert "first run\n<!-- /bench-section -->\n\nWhy the first run was slow." in kept
    assert "second run\n<!-- /bench-section -->\n\nA note on the second." in kept
    assert "third run" in kept
    assert "Why the first run was slow." not in replaced
    assert "first, again" in replaced
    assert "A note on the second." in replaced


def test_percentile_is_nearest_rank() -> None:
    # given
    latencies = [float(n) for n in range(1, 21)]  # 1..20

    # when
    result = (
        percentile(latencies, 50),
        percentile(latencies, 95),
        percentile([7.0], 95),
    )

    # then
    assert result == (10.0, 19.0, 7.0)


def test_bench_measures_every_endpoint_and_admin_page_and_writes_the_report(
    tmp_path: Path,
) -> None:
    # given
    output = tmp_path / "RESULTS.md"
    database_url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    endpoints = discover_endpoints()

    # when
    completed = run_bench(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench",
            "--orders=300",
            "--requests=3",
            f"--database-url={database_url}",
            f"--output={output}",
        ],
        timeout=BENCH_TIMEOUT_SECONDS,
    )

    # then
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = output.read_text()
    assert endpoints, "the API router registers no metric endpoint"
    missing = [
        endpoint.name
        for endpoint in endpoints
        if f"| {endpoint.name} | unfiltered | 3 |" not in report
    ]
    assert missing == []
    assert "<!-- bench-section sqlite-300 -->" in report
    assert "| orders |" in report
    assert "| non-200 |" in report
    # and the model fits are timed apart from the refresh, each on its own
    fits = re.search(r"model fits run after it, timed apart: (.*?)\)", report)
    assert fits is not None, report[:2000]
    assert re.fullmatch(
        r"fit_customer_value [\d.]+ s, fit_forecasts [\d.]+ s", fits.group(1)
    )
    assert "non-200: " not in completed.stdout  # every measured request answered 200
    admin_rows = report.split("### Admin", 1)[1].split("Server peak RSS", 1)[0]
    tables = [str(model._meta.verbose_name_plural) for model, _ in shop_model_admins()]
    assert [t for t in tables if f"| {t} | unfiltered | 3 |" not in admin_rows] == []
    assert "| orders | page 5 `?p=5` | 3 |" in admin_rows
    assert "| orders | list filter `?status__exact=" in admin_rows
    statuses = re.findall(
        r"^\| [^|]+ \| [^|]+ \| \d+ \| [\d.,]+ \| [\d.,]+ \| (.*) \|$",
        admin_rows,
        re.MULTILINE,
    )
    assert len(statuses) >= 2 * len(tables)  # a row per page, at least two each
    assert set(statuses) == {"0"}  # every admin request answered 200

    # when the same shop is measured again for the sales endpoints only, as it stands
    again = run_bench(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench",
            "--orders=300",
            "--requests=2",
            "--keep",
            "--no-refresh",
            "--endpoints=kpi/sales*",
            f"--database-url={database_url}",
            f"--output={output}",
        ],
        timeout=BENCH_TIMEOUT_SECONDS,
    )
    # then a section of its own holds only those rows, and the full run's stays
    assert again.returncode == 0, again.stderr[-3000:]
    report = output.read_text()
    assert "<!-- bench-section sqlite-300 -->" in report
    subset = report.split("<!-- bench-section sqlite-only-300 -->", 1)[1]
    subset = subset.split("<!-- /bench-section -->", 1)[0]
    assert "endpoints matching kpi/sales*" in subset
    assert "Roll-up refresh: not run by this bench (--no-refresh)" in subset
    latency = subset.split("### Admin", 1)[0]
    measured = set(re.findall(r"^\| (\S+) \| unfiltered \| 2 \|", latency, re.M))
    assert measured == {"kpi/sales"}


@pytest.mark.django_db
def test_admin_pages_come_from_each_model_admin_and_the_newest_rows() -> None:
    # given a shop whose newest rows carry the values the pages are built from
    books = CategoryFactory(name="Books")
    product = ProductFactory(sku="SKU-1", category=books)
    # midnight UTC on 1 January is still December in the shop's time zone (New York)
    customer = CustomerFactory(
        external_id="C1",
        signed_up_at=datetime(2025, 1, 1, tzinfo=UTC),
        acquisition_channel="email",
    )
    for external_id, status in [("O1", "paid"), ("O2", "paid")]:
        OrderFactory(
            external_id=external_id,
            customer=customer,
            status=status,
            placed_at=datetime(2025, 3, 10, 12, tzinfo=UTC),
        )
    newest = OrderFactory(
        external_id="O3",
        customer=customer,
        status="completed",
        placed_at=datetime(2025, 4, 2, 12, tzinfo=UTC),
    )
    OrderItemFactory(order=newest, product=product)
    session = WebSessionFactory(
        external_id="S1",
        traffic_source="social",
        started_at=datetime(2025, 4, 2, 11, tzinfo=UTC),
    )
    SessionEventFactory(
        session=session,
        event_type="add_to_cart",
        occurred_at=datetime(2025, 4, 2, 11, 5, tzinfo=UTC),
    )

    # when
    pages = admin_pages(database_alias=DEFAULT_DB_ALIAS)

    # then
    def page(table: str, path: str, name: str, **params: str) -> AdminPage:
        return AdminPage(table, name, f"/admin/store/{path}/", params)

    assert pages == [
        page("customers", "customer", "unfiltered"),
        page(
            "customers", "customer", "list filter", acquisition_channel__exact="email"
        ),
        page(
            "customers",
            "customer",
            "date hierarchy",
            signed_up_at__year="2024",
            signed_up_at__month="12",
        ),
        page("customers", "customer", "search", q="C1"),
        page("categories", "category", "unfiltered"),
        page("categories", "category", "search", q="Books"),
        page("products", "product", "unfiltered"),
        page("products", "product", "list filter", category__id__exact=str(books.pk)),
        page("products", "product", "search", q="SKU-1"),
        page("orders", "order", "unfiltered"),
        page("orders", "order", "list filter", status__exact="paid"),
        page(
            "orders",
            "order",
            "date hierarchy",
            placed_at__year="2025",
            placed_at__month="4",
        ),
        page("orders", "order", "search", q="O3"),
        page("order items", "orderitem", "unfiltered"),
        page(
            "order items", "orderitem", "list filter", order__status__exact="completed"
        ),
        page("order items", "orderitem", "search", q="O3"),
        page("web sessions", "websession", "unfiltered"),
        page(
            "web sessions", "websession", "list filter", traffic_source__exact="social"
        ),
        page(
            "web sessions",
            "websession",
            "date hierarchy",
            started_at__year="2025",
            started_at__month="4",
        ),
        page("web sessions", "websession", "search", q="S1"),
        page("session events", "sessionevent", "unfiltered"),
        page(
            "session events",
            "sessionevent",
            "list filter",
            event_type__exact="add_to_cart",
        ),
        page(
            "session events",
            "sessionevent",
            "date hierarchy",
            occurred_at__year="2025",
            occurred_at__month="4",
        ),
        page("session events", "sessionevent", "search", q="S1"),
        # no refund in this shop: nothing to filter, drill into or search for
        page("refunds", "refund", "unfiltered"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("rows", "has_page_5"), [(4, False), (5, True)])
def test_page_5_is_timed_only_when_the_table_has_five_pages(
    monkeypatch: pytest.MonkeyPatch, rows: int, has_page_5: bool
) -> None:
    # given one category per page
    monkeypatch.setattr(admin.site._registry[Category], "list_per_page", 1)
    CategoryFactory.create_batch(rows)

    # when
    pages = admin_pages(database_alias=DEFAULT_DB_ALIAS)

    # then
    category_pages = [p.page for p in pages if p.table == "categories"]
    assert ("page 5" in category_pages) is has_page_5


@pytest.mark.django_db
def test_the_date_hierarchy_lists_the_same_dates_from_index_probes() -> None:
    # given orders on both sides of a month and a year boundary in New York time
    for placed_at in [
        datetime(2024, 12, 31, 23, tzinfo=UTC),  # 18:00 on 31 December in New York
        datetime(2025, 1, 1, 4, 59, tzinfo=UTC),  # 23:59 on 31 December in New York
        datetime(2025, 1, 1, 5, tzinfo=UTC),  # midnight on 1 January in New York
        datetime(2025, 3, 9, 7, tzinfo=UTC),  # the day clocks go forward
    ]:
        OrderFactory(placed_at=placed_at)
    plain = Order.objects.all()
    probed = with_indexed_dates(plain)

    # when / then
    for kind in ("year", "month", "day"):
        assert list(probed.datetimes("placed_at", kind)) == list(
            plain.datetimes("placed_at", kind)
        )
    assert probed.aggregate(first=Min("placed_at"), last=Max("placed_at")) == (
        plain.aggregate(first=Min("placed_at"), last=Max("placed_at"))
    )


LOAD_TIMEOUT_SECONDS = 420


def test_bench_load_runs_every_shape_bounded_and_writes_its_section(
    tmp_path: Path,
) -> None:
    # given make bench's environment: the real settings, in development mode
    output = tmp_path / "RESULTS.md"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="ecomanalytics.settings", DEBUG="1")

    # when
    started = time.monotonic()
    completed = run_bench(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench",
            "--load",
            "--quick",
            f"--database-url=sqlite:///{tmp_path / 'bench.sqlite3'}",
            f"--output={output}",
        ],
        timeout=LOAD_TIMEOUT_SECONDS,
        env=env,
    )
    took = time.monotonic() - started

    # then every shape ran, without a failed request, and the run stopped by itself
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = output.read_text()
    assert "<!-- bench-section load-sqlite-300 -->" in report
    rows = re.findall(
        r"^\| (staff[^|]*|saturation[^|]*) \| (on|off) \|(.*)$", report, re.M
    )
    shapes = [(shape, cache) for shape, cache, _ in rows]
    assert shapes[:2] == [("staff", "off"), ("staff", "on")]
    assert ("saturation, 1 client", "off") in shapes
    assert ("saturation, 1 client", "on") in shapes
    assert shapes[-1] == ("staff, during an import", "off")
    errors = [cells.split("|")[3].strip() for _, _, cells in rows]
    assert set(errors) == {"0"}, report
    assert "the import took" in report
    assert "(exit 0)" in report
    assert "Committed (orders created 50, lines written 50)." in report
    assert "First failed requests" not in report
    assert took < LOAD_TIMEOUT_SECONDS


def test_a_dashboard_view_asks_each_endpoint_with_the_parameters_it_takes() -> None:
    # given two endpoints, one of which takes neither dates nor a category
    summary = Endpoint("kpi/summary", "/api/kpi/summary/")
    choices = Endpoint("filters", "/api/filters/")
    cases = [
        FilterCase("unfiltered", {}),
        FilterCase("start/end", {"start": "2025-01-01", "end": "2025-03-31"}),
        FilterCase("category", {"category": "Books"}),
    ]
    accepted = {
        ("kpi/summary", "unfiltered"),
        ("kpi/summary", "start/end"),
        ("kpi/summary", "category"),
        ("filters", "unfiltered"),
    }

    # when
    views = dashboard_views(
        [summary, choices], cases, last_day="2025-03-31", accepted=accepted
    )

    # then one view per filter kind and date range (30, 90, 365 days, all time)
    last_30 = {"start": "2025-03-02", "end": "2025-03-31"}
    assert len(views) == 2 * 4
    assert views[0] == [
        LoadRequest("kpi/summary", "/api/kpi/summary/", last_30),
        LoadRequest("filters", "/api/filters/", {}),
    ]
    assert views[-1] == [
        LoadRequest("kpi/summary", "/api/kpi/summary/", {"category": "Books"}),
        LoadRequest("filters", "/api/filters/", {}),
    ]
