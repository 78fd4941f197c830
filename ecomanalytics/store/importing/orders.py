"""Importing order lines, whatever their file format, in two streaming passes.

Pass 1 parses and validates every row, keeping only order-level fields per order id (to
check that the rows of one order agree) and customer and product details: memory grows
with the number of orders, customers and products, not with the number of lines.
Between the passes, each order's money terms are checked: its discount split across
its lines (discounts.split_order_discount: the lines' shares are kept, a few ints per
discounted order, and handed out to its rows in pass 2), what the file refunds against
what it was paid, and the refunds stored for a re-imported order against its new
lines (order_refunds). If any row is invalid and skip_invalid is off, nothing is
written. Otherwise, in one transaction: customers and orders are upserted in batches
(matched by external id), the lines of re-imported orders are deleted, pass 2 streams
the file again to bulk-insert the lines, creating or updating products on the way,
and the orders' refunds are allocated to the new lines. A crash or Ctrl-C rolls it
all back.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from ..cents import from_cents, to_cents
from ..data_version import bump_data_version
from ..discounts import DiscountError, split_order_discount
from ..models import Category, Customer, Order, OrderItem, Product
from ..refunds import settled_status
from .bulk_insert import BATCH_SIZE, chunks, db_datetime, delete_where_in, insert_rows
from .generic_orders import ORDER_FIELDS, OrderLine, ParsedRow, parse_generic_orders
from .locking import serialized
from .order_refunds import (
    FileRefund,
    KeptRefund,
    forget_refund_lines,
    kept_refunds,
    kept_refunds_problem,
    orders_with_refunds,
    write_order_refunds,
)
from .parsing import RowError, raw_header
from .progress import progress_bar
from .report import ErrorLog, ImportReport, RejectedWriter, rejected_path_for
from .rollups import refresh_rollups_after_commit
from .shopify import parse_shopify_orders, refund_external_id


@dataclass(frozen=True, slots=True)
class OrderFormat:
    """An orders file format: its parser, what it calls the money-term columns in
    errors, and (when its orders carry a refunded amount) the id of the refund that
    amount becomes."""

    parse: Callable[[Path], Iterator[ParsedRow]]
    discount_column: str = "discount"
    refund_column: str = ""
    refund_id: Callable[[str], str] | None = None


GENERIC = OrderFormat(parse_generic_orders)
ORDER_FORMATS: dict[str, OrderFormat] = {
    "generic": GENERIC,
    "shopify": OrderFormat(
        parse_shopify_orders,
        discount_column="Discount Amount",
        refund_column="Refunded Amount",
        refund_id=refund_external_id,
    ),
}
ORDER_PARSERS = {name: fmt.parse for name, fmt in ORDER_FORMATS.items()}
UNCATEGORISED = "Uncategorised"


@dataclass(slots=True)
class _OrderSeen:
    """An order as its valid rows give it: the fields they agree on, the running total,
    and what its money terms need between the passes."""

    placed_at: datetime
    customer_id: str
    status: str
    traffic_source: str
    device: str
    total: Decimal
    first_line: int
    discount: Decimal | None
    discount_codes: str
    shipping: Decimal
    tax: Decimal
    refund_amount: Decimal
    refunded_at: datetime | None
    own_discounts: Decimal
    # Each line's (gross, own discount) in cents, when the order's discount is split.
    lines: list[tuple[int, int]] | None
    # Units bought by sku, for an order whose stored refunds must fit its new lines.
    bought: dict[str, int] | None
    # Filled between the passes: each line's discount in cents, in row order.
    shares: deque[int] | None = None


@dataclass(slots=True)
class _CustomerSeen:
    """A customer's details from the file; the first order's time and traffic source."""

    email: str
    country: str
    first_order_at: datetime
    first_source: str


@dataclass(slots=True)
class _ProductSeen:
    name: str
    category: str
    first_unit_price: Decimal


@dataclass(slots=True)
class _OrderRow:
    """What an order row holds, besides its external id: compared with the stored one."""

    customer_pk: int
    placed_at: datetime
    status: str
    traffic_source: str
    device: str
    total: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    discount_codes: str


@serialized
def import_order_lines(
    *,
    parse: Callable[[], Iterator[ParsedRow]],
    kind: str,
    source: Path,
    header: list[str],
    rejected_path: Path,
    skip_invalid: bool = False,
    progress: bool = False,
    customer_details: Callable[[set[str]], dict[str, dict]] | None = None,
    file_format: OrderFormat = GENERIC,
) -> ImportReport:
    """Validate then write the lines that parse() yields; see the module docstring.

    parse is called once per pass and must yield the same rows each time.
    customer_details, when given, supplies signup date and channel for new customers
    (the seed importer reads them from users.csv).
    """
    started = time.monotonic()
    validation = _validate(
        parse(), progress=progress, with_refunds=orders_with_refunds()
    )
    _check_money_terms(validation, file_format)
    if validation.errors and not skip_invalid:
        return ImportReport(
            kind=kind,
            source=source.name,
            rows_read=validation.rows_read,
            written=False,
            errors=tuple(validation.errors.listed),
            error_count=validation.errors.count,
            seconds=time.monotonic() - started,
        )

    rejected = RejectedWriter(rejected_path, header) if validation.errors else None
    try:
        with transaction.atomic():
            counts = _write(
                validation,
                parse=parse,
                rejected=rejected,
                progress=progress,
                customer_details=customer_details,
                file_format=file_format,
            )
    finally:
        if rejected is not None:
            rejected.close()
    bump_data_version()
    return ImportReport(
        kind=kind,
        source=source.name,
        rows_read=validation.rows_read,
        written=True,
        counts=counts,
        errors=tuple(validation.errors.listed),
        error_count=validation.errors.count,
        rejected_rows=rejected.count if rejected else 0,
        rejected_file=str(rejected_path) if rejected else "",
        seconds=time.monotonic() - started,
    )


class _Validation:
    def __init__(self, with_refunds: set[str]) -> None:
        self.rows_read = 0
        self.errors = ErrorLog()
        self.orders: dict[str, _OrderSeen] = {}
        # order id -> the line of its first invalid row
        self.bad_orders: dict[str, int] = {}
        self.customers: dict[str, _CustomerSeen] = {}
        self.products: dict[str, _ProductSeen] = {}
        # The stored orders with refunds, and (between the passes) the refunds the
        # file's orders keep.
        self.with_refunds = with_refunds
        self.kept: dict[str, list[KeptRefund]] = {}

    def reject(self, order_id: str, error: RowError) -> None:
        self.errors.add(error)
        self.bad_orders.setdefault(order_id, error.line)


def _validate(
    rows: Iterable[ParsedRow], *, progress: bool, with_refunds: set[str]
) -> _Validation:
    state = _Validation(with_refunds)
    orders, customers, products = state.orders, state.customers, state.products
    for row in progress_bar(rows, progress, "checking"):
        state.rows_read += 1
        if isinstance(row.result, list):
            for error in row.result:
                state.errors.add(error)
            if row.order_id:
                state.bad_orders.setdefault(row.order_id, row.line)
            continue
        values: OrderLine = row.result
        known = orders.get(values.order_id)
        if known is None:
            known = orders[values.order_id] = _order_seen(
                values, row.line, values.order_id in state.with_refunds
            )
        else:
            disagreement = _disagreement(known, values, row.line)
            if disagreement is not None:
                state.reject(values.order_id, disagreement)
                continue
        _add_line(known, values)

        customer = customers.get(values.customer_id)
        if customer is None:
            customers[values.customer_id] = _CustomerSeen(
                email=values.customer_email,
                country=values.country,
                first_order_at=values.placed_at,
                first_source=values.traffic_source,
            )
        else:
            customer.email = customer.email or values.customer_email
            customer.country = customer.country or values.country
            if values.placed_at < customer.first_order_at:
                customer.first_order_at = values.placed_at
                customer.first_source = values.traffic_source

        product = products.get(values.sku)
        if product is None:
            products[values.sku] = _ProductSeen(
                name=values.product_name,
                category=values.category,
                first_unit_price=values.unit_price,
            )
        else:
            product.name = product.name or values.product_name
            product.category = product.category or values.category
    return state


def _order_seen(values: OrderLine, line: int, has_refunds: bool) -> _OrderSeen:
    return _OrderSeen(
        placed_at=values.placed_at,
        # One string per customer, shared by all its orders.
        customer_id=sys.intern(values.customer_id),
        status=values.status,
        traffic_source=values.traffic_source,
        device=values.device,
        total=Decimal(0),
        first_line=line,
        discount=values.discount,
        discount_codes=values.discount_codes,
        shipping=values.shipping,
        tax=values.tax,
        refund_amount=values.refund_amount,
        refunded_at=values.refunded_at,
        own_discounts=Decimal(0),
        lines=[] if values.discount else None,
        bought={} if has_refunds else None,
    )


def _add_line(order: _OrderSeen, values: OrderLine) -> None:
    gross = values.quantity * values.unit_price
    order.total += gross
    own = values.line_discount or Decimal(0)
    order.own_discounts += own
    if order.lines is not None:
        order.lines.append((to_cents(gross), to_cents(own)))
    if order.bought is not None:
        order.bought[values.sku] = order.bought.get(values.sku, 0) + values.quantity


def _disagreement(known: _OrderSeen, values: OrderLine, line: int) -> RowError | None:
    for attribute, column in ORDER_FIELDS:
        here = getattr(values, attribute)
        there = getattr(known, attribute)
        if here != there:
            shown_here, shown_there = _shown(here), _shown(there)
            return RowError(
                line,
                column,
                f"order {values.order_id} has {shown_here!r} here but "
                f"{shown_there!r} on line {known.first_line}",
            )
    return None


def _shown(value: object) -> str:
    """A field's value as the file writes it: a time in ISO 8601, a blank as ''."""
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def _check_money_terms(validation: _Validation, file_format: OrderFormat) -> None:
    """Split each order's discount, check what it refunds and the refunds it keeps.

    An order whose file gives no discount has the sum of its lines' own discounts.
    """
    orders, bad = validation.orders, validation.bad_orders
    for order_id, order in orders.items():
        if order_id in bad:
            continue
        if order.discount is None:
            order.discount = order.own_discounts
        elif order.lines is None and order.own_discounts > order.discount:
            validation.reject(
                order_id,
                RowError(
                    order.first_line,
                    file_format.discount_column,
                    f"order {order_id}: the lines' discounts add up to "
                    f"{order.own_discounts}, more than the order's discount "
                    f"{order.discount}",
                ),
            )
            continue
        elif order.lines is not None:
            try:
                order.shares = deque(
                    split_order_discount(
                        to_cents(order.discount),
                        [gross for gross, _ in order.lines],
                        [own for _, own in order.lines],
                    )
                )
            except DiscountError as error:
                validation.reject(
                    order_id,
                    RowError(
                        order.first_line,
                        file_format.discount_column,
                        f"order {order_id}: {error.args[0]}",
                    ),
                )
                continue
            order.lines = None
        if order.refund_amount > _paid(order):
            validation.reject(
                order_id,
                RowError(
                    order.first_line,
                    file_format.refund_column,
                    f"order {order_id} refunds {order.refund_amount}, more than the "
                    f"{_paid(order)} it was paid",
                ),
            )
    re_imported = [
        order_id
        for order_id, order in orders.items()
        if order.bought is not None and order_id not in bad
    ]
    validation.kept = kept_refunds(re_imported, file_format.refund_id)
    for order_id, refunds in validation.kept.items():
        order = orders[order_id]
        problem = kept_refunds_problem(
            order_id,
            refunds,
            paid=to_cents(_paid(order)),
            file_refund=to_cents(order.refund_amount),
            bought=order.bought or {},
        )
        if problem:
            validation.reject(order_id, RowError(order.first_line, "", problem))


