"""Progress of a long step on the command line.

In a terminal: a live tqdm bar. Anywhere else (a log file, CI, a pipe) a bar's
carriage-return redraws pile up, and its last state was printed twice; there each
step prints one summary line when it ends instead: "customers: 5,000 in 12.3 s".
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

from tqdm import tqdm


class Progress(Protocol):
    def update(self, n: int = 1) -> object: ...

    def set_description(self, desc: str | None = None) -> object: ...


class _Quiet:
    def update(self, n: int = 1) -> None:
        pass

    def set_description(self, desc: str | None = None) -> None:
        pass


class _SummaryLine:
    """Counts silently; one line on close."""

    def __init__(self, description: str, unit: str, stream: TextIO) -> None:
        self.description = description
        self.unit = unit
        self.stream = stream
        self.done = 0
        self.started = time.perf_counter()

    def update(self, n: int = 1) -> None:
        self.done += n

    def set_description(self, desc: str | None = None) -> None:
        pass  # a step name per update would be one line each: the summary names the job

    def close(self) -> None:
        seconds = time.perf_counter() - self.started
        print(
            f"{self.description}: {self.done:,} {self.unit} in {seconds:.1f} s",
            file=self.stream,
            flush=True,
        )


@contextmanager
def progress(
    *,
    total: int | None,
    unit: str,
    description: str,
    enabled: bool = True,
    stream: TextIO | None = None,
) -> Iterator[Progress]:
    """A progress reporter for one step: update(n) as work gets done."""
    out = stream if stream is not None else sys.stderr
    if not enabled:
        yield _Quiet()
        return
    if out.isatty():
        with tqdm(
            total=total, unit=f" {unit}", desc=description, file=out, smoothing=0.1
        ) as bar:
            yield bar
        return
    summary = _SummaryLine(description, unit, out)
    try:
        yield summary
    finally:
        summary.close()
