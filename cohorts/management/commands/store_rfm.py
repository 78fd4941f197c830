"""manage.py store_rfm: score the RFM groups of every level and store them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cohorts.stored_rfm import store_rfm


class Command(BaseCommand):
    help = (
        "Score the RFM groups as of the data's last day, for no filter and each "
        "single filter value, from the roll-ups, and store them (a refresh does it)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        snapshot = store_rfm()
        if snapshot is None:
            self.stdout.write("Nothing stored: no orders, or no roll-ups yet.")
            return
        self.stdout.write(
            f"Stored the RFM groups of {snapshot.levels:,} levels as of "
            f"{snapshot.as_of} in {snapshot.seconds:.1f} s."
        )