def _paid(order: _OrderSeen) -> Decimal:
    """Gross sales - discounts + shipping + taxes: what the customer paid."""
    return order.total - (order.discount or 0) + order.shipping + order.tax


def _settled(order_id: str, order: _OrderSeen, validation: _Validation) -> str:
    """The order's status, refunded when its refunds give back all it paid."""
    refunded = order.refund_amount + from_cents(
        sum(refund.amount for refund in validation.kept.get(order_id, ()))
    )
    return settled_status(order.status, refunded=refunded, paid=_paid(order))


def _write(
    validation: _Validation,
    *,
    parse: Callable[[], Iterator[ParsedRow]],
    rejected: RejectedWriter | None,
    progress: bool,
    customer_details: Callable[[set[str]], dict[str, dict]] | None,
    file_format: OrderFormat,
) -> dict[str, int]:
    # Refunds are reported by the imports that write them: a format with refunds,
    # or a file that re-imports orders with refunds (whose lines are allocated again).
    refund_counts: tuple[str, ...] = (
        ("refunds_created", "refunds_updated", "refunds_unchanged", "refunds_deleted")
        if file_format.refund_id
        else ()
    )
    if refund_counts or validation.kept:
        refund_counts += ("refund_lines_written",)
    counts = dict.fromkeys(
        (
            "orders_created",
            "orders_updated",
            "orders_unchanged",
            "lines_written",
            "customers_created",
            "customers_updated",
            "products_created",
            "products_updated",
            "categories_created",
            *refund_counts,
        ),
        0,
    )
    bad_orders = validation.bad_orders
    for order_id in bad_orders:
        validation.orders.pop(order_id, None)
        validation.kept.pop(order_id, None)
    file_refunds = {
        order_id: FileRefund(
            file_format.refund_id(order_id), order.refund_amount, order.refunded_at
        )
        for order_id, order in validation.orders.items()
        if file_format.refund_id and order.refund_amount and order.refunded_at
    }
    shares = {
        order_id: order.shares
        for order_id, order in validation.orders.items()
        if order.shares is not None
    }
    customer_ids = {order.customer_id for order in validation.orders.values()}
    customer_pks = _upsert_customers(
        {cid: validation.customers[cid] for cid in customer_ids},
        counts,
        customer_details(customer_ids) if customer_details else {},
    )
    order_pks, earliest = _upsert_orders(validation, customer_pks, counts)
    del customer_pks
    products = _ProductCatalogue(validation.products, counts)
    reasons = validation.errors.reason_by_line
    batch: list[tuple[int, str, int, Decimal, Decimal]] = []
    for row in progress_bar(parse(), progress, "writing", total=validation.rows_read):
        bad_line = bad_orders.get(row.order_id)
        if bad_line is not None or row.line in reasons:
            if rejected is not None:
                reason = reasons.get(row.line) or (
                    f"order {row.order_id} has an invalid row on line {bad_line}"
                )
                rejected.write(row.line, row.cells, reason)
            continue
        values: OrderLine = row.result  # type: ignore[assignment]
        order_shares = shares.get(values.order_id)
        discount = (
            from_cents(order_shares.popleft())
            if order_shares is not None
            else values.line_discount or Decimal("0.00")
        )
        batch.append(
            (
                order_pks[values.order_id],
                values.sku,
                values.quantity,
                values.unit_price,
                discount,
            )
        )
        if len(batch) >= BATCH_SIZE:
            _insert_lines(batch, products, counts)
            batch = []
    if batch:
        _insert_lines(batch, products, counts)
    moments = write_order_refunds(
        order_pks=order_pks,
        kept=validation.kept,
        file_refunds=file_refunds,
        derived_id=file_format.refund_id,
        counts=counts,
    )
    # A customer's country or a product's category reaches every day: refresh all.
    refresh_rollups_after_commit(
        min([*moments, earliest]) if earliest else min(moments, default=None),
        everything=bool(counts["customers_updated"] or counts["products_updated"]),
        counts=counts,
    )
    return counts


