"""Rows written by copy_rows read back exactly as given, on both backends."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ecomanalytics.store.importing.bulk_insert import copy_rows
from ecomanalytics.store.models import Product
from ecomanalytics.store.tests.factories import CategoryFactory

NAMES = [
    "tab\there",
    "back\\slash \\N",
    "two\nlines\r\n",
    "naïve ☕ café",
]


def test_copied_rows_keep_every_character_and_cent(db):
    # given text COPY must escape, and prices as floats rounded to cents
    category = CategoryFactory()
    rows = [
        (f"sku-{k}", name, category.pk, price)
        for k, (name, price) in enumerate(
            zip(NAMES, [0.1 + 0.2, np.float64(19.99), 1e6 + 0.01, 0], strict=True)
        )
    ]
    # when
    copy_rows(Product, ("sku", "name", "category", "list_price"), rows)
    # then
    stored = list(
        Product.objects.order_by("sku").values_list("name", "category_id", "list_price")
    )
    assert stored == [
        ("tab\there", category.pk, Decimal("0.30")),
        ("back\\slash \\N", category.pk, Decimal("19.99")),
        ("two\nlines\r\n", category.pk, Decimal("1000000.01")),
        ("naïve ☕ café", category.pk, Decimal("0.00")),
    ]


def test_copying_no_rows_writes_nothing(db):
    copy_rows(Product, ("sku", "name"), [])
    assert not Product.objects.exists()
