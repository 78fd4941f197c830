"""Importing order lines, whatever their file format, in two streaming passes.

Pass 1 parses and validates every row, keeping only order-level fields per order id (to
check that the rows of one order agree) and customer and product details: memory grows
with the number of orders, customers and products, not with the number of lines.
If any row is invalid and skip_invalid is off, nothing is written. Otherwise, in one
transaction: customers and orders are upserted in batches (matched by external id), the
lines of re-imported orders are deleted, and pass 2 streams the file again to bulk-insert
the lines, creating or updating products on the way. A crash or Ctrl-C rolls it all back.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from ..data_version import bump_data_version
from ..models import Category, Customer, Order, OrderItem, Product
from .bulk_insert import BATCH_SIZE, chunks, db_datetime, delete_where_in, insert_rows
from .generic_orders import ORDER_FIELDS, OrderLine, ParsedRow, parse_generic_orders
from .locking import serialized
from .parsing import RowError, raw_header
from .progress import progress_bar
from .report import ErrorLog, ImportReport, RejectedWriter, rejected_path_for
from .rollups import refresh_rollups_after_commit
from .shopify import parse_shopify_orders

ORDER_PARSERS: dict[str, Callable[[Path], Iterator[ParsedRow]]] = {
    "generic": parse_generic_orders,
    "shopify": parse_shopify_orders,
}
UNCATEGORISED = "Uncategorised"


@dataclass(slots=True)
class _OrderSeen:
    """An order as its valid rows give it: the fields they agree on, the running total."""

    placed_at: datetime
    customer_id: str
    status: str
    traffic_source: str
    device: str
    total: Decimal
    first_line: int


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
) -> ImportReport:
    """Validate then write the lines that parse() yields; see the module docstring.

    parse is called once per pass and must yield the same rows each time.
    customer_details, when given, supplies signup date and channel for new customers
    (the seed importer reads them from users.csv).
    """
    started = time.monotonic()
    validation = _validate(parse(), progress=progress)
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
    def __init__(self) -> None:
        self.rows_read = 0
        self.errors = ErrorLog()
        self.orders: dict[str, _OrderSeen] = {}
        # order id -> the line of its first invalid row
        self.bad_orders: dict[str, int] = {}
        self.customers: dict[str, _CustomerSeen] = {}
        self.products: dict[str, _ProductSeen] = {}


def _validate(rows: Iterable[ParsedRow], *, progress: bool) -> _Validation:
    state = _Validation()
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
        money = values.quantity * values.unit_price
        known = orders.get(values.order_id)
        if known is None:
            orders[values.order_id] = _OrderSeen(
                placed_at=values.placed_at,
                # One string per customer, shared by all its orders.
                customer_id=sys.intern(values.customer_id),
                status=values.status,
                traffic_source=values.traffic_source,
                device=values.device,
                total=money,
                first_line=row.line,
            )
        else:
            disagreement = _disagreement(known, values, row.line)
            if disagreement is not None:
                state.errors.add(disagreement)
                state.bad_orders.setdefault(values.order_id, row.line)
                continue
            known.total += money

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


def _disagreement(known: _OrderSeen, values: OrderLine, line: int) -> RowError | None:
    for attribute, column in ORDER_FIELDS:
        here = getattr(values, attribute)
        there = getattr(known, attribute)
        if here != there:
            shown_here = here.isoformat() if isinstance(here, datetime) else here
            shown_there = there.isoformat() if isinstance(there, datetime) else there
            return RowError(
                line,
                column,
                f"order {values.order_id} has {shown_here!r} here but "
                f"{shown_there!r} on line {known.first_line}",
            )
    return None


def _write(
    validation: _Validation,
    *,
    parse: Callable[[], Iterator[ParsedRow]],
    rejected: RejectedWriter | None,
    progress: bool,
    customer_details: Callable[[set[str]], dict[str, dict]] | None,
) -> dict[str, int]:
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
        ),
        0,
    )
    bad_orders = validation.bad_orders
    for order_id in bad_orders:
        validation.orders.pop(order_id, None)
    customer_ids = {order.customer_id for order in validation.orders.values()}
    customer_pks = _upsert_customers(
        {cid: validation.customers[cid] for cid in customer_ids},
        counts,
        customer_details(customer_ids) if customer_details else {},
    )
    order_pks, earliest = _upsert_orders(validation.orders, customer_pks, counts)
    del customer_pks
    products = _ProductCatalogue(validation.products, counts)
    reasons = validation.errors.reason_by_line
    batch: list[tuple[int, str, int, Decimal]] = []
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
        batch.append(
            (order_pks[values.order_id], values.sku, values.quantity, values.unit_price)
        )
        if len(batch) >= BATCH_SIZE:
            _insert_lines(batch, products, counts)
            batch = []
    if batch:
        _insert_lines(batch, products, counts)
    # A customer's country or a product's category reaches every day: refresh all.
    refresh_rollups_after_commit(
        earliest,
        everything=bool(counts["customers_updated"] or counts["products_updated"]),
        counts=counts,
    )
    return counts


def _insert_lines(
    batch: list[tuple[int, str, int, Decimal]],
    products: _ProductCatalogue,
    counts: dict[str, int],
) -> None:
    product_pks = products.pks_for({sku for _, sku, _, _ in batch})
    insert_rows(
        OrderItem,
        ["order", "product", "quantity", "unit_price"],
        [
            (order_pk, product_pks[sku], quantity, unit_price)
            for order_pk, sku, quantity, unit_price in batch
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
]


def _upsert_orders(
    orders: dict[str, _OrderSeen], customer_pks: dict[str, int], counts: dict[str, int]
) -> tuple[dict[str, int], datetime | None]:
    """Upsert the orders by external id; their primary keys by external id, and the
    earliest placed_at touched (old or new), None without orders.

    The lines of orders that existed are deleted: the file's lines replace them.
    Each order leaves `orders` once its key is known, so memory holds one of the two
    per order, not both.
    """
    order_pks: dict[str, int] = {}
    earliest: datetime | None = None
    for chunk in chunks(list(orders)):
        existing = {
            external_id: (
                pk,
                _OrderRow(customer_pk, placed_at, status, source, device, total),
            )
            for (
                external_id,
                pk,
                customer_pk,
                placed_at,
                status,
                source,
                device,
                total,
            ) in Order.objects.filter(external_id__in=chunk).values_list(
                "external_id",
                "pk",
                "customer_id",
                "placed_at",
                "status",
                "traffic_source",
                "device",
                "total",
            )
        }
        to_write: list[tuple] = []
        for external_id in chunk:
            seen = orders[external_id]
            row = _OrderRow(
                customer_pk=customer_pks[seen.customer_id],
                placed_at=seen.placed_at,
                status=seen.status,
                traffic_source=seen.traffic_source,
                device=seen.device,
                total=seen.total,
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
                )
            )
        insert_rows(
            Order,
            ["external_id", *ORDER_UPDATE_FIELDS],
            to_write,
            conflict_field="external_id",
            update_fields=ORDER_UPDATE_FIELDS,
        )
        delete_where_in(OrderItem, "order", [pk for pk, _ in existing.values()])
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
    parser = ORDER_PARSERS[file_format]
    return import_order_lines(
        parse=lambda: parser(path),
        kind=f"{file_format} orders",
        source=path,
        header=raw_header(path),
        rejected_path=rejected_path_for(path),
        skip_invalid=skip_invalid,
        progress=progress,
    )