def _insert_lines(
    batch: list[tuple[int, str, int, Decimal, Decimal]],
    products: _ProductCatalogue,
    counts: dict[str, int],
) -> None:
    product_pks = products.pks_for({sku for _, sku, _, _, _ in batch})
    insert_rows(
        OrderItem,
        ["order", "product", "quantity", "unit_price", "discount"],
        [
            (order_pk, product_pks[sku], quantity, unit_price, discount)
            for order_pk, sku, quantity, unit_price, discount in batch
        ],
    )
    counts["lines_written"] += len(batch)


def _upsert_customers(
    customers: dict[str, _CustomerSeen],
    counts: dict[str, int],
    details: dict[str, dict],
) -> dict[str, int]:
    """Create unknown customers, update the email and country of known ones.

    A new customer signs up at its first order in the file, acquired by that order's
    traffic source, unless details (from a users file) say otherwise. A known customer
    keeps its signup; a blank email or country in the file keeps the stored one.
    """
    pks: dict[str, int] = {}
    for chunk in chunks(list(customers)):
        existing = {
            external_id: (pk, email, country)
            for external_id, pk, email, country in Customer.objects.filter(
                external_id__in=chunk
            ).values_list("external_id", "pk", "email", "country")
        }
        new: list[tuple] = []
        changed: list[Customer] = []
        for external_id in chunk:
            seen = customers[external_id]
            known = existing.get(external_id)
            if known is None:
                extra = details.get(external_id, {})
                new.append(
                    (
                        external_id,
                        seen.email or extra.get("email", ""),
                        seen.country or extra.get("country", ""),
                        db_datetime(extra.get("signed_up_at") or seen.first_order_at),
                        extra.get("acquisition_channel") or seen.first_source,
                    )
                )
                continue
            pk, stored_email, stored_country = known
            pks[external_id] = pk
            email = seen.email or stored_email
            country = seen.country or stored_country
            if (email, country) != (stored_email, stored_country):
                changed.append(
                    Customer(
                        pk=pk, external_id=external_id, email=email, country=country
                    )
                )
        insert_rows(
            Customer,
            ["external_id", "email", "country", "signed_up_at", "acquisition_channel"],
            new,
        )
        if changed:
            Customer.objects.bulk_update(changed, ["email", "country"])
        if new:
            pks.update(
                Customer.objects.filter(
                    external_id__in=[row[0] for row in new]
                ).values_list("external_id", "pk")
            )
        counts["customers_created"] += len(new)
        counts["customers_updated"] += len(changed)
    return pks


