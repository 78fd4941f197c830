"""Time the Django admin's change lists of the shop's tables, logged in as staff are.

Issue 6 asks that the admin stays usable on a large shop: every change list opens in
under a second. For each shop model registered in the admin this times the pages a
member of staff opens first: the first page unfiltered, with one list filter, one month
of the date hierarchy, a search and page 5. The filter values, month and search term
are read from the newest rows of the benchmark database (a bounded sample), so each
page shows rows. Requests go through the same gunicorn as the endpoint timings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.db import models
from django.db.models import QuerySet
from django.db.models.fields.related import RelatedField
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from .dataset import COUNTED_MODELS, BenchDataError
from .http_load import Endpoint, FilterCase, Measurement, Response, Server, measure

# The admin's requests per page: reuse --requests, but no more than this.
MAX_REQUESTS = 10
# Stop timing one page after this long, whatever --max-seconds-per-case says.
MAX_SECONDS_PER_PAGE = 30.0
# Filter values and search terms come from this many of a table's newest rows.
SAMPLE_ROWS = 1000
PAGE = 5  # the paginated page timed; the admin numbers pages from 1 (?p=5)

_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="(?P<token>[^"]+)"')


@dataclass(frozen=True, slots=True)
class AdminPage:
    table: str  # "orders": the model's verbose plural name
    page: str  # "unfiltered", "list filter", "date hierarchy", "search", "page 5"
    path: str  # "/admin/store/order/"
    params: Mapping[str, str]

    @property
    def label(self) -> str:
        """The page and its query string, e.g. "list filter ?status__exact=paid"."""
        if not self.params:
            return self.page
        return f"{self.page} `?{urlencode(self.params)}`"


def shop_model_admins() -> list[tuple[type[models.Model], admin.ModelAdmin]]:
    """Every model of the shop's app registered in the admin, in the report's order."""
    app_label = next(iter(COUNTED_MODELS.values()))._meta.app_label
    order = list(COUNTED_MODELS.values())
    registered = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == app_label
    ]
    return sorted(
        registered,
        key=lambda pair: (
            order.index(pair[0]) if pair[0] in order else len(order),
            pair[0]._meta.model_name,
        ),
    )


def admin_pages(*, database_alias: str) -> list[AdminPage]:
    """The change-list pages to time for every registered shop model.

    A page is left out when its model admin has nothing to drive it (no list filter
    on a plain field, no date hierarchy, no search fields), when the table has no row
    to take a value from, or (page 5) when the table holds fewer than five pages.
    """
    request = RequestFactory().get("/admin/")
    pages = []
    for model, model_admin in shop_model_admins():
        table = str(model._meta.verbose_name_plural)
        path = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        )
        rows = model._default_manager.using(database_alias).all()
        cases: list[tuple[str, dict[str, str]]] = [("unfiltered", {})]
        list_filter = _list_filter_params(
            model, rows, model_admin.get_list_filter(request)
        )
        if list_filter:
            cases.append(("list filter", list_filter))
        if model_admin.date_hierarchy:
            month = _newest_month(rows, model_admin.date_hierarchy)
            if month:
                cases.append(("date hierarchy", month))
        term = _search_term(rows, model_admin.get_search_fields(request))
        if term:
            cases.append(("search", {"q": term}))
        per_page = model_admin.list_per_page
        if rows[: (PAGE - 1) * per_page + 1].count() > (PAGE - 1) * per_page:
            cases.append((f"page {PAGE}", {"p": str(PAGE)}))
        pages += [AdminPage(table, page, path, params) for page, params in cases]
    return pages


def admin_login(server: Server, *, username: str, password: str) -> dict[str, str]:
    """Log in through the admin's login form; the headers of the logged-in browser."""
    login = reverse("admin:login")
    form = server.request("GET", login, headers={})
    csrf_cookie = _cookies(form).get(settings.CSRF_COOKIE_NAME)
    csrf_input = _CSRF_INPUT.search(form.body)
    if form.status != 200 or csrf_cookie is None or csrf_input is None:
        raise BenchDataError(f"The admin login form answered {form.status}.")
    index = reverse("admin:index")
    answer = server.request(
        "POST",
        f"{login}?{urlencode({'next': index})}",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{settings.CSRF_COOKIE_NAME}={csrf_cookie}",
        },
        body=urlencode(
            {
                "csrfmiddlewaretoken": csrf_input["token"].decode(),
                "username": username,
                "password": password,
                "next": index,
            }
        ).encode(),
    )
    session = _cookies(answer).get(settings.SESSION_COOKIE_NAME)
    if answer.status != 302 or session is None:
        raise BenchDataError(
            f"Logging in to the admin as {username!r} failed ({answer.status})."
        )
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}


