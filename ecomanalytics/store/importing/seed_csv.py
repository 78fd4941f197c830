"""Importing the data/raw folder of the seed project this one replaces.

The folder holds categories.csv, products.csv, users.csv, orders.csv, order_items.csv and
sessions.csv with naive timestamps (taken in the shop's TIME_ZONE). docs/importing.md
("Seed project folder") lists every column, its accepted aliases and where it lands.
Catalogue and users are upserted directly; orders and their items go through the orders
pipeline (orders.py) and sessions through the events pipeline (events.py), all in one
transaction.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from ..choices import Device, OrderStatus, TrafficSource
from ..models import Category, Customer, Product
from .events import import_events_file
from .generic_orders import OrderLine, ParsedRow
from .locking import serialized
from .orders import import_order_lines
from .parsing import (
    FieldError,
    ImportFileError,
    RowError,
    RowReader,
    check_file,
    header_problem_sentence,
    iter_rows,
    match_header,
    parse_choice,
    parse_datetime,
    parse_identifier,
    parse_money,
    parse_quantity,
    read_header,
)
from .report import ErrorLog, ImportReport

SEED_FILES = (
    "categories.csv",
    "products.csv",
    "users.csv",
    "orders.csv",
    "order_items.csv",
    "sessions.csv",
)
# The seed's traffic sources onto ours: its "paid" is paid search.
SOURCE_MAP = {
    "organic": TrafficSource.ORGANIC,
    "paid": TrafficSource.PAID_SEARCH,
    "paid_search": TrafficSource.PAID_SEARCH,
    "cpc": TrafficSource.PAID_SEARCH,
    "email": TrafficSource.EMAIL,
    "direct": TrafficSource.DIRECT,
    "social": TrafficSource.SOCIAL,
    "referral": TrafficSource.REFERRAL,
}
TRUE_FLAGS = {"1", "true", "yes", "y", "t"}
FALSE_FLAGS = {"0", "false", "no", "n", "f", ""}
# A converted seed session gets these events, all at its start (see docs/importing.md).
CONVERTED_EVENTS = ("product_view", "add_to_cart", "begin_checkout", "purchase")

# file -> (required columns, optional columns, aliases: other spelling -> column)
LAYOUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]] = {
    "categories.csv": (
        ("category_id", "name"),
        (),
        {"id": "category_id", "category_name": "name", "category": "name"},
    ),
    "products.csv": (
        ("product_id", "name", "category_id", "price"),
        (),
        {
            "id": "product_id",
            "product_name": "name",
            "title": "name",
            "unit_price": "price",
            "list_price": "price",
        },
    ),
    "users.csv": (
        ("user_id", "signup_date"),
        ("email", "country", "channel"),
        {
            "id": "user_id",
            "customer_id": "user_id",
            "signed_up_at": "signup_date",
            "signup_at": "signup_date",
            "created_at": "signup_date",
            "acquisition_channel": "channel",
            "source": "channel",
        },
    ),
    "orders.csv": (
        ("order_id", "user_id", "order_date", "status"),
        ("total", "source", "device"),
        {
            "id": "order_id",
            "customer_id": "user_id",
            "placed_at": "order_date",
            "created_at": "order_date",
            "order_ts": "order_date",
            "order_total": "total",
            "traffic_source": "source",
            "channel": "source",
        },
    ),
    "order_items.csv": (
        ("order_id", "product_id", "quantity", "unit_price"),
        ("order_item_id",),
        {"qty": "quantity", "price": "unit_price", "id": "order_item_id"},
    ),
    "sessions.csv": (
        ("session_id", "session_start"),
        ("user_id", "source", "device", "converted", "country"),
        {
            "id": "session_id",
            "customer_id": "user_id",
            "started_at": "session_start",
            "start_time": "session_start",
            "timestamp": "session_start",
            "traffic_source": "source",
            "channel": "source",
        },
    ),
}


def _table(directory: Path, name: str) -> Iterator[RowReader]:
    """The rows of one seed file as RowReaders; a wrong header is an ImportFileError."""
    path = directory / name
    required, optional, aliases = LAYOUTS[name]
    names = read_header(path)
    header, problems = match_header(
        names, required=required, optional=optional, aliases=aliases
    )
    if problems:
        raise ImportFileError(header_problem_sentence(path, problems, f"seed {name}"))
    getters = {column: header.getter(column) for column in (*required, *optional)}
    for line, cells in iter_rows(path):
        yield RowReader(getters, line, cells)


def _source(value: str) -> str:
    mapped = SOURCE_MAP.get(value.lower())
    if mapped is None:
        raise FieldError(f"{value!r} is not one of {', '.join(SOURCE_MAP)}")
    return mapped


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_FLAGS:
        return True
    if lowered in FALSE_FLAGS:
        return False
    raise FieldError(f"{value!r} is not 0 or 1")


@serialized
def import_seed_folder(
    directory: Path | str, *, skip_invalid: bool = False, progress: bool = False
) -> list[ImportReport]:
    """Import a seed data/raw folder; one report per step (catalogue, orders, sessions)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFileError(f"{directory} is not a folder.")
    missing = [name for name in SEED_FILES if not (directory / name).is_file()]
    if missing:
        raise ImportFileError(
            f"{directory} is not a seed data/raw folder: {', '.join(missing)} missing."
        )
    for name in SEED_FILES:
        check_file(directory / name)

    reports: list[ImportReport] = []
    with transaction.atomic():
        catalogue = _import_catalogue_and_users(directory, skip_invalid)
        reports.append(catalogue.report)
        if not catalogue.report.written:
            return reports
        orders_report = import_order_lines(
            parse=lambda: _order_lines(directory, catalogue),
            kind="seed orders",
            source=directory / "order_items.csv",
            header=next(csv.reader((directory / "order_items.csv").open())),
            rejected_path=directory / "order_items.rejected.csv",
            skip_invalid=skip_invalid,
            progress=progress,
        )
        reports.append(orders_report)
        if not orders_report.written:
            transaction.set_rollback(True)
            return reports
        with tempfile.TemporaryDirectory() as scratch:
            events_path, session_errors = _sessions_as_events(
                directory, catalogue, Path(scratch)
            )
            events_report = import_events_file(
                events_path, skip_invalid=skip_invalid, progress=progress
            )
        events_report = replace(
            events_report,
            kind="seed sessions",
            source="sessions.csv",
            errors=tuple(session_errors.listed),
            error_count=session_errors.count,
            rejected_file="",
            written=events_report.written and (skip_invalid or not session_errors),
        )
        reports.append(events_report)
        if not events_report.written:
            transaction.set_rollback(True)
    return reports