ORDER_UPDATE_FIELDS = [
    "customer",
    "placed_at",
    "status",
    "traffic_source",
    "device",
    "total",
    "discount",
    "shipping",
    "tax",
    "discount_codes",
]


def _upsert_orders(
    validation: _Validation, customer_pks: dict[str, int], counts: dict[str, int]
) -> tuple[dict[str, int], datetime | None]:
    """Upsert the orders by external id; their primary keys by external id, and the
    earliest placed_at touched (old or new), None without orders.

    The lines of orders that existed are deleted: the file's lines replace them (and
    the lines of their refunds, allocated again once the new lines are in). Each
    order leaves `orders` once its key is known, so memory holds one of the two per
    order, not both.
    """
    orders = validation.orders
    order_pks: dict[str, int] = {}
    earliest: datetime | None = None
    for chunk in chunks(list(orders)):
        existing = {
            external_id: (pk, _OrderRow(*stored))
            for external_id, pk, *stored in Order.objects.filter(
                external_id__in=chunk
            ).values_list("external_id", "pk", *ORDER_UPDATE_FIELDS)
        }
        to_write: list[tuple] = []
        for external_id in chunk:
            seen = orders[external_id]
            row = _OrderRow(
                customer_pk=customer_pks[seen.customer_id],
                placed_at=seen.placed_at,
                status=_settled(external_id, seen, validation),
                traffic_source=seen.traffic_source,
                device=seen.device,
                total=seen.total,
                discount=seen.discount or Decimal(0),
                shipping=seen.shipping,
                tax=seen.tax,
                discount_codes=seen.discount_codes,
            )
            known = existing.get(external_id)
            if known is not None:
                if row == known[1]:
                    counts["orders_unchanged"] += 1
                    continue
                counts["orders_updated"] += 1
            else:
                counts["orders_created"] += 1
            to_write.append(
                (
                    external_id,
                    row.customer_pk,
                    db_datetime(row.placed_at),
                    row.status,
                    row.traffic_source,
                    row.device,
                    row.total,
                    row.discount,
                    row.shipping,
                    row.tax,
                    row.discount_codes,
                )
            )
        insert_rows(
            Order,
            ["external_id", *ORDER_UPDATE_FIELDS],
            to_write,
            conflict_field="external_id",
            update_fields=ORDER_UPDATE_FIELDS,
        )
        stored_pks = [pk for pk, _ in existing.values()]
        forget_refund_lines(
            [
                pk
                for external_id, (pk, _) in existing.items()
                if external_id in validation.with_refunds
            ]
        )
        delete_where_in(OrderItem, "order", stored_pks)
        # The first moment the import touched; an order moved in time changes the
        # day it left too.
        moments = [orders[external_id].placed_at for external_id in chunk]
        moments += [stored.placed_at for _, stored in existing.values()]
        earliest = min([*moments, earliest] if earliest else moments)
        order_pks.update(
            Order.objects.filter(external_id__in=chunk).values_list("external_id", "pk")
        )
        for external_id in chunk:
            del orders[external_id]
    return order_pks, earliest