def measure_admin_page(
    server: Server,
    page: AdminPage,
    *,
    headers: Mapping[str, str],
    requests: int,
    max_seconds: float | None,
) -> Measurement:
    """One warm-up request, then up to MAX_REQUESTS timed ones (see measure())."""
    endpoint = Endpoint(name=page.table, path=page.path)
    case = FilterCase(name=page.label, params=page.params)
    server.get(page.path, page.params, headers)
    return measure(
        server,
        endpoint,
        case,
        headers=headers,
        requests=requests_per_page(requests),
        max_seconds=min(max_seconds or MAX_SECONDS_PER_PAGE, MAX_SECONDS_PER_PAGE),
    )


def requests_per_page(requests: int) -> int:
    """The bench's --requests, capped at MAX_REQUESTS."""
    return min(requests, MAX_REQUESTS)


def _list_filter_params(
    model: type[models.Model], rows: QuerySet, list_filter: Sequence[object]
) -> dict[str, str] | None:
    """The first list filter on a plain field path, set to its commonest recent value.

    The parameter is the one the admin's own filter link carries: `status__exact` for
    a field, `category__id__exact` for a foreign key. A (field, filter class) pair
    counts as its field; filter classes alone and date fields (whose links are
    ranges) are passed over.
    """
    for entry in list_filter:
        if isinstance(entry, tuple):  # (field path, filter class)
            entry = entry[0]
        if not isinstance(entry, str):
            continue
        field = get_fields_from_path(model, entry)[-1]
        if isinstance(field, models.DateField):
            continue
        value = _commonest(_recent_values(rows, entry))
        if value is None:
            continue
        if isinstance(field, RelatedField):
            return {f"{entry}__{field.target_field.name}__exact": str(value)}
        if isinstance(field, models.BooleanField):
            return {f"{entry}__exact": "1" if value else "0"}
        return {f"{entry}__exact": str(value)}
    return None


def _newest_month(rows: QuerySet, field: str) -> dict[str, str] | None:
    """The date hierarchy's drill-down to the month of the newest row (shop's time)."""
    newest = (
        rows.filter(**{f"{field}__isnull": False})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    if newest is None:
        return None
    if isinstance(newest, datetime) and timezone.is_aware(newest):
        newest = timezone.localtime(newest)
    return {f"{field}__year": str(newest.year), f"{field}__month": str(newest.month)}


def _search_term(rows: QuerySet, search_fields: Sequence[str]) -> str | None:
    """A value of the first search field on a recent row: a search that finds it."""
    for entry in search_fields:
        values = _recent_values(rows, entry.lstrip("^=@"))
        if values:
            return str(values[0])
    return None


def _recent_values(rows: QuerySet, field: str) -> list[object]:
    """The field's non-empty values on the table's newest SAMPLE_ROWS rows (by key)."""
    values = rows.order_by("-pk").values_list(field, flat=True)[:SAMPLE_ROWS]
    return [value for value in values if value not in (None, "")]


def _commonest(values: list[object]) -> object | None:
    if not values:
        return None
    counts = Counter(values)
    return min(counts, key=lambda value: (-counts[value], str(value)))


def _cookies(response: Response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}
