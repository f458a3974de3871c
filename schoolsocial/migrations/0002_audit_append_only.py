"""On PostgreSQL, refuse UPDATE and DELETE of audit events in the database
itself, so not even a stray query can rewrite the trail."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION schoolsocial_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'schoolsocial: % on % is not allowed (append-only)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER schoolsocial_auditevent_append_only
    BEFORE UPDATE OR DELETE ON schoolsocial_auditevent
    FOR EACH ROW EXECUTE FUNCTION schoolsocial_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS schoolsocial_auditevent_append_only ON schoolsocial_auditevent;
"""


def _run(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: the SQL's own % signs are not placeholders.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    _run(schema_editor, CREATE)


def backwards(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [("schoolsocial", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
