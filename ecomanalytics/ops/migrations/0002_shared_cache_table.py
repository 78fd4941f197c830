"""The table of the shared cache (settings.SHARED_CACHE_TABLE), created by migrate.

Created whatever the cache settings say, so a site that drops REDIS_URL later needs no
extra step; `manage.py createcachetable` would do the same.
"""

from django.conf import settings
from django.core.management.commands.createcachetable import Command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    command = Command()
    command.verbosity = 0
    command.create_table(
        schema_editor.connection.alias, settings.SHARED_CACHE_TABLE, dry_run=False
    )


def drop_cache_table(apps, schema_editor):
    quoted = schema_editor.connection.ops.quote_name(settings.SHARED_CACHE_TABLE)
    schema_editor.execute(f"DROP TABLE IF EXISTS {quoted}")


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
