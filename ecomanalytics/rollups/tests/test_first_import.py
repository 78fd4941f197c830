"""A shop filled only by imports: its first import builds the roll-ups.

fixtures/orders_generic.csv, in the test shop's New York time: A-1001 on January 31
(paid, 2 x 19.90 + 9.50 = 49.30, C-1), then in February A-1002 (completed,
3 x 9.50 = 28.50, C-2), A-1003 (cancelled) and A-1004 (refunded), and A-1005 in March.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import sys
import termios
from pathlib import Path

import pytest

from ecomanalytics.rollups.models import RollupState
from ecomanalytics.store.importing.orders import import_orders_file

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
FEBRUARY = "/api/kpi/summary/?start=2025-02-01&end=2025-02-28"

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_shop_with_rollups_on(settings) -> None:
    settings.ROLLUPS_ENABLED = True
    assert not RollupState.objects.exists()


@pytest.mark.usefixtures("empty_shop_with_rollups_on")
def test_the_first_import_builds_the_rollups_that_then_answer(
    api_client, django_capture_on_commit_callbacks, capsys
):
    # when: the first data the shop ever gets is an import
    with django_capture_on_commit_callbacks(execute=True):
        import_orders_file(FIXTURES / "orders_generic.csv")
    response = api_client.get(FEBRUARY)

    # then: the roll-ups answer, with February's numbers
    assert (response.status_code, response["X-Metrics-Source"]) == (200, "rollup")
    assert response.json() == {
        "start": "2025-02-01",
        "end": "2025-02-28",
        "currency": "USD",
        "revenue": 28.5,
        "orders": 1,
        "average_order_value": 28.5,
        "completed_orders": 1,
        "all_orders": 3,
        "completion_rate": 1 / 3,
        "customers": 1,
        "previous": {
            "start": "2025-01-04",
            "end": "2025-01-31",
            "revenue": 49.3,
            "orders": 1,
            "average_order_value": 49.3,
            "completed_orders": 0,
            "all_orders": 1,
            "completion_rate": 0.0,
            "customers": 1,
        },
    }
    # and outside a terminal the build prints nothing
    assert capsys.readouterr().err == ""


@pytest.mark.usefixtures("empty_shop_with_rollups_on")
def test_the_first_import_in_a_terminal_says_it_builds_them_with_a_bar(
    monkeypatch, django_capture_on_commit_callbacks
):
    # given: standard error is a terminal (a pseudo-terminal's child side) of 80 x 24
    parent, child = os.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    with open(child, "w", encoding="utf-8") as terminal:
        monkeypatch.setattr(sys, "stderr", terminal)

        # when
        with django_capture_on_commit_callbacks(execute=True):
            import_orders_file(FIXTURES / "orders_generic.csv")
        terminal.flush()

    # then: a line saying why, then tqdm's bar over the roll-up tables
    shown = _everything_written(parent)
    assert shown.startswith("No roll-ups yet: building them from all the data loaded.")
    # a bar that ran to its end: "| 8/8 [00:01<00:00,  6.10 tables/s]"
    assert re.search(r"\| (\d+)/\1 \[.* tables/s\]", shown)
    assert RollupState.objects.exists()


def _everything_written(parent: int) -> str:
    """What the terminal received; its child side is closed, so reading ends."""
    received = b""
    while True:
        try:
            chunk = os.read(parent, 1 << 16)
        except OSError:  # EIO: nothing left, the child side is closed
            break
        if not chunk:
            break
        received += chunk
    os.close(parent)
    return received.decode()
