"""An incremental refresh patches the cohort cells by deltas and gets exactly the
cells a full rebuild writes.

The shop (New York): Ann (US, shoes, organic/desktop) first ordered in January and
orders again on March 31 at 23:30, the last local day of March though April 1 in UTC;
Bob (FR, hats, email/mobile) ordered once in January and that order is cancelled;
Cleo signs up and first orders in March. So one refresh from March 1: moves Ann's
size row to repeat (1 -> 2 orders) and adds her March active month; takes Bob out of
every first-order cohort cell (they fall to zero and must disappear); adds Cleo's cells; and leaves
Dan's (February, untouched) as they were.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from ecomanalytics.rollups.models import CohortCell
from ecomanalytics.rollups.refresh import refresh_rollups
from ecomanalytics.store.models import Order
from ecomanalytics.store.tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0):
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def cells() -> list[tuple]:
    return sorted(
        CohortCell.objects.values_list(
            "cohort_by",
            "grain",
            "day",
            "month",
            "active_month",
            "traffic_source",
            "device",
            "country",
            "category_id",
            "customers",
            "repeat_customers",
        ),
        key=repr,
    )


@pytest.fixture
def shop(settings):
    settings.TIME_ZONE = "America/New_York"
    shoe = ProductFactory(category=CategoryFactory(name="Shoes"))
    hat = ProductFactory(category=CategoryFactory(name="Hats"))
    ann = CustomerFactory(country="US", signed_up_at=local(2025, 1, 2))
    bob = CustomerFactory(country="FR", signed_up_at=local(2025, 1, 3))
    dan = CustomerFactory(country="US", signed_up_at=local(2025, 2, 1))
    OrderFactory(customer=ann, placed_at=local(2025, 1, 5), lines=[(shoe, 1, "10")])
    OrderFactory(
        customer=bob,
        placed_at=local(2025, 1, 6),
        traffic_source="email",
        device="mobile",
        lines=[(hat, 1, "20")],
        external_id="BOB-1",
    )
    OrderFactory(customer=dan, placed_at=local(2025, 2, 9), lines=[(hat, 2, "20")])
    return {"shoe": shoe, "ann": ann}


def test_incremental_refresh_patches_the_cells_to_what_a_full_build_writes(shop):
    # given cells built over January and February
    refresh_rollups()
    before = cells()
    assert any(cell[:1] == ("f",) and cell[7] == "FR" for cell in before)  # Bob's

    # when March brings Ann's second order (late on the 31st), Cleo's first, and
    # Bob's only order is cancelled
    OrderFactory(
        customer=shop["ann"],
        placed_at=local(2025, 3, 31, 23, 30),
        lines=[(shop["shoe"], 1, "10")],
    )
    cleo = CustomerFactory(country="GB", signed_up_at=local(2025, 3, 2))
    OrderFactory(
        customer=cleo, placed_at=local(2025, 3, 3), lines=[(shop["shoe"], 1, "5")]
    )
    Order.objects.filter(external_id="BOB-1").update(
        status="cancelled", placed_at=local(2025, 3, 1)
    )
    report = refresh_rollups(since=date(2025, 3, 1))
    patched = cells()

    # then the patch equals a full rebuild, cell for cell
    assert report.since == date(2025, 3, 1)
    refresh_rollups()
    assert patched == cells()
    # and it changed what it should: Bob left the first-order cohorts (he stays in
    # the signup cohorts), Ann is a repeat customer
    assert not any(cell[:1] == ("f",) and cell[7] == "FR" for cell in patched)
    assert any(cell[:1] == ("s",) and cell[7] == "FR" for cell in patched)
    ann_size = [
        cell
        for cell in patched
        if cell[:2] == ("f", "d")
        and cell[2] == date(2025, 1, 5)
        and cell[4] is None
        and cell[5:9] == ("*", "*", "*", None)
    ]
    assert [(cell[9], cell[10]) for cell in ann_size] == [(1, 1)]
    ann_march = [
        cell
        for cell in patched
        if cell[:3] == ("f", "m", date(2025, 1, 1))
        and cell[4] == date(2025, 3, 1)
        and cell[5:9] == ("*", "*", "*", None)
    ]
    assert [cell[9] for cell in ann_march] == [1]


def test_a_refresh_with_nothing_new_leaves_the_cells_as_they_were(shop):
    # given
    refresh_rollups()
    before = cells()

    # when
    refresh_rollups(since=date(2025, 3, 1))

    # then
    assert cells() == before
