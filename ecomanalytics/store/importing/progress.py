"""Progress of an import's rows on the command line, nothing in tests and the admin.

A live bar in a terminal, one summary line in a log (store.progress).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from ..progress import progress

T = TypeVar("T")


def progress_bar(
    items: Iterable[T], enabled: bool, description: str, total: int | None = None
) -> Iterator[T]:
    if not enabled:
        yield from items
        return
    with progress(total=total, unit="rows", description=description) as bar:
        for item in items:
            yield item
            bar.update()
