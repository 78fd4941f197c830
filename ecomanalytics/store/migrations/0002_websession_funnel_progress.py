from django.db import migrations, models


def fill_session_progress(apps, schema_editor) -> None:
    # Sessions loaded before this migration have events but default progress: derive
    # it once in the database. The current module is used (not the historical
    # models) because it holds the one definition of the funnel; it only reads
    # WebSession and SessionEvent columns that exist from here on.
    from ecomanalytics.store.session_progress import refresh_session_progress

    refresh_session_progress(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("store", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="websession",
            name="converted",
            field=models.BooleanField(default=False, db_default=False),
        ),
        migrations.AddField(
            model_name="websession",
            name="funnel_step",
            field=models.PositiveSmallIntegerField(default=0, db_default=0),
        ),
        migrations.RunPython(fill_session_progress, migrations.RunPython.noop),
    ]
