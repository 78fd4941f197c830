"""Django admin for the shop's tables: browse, search and fix raw data.

The tables can hold millions of rows, so every change list avoids full scans where it
can: no full COUNT (an estimate on PostgreSQL, a capped count elsewhere), exact-match
search on indexed columns (a related table's fields in a subquery, not an OR across a
join), raw id widgets instead of select boxes, joins selected up front, ordering on
indexed columns, filter choices drawn from small tables, and a date hierarchy read
from index range probes instead of truncating every row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from itertools import pairwise
from typing import Any, Literal

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import (
    Aggregate,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.forms import BaseInlineFormSet, ModelForm, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import cached_property

from .cents import from_cents, to_cents
from .discounts import DiscountError, normalised_discount_codes
from .models import (
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
from .refund_terms import (
    LineChange,
    allocated_lines,
    reallocate_refunds,
    refund_conflicts,
    refund_conflicts_after,
    save_orders_after_refunds_changed,
)
from .refunds import AllocatedLine, RefundError


class LargeTablePaginator(Paginator):
    """A paginator that never counts a whole large table, and says so.

    Unfiltered on PostgreSQL: the planner's row estimate (pg_class.reltuples), when it
    is at least COUNT_CAP. Otherwise the rows are counted up to one past COUNT_CAP
    only, so the last pages of a huge result are reached by narrowing the filters.
    count_text is what the change list shows: "about 216,000" for an estimate, "more
    than 10,000" past the cap, the exact number otherwise; never a capped or estimated
    count dressed as an exact one.
    """

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        return self._count_and_kind[0]

    @property
    def count_text(self) -> str:
        count, kind = self._count_and_kind
        if kind == "estimate":
            return f"about {_three_significant_digits(count):,}"
        if kind == "capped":
            return f"more than {self.COUNT_CAP:,}"
        return f"{count:,}"

    @property
    def count_is_exact(self) -> bool:
        return self._count_and_kind[1] == "exact"

    @cached_property
    def _count_and_kind(self) -> tuple[int, str]:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return len(queryset), "exact"
        if not queryset.query.where:
            estimate = _estimated_rows(queryset)
            if estimate >= self.COUNT_CAP:
                return estimate, "estimate"
        counted = queryset[: self.COUNT_CAP + 1].count()
        return counted, "capped" if counted > self.COUNT_CAP else "exact"


def _three_significant_digits(number: int) -> int:
    """216,120 -> 216,000: an estimate shown no more precise than it is."""
    digits = len(str(abs(number)))
    return round(number, -(digits - 3)) if digits > 3 else number


def _estimated_rows(queryset: QuerySet) -> int:
    """The planner's row estimate of the queryset's table; -1 when there is none."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return -1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else -1


DateKind = Literal["year", "month", "week", "day", "hour", "minute", "second"]


class IndexedDatesQuerySet(QuerySet[Any]):
    """Date-hierarchy queries answered from index range probes, not a scan of every row.

    The admin's date hierarchy asks for the first and last date (one MIN and MAX
    query, which SQLite answers by scanning) and for the distinct years, months or
    days (a truncation of every matching row). Here the bounds are two ordered
    LIMIT 1 reads and each candidate year, month or day between them is one EXISTS
    over its time range, in the current time zone; same answers, indexed reads.
    """

    MAX_PROBES = 400
    KINDS = ("year", "month", "day")

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or not kwargs or not all(map(_plain_min_max, kwargs.values())):
            return super().aggregate(*args, **kwargs)
        return {
            name: self._bound(aggregate.source_expressions[0].name, type(aggregate))
            for name, aggregate in kwargs.items()
        }

    def datetimes(
        self,
        field_name: str,
        kind: DateKind,
        order: Literal["ASC", "DESC"] = "ASC",
        tzinfo: Any = None,
    ) -> Any:
        if kind not in self.KINDS or order != "ASC" or tzinfo or not settings.USE_TZ:
            return super().datetimes(field_name, kind, order, tzinfo)
        first, last = self._bound(field_name, Min), self._bound(field_name, Max)
        if first is None:
            return []
        starts = [_period_start(timezone.localtime(first), kind)]
        while starts[-1] <= last:
            if len(starts) > self.MAX_PROBES:
                return super().datetimes(field_name, kind, order, tzinfo)
            starts.append(_next_period(starts[-1], kind))
        rows = self.order_by()
        manager = self.model._default_manager.using(self.db)
        # The period's range goes first in the WHERE clause: SQLite seeks on the first
        # lower bound of a column it finds, and the change list's own date filter (the
        # month drilled into) would make every day's probe scan from the month's start.
        return [
            start
            for start, end in pairwise(starts)
            if (
                manager.filter(
                    **{f"{field_name}__gte": start, f"{field_name}__lt": end}
                ).order_by()
                & rows
            ).exists()
        ]

    def _bound(self, field_name: str, bound: type[Min] | type[Max]) -> Any:
        ordering = field_name if bound is Min else f"-{field_name}"
        return (
            self.filter(**{f"{field_name}__isnull": False})
            .order_by(ordering)
            .values_list(field_name, flat=True)
            .first()
        )


