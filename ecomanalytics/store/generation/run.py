"""One generation run: draw the catalogue and the batches, write them, report.

`generate_data` is what the generate_data command calls and what tests call directly.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..data_version import bump_data_version
from ..loads import rows_loaded, rows_loading
from ..progress import progress as progress_of
from . import shapes
from .generator import Plan, generate_batches, generate_catalogue
from .writer import ensure_catalogue, next_ids, write_batch, writer_for


@dataclass(frozen=True, slots=True)
class GenerationReport:
    rows: dict[str, int]  # rows written per model (catalogue included)
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


def generate_data(
    *,
    customers: int = 5000,
    months: int = 24,
    seed: int = 42,
    sessions_per_order: float = shapes.DEFAULT_SESSIONS_PER_ORDER,
    flush: bool = False,
    now: datetime | None = None,
    batch_customers: int = 5000,
    progress: bool = False,
    using: str = "default",
) -> GenerationReport:
    """Generate a shop's data into the database, batch by batch; same seed, same data.

    now: the end of the data (default: the current time); the last month is partial.
    Each batch of `batch_customers` customers is written in its own transaction, so
    memory stays bounded by one batch. Bumps the data version at the end.
    """
    if customers < 0 or months < 1 or sessions_per_order < 1:
        raise ValueError("customers >= 0, months >= 1, sessions_per_order >= 1")
    started = time.perf_counter()
    plan = Plan(
        customers=customers,
        months=months,
        now=now or timezone.now(),
        tz=ZoneInfo(settings.TIME_ZONE),
        sessions_per_order=sessions_per_order,
        batch_customers=batch_customers,
    )
    rng = np.random.default_rng(seed)
    # The money terms' own stream: a child of the seed, independent of rng.
    terms_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    catalogue = generate_catalogue(rng)
    writer = writer_for(using=using)
    if flush:
        writer.flush()
    with transaction.atomic(using=using):
        product_ids = ensure_catalogue(catalogue, using=using)
        ids = next_ids(using=using)
    rows = {"Category": len(catalogue.category_names), "Product": len(catalogue.skus)}
    batches = generate_batches(
        plan=plan,
        rng=rng,
        terms_rng=terms_rng,
        product_ids=product_ids,
        catalogue=catalogue,
        ids=ids,
    )
    # The batches commit one by one; roll-ups already built keep answering meanwhile.
    rows_loading.send(sender=generate_data, using=using)
    # Into empty tables, indexes are cheaper built once at the end than kept up to date.
    loading = writer.indexes_deferred() if ids.is_fresh() else nullcontext()
    with (
        loading,
        progress_of(
            total=customers,
            unit="customers",
            description="Generating",
            enabled=progress,
        ) as bar,
    ):
        for tables in batches:
            with transaction.atomic(using=using):
                written = write_batch(writer, tables)
            for model, count in written.items():
                rows[model] = rows.get(model, 0) + count
            bar.update(written["Customer"])
    with transaction.atomic(using=using):
        writer.finish()
    bump_data_version()
    rows_loaded.send(sender=generate_data, using=using, since=None, build=True)
    return GenerationReport(rows=rows, seconds=time.perf_counter() - started)
