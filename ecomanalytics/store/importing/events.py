"""Importing web-session events, one row per event; sessions are built from their events.

Same two streaming passes as the orders import (see orders.py). A session starts at its
first event: a later file with earlier events of a known session moves its start back.
Events are matched by (session, event type, time): an event already stored is skipped,
so importing a file twice adds nothing the second time. Unknown customers are created
(signed up at their first event); an unknown sku or order id leaves the event's product
or order empty and is counted in the report.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from django.db import transaction

from ..choices import Device, EventType, TrafficSource
from ..data_version import bump_data_version
from ..models import Customer, Order, Product, SessionEvent, WebSession
from ..session_progress import refresh_session_progress
from .bulk_insert import BATCH_SIZE, chunks, db_datetime, insert_rows
from .locking import serialized
from .parsing import (
    ImportFileError,
    RowError,
    RowReader,
    header_problem_sentence,
    iter_rows,
    match_header,
    parse_choice,
    parse_datetime,
    parse_identifier,
    raw_header,
    read_header,
)
from .progress import progress_bar
from .report import ErrorLog, ImportReport, RejectedWriter, rejected_path_for
from .rollups import refresh_rollups_after_commit

REQUIRED_COLUMNS = (
    "session_id",
    "occurred_at",
    "event_type",
    "traffic_source",
    "device",
)
OPTIONAL_COLUMNS = ("customer_id", "country", "sku", "order_id")
EVENT_TYPES = tuple(EventType.values)
SOURCES = tuple(TrafficSource.values)
DEVICES = tuple(Device.values)


class EventRow(NamedTuple):
    session_id: str
    occurred_at: datetime  # aware, UTC
    event_type: str
    traffic_source: str
    device: str
    customer_id: str = ""
    country: str = ""
    sku: str = ""
    order_id: str = ""


class ParsedEvent(NamedTuple):
    line: int
    cells: list[str]
    session_id: str
    result: EventRow | list[RowError]


def parse_events(path: Path) -> Iterator[ParsedEvent]:
    names = read_header(path)
    header, problems = match_header(
        names, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS
    )
    if problems:
        if "order_id" in names and "sku" in names and "quantity" in names:
            raise ImportFileError(
                f"{path.name} is not an events file: it looks like an orders file, "
                "use import_orders."
            )
        raise ImportFileError(header_problem_sentence(path, problems, "events"))
    get = {
        column: header.getter(column) for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    }
    for line, cells in iter_rows(path):
        reader = RowReader(get, line, cells)
        field = reader.parse
        row = EventRow(
            session_id=field("session_id", parse_identifier),
            occurred_at=field("occurred_at", parse_datetime),
            event_type=field("event_type", parse_choice, EVENT_TYPES),
            traffic_source=field("traffic_source", parse_choice, SOURCES),
            device=field("device", parse_choice, DEVICES),
            customer_id=reader.text("customer_id")[:64],
            country=reader.text("country")[:64],
            sku=reader.text("sku")[:64],
            order_id=reader.text("order_id")[:64],
        )
        yield ParsedEvent(line, cells, reader.text("session_id"), reader.errors or row)


# Session-level fields every event of a session must agree on; a blank customer_id or
# country agrees with any.
SESSION_FIELDS = ("traffic_source", "device", "customer_id", "country")
BLANK_AGREES = frozenset({"customer_id", "country"})


@dataclass(slots=True)
class _SessionSeen:
    """A session as the file's valid events give it, and the line that first set it."""

    started_at: datetime  # its first event
    traffic_source: str
    device: str
    customer_id: str
    country: str
    first_line: int


@dataclass(slots=True)
class _CustomerSeen:
    """A customer at the start of their first session in the file."""

    first_seen_at: datetime
    traffic_source: str
    country: str


@dataclass(slots=True)
class _SessionRow:
    """What a session row holds, besides its external id: compared with the stored one."""

    started_at: datetime
    traffic_source: str
    device: str
    customer_pk: int | None
    country: str