def _plain_min_max(aggregate: object) -> bool:
    """Whether an aggregate is Min or Max of a plain field, with no filter."""
    return (
        type(aggregate) in (Min, Max)
        and isinstance(aggregate, Aggregate)  # narrows the type for the checker
        and aggregate.filter is None
        and len(aggregate.source_expressions) == 1
        and isinstance(aggregate.source_expressions[0], F)
    )


def _period_start(moment: datetime, kind: str) -> datetime:
    """Midnight starting the moment's year, month or day, in the moment's time zone."""
    return datetime(
        moment.year,
        moment.month if kind != "year" else 1,
        moment.day if kind == "day" else 1,
        tzinfo=moment.tzinfo,
    )


def _next_period(start: datetime, kind: str) -> datetime:
    if kind == "year":
        return datetime(start.year + 1, 1, 1, tzinfo=start.tzinfo)
    if kind == "month":
        year, month = divmod(start.year * 12 + start.month, 12)  # month is 0-based
        return datetime(year, month + 1, 1, tzinfo=start.tzinfo)
    following = date.fromordinal(start.toordinal() + 1)
    return datetime(following.year, following.month, following.day, tzinfo=start.tzinfo)


def with_indexed_dates(queryset: QuerySet) -> QuerySet:
    """The queryset, its class extended with IndexedDatesQuerySet's date queries."""
    if not isinstance(queryset, IndexedDatesQuerySet):
        queryset = queryset.all()
        queryset.__class__ = _indexed_dates_class(type(queryset))
    return queryset


@cache
def _indexed_dates_class(queryset_class: type[QuerySet]) -> type[QuerySet]:
    return type(
        f"IndexedDates{queryset_class.__name__}",
        (IndexedDatesQuerySet, queryset_class),
        {},
    )


class IndexedDatesChangeList(ChangeList):
    """A change list whose queryset answers the date hierarchy from index probes,
    and whose result count says when it is an estimate or a lower bound.

    A filter or search value with a NUL character is an incorrect lookup (the admin
    redirects to ?e=1, as for any bad filter): PostgreSQL refuses NUL in a string
    literal, and `?status__exact=%00` was a 500 there.
    """

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        if any("\x00" in value for value in request.GET.values()):
            raise IncorrectLookupParameters("A filter value contains a NUL character.")
        super().__init__(request, *args, **kwargs)

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> Any:
        return with_indexed_dates(super().get_queryset(request, exclude_parameters))

    @property
    def result_count_text(self) -> str:
        """The count as the templates show it (templates/admin/store/)."""
        return getattr(self.paginator, "count_text", f"{self.result_count:,}")


