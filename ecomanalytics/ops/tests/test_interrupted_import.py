"""An import stopped during its roll-up refresh: it says what it committed before the
refresh starts, and the next refresh catches up on its days.

Before, an import killed there printed nothing though its rows were committed, a
Ctrl-C there said "nothing was written", and the next import's refresh (from its own,
later day) recorded the roll-ups as current without the killed import's days.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ecomanalytics.store.importing.command import INTERRUPTED_AFTER_COMMIT
from ecomanalytics.store.loads import rows_loaded
from ecomanalytics.store.models import Order

from .site import COMMAND_SECONDS, Site

HEADER = "order_id,placed_at,customer_id,status,sku,quantity,unit_price\n"
NOVEMBER_ORDER = HEADER + "A-1,2026-11-10T17:00:00Z,C-1,paid,SKU-1,1,100.00\n"
DECEMBER_ORDER = HEADER + "A-2,2026-12-05T17:00:00Z,C-1,paid,SKU-1,2,30.00\n"
COMMITTED = (
    "Committed (orders created 1, lines written 1, customers created 1, products "
    "created 1, categories created 1). Refreshing the roll-ups: if this is interrupted, the imported rows "
    "stay, and the next refresh (manage.py refresh_rollups, or the next import) "
    "catches up."
)
# The import as `manage.py import_orders` runs it, with a refresh that never ends:
# the test kills the process there, as a deploy or the OOM killer would.
IMPORT_WITH_ENDLESS_REFRESH = """
import sys
from django.core.management import call_command
import ecomanalytics.rollups.signals as refresh_on_load

def endless_refresh(**kwargs):
    print("refresh started", flush=True)
    sys.stdin.read()

refresh_on_load.refresh_rollups = endless_refresh
call_command("import_orders", "--no-progress", {path!r})
"""
NOVEMBER_FROM_ROLLUPS = (
    "from datetime import date; "
    "from ecomanalytics.filters import MetricFilters; "
    "from ecomanalytics.rollups.status import metrics_path, rollup_status; "
    "from kpi.metrics import kpi_summary; "
    "november = MetricFilters(start=date(2026, 11, 1), end=date(2026, 11, 30)); "
    "status = rollup_status(); "
    "path = metrics_path('rollup'); path.__enter__(); "
    "figures = kpi_summary(filters=november).current; "
    "print(status.usable, status.refreshing, figures.orders, figures.revenue)"
)


def test_an_import_killed_in_its_refresh_is_caught_up_by_the_next(site: Site) -> None:
    # given built roll-ups, and an import killed once its refresh has started
    site.manage("refresh_rollups")
    november = site.directory / "november.csv"
    november.write_text(NOVEMBER_ORDER)
    killed = site.popen_manage(
        "shell",
        "--no-imports",
        "-c",
        IMPORT_WITH_ENDLESS_REFRESH.format(path=str(november)),
    )
    assert killed.stdout is not None
    said = [killed.stdout.readline().strip(), killed.stdout.readline().strip()]
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=COMMAND_SECONDS)

    # then it had said what it committed, before the refresh started
    assert said == [COMMITTED, "refresh started"]
    stale = site.python(NOVEMBER_FROM_ROLLUPS)

    # when the next import, of a later day, runs with its refresh
    december = site.directory / "december.csv"
    december.write_text(DECEMBER_ORDER)
    site.manage("import_orders", "--no-progress", str(december))

    # then: meanwhile the roll-ups answered as they were, flagged as refreshing
    # (within ROLLUPS_PENDING_GRACE_SECONDS of the killed import)
    assert stale.split()[:3] == ["True", "True", "0"]
    # and, current again, they count the killed import's order too
    assert site.python(NOVEMBER_FROM_ROLLUPS) == "True False 1 100.00"


@pytest.mark.django_db(transaction=True)
def test_ctrl_c_during_the_refresh_says_the_rows_were_committed(
    tmp_path: Path, capsys: Any, settings: Any
) -> None:
    # given an import whose refresh is interrupted (Ctrl-C)
    settings.ROLLUPS_ENABLED = True
    november = tmp_path / "november.csv"
    november.write_text(NOVEMBER_ORDER)

    def interrupted_refresh(**kwargs: Any) -> None:
        raise KeyboardInterrupt

    rows_loaded.connect(interrupted_refresh, dispatch_uid="test:interrupt")
    try:
        # when
        with pytest.raises(CommandError) as stopped:
            call_command("import_orders", "--no-progress", str(november))
    finally:
        rows_loaded.disconnect(dispatch_uid="test:interrupt")

    # then it says the rows are in (they are), not that nothing was written
    assert str(stopped.value) == INTERRUPTED_AFTER_COMMIT
    assert capsys.readouterr().out.splitlines() == [COMMITTED]
    assert list(Order.objects.values_list("external_id", flat=True)) == ["A-1"]