class _Catalogue:
    def __init__(self) -> None:
        self.categories: dict[str, str] = {}  # seed category id -> name
        self.products: dict[
            str, tuple[str, str, Decimal]
        ] = {}  # id -> name, cat, price
        self.users: dict[str, tuple[str, str]] = {}  # id -> channel, country
        self.report: ImportReport


def _import_catalogue_and_users(directory: Path, skip_invalid: bool) -> _Catalogue:
    catalogue = _Catalogue()
    errors = ErrorLog()

    def fail(reader: RowReader, name: str) -> bool:
        for error in reader.errors:
            errors.add(replace(error, file=name))
        return bool(reader.errors)

    rows = 0
    for reader in _table(directory, "categories.csv"):
        rows += 1
        category_id = reader.parse("category_id", parse_identifier)
        name = reader.parse("name", parse_identifier, max_length=128)
        if not fail(reader, "categories.csv"):
            catalogue.categories[category_id] = name
    for reader in _table(directory, "products.csv"):
        rows += 1
        product_id = reader.parse("product_id", parse_identifier)
        name = reader.parse("name", parse_identifier, max_length=255)
        category_id = reader.text("category_id")
        price = reader.parse("price", parse_money)
        if category_id not in catalogue.categories:
            reader.errors.append(
                RowError(
                    reader.line,
                    "category_id",
                    f"{category_id!r} is not in categories.csv",
                )
            )
        if not fail(reader, "products.csv"):
            catalogue.products[product_id] = (
                name,
                catalogue.categories[category_id],
                price,
            )
    users: list[Customer] = []
    for reader in _table(directory, "users.csv"):
        rows += 1
        user_id = reader.parse("user_id", parse_identifier)
        signed_up_at = reader.parse("signup_date", parse_datetime)
        channel = reader.text("channel")
        source = reader.parse("channel", _source) if channel else ""
        if not fail(reader, "users.csv"):
            country = reader.text("country")[:64]
            catalogue.users[user_id] = (source or TrafficSource.DIRECT, country)
            users.append(
                Customer(
                    external_id=user_id,
                    email=reader.text("email")[:254],
                    signed_up_at=signed_up_at,
                    country=country,
                    acquisition_channel=source,
                )
            )

    written = skip_invalid or not errors
    if written:
        Category.objects.bulk_create(
            [Category(name=name) for name in set(catalogue.categories.values())],
            ignore_conflicts=True,
        )
        category_pks = dict(Category.objects.values_list("name", "pk"))
        Product.objects.bulk_create(
            [
                Product(
                    sku=product_id,
                    name=name,
                    category_id=category_pks[category],
                    list_price=price,
                )
                for product_id, (name, category, price) in catalogue.products.items()
            ],
            batch_size=5000,
            update_conflicts=True,
            unique_fields=["sku"],
            update_fields=["name", "category", "list_price"],
        )
        Customer.objects.bulk_create(
            users,
            batch_size=5000,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=["email", "signed_up_at", "country", "acquisition_channel"],
        )
    catalogue.report = ImportReport(
        kind="seed catalogue and users",
        source="categories.csv, products.csv, users.csv",
        rows_read=rows,
        written=written,
        counts={
            "categories": len(set(catalogue.categories.values())),
            "products": len(catalogue.products),
            "customers": len(users),
        },
        errors=tuple(errors.listed),
        error_count=errors.count,
    )
    return catalogue