class RelatedChoicesFilter(admin.ChoicesFieldListFilter):
    """A choices filter on a related row's field (`order__status`), as a correlated
    EXISTS instead of a join.

    Joined, SQLite reads the related table's matches first and sorts the page: order
    lines filtered by their order's status took 1.3-1.5 s at 1M orders. As EXISTS it
    walks the lines in the page's order and probes each order: 2 ms. Same rows, same
    URL parameters.
    """

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        relation, _, lookup = self.field_path.partition("__")
        value = self.used_parameters.get(self.lookup_kwarg)
        isnull = self.used_parameters.get(self.lookup_kwarg_isnull)
        if value is None and isnull is None:
            return queryset
        foreign_key = queryset.model._meta.get_field(relation)
        related = foreign_key.related_model._default_manager.filter(
            pk=OuterRef(foreign_key.attname)
        )
        if value is not None:
            values = value if isinstance(value, list) else [value]
            related = related.filter(**{f"{lookup}__in": values})
        if isnull is not None:
            # The admin passes each parameter as a list of prepared values.
            last = isnull[-1] if isinstance(isnull, list) else isnull
            related = related.filter(**{f"{lookup}__isnull": bool(last)})
        return queryset.filter(Exists(related))


# Related rows an exact search may match (ids inlined in the query).
MAX_RELATED_MATCHES = 1000


class LargeTableAdmin(admin.ModelAdmin):
    """Defaults for the shop's tables: no full counts, exact indexed search.

    exact_search_fields: fields matched exactly (case-sensitive, so their indexes are
    used) by the search box; a row matches when any of them equals the search term.
    """

    paginator = LargeTablePaginator
    show_full_result_count = False

    class Media:
        css = {"all": ("store/admin.css",)}

    list_per_page = 50
    exact_search_fields: tuple[str, ...] = ()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return IndexedDatesChangeList

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        changelist = context.get("cl") if context else None
        if context is not None and isinstance(changelist, IndexedDatesChangeList):
            # Django's note counts with result_count: "All 10000 selected".
            context["selection_note_all"] = (
                f"All {changelist.result_count_text} selected"
            )
        return response

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return self.exact_search_fields or tuple(self.search_fields)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if not self.exact_search_fields:
            return super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return queryset, False
        # A field of a related table is matched in a subquery on that table: an
        # OR across a join cannot use the indexes, `fk IN (SELECT ...)` can.
        match = Q()
        related: dict[str, Q] = {}
        for field in self.exact_search_fields:
            values = [term]
            if field.endswith("email") and term.lower() != term:
                values.append(term.lower())
            relation, _, rest = field.partition("__")
            for value in values:
                if rest:
                    related[relation] = related.get(relation, Q()) | Q(**{rest: value})
                else:
                    match |= Q(**{field: value})
        for relation, condition in related.items():
            target = self.model._meta.get_field(relation).related_model
            # The ids themselves, not a subquery: PostgreSQL guesses that `fk IN
            # (SELECT ...)` keeps half the rows and then walks the date index of 28M
            # sessions for the date hierarchy (47 s); a short id list it estimates
            # right. Exact matches on unique keys and emails find a handful of rows.
            ids = list(
                target._default_manager.filter(condition).values_list("pk", flat=True)[
                    :MAX_RELATED_MATCHES
                ]
            )
            match |= Q(**{f"{relation}__in": ids})
        return queryset.filter(match), False


class CountryFilter(admin.SimpleListFilter):
    """Countries present among the customers (a small, indexed table), not a scan of
    the large table being filtered. `field` is the lookup to the country column."""

    title = "country"
    parameter_name = "country"
    field = "country"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> Iterable[tuple[str, str]]:
        countries = (
            Customer.objects.exclude(country="")
            .order_by("country")
            .values_list("country", flat=True)
            .distinct()
        )
        return [(country, country) for country in countries]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value():
            return queryset.filter(**{self.field: self.value()})
        return None


class CustomerCountryFilter(CountryFilter):
    field = "customer__country"


