"""Each audit event carries the hash of the one before it in its school's
trail; existing events are chained here, oldest first. The guard triggers
themselves are (re)installed after every migrate (schoolsocial/records_db.py),
so this drops the first version of the audit trigger (0002) they replace."""

import django.db.models.deletion
from django.db import migrations, models


def chain_existing_events(apps, schema_editor):
    from schoolsocial.records import GENESIS, event_hash

    AuditEvent = apps.get_model("schoolsocial", "AuditEvent")
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                "DROP TRIGGER IF EXISTS schoolsocial_auditevent_append_only ON schoolsocial_auditevent"
            )
        cursor.execute(
            "DROP TRIGGER IF EXISTS schoolsocial_guard_schoolsocial_auditevent_row"
            + (" ON schoolsocial_auditevent" if vendor == "postgresql" else "")
        )
    last: dict = {}
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        prev = last.get(event.school_id, GENESIS)
        digest = event_hash(event, prev)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
        last[event.school_id] = digest


class Migration(migrations.Migration):

    dependencies = [
        ('schoolsocial', '0007_channel_private_messages'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.CreateModel(
            name='ErasurePermit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='schoolsocial.auditevent')),
            ],
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['school', '-id'], name='audit_chain_tail'),
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
    ]