def _order_lines(directory: Path, catalogue: _Catalogue) -> Iterator[ParsedRow]:
    """order_items.csv joined with orders.csv, as order lines.

    An invalid orders.csv row makes each of its items invalid, naming that row.
    """
    orders: dict[str, tuple[datetime, str, str, str, str] | RowError] = {}
    for reader in _table(directory, "orders.csv"):
        order_id = reader.text("order_id")
        placed_at = reader.parse("order_date", parse_datetime)
        user_id = reader.text("user_id")
        status = reader.parse("status", parse_choice, tuple(OrderStatus.values))
        source_text = reader.text("source")
        source = reader.parse("source", _source) if source_text else ""
        device = reader.parse(
            "device", parse_choice, tuple(Device.values), default=Device.DESKTOP
        )
        if user_id not in catalogue.users:
            reader.errors.append(
                RowError(reader.line, "user_id", f"{user_id!r} is not in users.csv")
            )
        if reader.errors:
            first = reader.errors[0]
            orders[order_id] = replace(first, file="orders.csv")
            continue
        orders[order_id] = (
            placed_at,
            user_id,
            status,
            source or catalogue.users[user_id][0],
            device,
        )
    for reader in _table(directory, "order_items.csv"):
        order_id = reader.text("order_id")
        product_id = reader.text("product_id")
        quantity = reader.parse("quantity", parse_quantity)
        unit_price = reader.parse("unit_price", parse_money)
        order = orders.get(order_id)
        if order is None:
            reader.errors.append(
                RowError(reader.line, "order_id", f"{order_id!r} is not in orders.csv")
            )
        elif isinstance(order, RowError):
            reader.errors.append(
                RowError(reader.line, "order_id", f"its order is invalid: {order}")
            )
        if product_id not in catalogue.products:
            reader.errors.append(
                RowError(
                    reader.line, "product_id", f"{product_id!r} is not in products.csv"
                )
            )
        if reader.errors:
            yield ParsedRow(
                reader.line,
                list(reader.cells),
                order_id,
                [replace(error, file="order_items.csv") for error in reader.errors],
            )
            continue
        placed_at, user_id, status, source, device = order  # type: ignore[misc]
        yield ParsedRow(
            reader.line,
            list(reader.cells),
            order_id,
            OrderLine(
                order_id=order_id,
                placed_at=placed_at,
                customer_id=user_id,
                status=status,
                sku=product_id,
                quantity=quantity,
                unit_price=unit_price,
                traffic_source=source,
                device=device,
            ),
        )


def _sessions_as_events(
    directory: Path, catalogue: _Catalogue, scratch: Path
) -> tuple[Path, ErrorLog]:
    """sessions.csv rewritten as an events file: a page_view at each session's start,
    and product_view, add_to_cart, begin_checkout and purchase too when converted."""
    errors = ErrorLog()
    events_path = scratch / "sessions_events.csv"
    with events_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "session_id",
                "occurred_at",
                "event_type",
                "traffic_source",
                "device",
                "customer_id",
                "country",
            ]
        )
        for reader in _table(directory, "sessions.csv"):
            session_id = reader.parse("session_id", parse_identifier)
            started_at = reader.parse("session_start", parse_datetime)
            user_id = reader.text("user_id")
            source_text = reader.text("source")
            source = reader.parse("source", _source) if source_text else "direct"
            device = reader.parse(
                "device", parse_choice, tuple(Device.values), default=Device.DESKTOP
            )
            converted = reader.parse("converted", _flag)
            if user_id and user_id not in catalogue.users:
                reader.errors.append(
                    RowError(reader.line, "user_id", f"{user_id!r} is not in users.csv")
                )
            if reader.errors:
                for error in reader.errors:
                    errors.add(replace(error, file="sessions.csv"))
                continue
            country = reader.text("country") or (
                catalogue.users[user_id][1] if user_id else ""
            )
            steps = ("page_view", *(CONVERTED_EVENTS if converted else ()))
            for step in steps:
                writer.writerow(
                    [
                        session_id,
                        started_at.isoformat(),
                        step,
                        source,
                        device,
                        user_id,
                        country,
                    ]
                )
    return events_path, errors