@serialized
def import_events_file(
    path: Path | str, *, skip_invalid: bool = False, progress: bool = False
) -> ImportReport:
    """Import an events file; see the module docstring and docs/importing.md."""
    path = Path(path)
    header = raw_header(path)
    started = time.monotonic()
    errors = ErrorLog()
    sessions: dict[str, _SessionSeen] = {}
    bad_sessions: dict[str, int] = {}
    rows_read = 0
    for row in progress_bar(parse_events(path), progress, "checking"):
        rows_read += 1
        if isinstance(row.result, list):
            for error in row.result:
                errors.add(error)
            if row.session_id:
                bad_sessions.setdefault(row.session_id, row.line)
            continue
        event: EventRow = row.result
        known = sessions.get(event.session_id)
        if known is None:
            sessions[event.session_id] = _SessionSeen(
                started_at=event.occurred_at,
                traffic_source=event.traffic_source,
                device=event.device,
                customer_id=event.customer_id,
                country=event.country,
                first_line=row.line,
            )
            continue
        disagreement = _disagreement(known, event, row.line)
        if disagreement is not None:
            errors.add(disagreement)
            bad_sessions.setdefault(event.session_id, row.line)
            continue
        known.started_at = min(known.started_at, event.occurred_at)
        known.customer_id = known.customer_id or event.customer_id
        known.country = known.country or event.country

    if errors and not skip_invalid:
        return ImportReport(
            kind="events",
            source=path.name,
            rows_read=rows_read,
            written=False,
            errors=tuple(errors.listed),
            error_count=errors.count,
            seconds=time.monotonic() - started,
        )
    for session_id in bad_sessions:
        sessions.pop(session_id, None)

    rejected = RejectedWriter(rejected_path_for(path), header) if errors else None
    counts = dict.fromkeys(
        (
            "sessions_created",
            "sessions_updated",
            "sessions_unchanged",
            "events_written",
            "events_already_stored",
            "customers_created",
            "unknown_skus",
            "unknown_order_ids",
        ),
        0,
    )
    try:
        with transaction.atomic():
            _write(path, sessions, bad_sessions, errors, rejected, counts, progress)
    finally:
        if rejected is not None:
            rejected.close()
    bump_data_version()
    return ImportReport(
        kind="events",
        source=path.name,
        rows_read=rows_read,
        written=True,
        counts=counts,
        errors=tuple(errors.listed),
        error_count=errors.count,
        rejected_rows=rejected.count if rejected else 0,
        rejected_file=str(rejected.path) if rejected else "",
        seconds=time.monotonic() - started,
    )


def _disagreement(known: _SessionSeen, event: EventRow, line: int) -> RowError | None:
    for column in SESSION_FIELDS:
        here, there = getattr(event, column), getattr(known, column)
        if column in BLANK_AGREES and (not here or not there):
            continue
        if here != there:
            return RowError(
                line,
                column,
                f"session {event.session_id} has {here!r} here but {there!r} "
                f"on line {known.first_line}",
            )
    return None


def _write(
    path: Path,
    sessions: dict[str, _SessionSeen],
    bad_sessions: dict[str, int],
    errors: ErrorLog,
    rejected: RejectedWriter | None,
    counts: dict[str, int],
    progress: bool,
) -> None:
    customer_pks = _ensure_customers(sessions, counts)
    # Bulk SQL sends no signals: refresh the roll-ups once, from the first session
    # start in the file (a known session only ever moves earlier).
    refresh_rollups_after_commit(
        min((session.started_at for session in sessions.values()), default=None),
        everything=False,
        counts=counts,
    )
    session_pks = _upsert_sessions(sessions, customer_pks, counts)
    product_pks: dict[str, int | None] = {}
    order_pks: dict[str, int | None] = {}
    reasons = errors.reason_by_line
    batch: list[EventRow] = []
    for row in progress_bar(parse_events(path), progress, "writing"):
        bad_line = bad_sessions.get(row.session_id)
        if bad_line is not None or row.line in reasons:
            if rejected is not None:
                reason = reasons.get(row.line) or (
                    f"session {row.session_id} has an invalid row on line {bad_line}"
                )
                rejected.write(row.line, row.cells, reason)
            continue
        batch.append(row.result)  # type: ignore[arg-type]
        if len(batch) >= BATCH_SIZE:
            _insert_events(batch, session_pks, product_pks, order_pks, counts)
            batch = []
    if batch:
        _insert_events(batch, session_pks, product_pks, order_pks, counts)
    # The stored funnel progress of every session of the file, from all its events
    # (earlier imports' too), in the same transaction as the events.
    refresh_session_progress(session_ids=list(session_pks.values()))


def _ensure_customers(
    sessions: dict[str, _SessionSeen], counts: dict[str, int]
) -> dict[str, int]:
    """Customer pks by external id; unknown customers are created at their first event."""
    first_seen: dict[str, _CustomerSeen] = {}
    for session in sessions.values():
        customer_id = session.customer_id
        if customer_id and (
            customer_id not in first_seen
            or session.started_at < first_seen[customer_id].first_seen_at
        ):
            first_seen[customer_id] = _CustomerSeen(
                first_seen_at=session.started_at,
                traffic_source=session.traffic_source,
                country=session.country,
            )
    pks: dict[str, int] = {}
    for chunk in chunks(list(first_seen)):
        pks.update(
            Customer.objects.filter(external_id__in=chunk).values_list(
                "external_id", "pk"
            )
        )
        new = [
            Customer(
                external_id=customer_id,
                signed_up_at=first_seen[customer_id].first_seen_at,
                acquisition_channel=first_seen[customer_id].traffic_source,
                country=first_seen[customer_id].country,
            )
            for customer_id in chunk
            if customer_id not in pks
        ]
        if new:
            Customer.objects.bulk_create(new)
            pks.update(
                Customer.objects.filter(
                    external_id__in=[customer.external_id for customer in new]
                ).values_list("external_id", "pk")
            )
        counts["customers_created"] += len(new)
    return pks