class OrderCategoryFilter(admin.SimpleListFilter):
    """Orders with at least one line of the category (as the metrics' category filter)."""

    title = "category"
    parameter_name = "category"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> Iterable[tuple[str, str]]:
        return [
            (str(pk), name) for pk, name in Category.objects.values_list("pk", "name")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if category_id := self.value():
            lines = OrderItem.objects.filter(
                order=OuterRef("pk"), product__category_id=category_id
            )
            return queryset.filter(Exists(lines))
        return None


def refresh_order_totals(order_ids: Iterable[int]) -> None:
    """Set each order's total to the sum of quantity x unit price over its lines, its
    discount to the sum of its lines' discounts, and allocate its refunds again over
    its lines (the forms checked that they still fit, refund_conflicts)."""
    for order_id in (
        Refund.objects.filter(order__in=set(order_ids))
        .values_list("order", flat=True)
        .distinct()
    ):
        reallocate_refunds(order_id)
    line_money = ExpressionWrapper(
        F("items__quantity") * F("items__unit_price"), output_field=DecimalField()
    )
    for order in Order.objects.filter(pk__in=set(order_ids)).annotate(
        lines_total=Sum(line_money, default=0),
        lines_discount=Sum("items__discount", default=0),
    ):
        if (order.total, order.discount) != (order.lines_total, order.lines_discount):
            order.total = order.lines_total
            order.discount = order.lines_discount
            order.save(update_fields=["total", "discount"])


@admin.register(Customer)
class CustomerAdmin(LargeTableAdmin):
    list_display = (
        "external_id",
        "signed_up_at",
        "country",
        "acquisition_channel",
        "email",
    )
    list_filter = (CountryFilter, "acquisition_channel")
    date_hierarchy = "signed_up_at"
    exact_search_fields = ("external_id", "email")
    search_help_text = "Exact customer external id or email."
    ordering = ("external_id",)


@admin.register(Category)
class CategoryAdmin(LargeTableAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    ordering = ("name",)


@admin.register(Product)
class ProductAdmin(LargeTableAdmin):
    list_display = ("sku", "name", "category", "list_price")
    list_filter = ("category",)
    list_select_related = ("category",)
    search_fields = ("sku", "name")
    ordering = ("sku",)


def _line_change(item: int | None, cleaned: dict[str, Any]) -> LineChange:
    quantity = cleaned["quantity"]
    return LineChange(
        item,
        quantity,
        to_cents(quantity * cleaned["unit_price"]),
        to_cents(cleaned.get("discount") or Decimal(0)),
    )


class OrderItemFormSet(BaseInlineFormSet):
    """An order's lines as edited: their refunds must still fit them."""

    def clean(self) -> None:
        super().clean()
        order: Order = self.instance
        if order.pk is None or any(form.errors for form in self.forms):
            return
        lines = [
            _line_change(form.instance.pk, form.cleaned_data)
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = refund_conflicts(
            order.pk,
            lines,
            shipping=to_cents(order.shipping or Decimal(0)),
            tax=to_cents(order.tax or Decimal(0)),
        )
        if problems:
            raise ValidationError([f"{problem}." for problem in problems])


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    formset = OrderItemFormSet
    raw_id_fields = ("product",)
    extra = 0


class OrderRefundInline(admin.TabularInline):
    """An order's refunds, read here; they are edited on their own page."""

    model = Refund
    fields = ("external_id", "refunded_at", "amount")
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False
    ordering = ("refunded_at", "id")

    def has_add_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False


class OrderForm(ModelForm):
    def clean_discount_codes(self) -> str:
        """The codes as one value, as the importers store them: "SUMMER20, VIP15"."""
        try:
            return normalised_discount_codes(self.cleaned_data["discount_codes"])
        except DiscountError as error:
            raise ValidationError(error.args[0]) from None


@admin.register(Order)
class OrderAdmin(LargeTableAdmin):
    # What fits beside the filters at 1440 x 900: the total before the customer's
    # (long) e-mail address; the device is a filter, not a column.
    list_display = (
        "external_id",
        "placed_at",
        "status",
        "total",
        "traffic_source",
        "customer",
    )
    list_filter = (
        "status",
        "traffic_source",
        "device",
        CustomerCountryFilter,
        OrderCategoryFilter,
    )
    date_hierarchy = "placed_at"
    exact_search_fields = ("external_id", "customer__external_id", "customer__email")
    search_help_text = (
        "Exact order external id, or the customer's external id or email."
    )
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)
    form = OrderForm
    fields = (
        "external_id",
        "customer",
        "placed_at",
        "status",
        "traffic_source",
        "device",
        "total",
        "discount",
        "discount_codes",
        "shipping",
        "tax",
    )
    # Both follow the lines (refresh_order_totals): edit the lines' discounts.
    readonly_fields = ("total", "discount")
    ordering = ("-placed_at", "-id")
    inlines = (OrderItemInline, OrderRefundInline)

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm,
        formsets: list[BaseInlineFormSet],
        change: bool,
    ) -> None:
        """Lines are saved after the order: bring the order's total and discount in
        step with them."""
        super().save_related(request, form, formsets, change)
        refresh_order_totals([form.instance.pk])


class OrderItemForm(ModelForm):
    """A line edited on its own: its order's refunds (and those of the order it
    leaves) must still fit the lines."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        order = cleaned.get("order")
        if order is None or None in (
            cleaned.get("quantity"),
            cleaned.get("unit_price"),
        ):
            return cleaned
        item = self.instance.pk
        problems = refund_conflicts_after(
            order.pk,
            without=[item] if item else [],
            adding=[_line_change(item, cleaned)],
        )
        previous = self.initial.get("order")
        if previous and previous != order.pk:
            problems += refund_conflicts_after(previous, without=[item])
        if problems:
            raise ValidationError([f"{problem}." for problem in problems])
        return cleaned


@admin.register(OrderItem)
class OrderItemAdmin(LargeTableAdmin):
    list_display = ("id", "order", "product", "quantity", "unit_price", "discount")
    list_filter = (("order__status", RelatedChoicesFilter), "product__category")
    exact_search_fields = ("order__external_id", "product__sku")
    search_help_text = "Exact order external id or product sku."
    raw_id_fields = ("order", "product")
    list_select_related = ("order", "product")
    ordering = ("-id",)
    form = OrderItemForm

    def has_delete_permission(
        self, request: HttpRequest, obj: OrderItem | None = None
    ) -> bool:
        """Not a line whose removal its order's refunds would not survive."""
        if obj is not None and refund_conflicts_after(obj.order_id, without=[obj.pk]):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: OrderItem, form: ModelForm, change: bool
    ) -> None:
        previous_order = form.initial.get("order") if change else None
        super().save_model(request, obj, form, change)
        refresh_order_totals(
            [obj.order_id, *([previous_order] if previous_order else [])]
        )

    def delete_model(self, request: HttpRequest, obj: OrderItem) -> None:
        order_id = obj.order_id
        super().delete_model(request, obj)
        refresh_order_totals([order_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        lines = defaultdict(list)
        for pk, order_id in queryset.values_list("pk", "order_id"):
            lines[order_id].append(pk)
        problems = [
            problem
            for order_id, pks in lines.items()
            for problem in refund_conflicts_after(order_id, without=pks)
        ]
        if problems:
            raise PermissionDenied(
                "These lines cannot be deleted: " + "; ".join(problems) + "."
            )
        super().delete_queryset(request, queryset)
        refresh_order_totals(lines)


class RefundLineFormSet(BaseInlineFormSet):
    """The returned lines of a refund, checked with the refund as the importers check
    it (store.refunds): lines of the refund's order, units that can still be returned,
    an amount no more than what is left to refund. Their amounts are allocated on
    save (RefundAdmin.save_related), so the form asks only for the units."""

    # Set by a successful clean(): the lines as they will be written.
    allocation: list[AllocatedLine] | None = None

    def clean(self) -> None:
        super().clean()
        refund: Refund = self.instance
        if any(form.errors for form in self.forms) or refund.order_id is None:
            return
        units: dict[int, int] = {}
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            item = form.cleaned_data["item"]
            if item.order_id != refund.order_id:
                raise ValidationError(
                    f"Line {item.pk} is not a line of order {refund.order}."
                )
            units[item.pk] = units.get(item.pk, 0) + form.cleaned_data["quantity"]
        try:
            self.allocation = allocated_lines(
                refund, units={item: count for item, count in units.items() if count}
            )
        except RefundError as refused:
            raise ValidationError(
                [f"{problem.reason}." for problem in refused.problems]
            ) from None


class RefundLineInline(admin.TabularInline):
    model = RefundLine
    formset = RefundLineFormSet
    fields = ("item", "quantity", "amount")
    readonly_fields = ("amount",)
    raw_id_fields = ("item",)
    extra = 0


class RefundForm(ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        order, refunded_at = cleaned.get("order"), cleaned.get("refunded_at")
        if (
            order is not None
            and refunded_at is not None
            and refunded_at < order.placed_at
        ):
            self.add_error(
                "refunded_at",
                f"The order was placed later, at {timezone.localtime(order.placed_at):%Y-%m-%d %H:%M}.",
            )
        return cleaned


@admin.register(Refund)
class RefundAdmin(LargeTableAdmin):
    """Refunds, with the lines they return. A save allocates the amount again over the
    lines (all of the order's, with 0 units, when none returns units) and saves the
    order, settling its status: the order's save is what the roll-ups and the data
    version hear of (its day, the first a refund of it can touch)."""

    form = RefundForm
    list_display = ("external_id", "refunded_at", "amount", "order")
    date_hierarchy = "refunded_at"
    exact_search_fields = ("external_id", "order__external_id")
    search_help_text = "Exact refund id or order external id."
    raw_id_fields = ("order",)
    list_select_related = ("order",)
    ordering = ("-refunded_at", "-id")
    inlines = (RefundLineInline,)

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm,
        formsets: list[BaseInlineFormSet],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        refund: Refund = form.instance
        allocation = next(
            (
                formset.allocation
                for formset in formsets
                if isinstance(formset, RefundLineFormSet)
            ),
            None,
        )
        if allocation is None:
            allocation = allocated_lines(refund, units={})
        refund.lines.all().delete()
        RefundLine.objects.bulk_create(
            RefundLine(
                refund=refund,
                item_id=line.item,
                quantity=line.quantity,
                amount=from_cents(line.amount),
            )
            for line in allocation
        )
        previous = form.initial.get("order") if change else None
        save_orders_after_refunds_changed(
            [refund.order_id, *([previous] if previous else [])]
        )

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm,
        formset: BaseInlineFormSet,
        change: bool,
    ) -> None:
        # The lines are written whole by save_related, with their allocated amounts;
        # commit=False only records what changed, for the change message.
        if isinstance(formset, RefundLineFormSet):
            formset.save(commit=False)
        else:
            super().save_formset(request, form, formset, change)

    def delete_model(self, request: HttpRequest, obj: Refund) -> None:
        order_id = obj.order_id
        super().delete_model(request, obj)
        save_orders_after_refunds_changed([order_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        order_ids = list(queryset.values_list("order_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        save_orders_after_refunds_changed(order_ids)


class SessionEventInline(admin.TabularInline):
    """A session's events, as recorded: read-only."""

    model = SessionEvent
    fields = ("occurred_at", "event_type", "product", "order")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("occurred_at", "id")

    def has_add_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("product", "order")


@admin.register(WebSession)
class WebSessionAdmin(LargeTableAdmin):
    list_display = (
        "external_id",
        "started_at",
        "traffic_source",
        "device",
        "country",
        "customer",
    )
    list_filter = ("traffic_source", "device", CountryFilter)
    date_hierarchy = "started_at"
    exact_search_fields = ("external_id", "customer__external_id", "customer__email")
    search_help_text = (
        "Exact session external id, or the customer's external id or email."
    )
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)
    ordering = ("-started_at", "-id")
    inlines = (SessionEventInline,)


@admin.register(SessionEvent)
class SessionEventAdmin(LargeTableAdmin):
    list_display = ("occurred_at", "event_type", "session", "product", "order")
    list_filter = ("event_type",)
    date_hierarchy = "occurred_at"
    exact_search_fields = ("session__external_id", "order__external_id", "product__sku")
    search_help_text = "Exact session external id, order external id or product sku."
    raw_id_fields = ("session", "product", "order")
    list_select_related = ("session", "product", "order")
    ordering = ("-occurred_at", "-id")
