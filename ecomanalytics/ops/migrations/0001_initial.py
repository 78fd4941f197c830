import time

from django.db import migrations, models


def first_version(apps, schema_editor):
    DataVersion = apps.get_model("ops", "DataVersion")
    DataVersion.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"value": time.time_ns() // 1000}
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="DataVersion",
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
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "data version", "db_table": "ops_dataversion"},
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]
