"""A hand-built year for the holdout check (America/New_York, as the test settings).

The last order is on Dec 31 2025, so as_of = Dec 31, calibration_end = Jul 2 (182
days before) and the holdout is Jul 3 .. Dec 31. $10 an order.

  ann: Jan 10; holdout Aug 1, Sep 1                     x = 0, actual 2
  bob: Feb 1                                            x = 0, actual 0
  cyd: Jan 5, Mar 5; holdout Oct 1                      x = 1, actual 1
  dee: 9 orders Jan 2 .. May 2; holdout Jul 3, Dec 31   x = 8 (7+), actual 2
  eve: first order Aug 15 (in the holdout): not a calibration customer
  fay: Jan 15; a cancelled order on Sep 1               x = 0, actual 0
  gus: Jul 2 at 23:30 local (Jul 3 in UTC); Jul 3       x = 0, actual 1

Per group: 0 repeat orders: 4 customers, (2 + 0 + 0 + 1) / 4 = 0.75 actual orders
each; 1: 1 customer, 1.0; 7+: 1 customer, 2.0; 2 to 6: none.
"""

from __future__ import annotations

from datetime import datetime

from cohorts.tests.value_shop import local
from ecomanalytics.store.models import Customer
from ecomanalytics.store.tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductFactory,
)

DEE = [
    local(1, 2),
    local(1, 20),
    local(2, 2),
    local(2, 20),
    local(3, 2),
    local(3, 20),
    local(4, 2),
    local(4, 20),
    local(5, 2),
]


def orders_of(external_id: str, *placed: datetime) -> Customer:
    customer = CustomerFactory(external_id=external_id)
    lamp = ProductFactory()
    for at in placed:
        OrderFactory(customer=customer, placed_at=at, lines=[(lamp, 1, "10.00")])
    return customer


def build_holdout_year() -> None:
    orders_of("ann", local(1, 10), local(8, 1), local(9, 1))
    orders_of("bob", local(2, 1))
    orders_of("cyd", local(1, 5), local(3, 5), local(10, 1))
    orders_of("dee", *DEE, local(7, 3), local(12, 31))
    orders_of("eve", local(8, 15))
    fay = orders_of("fay", local(1, 15))
    OrderFactory(customer=fay, placed_at=local(9, 1), status="cancelled")
    orders_of("gus", local(7, 2, 23, 30), local(7, 3))
