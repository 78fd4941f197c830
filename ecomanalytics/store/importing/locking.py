"""The importers' side of the import lock (ecomanalytics/ops/import_lock.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from ecomanalytics.ops.import_lock import ImportBusyError, import_lock

from .parsing import ImportFileError

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def one_import_at_a_time(
    *, wait_seconds: float = 0, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the import lock; a busy lock is an ImportFileError (one sentence).

    wait_seconds: wait that long for another import to finish before refusing.
    """
    try:
        with import_lock(wait_seconds=wait_seconds, on_wait=on_wait):
            yield
    except ImportBusyError as busy:
        raise ImportFileError(str(busy)) from None


def serialized(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate an import: it runs holding the import lock, or is refused."""

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_import_at_a_time():
            return function(*args, **kwargs)

    return run