class _ProductCatalogue:
    """Products by sku, created or updated on first use while the lines are written.

    Only products that a written line uses are touched. A new product takes the file's
    name (else its sku), category (else 'Uncategorised') and first unit price as list
    price; a known product takes the file's name and category when the file gives them.
    """

    def __init__(
        self, details: dict[str, _ProductSeen], counts: dict[str, int]
    ) -> None:
        self.details = details
        self.counts = counts
        self.pks: dict[str, int] = {}
        self.category_pks: dict[str, int] = {}

    def pks_for(self, skus: set[str]) -> dict[str, int]:
        missing = [sku for sku in skus if sku not in self.pks]
        if missing:
            self._upsert(missing)
        return self.pks

    def _category_pks(self, names: set[str]) -> dict[str, int]:
        unknown = names - self.category_pks.keys()
        if unknown:
            stored = dict(
                Category.objects.filter(name__in=unknown).values_list("name", "pk")
            )
            new = [Category(name=name) for name in unknown - stored.keys()]
            if new:
                Category.objects.bulk_create(new)
                stored.update(
                    Category.objects.filter(
                        name__in=[category.name for category in new]
                    ).values_list("name", "pk")
                )
                self.counts["categories_created"] += len(new)
            self.category_pks.update(stored)
        return self.category_pks

    def _upsert(self, skus: list[str]) -> None:
        existing = {
            sku: (pk, name, category_name)
            for sku, pk, name, category_name in Product.objects.filter(
                sku__in=skus
            ).values_list("sku", "pk", "name", "category__name")
        }
        categories = self._category_pks(
            {
                self.details[sku].category
                or (existing[sku][2] if sku in existing else UNCATEGORISED)
                for sku in skus
            }
        )
        new: list[Product] = []
        changed: list[Product] = []
        for sku in skus:
            seen = self.details[sku]
            name, category = seen.name, seen.category
            known = existing.get(sku)
            if known is None:
                new.append(
                    Product(
                        sku=sku,
                        name=name or sku,
                        category_id=categories[category or UNCATEGORISED],
                        list_price=seen.first_unit_price,
                    )
                )
                continue
            pk, stored_name, stored_category = known
            self.pks[sku] = pk
            name, category = name or stored_name, category or stored_category
            if (name, category) != (stored_name, stored_category):
                changed.append(
                    Product(pk=pk, sku=sku, name=name, category_id=categories[category])
                )
        if new:
            Product.objects.bulk_create(new, batch_size=BATCH_SIZE)
            self.pks.update(
                Product.objects.filter(
                    sku__in=[product.sku for product in new]
                ).values_list("sku", "pk")
            )
        if changed:
            Product.objects.bulk_update(changed, ["name", "category"])
        self.counts["products_created"] += len(new)
        self.counts["products_updated"] += len(changed)


def import_orders_file(
    path: Path | str,
    *,
    file_format: str = "generic",
    skip_invalid: bool = False,
    progress: bool = False,
) -> ImportReport:
    """Import an orders file of the given format ("generic" or "shopify")."""
    path = Path(path)
    chosen = ORDER_FORMATS[file_format]
    return import_order_lines(
        parse=lambda: chosen.parse(path),
        file_format=chosen,
        kind=f"{file_format} orders",
        source=path,
        header=raw_header(path),
        rejected_path=rejected_path_for(path),
        skip_invalid=skip_invalid,
        progress=progress,
    )
