"""Imports are serialized across processes: the second one is refused in one sentence."""

from __future__ import annotations

import pytest

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
