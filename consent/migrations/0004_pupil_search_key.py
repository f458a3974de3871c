"""Pupil.search_key: the names folded for searching (schoolsocial.folding),
filled for the pupils already on the register, indexed per school; on
PostgreSQL also a trigram index so "contains" searches use an index."""

from django.db import migrations, models

from schoolsocial.folding import name_search_key

SEARCH_KEY_LENGTH = 600


def fill_search_keys(apps, schema_editor):
    Pupil = apps.get_model("consent", "Pupil")
    batch = []
    for pupil in Pupil.objects.only("first_name", "last_name", "preferred_name").iterator(
        chunk_size=1000
    ):
        pupil.search_key = name_search_key(
            pupil.first_name, pupil.preferred_name, pupil.last_name
        )[:SEARCH_KEY_LENGTH]
        batch.append(pupil)
        if len(batch) == 1000:
            Pupil.objects.bulk_update(batch, ["search_key"])
            batch = []
    if batch:
        Pupil.objects.bulk_update(batch, ["search_key"])


def trigram_index(apps, schema_editor):
    """PostgreSQL only: a GIN trigram index serves LIKE '%word%'. Creating the
    pg_trgm extension needs the right privileges; without them the B-tree
    index above still keeps a search to one school's rows."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            cursor.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
                " AND (SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user)"
            )
            if cursor.fetchone() is None:
                return
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS pupil_search_key_trgm ON consent_pupil "
            "USING gin (search_key gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS pupil_search_key_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0003_merge_import_and_followups"),
        ("schoolsocial", "0004_channel_check_weekdays"),
    ]

    operations = [
        migrations.AddField(
            model_name="pupil",
            name="search_key",
            field=models.CharField(blank=True, editable=False, max_length=600),
        ),
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="pupil",
            index=models.Index(fields=["school", "search_key"], name="pupil_search_key"),
        ),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
