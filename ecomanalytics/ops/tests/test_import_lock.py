"""Imports are serialized across processes: the second one is refused in one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ecomanalytics.ops.import_lock import BUSY, import_lock

from .site import COMMAND_SECONDS, Site

ORDERS = (
    "order_id,placed_at,customer_id,status,sku,quantity,unit_price\n"
    "A-1,2026-11-10T12:00:00Z,C-1,paid,SKU-1,1,100.00\n"
)
# Holds the import lock, as a running import does, until its stdin closes.
HOLDER = (
    "import sys; from ecomanalytics.ops.import_lock import import_lock\n"
    "with import_lock():\n"
    "    print('locked', flush=True); sys.stdin.read()\n"
)
COUNT = "from ecomanalytics.store.models import Order; print(Order.objects.count())"


def test_a_second_import_is_refused_while_one_runs(site: Site) -> None:
    # given: another process in the middle of an import
    orders = site.directory / "orders.csv"
    orders.write_text(ORDERS)
    holder = site.popen_manage("shell", "--no-imports", "-c", HOLDER)
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "locked"

        # when
        refused = site.manage(
            "import_orders", "--no-progress", str(orders), check=False
        )
        written_meanwhile = site.python(COUNT)
    finally:
        holder.communicate(timeout=COMMAND_SECONDS)

    # then: one sentence, no traceback, nothing written; after it, the import runs
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"CommandError: {BUSY}"
    assert written_meanwhile == "0"
    site.manage("import_orders", "--no-progress", str(orders))
    assert site.python(COUNT) == "1"


@pytest.mark.django_db
def test_the_seed_import_may_run_imports_inside_its_own() -> None:
    # when: nested, as import_seed_folder runs the orders and events imports
    with import_lock(), import_lock():
        pass

    # then: released, so the next import takes it
    with import_lock():
        pass


def test_with_wait_the_second_import_runs_once_the_first_has_finished(
    site: Site,
) -> None:
    # given: another process in the middle of an import
    orders = site.directory / "orders.csv"
    orders.write_text(ORDERS)
    holder = site.popen_manage("shell", "--no-imports", "-c", HOLDER)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"

    # when an import is started with --wait, and the other import then finishes
    waiting = site.popen_manage(
        "import_orders", "--no-progress", "--wait", "60", str(orders)
    )
    assert waiting.stderr is not None
    try:
        said = waiting.stderr.readline().strip()
        written_while_waiting = site.python(COUNT)
    finally:
        holder.communicate(timeout=COMMAND_SECONDS)
    out, err = waiting.communicate(timeout=COMMAND_SECONDS)

    # then it said it waits, wrote nothing meanwhile, and imported afterwards
    assert said == ("Another import is running; waiting up to 60 s for it to finish.")
    assert written_while_waiting == "0"
    assert waiting.returncode == 0, err
    assert "orders created: 1" in out
    assert site.python(COUNT) == "1"


def test_a_wait_that_runs_out_refuses_in_one_sentence(site: Site) -> None:
    # given: another import that goes on for longer than the wait
    orders = site.directory / "orders.csv"
    orders.write_text(ORDERS)
    holder = site.popen_manage("shell", "--no-imports", "-c", HOLDER)
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "locked"

        # when
        refused = site.manage(
            "import_orders", "--no-progress", "--wait", "1.5", str(orders), check=False
        )
    finally:
        holder.communicate(timeout=COMMAND_SECONDS)

    # then
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "Another import is running; waiting up to 1.5 s for it to finish.",
        "CommandError: Another import was still running after 1.5 s of waiting; "
        "nothing was written. Try again when it has finished.",
    ]
    assert site.python(COUNT) == "0"


@pytest.mark.parametrize("wait", ["0", "-5", "soon", "inf"])
def test_the_wait_is_a_positive_number_of_seconds(wait: str, tmp_path: Path) -> None:
    # when
    with pytest.raises(CommandError) as refused:
        call_command("import_orders", str(tmp_path / "orders.csv"), f"--wait={wait}")

    # then
    assert str(refused.value) == (
        f"Error: argument --wait: {wait!r} is not a positive number of seconds"
    )
