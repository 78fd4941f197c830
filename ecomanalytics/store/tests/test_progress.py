"""Progress on the command line: a bar in a terminal, one summary line in a log."""

import io
import re
from datetime import UTC, datetime

import pytest

from ecomanalytics.store.generation.run import generate_data
from ecomanalytics.store.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_outside_a_terminal_a_step_prints_one_line() -> None:
    # given a log file (not a terminal)
    log = io.StringIO()

    # when a step reports 3 updates
    with progress(
        total=5, unit="customers", description="Generating", stream=log
    ) as bar:
        for count in (2, 2, 1):
            bar.update(count)

    # then one line, written when the step ends
    assert re.fullmatch(r"Generating: 5 customers in \d+\.\d s\n", log.getvalue())


def test_in_a_terminal_it_is_a_live_bar() -> None:
    terminal = Terminal()

    with progress(total=2, unit="rows", description="Loading", stream=terminal) as bar:
        bar.update(1)
        bar.update(1)

    assert "\r" in terminal.getvalue()
    assert "2/2" in terminal.getvalue()


def test_disabled_it_prints_nothing() -> None:
    log = io.StringIO()

    with progress(
        total=2, unit="rows", description="x", enabled=False, stream=log
    ) as bar:
        bar.update(2)

    assert log.getvalue() == ""


@pytest.mark.django_db(transaction=True)
def test_generation_in_a_log_prints_one_summary_line(capsys) -> None:
    # when the generator runs with progress on, its stderr not a terminal (pytest's)
    generate_data(
        customers=20, months=2, progress=True, now=datetime(2025, 3, 1, tzinfo=UTC)
    )

    # then
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"Generating: 20 customers in \d+\.\d s", lines[0])
