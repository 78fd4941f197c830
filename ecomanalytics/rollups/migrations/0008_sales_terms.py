"""The sales terms in the order, category and product facts (docs/metrics.md, "Sales"),
and the refunds in the raw tables' fingerprint.

revenue was gross sales (Σ quantity x unit price): renamed, its values kept. Roll-ups
built before this had no discounts or refunds to count (store 0003 gives existing
orders zero terms), so the new columns start at 0 and the rows stay current.
"""

from decimal import Decimal

from django.db import migrations, models

MONEY_SUM = {"max_digits": 20, "decimal_places": 2}


def _money(model_name, name):
    return migrations.AddField(
        model_name=model_name,
        name=name,
        field=models.DecimalField(default=Decimal("0"), **MONEY_SUM),
        preserve_default=False,
    )


def _units(model_name, name):
    return migrations.AddField(
        model_name=model_name,
        name=name,
        field=models.PositiveBigIntegerField(default=0),
        preserve_default=False,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0007_baked_revenue_statuses"),
        ("store", "0003_sales_terms_and_refunds"),
    ]

    operations = [
        migrations.RenameField("orderday", "revenue", "gross_sales"),
        migrations.RenameField("categoryday", "revenue", "gross_sales"),
        migrations.RenameField("productday", "revenue", "gross_sales"),
        _money("orderday", "discounts"),
        _money("orderday", "returns"),
        _money("orderday", "shipping"),
        _money("orderday", "taxes"),
        _money("categoryday", "discounts"),
        _money("categoryday", "returns"),
        _units("categoryday", "returned_units"),
        _money("productday", "discounts"),
        _money("productday", "returns"),
        _units("productday", "returned_units"),
        migrations.AddField(
            model_name="rollupstate",
            name="last_refund_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="rollupstate",
            name="last_refund_line_id",
            field=models.BigIntegerField(default=0),
        ),
    ]
