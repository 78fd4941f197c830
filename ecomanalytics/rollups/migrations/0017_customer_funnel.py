import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0016_time_to_convert"),
        ("store", "0003_sales_terms_and_refunds"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerFunnelSession",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("traffic_source", models.CharField(max_length=16)),
                ("device", models.CharField(max_length=16)),
                ("country", models.CharField(max_length=64)),
                ("started_us", models.BigIntegerField()),
                ("viewed_us", models.BigIntegerField(null=True)),
                ("carted_us", models.BigIntegerField(null=True)),
                ("checkout_us", models.BigIntegerField(null=True)),
                ("purchased_us", models.BigIntegerField(null=True)),
                (
                    "customer",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="store.customer",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["started_us"], name="rollups_cus_started_425586_idx"
                    ),
                    models.Index(
                        fields=["customer", "started_us"],
                        name="rollups_cus_custome_d98ca4_idx",
                    ),
                ],
            },
        ),
    ]
