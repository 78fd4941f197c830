"""A tqdm progress bar on the command line, nothing in tests and the admin."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress_bar(
    items: Iterable[T], enabled: bool, description: str, total: int | None = None
) -> Iterator[T]:
    if not enabled:
        yield from items
        return
    yield from tqdm(
        items,
        desc=description,
        total=total,
        unit=" rows",
        unit_scale=True,
        mininterval=0.5,
        file=sys.stderr,
    )