def _upsert_sessions(
    sessions: dict[str, _SessionSeen],
    customer_pks: dict[str, int],
    counts: dict[str, int],
) -> dict[str, int]:
    """Upsert sessions by external id; their primary keys by external id.

    A known session keeps the earlier of its stored and imported starts; a blank customer
    or country in the file keeps the stored one. Each session leaves `sessions` once its
    key is known, so memory holds one of the two per session, not both.
    """
    session_pks: dict[str, int] = {}
    for chunk in chunks(list(sessions)):
        existing = {
            external_id: _SessionRow(started_at, source, device, customer_pk, country)
            for (
                external_id,
                started_at,
                source,
                device,
                customer_pk,
                country,
            ) in WebSession.objects.filter(external_id__in=chunk).values_list(
                "external_id",
                "started_at",
                "traffic_source",
                "device",
                "customer_id",
                "country",
            )
        }
        to_write: list[tuple] = []
        for external_id in chunk:
            seen = sessions[external_id]
            row = _SessionRow(
                started_at=seen.started_at,
                traffic_source=seen.traffic_source,
                device=seen.device,
                customer_pk=customer_pks.get(seen.customer_id),
                country=seen.country,
            )
            known = existing.get(external_id)
            if known is not None:
                row.started_at = min(row.started_at, known.started_at)
                row.customer_pk = row.customer_pk or known.customer_pk
                row.country = row.country or known.country
                if row == known:
                    counts["sessions_unchanged"] += 1
                    continue
                counts["sessions_updated"] += 1
            else:
                counts["sessions_created"] += 1
            to_write.append(
                (
                    external_id,
                    db_datetime(row.started_at),
                    row.traffic_source,
                    row.device,
                    row.customer_pk,
                    row.country,
                )
            )
        update_fields = [
            "started_at",
            "traffic_source",
            "device",
            "customer",
            "country",
        ]
        insert_rows(
            WebSession,
            ["external_id", *update_fields],
            to_write,
            conflict_field="external_id",
            update_fields=update_fields,
        )
        session_pks.update(
            WebSession.objects.filter(external_id__in=chunk).values_list(
                "external_id", "pk"
            )
        )
        for external_id in chunk:
            del sessions[external_id]
    return session_pks


def _lookup(
    model: type[Product] | type[Order],
    key: str,
    wanted: set[str],
    known: dict[str, int | None],
) -> None:
    missing = [value for value in wanted if value and value not in known]
    if not missing:
        return
    found = dict(model.objects.filter(**{f"{key}__in": missing}).values_list(key, "pk"))
    for value in missing:
        known[value] = found.get(value)


def _insert_events(
    batch: list[EventRow],
    session_pks: dict[str, int],
    product_pks: dict[str, int | None],
    order_pks: dict[str, int | None],
    counts: dict[str, int],
) -> None:
    _lookup(Product, "sku", {event.sku for event in batch}, product_pks)
    _lookup(Order, "external_id", {event.order_id for event in batch}, order_pks)
    # Events already stored for these sessions (from an earlier import, or an earlier
    # batch of this file) are skipped: one query per batch.
    seen = set(
        SessionEvent.objects.filter(
            session_id__in={session_pks[event.session_id] for event in batch}
        ).values_list("session_id", "event_type", "occurred_at")
    )
    new: list[tuple] = []
    for event in batch:
        session_pk = session_pks[event.session_id]
        key = (session_pk, event.event_type, event.occurred_at)
        if key in seen:
            counts["events_already_stored"] += 1
            continue
        seen.add(key)
        product_pk = product_pks.get(event.sku) if event.sku else None
        order_pk = order_pks.get(event.order_id) if event.order_id else None
        counts["unknown_skus"] += bool(event.sku and product_pk is None)
        counts["unknown_order_ids"] += bool(event.order_id and order_pk is None)
        new.append(
            (
                session_pk,
                event.event_type,
                db_datetime(event.occurred_at),
                product_pk,
                order_pk,
            )
        )
    insert_rows(
        SessionEvent, ["session", "event_type", "occurred_at", "product", "order"], new
    )
    counts["events_written"] += len(new)
